//! The clock the engine reads: [`SystemClock`] in the app; the demo's simulated clock or a test's
//! clock otherwise. Deadlines are reckoned in the clock's time (Azure's, or the simulator's in demo
//! mode, which can run faster or jump) and slept in wall time.

use std::time::Duration;

use chrono::{DateTime, Utc};

/// Where the watcher reads the time.
pub trait Clock: Send + Sync {
    /// Now, in the time grants' start and end are given in.
    fn now(&self) -> DateTime<Utc>;

    /// How many seconds of this clock pass per wall-clock second (1 for real time).
    fn rate(&self) -> f64 {
        1.0
    }

    /// Wall time until `moment` on this clock (zero when it has passed).
    fn wall_until(&self, moment: DateTime<Utc>) -> Duration {
        let ahead = (moment - self.now()).to_std().unwrap_or(Duration::ZERO);
        let rate = self.rate();
        if rate.is_finite() && rate > 0.0 {
            // A tiny rate (the demo clock slowed down) must not overflow the division.
            Duration::try_from_secs_f64(ahead.as_secs_f64() / rate).unwrap_or(Duration::MAX)
        } else {
            ahead
        }
    }
}

/// The system's clock.
#[derive(Clone, Copy, Debug, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Fast(DateTime<Utc>);
    impl Clock for Fast {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
        fn rate(&self) -> f64 {
            60.0
        }
    }

    #[test]
    fn a_faster_clock_sleeps_less_and_the_past_is_zero() {
        let now = Utc::now();
        let clock = Fast(now);
        assert_eq!(
            clock.wall_until(now + chrono::TimeDelta::minutes(15)),
            Duration::from_secs(15)
        );
        assert_eq!(
            clock.wall_until(now - chrono::TimeDelta::minutes(1)),
            Duration::ZERO
        );
        assert_eq!(
            SystemClock.wall_until(Utc::now() - chrono::TimeDelta::seconds(5)),
            Duration::ZERO
        );
    }

    struct Crawling(DateTime<Utc>);
    impl Clock for Crawling {
        fn now(&self) -> DateTime<Utc> {
            self.0
        }
        fn rate(&self) -> f64 {
            1e-300
        }
    }

    #[test]
    fn an_almost_stopped_clock_does_not_overflow_the_sleep() {
        let now = Utc::now();
        assert_eq!(
            Crawling(now).wall_until(now + chrono::TimeDelta::days(365)),
            Duration::MAX
        );
    }
}
