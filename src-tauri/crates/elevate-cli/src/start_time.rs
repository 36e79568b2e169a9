//! Reading `--start`: RFC 3339, a local `HH:MM` (the next time the clock shows it) or `+DURATION`.

use chrono::{DateTime, Local, NaiveTime, TimeDelta, Utc};
use elevate_core::model::Span;

/// Parses `--start` relative to `now`.
pub fn parse_start(text: &str, now: DateTime<Utc>) -> Result<DateTime<Utc>, String> {
    let text = text.trim();
    let refuse =
        || format!("'{text}' is not a start time: use 2026-01-31T09:00:00Z, 09:00 or +30m");
    if let Some(rest) = text.strip_prefix('+') {
        let span: Span = rest.parse().map_err(|_| refuse())?;
        return Ok(now + span.to_time_delta());
    }
    if let Ok(t) = DateTime::parse_from_rfc3339(text) {
        return Ok(t.with_timezone(&Utc));
    }
    if let Ok(clock) = NaiveTime::parse_from_str(text, "%H:%M") {
        let local_now = now.with_timezone(&Local);
        for days in 0..=1 {
            let date = local_now.date_naive() + TimeDelta::days(days);
            if let Some(at) = date.and_time(clock).and_local_timezone(Local).earliest()
                && at > local_now
            {
                return Ok(at.with_timezone(&Utc));
            }
        }
    }
    Err(refuse())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_of_start() {
        let now = Utc::now();
        assert_eq!(
            parse_start("+30m", now).ok(),
            Some(now + TimeDelta::minutes(30))
        );
        assert!(parse_start("2030-01-31T09:00:00Z", now).is_ok());
        let at = parse_start("09:00", now).unwrap_or(now);
        assert!(at > now && at - now <= TimeDelta::hours(24));
        assert!(parse_start("tomorrow", now).is_err());
        assert!(parse_start("+forever", now).is_err());
    }
}
