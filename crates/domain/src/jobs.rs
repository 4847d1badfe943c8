//! When a failed job runs again: exponential backoff with a ceiling, and when to give up.

/// Attempts after which a job is parked as failed (visible to the therapist) instead of retried.
pub const MAX_ATTEMPTS: u32 = 12;

/// Delay before attempt `attempt + 1`, given the first delay. Doubles each time, capped at six hours,
/// so a mail server that is down overnight is retried through the night, not hammered.
pub fn backoff_ms(base_ms: u64, attempt: u32) -> u64 {
    const CEILING_MS: u64 = 6 * 60 * 60 * 1000;
    let factor = 1u64
        .checked_shl(attempt.saturating_sub(1).min(32))
        .unwrap_or(u64::MAX);
    base_ms.saturating_mul(factor).min(CEILING_MS)
}

/// Whether a job that has failed `attempts` times is given up.
pub fn exhausted(attempts: u32) -> bool {
    attempts >= MAX_ATTEMPTS
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_stops_at_the_ceiling() {
        assert_eq!(backoff_ms(5_000, 1), 5_000);
        assert_eq!(backoff_ms(5_000, 2), 10_000);
        assert_eq!(backoff_ms(5_000, 3), 20_000);
        assert_eq!(backoff_ms(5_000, 40), 6 * 60 * 60 * 1000);
        assert_eq!(backoff_ms(u64::MAX, 3), 6 * 60 * 60 * 1000);
    }

    #[test]
    fn a_job_is_given_up_after_max_attempts() {
        assert!(!exhausted(MAX_ATTEMPTS - 1));
        assert!(exhausted(MAX_ATTEMPTS));
    }
}
