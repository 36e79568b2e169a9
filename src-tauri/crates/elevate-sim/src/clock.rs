//! The simulator's controllable clock and Azure-style timestamps.
//!
//! `sim_now = anchor_sim + (real_now - anchor_real) * scale`. Moving the clock re-anchors it.
//! The state file keeps the offset from real time and the scale, so a restarted simulator
//! continues where the clock was relative to wall time.

use std::time::Instant;

use chrono::{DateTime, Duration, NaiveDateTime, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Largest clock scale accepted (one real second = about 11.5 simulated days).
const MAX_SCALE: f64 = 1_000_000.0;

/// A clock that can be moved, set and sped up.
#[derive(Debug, Clone)]
pub(crate) struct SimClock {
    anchor_sim: DateTime<Utc>,
    anchor_real: Instant,
    scale: f64,
}

/// What the state file keeps of the clock.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct SavedClock {
    /// Simulated time minus wall time, in milliseconds.
    offset_ms: i64,
    /// Simulated seconds per real second.
    scale: f64,
}

impl SimClock {
    /// A clock that shows wall time.
    pub(crate) fn real() -> SimClock {
        SimClock {
            anchor_sim: Utc::now(),
            anchor_real: Instant::now(),
            scale: 1.0,
        }
    }

    /// The simulated time now.
    pub(crate) fn now(&self) -> DateTime<Utc> {
        let elapsed = self.anchor_real.elapsed().as_secs_f64() * self.scale;
        // Bounded so the conversion cannot overflow; ~3000 years is far beyond any use.
        let micros = (elapsed * 1_000_000.0).clamp(0.0, 1.0e17) as i64;
        self.anchor_sim
            .checked_add_signed(Duration::microseconds(micros))
            .unwrap_or(self.anchor_sim)
    }

    /// Simulated seconds per real second.
    pub(crate) fn scale(&self) -> f64 {
        self.scale
    }

    /// Moves the clock by `by` (may be negative).
    pub(crate) fn advance(&mut self, by: Duration) -> Result<(), String> {
        let target = self
            .now()
            .checked_add_signed(by)
            .ok_or_else(|| "the clock would leave the supported range".to_string())?;
        self.set(target);
        Ok(())
    }

    /// Sets the clock to `to`.
    pub(crate) fn set(&mut self, to: DateTime<Utc>) {
        self.anchor_sim = to;
        self.anchor_real = Instant::now();
    }

    /// Changes how fast simulated time runs (0 stops it).
    pub(crate) fn set_scale(&mut self, scale: f64) -> Result<(), String> {
        if !scale.is_finite() || !(0.0..=MAX_SCALE).contains(&scale) {
            return Err(format!("scale must be a number between 0 and {MAX_SCALE}"));
        }
        let now = self.now();
        self.set(now);
        self.scale = scale;
        Ok(())
    }

    fn save(&self) -> SavedClock {
        SavedClock {
            offset_ms: (self.now() - Utc::now()).num_milliseconds(),
            scale: self.scale,
        }
    }

    fn restore(saved: &SavedClock) -> SimClock {
        let anchor_sim = Utc::now()
            .checked_add_signed(Duration::milliseconds(saved.offset_ms))
            .unwrap_or_else(Utc::now);
        let scale = if saved.scale.is_finite() && (0.0..=MAX_SCALE).contains(&saved.scale) {
            saved.scale
        } else {
            1.0
        };
        SimClock {
            anchor_sim,
            anchor_real: Instant::now(),
            scale,
        }
    }
}

impl Serialize for SimClock {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        self.save().serialize(serializer)
    }
}

impl<'de> Deserialize<'de> for SimClock {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        SavedClock::deserialize(deserializer).map(|saved| SimClock::restore(&saved))
    }
}

/// Formats a time the way ARM does: UTC, `Z`, fractional seconds without trailing zeros
/// (`2020-09-10T00:32:36.86Z`).
pub(crate) fn format_time(t: &DateTime<Utc>) -> String {
    let text = t.to_rfc3339_opts(SecondsFormat::Millis, true);
    if let Some(body) = text.strip_suffix('Z')
        && let Some((head, fraction)) = body.rsplit_once('.')
    {
        let fraction = fraction.trim_end_matches('0');
        return if fraction.is_empty() {
            format!("{head}Z")
        } else {
            format!("{head}.{fraction}Z")
        };
    }
    text
}

/// Parses an RFC 3339 time; a time without offset is taken as UTC (as ARM does).
pub(crate) fn parse_time(text: &str) -> Option<DateTime<Utc>> {
    let text = text.trim();
    DateTime::parse_from_rfc3339(text)
        .map(|t| t.with_timezone(&Utc))
        .ok()
        .or_else(|| {
            NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f")
                .ok()
                .map(|n| n.and_utc())
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_like_arm() {
        let t = parse_time("2020-09-10T00:32:36.860Z").unwrap_or_default();
        assert_eq!(format_time(&t), "2020-09-10T00:32:36.86Z");
        let t = parse_time("2020-09-10T00:32:36Z").unwrap_or_default();
        assert_eq!(format_time(&t), "2020-09-10T00:32:36Z");
        let t = parse_time("2020-09-10T02:32:36.5+02:00").unwrap_or_default();
        assert_eq!(format_time(&t), "2020-09-10T00:32:36.5Z");
        assert!(parse_time("2020-09-10T00:32:36").is_some());
        assert!(parse_time("yesterday").is_none());
    }

    #[test]
    fn advance_and_scale() {
        let mut c = SimClock::real();
        let before = c.now();
        assert!(c.advance(Duration::minutes(30)).is_ok());
        let moved = c.now() - before;
        assert!(moved >= Duration::minutes(30) && moved < Duration::minutes(31));
        assert!(c.set_scale(-1.0).is_err());
        assert!(c.set_scale(0.0).is_ok());
        let frozen = c.now();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert_eq!(frozen, c.now());
    }
}
