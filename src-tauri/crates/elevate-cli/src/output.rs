//! How results are shown: aligned tables for people, JSON arrays for scripts, CSV for history.

use chrono::{DateTime, Local, Utc};
use elevate_app::contact::Waiting;
use elevate_core::Needed;
use elevate_core::model::{ActiveGrant, AssignmentType, Eligibility, MemberType, RequestRecord};
use elevate_core::session::{ActionResult, ActivityRow, Check, Outcome, SourceFailure, Verdict};
use elevate_core::store::HistoryEntry;
use serde::Serialize;

/// An eligible role in JSON output.
#[derive(Serialize)]
pub struct RoleJson<'a> {
    pub id: &'a str,
    pub source: &'a str,
    pub role: &'a str,
    pub role_id: &'a str,
    pub scope: &'a str,
    pub scope_name: &'a str,
    pub scope_kind: &'a str,
    pub member_type: MemberType,
    pub eligible_until: Option<DateTime<Utc>>,
}

impl<'a> From<&'a Eligibility> for RoleJson<'a> {
    fn from(e: &'a Eligibility) -> Self {
        RoleJson {
            id: e.key.as_str(),
            source: e.source.as_str(),
            role: &e.role.name,
            role_id: &e.role.id,
            scope: &e.scope.id,
            scope_name: &e.scope.name,
            scope_kind: e.scope.kind.label(),
            member_type: e.member_type,
            eligible_until: e.end,
        }
    }
}

/// An active grant in JSON output.
#[derive(Serialize)]
pub struct GrantJson<'a> {
    pub id: &'a str,
    pub source: &'a str,
    pub role: &'a str,
    pub role_id: &'a str,
    pub scope: &'a str,
    pub scope_name: &'a str,
    pub assignment_type: AssignmentType,
    pub member_type: MemberType,
    pub start: Option<DateTime<Utc>>,
    pub end: Option<DateTime<Utc>>,
    pub remaining_seconds: Option<i64>,
    pub instance_id: &'a str,
}

impl<'a> GrantJson<'a> {
    pub fn new(g: &'a ActiveGrant, now: DateTime<Utc>) -> Self {
        GrantJson {
            id: g.key.as_str(),
            source: g.source.as_str(),
            role: &g.role.name,
            role_id: &g.role.id,
            scope: &g.scope.id,
            scope_name: &g.scope.name,
            assignment_type: g.assignment_type,
            member_type: g.member_type,
            start: g.start,
            end: g.end,
            remaining_seconds: g.remaining(now).map(|d| d.num_seconds()),
            instance_id: &g.id,
        }
    }
}

/// Prints `value` as pretty JSON on stdout.
pub fn print_json<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string_pretty(value) {
        Ok(text) => println!("{text}"),
        Err(e) => eprintln!("error: could not write JSON: {e}"),
    }
}

/// Prints a table with a header row, columns padded to their widest cell.
pub fn print_table(header: &[&str], rows: &[Vec<String>]) {
    print!("{}", render_table(header, rows));
}

/// One table cell as one line of plain text: newlines, tabs and other control characters (and
/// bidirectional overrides) in text from Azure or a requester would otherwise forge rows or
/// columns, or move the cursor.
pub fn table_cell(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}');
        let line_break = matches!(c, '\u{85}' | '\u{2028}' | '\u{2029}');
        if c.is_whitespace() && (c.is_control() || line_break) {
            if !out.ends_with(' ') {
                out.push(' ');
            }
        } else if !(c.is_control() || bidi) {
            out.push(c);
        }
    }
    out
}

/// The table as text, one line per row.
pub fn render_table(header: &[&str], rows: &[Vec<String>]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|row| row.iter().map(|c| table_cell(c)).collect())
        .collect();
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in &rows {
        for (i, cell) in row.iter().enumerate() {
            if let Some(w) = widths.get_mut(i) {
                *w = (*w).max(cell.chars().count());
            }
        }
    }
    let mut table = String::new();
    let mut line = |cells: Vec<&str>| {
        let mut out = String::new();
        for (i, cell) in cells.iter().enumerate() {
            let last = i + 1 == cells.len();
            out.push_str(cell);
            if !last {
                let pad = widths
                    .get(i)
                    .copied()
                    .unwrap_or(0)
                    .saturating_sub(cell.chars().count())
                    + 2;
                out.push_str(&" ".repeat(pad));
            }
        }
        table.push_str(out.trim_end());
        table.push('\n');
    };
    line(header.to_vec());
    for row in &rows {
        line(row.iter().map(String::as_str).collect());
    }
    table
}

/// The command-line options that give what a policy asked for: `add --reason "…"` and so on.
pub fn options_for(needs: &[Needed]) -> Option<String> {
    let options: Vec<&str> = needs
        .iter()
        .map(|n| match n {
            Needed::Justification => "--reason \"why you need it\"",
            Needed::Ticket => "--ticket SYSTEM:NUMBER",
        })
        .collect();
    (!options.is_empty()).then(|| format!("add {}", options.join(" and ")))
}

/// Warns on stderr about sources that failed.
pub fn print_failures(failures: &[SourceFailure]) {
    for f in failures {
        eprintln!(
            "warning: {} could not be listed: {}",
            f.source.label(),
            f.error.message
        );
    }
}

/// `1h 05m`, `12m`, `ended`, `permanent`.
pub fn time_left(end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(end) = end else {
        return "permanent".to_owned();
    };
    let secs = (end - now).num_seconds();
    if secs <= 0 {
        return "ended".to_owned();
    }
    let (h, m) = (secs / 3600, (secs % 3600) / 60);
    match (h, m) {
        (0, 0) => format!("{secs}s"),
        (0, m) => format!("{m}m"),
        (h, m) => format!("{h}h {m:02}m"),
    }
}

/// A local time for people.
pub fn local(t: Option<DateTime<Utc>>) -> String {
    t.map(|t| t.with_timezone(&Local).format("%Y-%m-%d %H:%M").to_string())
        .unwrap_or_else(|| "-".to_owned())
}

/// When an eligibility ends, narrow: "permanent", "in N days" (or hours) within the 14 days in
/// which an extension can be requested, "ended", else the date.
pub fn eligible_until(end: Option<DateTime<Utc>>, now: DateTime<Utc>) -> String {
    let Some(end) = end else {
        return "permanent".to_owned();
    };
    if end <= now {
        return "ended".to_owned();
    }
    let left = end - now;
    if left > elevate_core::model::EXTEND_WINDOW {
        return end.with_timezone(&Local).format("%Y-%m-%d").to_string();
    }
    match (left.num_hours() + 23) / 24 {
        1 if left.num_hours() < 24 => format!("in {} h", left.num_hours().max(1)),
        1 => "in 1 day".to_owned(),
        days => format!("in {days} days"),
    }
}

pub fn roles_table(items: &[Eligibility], now: DateTime<Utc>) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|e| {
            vec![
                e.role.name.clone(),
                e.scope.name.clone(),
                e.scope.kind.label().to_owned(),
                e.source.as_str().to_owned(),
                match e.member_type {
                    MemberType::Group => "group".to_owned(),
                    MemberType::Inherited => "inherited".to_owned(),
                    _ => "direct".to_owned(),
                },
                eligible_until(e.end, now),
            ]
        })
        .collect();
    print_table(
        &["ROLE", "SCOPE", "KIND", "SOURCE", "VIA", "ELIGIBLE UNTIL"],
        &rows,
    );
}

pub fn active_table(items: &[ActiveGrant], now: DateTime<Utc>) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|g| {
            vec![
                g.role.name.clone(),
                g.scope.name.clone(),
                g.source.as_str().to_owned(),
                match g.assignment_type {
                    AssignmentType::Activated => "activated".to_owned(),
                    AssignmentType::Assigned => "assigned".to_owned(),
                },
                local(g.end),
                time_left(g.end, now),
            ]
        })
        .collect();
    print_table(&["ROLE", "SCOPE", "SOURCE", "TYPE", "ENDS", "LEFT"], &rows);
}

/// A request in `elevate requests --json`: Azure's record and, while it waits for approval, who
/// may approve it with the links to reach them (`waiting_for`).
#[derive(Serialize)]
pub struct RequestJson<'a> {
    #[serde(flatten)]
    pub request: &'a RequestRecord,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub waiting_for: Option<&'a Waiting>,
}

/// The requests, with an APPROVERS column for those waiting for approval, then the links to reach
/// the approvers of each (an e-mail to all with an address, a Teams chat with the users).
pub fn requests_table(items: &[RequestRecord], waiting: &[Option<Waiting>]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .enumerate()
        .map(|(i, r)| {
            vec![
                r.name.clone(),
                r.role.name.clone(),
                r.scope.name.clone(),
                r.kind.as_str().to_owned(),
                format!("{} ({})", r.status, r.azure_status),
                local(r.created),
                waiting
                    .get(i)
                    .and_then(Option::as_ref)
                    .map(Waiting::names)
                    .unwrap_or_default(),
            ]
        })
        .collect();
    print_table(
        &[
            "REQUEST",
            "ROLE",
            "SCOPE",
            "KIND",
            "STATUS",
            "CREATED",
            "APPROVERS",
        ],
        &rows,
    );
    for (r, waiting) in items.iter().zip(waiting) {
        let Some(waiting) = waiting else { continue };
        if let Some(link) = &waiting.mail_all {
            println!("E-mail the approvers of {}: {link}", table_cell(&r.name));
        }
        if let Some(link) = &waiting.teams_all {
            println!(
                "Teams chat with the approvers of {}: {link}",
                table_cell(&r.name)
            );
        }
    }
}

/// One line per request whose approval said who decided and why, under the requests table:
/// `REQUEST: approved by NAME: "REASON"` (untrusted text, sanitized to one line).
pub fn decision_lines(items: &[RequestRecord]) {
    for r in items {
        let Some(decision) = r.decision.as_ref().filter(|d| d.is_known()) else {
            continue;
        };
        let verdict = match r.status {
            elevate_core::model::RequestStatus::Denied => "denied",
            _ => "approved",
        };
        println!("{}: {verdict}{}", table_cell(&r.name), decision.text());
    }
}

pub fn history_table(items: &[HistoryEntry]) {
    let rows: Vec<Vec<String>> = items
        .iter()
        .map(|h| {
            vec![
                local(Some(h.at)),
                h.kind.as_str().to_owned(),
                h.role_name.clone(),
                h.scope_name.clone(),
                h.status.as_str().to_owned(),
                h.justification.clone().unwrap_or_default(),
            ]
        })
        .collect();
    print_table(
        &["WHEN", "KIND", "ROLE", "SCOPE", "OUTCOME", "REASON"],
        &rows,
    );
}

/// RFC 4180 CSV of the history.
pub fn history_csv(items: &[HistoryEntry]) {
    println!(
        "at,account,source,kind,role,scope_id,scope_name,duration,justification,ticket,status,azure_status,azure_request_id,error"
    );
    for h in items {
        let cells = [
            h.at.to_rfc3339(),
            h.account.clone(),
            h.source.as_str().to_owned(),
            h.kind.as_str().to_owned(),
            h.role_name.clone(),
            h.scope_id.clone(),
            h.scope_name.clone(),
            h.duration.map(|d| d.to_iso8601()).unwrap_or_default(),
            h.justification.clone().unwrap_or_default(),
            h.ticket
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            h.status.as_str().to_owned(),
            h.azure_status.clone().unwrap_or_default(),
            h.azure_request_id.clone().unwrap_or_default(),
            h.error.clone().unwrap_or_default(),
        ];
        println!("{}", csv_row(&cells));
    }
}

/// One CSV line of `cells`, each quoted and defused ([`csv_cell`]).
fn csv_row(cells: &[String]) -> String {
    cells
        .iter()
        .map(|c| csv_cell(c))
        .collect::<Vec<_>>()
        .join(",")
}

fn csv_cell(value: &str) -> String {
    // A leading =, +, - or @ would be run as a formula by spreadsheet programs, and so would one
    // behind a leading tab or carriage return (spreadsheets skip them); those two start a formula
    // guard as well (a line feed too, to be safe).
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r', '\n']) {
        format!("'{value}")
    } else {
        value.to_owned()
    };
    if guarded.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", guarded.replace('"', "\"\""))
    } else {
        guarded
    }
}

/// One line per action result, for people.
pub fn action_lines(results: &[ActionResult], verb: &str) {
    for r in results {
        let what = format!("{} @ {}", r.role, r.scope_name);
        let line = match r.outcome {
            // Scheduled when the grant starts well after Azure created the request (both are
            // the server's times, so a moved demo clock does not confuse it).
            Outcome::Done => match r.request.as_ref().and_then(|q| {
                q.start.filter(|s| {
                    q.created
                        .unwrap_or(*s)
                        .checked_add_signed(chrono::TimeDelta::minutes(1))
                        .is_some_and(|soon| *s > soon)
                })
            }) {
                Some(start) => format!(
                    "✔ {what}: scheduled to start {}{}",
                    local(Some(start)),
                    until(r)
                ),
                None => format!("✔ {what}: {verb}{}", until(r)),
            },
            Outcome::PendingApproval
                if r.request.as_ref().is_some_and(|q| {
                    q.azure_status.eq_ignore_ascii_case("PendingAdminDecision")
                }) =>
            {
                format!(
                    "… {what}: extension requested; an administrator decides (request {})",
                    request_name(r)
                )
            }
            Outcome::PendingApproval => format!(
                "… {what}: waiting for approval (request {})",
                request_name(r)
            ),
            Outcome::PendingOther => format!(
                "… {what}: accepted, Azure is still working on it (request {})",
                request_name(r)
            ),
            Outcome::AlreadyActive => format!("✔ {what}: already active"),
            Outcome::AlreadyPending => format!("… {what}: a request is already pending"),
            Outcome::Denied => format!("✘ {what}: denied"),
            Outcome::Canceled => format!("✘ {what}: canceled"),
            Outcome::Failed => format!(
                "✘ {what}: Azure could not do it ({})",
                r.request
                    .as_ref()
                    .map(|q| q.azure_status.as_str())
                    .unwrap_or("failed")
            ),
            Outcome::Error => {
                let (message, needs) = r
                    .error
                    .as_ref()
                    .map_or(("failed", &[][..]), |e| (e.message.as_str(), &e.needs[..]));
                match options_for(needs) {
                    Some(hint) => format!("✘ {what}: {message}: {hint}"),
                    None => format!("✘ {what}: {message}"),
                }
            }
        };
        println!("{line}");
        for note in &r.notes {
            println!("    note: {note}");
        }
    }
}

/// One line per check (`activate --check`), for people: what would happen, or exactly what would
/// be refused.
pub fn check_lines(checks: &[Check]) {
    for c in checks {
        let what = format!("{} @ {}", c.role, c.scope_name);
        let line = match c.verdict {
            Verdict::WouldBeGranted => format!("✔ {what}: would be granted"),
            Verdict::WouldWaitForApproval => format!("… {what}: would wait for approval"),
            Verdict::AlreadyActive => {
                format!("✔ {what}: already active; nothing would be requested")
            }
            Verdict::AlreadyPending => {
                format!("… {what}: a request is already pending; nothing new would be requested")
            }
            Verdict::Refused | Verdict::Unknown => {
                let (message, needs) = c
                    .error
                    .as_ref()
                    .map_or(("refused", &[][..]), |e| (e.message.as_str(), &e.needs[..]));
                let said = if c.verdict == Verdict::Refused {
                    "would be refused"
                } else {
                    "could not be checked"
                };
                match options_for(needs) {
                    Some(hint) => format!("✘ {what}: {said}: {message}: {hint}"),
                    None => format!("✘ {what}: {said}: {message}"),
                }
            }
        };
        println!("{line}");
        if !c.checked_by_azure && c.verdict == Verdict::Refused {
            println!("    note: refused by the role's policy before asking Azure");
        }
        for note in &c.notes {
            println!("    note: {note}");
        }
    }
}

/// The merged activity (`history --azure`) as a table.
pub fn activity_table(rows: &[ActivityRow]) {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                local(Some(r.at)),
                r.origin.label().to_owned(),
                r.kind.as_str().to_owned(),
                r.role.clone(),
                r.scope_name.clone(),
                r.status.as_str().to_owned(),
                r.justification.clone().unwrap_or_default(),
                decided(r),
            ]
        })
        .collect();
    print_table(
        &[
            "WHEN",
            "WHERE",
            "KIND",
            "ROLE",
            "SCOPE",
            "OUTCOME",
            "REASON",
            "DECIDED BY",
        ],
        &rows,
    );
}

fn decided(r: &ActivityRow) -> String {
    match (&r.decided_by, &r.decision_reason) {
        (Some(who), Some(why)) => format!("{who}: {why}"),
        (Some(who), None) => who.clone(),
        (None, Some(why)) => why.clone(),
        (None, None) => String::new(),
    }
}

/// RFC 4180 CSV of the merged activity, cells defused against formulas.
pub fn activity_csv(rows: &[ActivityRow]) {
    println!(
        "at,origin,source,kind,role,scope_id,scope_name,duration,justification,ticket,status,azure_status,azure_request_id,decided_by,decision_reason,error"
    );
    for r in rows {
        let cells = [
            r.at.to_rfc3339(),
            r.origin.as_str().to_owned(),
            r.source.as_str().to_owned(),
            r.kind.as_str().to_owned(),
            r.role.clone(),
            r.scope_id.clone(),
            r.scope_name.clone(),
            r.duration.map(|d| d.to_iso8601()).unwrap_or_default(),
            r.justification.clone().unwrap_or_default(),
            r.ticket
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            r.status.as_str().to_owned(),
            r.azure_status.clone().unwrap_or_default(),
            r.azure_request_id.clone().unwrap_or_default(),
            r.decided_by.clone().unwrap_or_default(),
            r.decision_reason.clone().unwrap_or_default(),
            r.error.clone().unwrap_or_default(),
        ];
        println!("{}", csv_row(&cells));
    }
}

fn until(r: &ActionResult) -> String {
    match (
        r.request.as_ref().and_then(|q| q.duration),
        r.request.as_ref(),
    ) {
        (Some(d), Some(_)) => format!(" for {d}"),
        _ => String::new(),
    }
}

fn request_name(r: &ActionResult) -> &str {
    r.request.as_ref().map(|q| q.name.as_str()).unwrap_or("?")
}

/// Prints `value` as one line of JSON and flushes (for machine readers waiting on a pipe).
pub fn print_json_line<T: Serialize + ?Sized>(value: &T) {
    match serde_json::to_string(value) {
        Ok(text) => crate::stdout::line_flushed(&text),
        Err(e) => eprintln!("error: could not write JSON: {e}"),
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn eligible_until_is_in_days_within_the_extension_window_and_a_date_beyond() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-01T12:00:00Z")
            .map(|t| t.with_timezone(&Utc))
            .unwrap_or_else(|e| panic!("{e}"));
        let days = |d: i64| Some(now + chrono::TimeDelta::days(d));
        assert_eq!(eligible_until(None, now), "permanent");
        assert_eq!(eligible_until(days(10), now), "in 10 days");
        assert_eq!(eligible_until(days(1), now), "in 1 day");
        assert_eq!(
            eligible_until(Some(now + chrono::TimeDelta::hours(5)), now),
            "in 5 h"
        );
        assert_eq!(eligible_until(days(-1), now), "ended");
        assert_eq!(eligible_until(days(30), now).len(), "2026-03-31".len());
    }

    use super::*;

    #[test]
    fn a_csv_row_joins_its_cells_each_quoted_and_defused() {
        let cells = ["a,b".to_owned(), "=1+1".to_owned(), String::new()];
        assert_eq!(csv_row(&cells), "\"a,b\",'=1+1,");
    }

    #[test]
    fn csv_quotes_and_defuses_formulas() {
        assert_eq!(csv_cell("plain"), "plain");
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(csv_cell("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(csv_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        for hostile in ["+1", "-1", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1+1"] {
            let cell = csv_cell(hostile);
            let unquoted = cell.trim_start_matches('"');
            assert!(unquoted.starts_with('\''), "{hostile:?} → {cell:?}");
        }
        assert_eq!(csv_cell("\t=cmd"), "'\t=cmd");
    }

    #[test]
    fn table_cells_cannot_forge_rows_or_columns() {
        let justification =
            "Hotfix <b>now</b>\nREQ-9  Mallory  Owner  Root\r\nsecond\tcolumn\u{1b}[2J\u{202E}x";
        let table = render_table(
            &["REQUEST", "JUSTIFICATION"],
            &[
                vec!["REQ-1".into(), justification.into()],
                vec!["REQ-2".into(), "fine".into()],
            ],
        );
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 3, "{table}");
        assert!(lines[1].starts_with("REQ-1"), "{table}");
        assert!(lines[2].starts_with("REQ-2"), "{table}");
        assert!(
            !table.contains(['\r', '\t', '\u{1b}', '\u{202E}']),
            "{table:?}"
        );
        assert!(
            lines[1].contains("Hotfix <b>now</b> REQ-9  Mallory"),
            "{table}"
        );
    }

    #[test]
    fn time_left_reads_well() {
        let now = Utc::now();
        assert_eq!(time_left(None, now), "permanent");
        assert_eq!(
            time_left(Some(now - chrono::TimeDelta::minutes(1)), now),
            "ended"
        );
        assert_eq!(
            time_left(Some(now + chrono::TimeDelta::minutes(65)), now),
            "1h 05m"
        );
        assert_eq!(
            time_left(Some(now + chrono::TimeDelta::seconds(12 * 60 + 5)), now),
            "12m"
        );
    }
}
