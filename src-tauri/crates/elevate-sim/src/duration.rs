//! ISO 8601 durations (`PT8H`, `P90D`, `PT1H30M`), as PIM uses them for `duration` and
//! `maximumDuration`. .NET TimeSpan text (`08:00:00`, `1.02:00:00`) is accepted too.

use chrono::Duration;

/// Most seconds a duration may have (about 3,000 years).
const MAX_SECONDS: f64 = 1.0e11;

/// Parses an ISO 8601 duration. Years count as 365 days and months as 30 days.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, String> {
    let trimmed = text.trim();
    let (negative, rest) = match trimmed.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    let seconds = if let Some(body) = rest.strip_prefix(['P', 'p']) {
        parse_iso_body(body).ok_or_else(|| format!("'{text}' is not an ISO 8601 duration"))?
    } else {
        parse_timespan(rest).ok_or_else(|| format!("'{text}' is not an ISO 8601 duration"))?
    };
    if !seconds.is_finite() || seconds > MAX_SECONDS {
        return Err(format!("'{text}' is out of range"));
    }
    let millis = (seconds * 1000.0).round() as i64;
    Ok(Duration::milliseconds(if negative {
        -millis
    } else {
        millis
    }))
}

fn parse_iso_body(body: &str) -> Option<f64> {
    let mut total = 0.0;
    let mut number = String::new();
    let mut in_time = false;
    let mut any = false;
    for c in body.chars() {
        match c {
            '0'..='9' | '.' | ',' => number.push(if c == ',' { '.' } else { c }),
            'T' | 't' => {
                if !number.is_empty() || in_time {
                    return None;
                }
                in_time = true;
            }
            unit => {
                let value: f64 = number.parse().ok()?;
                number.clear();
                let factor = match (in_time, unit.to_ascii_uppercase()) {
                    (false, 'Y') => 365.0 * 86_400.0,
                    (false, 'M') => 30.0 * 86_400.0,
                    (false, 'W') => 7.0 * 86_400.0,
                    (false, 'D') => 86_400.0,
                    (true, 'H') => 3_600.0,
                    (true, 'M') => 60.0,
                    (true, 'S') => 1.0,
                    _ => return None,
                };
                total += value * factor;
                any = true;
            }
        }
    }
    (number.is_empty() && any).then_some(total)
}

/// `[d.]hh:mm:ss[.fff]`
fn parse_timespan(text: &str) -> Option<f64> {
    let mut parts = text.split(':');
    let (first, minutes, seconds) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() {
        return None;
    }
    let (days, hours) = match first.split_once('.') {
        Some((d, h)) => (d.parse::<f64>().ok()?, h.parse::<f64>().ok()?),
        None => (0.0, first.parse::<f64>().ok()?),
    };
    let minutes: f64 = minutes.parse().ok()?;
    let seconds: f64 = seconds.parse().ok()?;
    Some(days * 86_400.0 + hours * 3_600.0 + minutes * 60.0 + seconds)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_common_forms() {
        assert_eq!(parse_duration("PT8H"), Ok(Duration::hours(8)));
        assert_eq!(parse_duration("PT30M"), Ok(Duration::minutes(30)));
        assert_eq!(parse_duration("P90D"), Ok(Duration::days(90)));
        assert_eq!(parse_duration("P1DT2H"), Ok(Duration::hours(26)));
        assert_eq!(parse_duration("PT1.5H"), Ok(Duration::minutes(90)));
        assert_eq!(parse_duration("-PT5M"), Ok(Duration::minutes(-5)));
        assert_eq!(parse_duration("08:00:00"), Ok(Duration::hours(8)));
        assert_eq!(parse_duration("1.02:00:00"), Ok(Duration::hours(26)));
        assert!(parse_duration("P").is_err());
        assert!(parse_duration("PT").is_err());
        assert!(parse_duration("8H").is_err());
        assert!(parse_duration("PT8").is_err());
        assert!(parse_duration("P5H").is_err());
    }
}
