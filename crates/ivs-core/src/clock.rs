//! Time is a parameter: everything that needs "now" takes a [`Clock`].
use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use time::OffsetDateTime;

pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> OffsetDateTime;
    /// Unix seconds.
    fn unix(&self) -> i64 {
        self.now().unix_timestamp()
    }
}

pub type SharedClock = Arc<dyn Clock>;

/// The wall clock. The only place ivs reads the system time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)] // the one sanctioned read of the system clock
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// A clock tests move by hand.
#[derive(Debug)]
pub struct FakeClock {
    unix: AtomicI64,
}

impl FakeClock {
    pub fn new(start_unix: i64) -> Self {
        FakeClock {
            unix: AtomicI64::new(start_unix),
        }
    }
    pub fn advance(&self, secs: i64) {
        self.unix.fetch_add(secs, Ordering::SeqCst);
    }
    pub fn set(&self, unix: i64) {
        self.unix.store(unix, Ordering::SeqCst);
    }
}

impl Clock for FakeClock {
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp(self.unix.load(Ordering::SeqCst))
            .unwrap_or(OffsetDateTime::UNIX_EPOCH)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fake_clock_moves_only_when_told() {
        let c = FakeClock::new(1_700_000_000);
        assert_eq!(c.unix(), 1_700_000_000);
        c.advance(3600);
        assert_eq!(c.unix(), 1_700_003_600);
    }
}
