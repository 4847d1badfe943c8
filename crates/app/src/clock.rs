//! The time, from the system or from a test that controls it.

use jiff::{SignedDuration, Timestamp};
use std::sync::Mutex;

pub trait Clock: Send + Sync {
    fn now(&self) -> Timestamp;
}

pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// The system's clock moved so that it read `start` when it was made, and runs on in real time from
/// there: a whole server that believes it is another day (the e2e suite's awkward instants), while
/// timers, leases and backoff still take real seconds.
pub struct OffsetClock {
    offset: SignedDuration,
}

impl OffsetClock {
    pub fn starting_at(start: Timestamp) -> Self {
        OffsetClock {
            offset: start.duration_since(Timestamp::now()),
        }
    }
}

impl Clock for OffsetClock {
    fn now(&self) -> Timestamp {
        let real = Timestamp::now();
        real.saturating_add(self.offset).unwrap_or(real)
    }
}

/// A clock that stands still until the test moves it.
pub struct ManualClock(Mutex<Timestamp>);

impl ManualClock {
    pub fn at(t: Timestamp) -> Self {
        ManualClock(Mutex::new(t))
    }

    pub fn advance(&self, by: SignedDuration) {
        let mut t = self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        *t = t.saturating_add(by).unwrap_or(*t);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        *self
            .0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_offset_clock_starts_where_it_is_told_and_runs_on() {
        let start: Timestamp = "2027-03-28T00:30:00Z".parse().expect("an instant");
        let clock = OffsetClock::starting_at(start);
        let first = clock.now();
        assert!(first.duration_since(start).abs() < SignedDuration::from_secs(2));
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert!(clock.now() > first, "the clock runs in real time");
    }
}
