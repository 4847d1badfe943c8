//! Per-key rate limits held in memory: a fixed window per (bucket, key).
//!
//! Each instance counts on its own; with several instances a visitor gets at most N× the limit,
//! which still stops a script while never blocking a person.

use jiff::{SignedDuration, Timestamp};
use std::collections::HashMap;
use std::sync::Mutex;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Bucket {
    SignInByAddress,
    /// One address's attempts at one account: a stranger's guesses never lock the therapist out
    /// from another address.
    SignInByAddressAndEmail,
    /// Every sign-in attempt of this instance: a brake on guessing from many addresses at once.
    SignInEverywhere,
    /// Failed sign-ins at one account from anywhere: not a limit, the count that tells the
    /// therapist their account is being guessed at.
    FailedSignInsOfAccount,
    InquiryByAddress,
    Setup,
    SecondFactor,
    MagicLinkByAddress,
    MagicLinkByEmail,
    MessageByUser,
    TechCheckByAddress,
}

impl Bucket {
    /// How many attempts a window allows, and how long a window is.
    fn rule(self) -> (u32, SignedDuration) {
        match self {
            Bucket::SignInByAddress => (20, SignedDuration::from_mins(15)),
            Bucket::SignInByAddressAndEmail => (8, SignedDuration::from_mins(15)),
            Bucket::SignInEverywhere => (600, SignedDuration::from_mins(15)),
            Bucket::FailedSignInsOfAccount => (u32::MAX, SignedDuration::from_hours(1)),
            Bucket::InquiryByAddress => (5, SignedDuration::from_hours(1)),
            Bucket::Setup => (10, SignedDuration::from_hours(1)),
            Bucket::SecondFactor => (10, SignedDuration::from_mins(15)),
            Bucket::MagicLinkByAddress => (10, SignedDuration::from_hours(1)),
            Bucket::MagicLinkByEmail => (3, SignedDuration::from_mins(15)),
            Bucket::MessageByUser => (60, SignedDuration::from_hours(1)),
            Bucket::TechCheckByAddress => (30, SignedDuration::from_hours(1)),
        }
    }
}

#[derive(Default)]
pub struct Limits {
    windows: Mutex<HashMap<(Bucket, String), (Timestamp, u32)>>,
}

const MAX_KEYS: usize = 50_000;

impl Limits {
    /// Counts one attempt; false when the window's allowance is used up.
    pub fn allow(&self, bucket: Bucket, key: &str, now: Timestamp) -> bool {
        self.count(bucket, key, now) <= bucket.rule().0
    }

    /// Counts one attempt and answers how many the window holds now, this one included.
    pub fn count(&self, bucket: Bucket, key: &str, now: Timestamp) -> u32 {
        let window = bucket.rule().1;
        let mut windows = self
            .windows
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if windows.len() > MAX_KEYS {
            windows.retain(|(b, _), (start, _)| now.duration_since(*start) < b.rule().1);
        }
        let entry = windows.entry((bucket, key.to_string())).or_insert((now, 0));
        if now.duration_since(entry.0) >= window {
            *entry = (now, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_allows_its_count_then_refuses_until_it_passes() {
        let limits = Limits::default();
        let t0: Timestamp = "2026-11-27T10:00:00Z".parse().unwrap();
        for _ in 0..5 {
            assert!(limits.allow(Bucket::InquiryByAddress, "10.0.0.1", t0));
        }
        assert!(!limits.allow(Bucket::InquiryByAddress, "10.0.0.1", t0));
        assert!(
            limits.allow(Bucket::InquiryByAddress, "10.0.0.2", t0),
            "another address has its own window"
        );
        assert!(limits.allow(
            Bucket::InquiryByAddress,
            "10.0.0.1",
            t0 + SignedDuration::from_hours(1)
        ));
    }
}
