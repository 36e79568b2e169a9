use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A length of time, in whole seconds, as PIM uses it for activation durations and policy maxima.
///
/// Parses both what people type (`2h`, `90m`, `1h30m`, `1d`) and ISO 8601 as Azure sends it
/// (`PT8H`, `PT30M`, `P1D`, `P1DT2H`). Serializes as ISO 8601, which is what both ARM and Graph accept.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    seconds: u64,
}

/// The text is not a duration Elevate understands.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{input}' is not a duration: use e.g. 30m, 2h, 1h30m or ISO 8601 such as PT2H")]
pub struct SpanParseError {
    input: String,
}

impl Span {
    /// A span of `seconds` seconds.
    pub const fn from_seconds(seconds: u64) -> Self {
        Span { seconds }
    }

    /// A span of `minutes` minutes.
    pub const fn from_minutes(minutes: u64) -> Self {
        Span {
            seconds: minutes * 60,
        }
    }

    /// The longest duration Elevate takes as a number of minutes (30 days): longer than any
    /// activation PIM allows, short enough that no arithmetic on it overflows.
    pub const MAX_MINUTES: u64 = 43_200;

    /// What a person is told when a number of minutes is out of range.
    pub const MINUTES_RANGE: &'static str = "the duration must be between 1 minute and 30 days";

    /// A number of minutes from a form, a setting or a favourite: the one rule for all of them.
    /// 1 to [`Span::MAX_MINUTES`] is a span; anything else (0, negative, too long) is `None`, which
    /// the caller refuses with [`Span::MINUTES_RANGE`] or reads as "not given".
    pub fn of_minutes(minutes: i64) -> Option<Self> {
        u64::try_from(minutes)
            .ok()
            .filter(|m| (1..=Self::MAX_MINUTES).contains(m))
            .map(Self::from_minutes)
    }

    /// The span in whole minutes (rounded down), as forms show it.
    pub fn whole_minutes(self) -> i64 {
        i64::try_from(self.seconds / 60).unwrap_or(i64::MAX)
    }

    /// A span of `hours` hours.
    pub const fn from_hours(hours: u64) -> Self {
        Span {
            seconds: hours * 3600,
        }
    }

    /// Whole seconds.
    pub const fn as_seconds(self) -> u64 {
        self.seconds
    }

    /// As a chrono delta, for date arithmetic.
    pub fn to_time_delta(self) -> chrono::TimeDelta {
        chrono::TimeDelta::seconds(i64::try_from(self.seconds).unwrap_or(i64::MAX / 1000))
    }

    /// ISO 8601, e.g. `PT1H30M`, `P1DT2H`, `PT0S`.
    pub fn to_iso8601(self) -> String {
        let days = self.seconds / 86_400;
        let hours = (self.seconds % 86_400) / 3600;
        let minutes = (self.seconds % 3600) / 60;
        let seconds = self.seconds % 60;
        let mut out = String::from("P");
        if days > 0 {
            out.push_str(&format!("{days}D"));
        }
        if hours > 0 || minutes > 0 || seconds > 0 || days == 0 {
            out.push('T');
            if hours > 0 {
                out.push_str(&format!("{hours}H"));
            }
            if minutes > 0 {
                out.push_str(&format!("{minutes}M"));
            }
            if seconds > 0 || (hours == 0 && minutes == 0 && days == 0) {
                out.push_str(&format!("{seconds}S"));
            }
        }
        out
    }

    /// Parses ISO 8601 durations of days, hours, minutes and seconds (`P1DT2H30M`, `PT8H`, `PT0.5H`).
    /// Years and months are refused: their length depends on the calendar, and PIM never sends them.
    pub fn parse_iso8601(input: &str) -> Result<Self, SpanParseError> {
        let err = || SpanParseError {
            input: input.to_owned(),
        };
        let upper = input.trim().to_ascii_uppercase();
        let rest = upper.strip_prefix('P').ok_or_else(err)?;
        if rest.is_empty() {
            return Err(err());
        }
        let (date_part, time_part) = match rest.split_once('T') {
            Some((d, t)) if !t.is_empty() => (d, Some(t)),
            Some(_) => return Err(err()),
            None => (rest, None),
        };
        let mut total = 0f64;
        total += sum_units(date_part, &[('W', 604_800.0), ('D', 86_400.0)]).ok_or_else(err)?;
        if let Some(t) = time_part {
            total += sum_units(t, &[('H', 3600.0), ('M', 60.0), ('S', 1.0)]).ok_or_else(err)?;
        }
        if !total.is_finite() || !(0.0..=1.0e12).contains(&total) {
            return Err(err());
        }
        Ok(Span {
            seconds: total.round() as u64,
        })
    }

    /// Parses what a person types: `45m`, `2h`, `1h30m`, `1d`, `90` (minutes), `2 hours`, or ISO 8601.
    pub fn parse_human(input: &str) -> Result<Self, SpanParseError> {
        let err = || SpanParseError {
            input: input.to_owned(),
        };
        let text = input.trim().to_ascii_lowercase();
        if text.is_empty() {
            return Err(err());
        }
        if text.starts_with('p') {
            return Self::parse_iso8601(&text);
        }
        if let Ok(minutes) = text.parse::<u64>() {
            return Ok(Span::from_minutes(minutes));
        }
        let mut total: u64 = 0;
        let mut number = String::new();
        let mut unit = String::new();
        let mut parts: Vec<(String, String)> = Vec::new();
        for ch in text.chars().filter(|c| !c.is_whitespace()) {
            if ch.is_ascii_digit() || ch == '.' {
                if !unit.is_empty() {
                    parts.push((std::mem::take(&mut number), std::mem::take(&mut unit)));
                }
                number.push(ch);
            } else if ch.is_ascii_alphabetic() {
                if number.is_empty() {
                    return Err(err());
                }
                unit.push(ch);
            } else {
                return Err(err());
            }
        }
        if number.is_empty() || unit.is_empty() {
            return Err(err());
        }
        parts.push((number, unit));
        for (number, unit) in parts {
            let value: f64 = number.parse().map_err(|_| err())?;
            let factor = match unit.as_str() {
                "s" | "sec" | "secs" | "second" | "seconds" => 1.0,
                "m" | "min" | "mins" | "minute" | "minutes" => 60.0,
                "h" | "hr" | "hrs" | "hour" | "hours" => 3600.0,
                "d" | "day" | "days" => 86_400.0,
                _ => return Err(err()),
            };
            let seconds = value * factor;
            if !seconds.is_finite() || seconds > 1.0e12 {
                return Err(err());
            }
            total = total.saturating_add(seconds.round() as u64);
        }
        Ok(Span { seconds: total })
    }
}

fn sum_units(part: &str, units: &[(char, f64)]) -> Option<f64> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut next_unit = 0usize;
    for ch in part.chars() {
        if ch.is_ascii_digit() || ch == '.' || ch == ',' {
            number.push(if ch == ',' { '.' } else { ch });
            continue;
        }
        let position = units.iter().position(|(u, _)| *u == ch)?;
        // Units must come in order (P1DT2H, not PT2H1D) and once each.
        if position < next_unit || number.is_empty() {
            return None;
        }
        next_unit = position + 1;
        let value: f64 = number.parse().ok()?;
        total += value * units[position].1;
        number.clear();
    }
    if number.is_empty() { Some(total) } else { None }
}

impl fmt::Display for Span {
    /// People's form: `2h`, `1h 30m`, `45m`, `1d 2h`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.seconds / 86_400;
        let hours = (self.seconds % 86_400) / 3600;
        let minutes = (self.seconds % 3600) / 60;
        let seconds = self.seconds % 60;
        let mut parts = Vec::new();
        if days > 0 {
            parts.push(format!("{days}d"));
        }
        if hours > 0 {
            parts.push(format!("{hours}h"));
        }
        if minutes > 0 {
            parts.push(format!("{minutes}m"));
        }
        if seconds > 0 || parts.is_empty() {
            parts.push(format!("{seconds}s"));
        }
        f.write_str(&parts.join(" "))
    }
}

impl FromStr for Span {
    type Err = SpanParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Span::parse_human(s)
    }
}

impl Serialize for Span {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_iso8601())
    }
}

impl<'de> Deserialize<'de> for Span {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Span::parse_human(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_azure_iso_durations() {
        assert_eq!(Span::parse_iso8601("PT8H"), Ok(Span::from_hours(8)));
        assert_eq!(Span::parse_iso8601("PT30M"), Ok(Span::from_minutes(30)));
        assert_eq!(Span::parse_iso8601("P1D"), Ok(Span::from_hours(24)));
        assert_eq!(
            Span::parse_iso8601("P1DT2H30M"),
            Ok(Span::from_minutes(26 * 60 + 30))
        );
        assert_eq!(Span::parse_iso8601("pt1h"), Ok(Span::from_hours(1)));
        assert_eq!(Span::parse_iso8601("PT0.5H"), Ok(Span::from_minutes(30)));
        for bad in ["", "P", "PT", "8H", "P1M", "PT2H1H", "PT1D", "PTH", "P1Y"] {
            assert!(Span::parse_iso8601(bad).is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn parses_what_people_type() {
        assert_eq!("2h".parse::<Span>(), Ok(Span::from_hours(2)));
        assert_eq!(Span::of_minutes(90), Some(Span::from_minutes(90)));
        assert_eq!(Span::of_minutes(0), None);
        assert_eq!(Span::of_minutes(-5), None);
        assert_eq!(Span::of_minutes(43_201), None);
        assert_eq!(Span::of_minutes(i64::MAX), None);
        assert_eq!(Span::from_minutes(90).whole_minutes(), 90);
        assert_eq!("1h30m".parse::<Span>(), Ok(Span::from_minutes(90)));
        assert_eq!("1h 30m".parse::<Span>(), Ok(Span::from_minutes(90)));
        assert_eq!("90".parse::<Span>(), Ok(Span::from_minutes(90)));
        assert_eq!("2 hours".parse::<Span>(), Ok(Span::from_hours(2)));
        assert_eq!("1.5h".parse::<Span>(), Ok(Span::from_minutes(90)));
        assert_eq!("PT4H".parse::<Span>(), Ok(Span::from_hours(4)));
        for bad in ["", "h", "2x", "two hours", "-1h", "1e400h"] {
            assert!(bad.parse::<Span>().is_err(), "{bad} should be refused");
        }
    }

    #[test]
    fn formats_for_azure_and_for_people() {
        assert_eq!(Span::from_hours(8).to_iso8601(), "PT8H");
        assert_eq!(Span::from_minutes(90).to_iso8601(), "PT1H30M");
        assert_eq!(Span::from_hours(26).to_iso8601(), "P1DT2H");
        assert_eq!(Span::from_hours(24).to_iso8601(), "P1D");
        assert_eq!(Span::from_seconds(0).to_iso8601(), "PT0S");
        assert_eq!(Span::from_minutes(90).to_string(), "1h 30m");
        for s in [
            Span::from_minutes(1),
            Span::from_hours(3),
            Span::from_seconds(93_784),
        ] {
            assert_eq!(Span::parse_iso8601(&s.to_iso8601()), Ok(s));
        }
    }
}
