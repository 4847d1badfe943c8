//! When a certificate is renewed, and how long to wait after a failed attempt: pure rules.

use std::time::Duration;

/// The most that may remain when a certificate is renewed: Let's Encrypt's 90-day certificates
/// are renewed with 30 days left, which leaves a month of daily retries if the CA is down.
const AT_MOST: i64 = 30 * 24 * 60 * 60;

/// A certificate's validity, in seconds since the Unix epoch.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Validity {
    pub not_before: i64,
    pub not_after: i64,
}

impl Validity {
    /// Whether it may be served at `now`.
    pub fn valid_at(self, now: i64) -> bool {
        self.not_before <= now && now < self.not_after
    }
}

/// Whether a certificate is due for renewal at `now`: when less than a third of its lifetime
/// remains, or 30 days, whichever is shorter (a 6-day certificate is renewed with 2 days left,
/// not at once; a 5-year one with 30 days left, not after 20 months). An expired certificate,
/// one not yet valid, or one whose dates make no sense is always due. `before` replaces the rule.
pub fn due(validity: Validity, now: i64, before: Option<Duration>) -> bool {
    if !validity.valid_at(now) {
        return true;
    }
    let remaining = validity.not_after.saturating_sub(now);
    let threshold = match before {
        Some(before) => i64::try_from(before.as_secs()).unwrap_or(i64::MAX),
        None => (validity.not_after.saturating_sub(validity.not_before) / 3).min(AT_MOST),
    };
    remaining < threshold
}

/// The first wait after a failure; Let's Encrypt allows five failed validations an hour, so the
/// waits (5, 10, 20, 40 minutes, …) never come near it.
const FIRST_RETRY: Duration = Duration::from_secs(5 * 60);

/// How long to wait after the `failures`-th failure in a row: doubling from five minutes, never
/// longer than the regular check (`ceiling`).
pub fn retry_after(failures: u32, ceiling: Duration) -> Duration {
    let doublings = failures.saturating_sub(1).min(16);
    FIRST_RETRY
        .saturating_mul(1 << doublings)
        .min(ceiling)
        .max(Duration::from_secs(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    const DAY: i64 = 24 * 60 * 60;

    fn issued(now: i64, days: i64) -> Validity {
        Validity {
            not_before: now,
            not_after: now + days * DAY,
        }
    }

    #[test]
    fn a_90_day_certificate_is_renewed_with_30_days_left() {
        let start = 1_800_000_000;
        let v = issued(start, 90);
        assert!(!due(v, start, None));
        assert!(!due(v, start + 59 * DAY, None));
        assert!(!due(v, start + 60 * DAY, None), "exactly 30 days left");
        assert!(due(v, start + 60 * DAY + 1, None));
        assert!(due(v, start + 89 * DAY, None));
    }

    #[test]
    fn short_and_long_lifetimes_follow_the_shorter_rule() {
        let start = 1_800_000_000;
        let short = issued(start, 6);
        assert!(!due(short, start + 3 * DAY, None));
        assert!(due(short, start + 4 * DAY + 1, None));
        let long = issued(start, 5 * 365);
        assert!(!due(long, start + 1000 * DAY, None));
        assert!(due(long, long.not_after - 29 * DAY, None));
    }

    #[test]
    fn expired_future_and_nonsense_certificates_are_due() {
        let start = 1_800_000_000;
        let v = issued(start, 90);
        assert!(due(v, v.not_after, None), "expired");
        assert!(due(v, start - 1, None), "not yet valid");
        let backwards = Validity {
            not_before: start,
            not_after: start - DAY,
        };
        assert!(due(backwards, start, None));
        let empty = Validity {
            not_before: start,
            not_after: start,
        };
        assert!(due(empty, start, None));
        let extreme = Validity {
            not_before: i64::MIN,
            not_after: i64::MAX,
        };
        assert!(!due(extreme, 0, None), "no overflow");
    }

    #[test]
    fn the_override_replaces_the_rule() {
        let start = 1_800_000_000;
        let v = issued(start, 90);
        assert!(due(v, start, Some(Duration::from_secs(91 * DAY as u64))));
        assert!(!due(v, start + 80 * DAY, Some(Duration::from_secs(0))));
        assert!(due(v, start, Some(Duration::MAX)));
    }

    #[test]
    fn retries_double_up_to_the_regular_check() {
        let twelve_hours = Duration::from_secs(12 * 60 * 60);
        assert_eq!(retry_after(0, twelve_hours), Duration::from_secs(300));
        assert_eq!(retry_after(1, twelve_hours), Duration::from_secs(300));
        assert_eq!(retry_after(2, twelve_hours), Duration::from_secs(600));
        assert_eq!(retry_after(4, twelve_hours), Duration::from_secs(2400));
        assert_eq!(retry_after(20, twelve_hours), twelve_hours);
        assert_eq!(retry_after(u32::MAX, twelve_hours), twelve_hours);
        assert_eq!(
            retry_after(3, Duration::from_secs(2)),
            Duration::from_secs(2)
        );
    }
}
