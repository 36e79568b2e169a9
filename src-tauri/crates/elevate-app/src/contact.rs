//! Reaching the people who may approve a request: an e-mail link and a Teams chat link that carry
//! the request's summary. Everything in them comes from Azure or another user and is untrusted:
//! addresses are accepted only when they look like one (nothing that could add a header, a
//! recipient or a parameter), and every text is percent-encoded, never pasted in raw.
//!
//! The Teams link is Microsoft's documented deep link to start a chat
//! (`https://teams.microsoft.com/l/chat/0/0?users=<upn1>,<upn2>&message=<text>`, "Deep link to
//! start a new chat", Microsoft Learn), whose `users` are user principal names. A group has no
//! chat of its own; it is written to when it is mail-enabled, and otherwise only named.

use std::fmt::Write as _;
use std::process::Command;

use elevate_core::model::{Approver, ApproverKind, RequestRecord, RequestStatus};
use elevate_core::session::Session;
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use url::Url;

/// Everything but RFC 3986's unreserved characters is encoded (so `&`, `=`, `?`, `#`, `,`, `%`,
/// spaces and line breaks in a name or a justification stay text).
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// The host of Teams' deep links.
pub const TEAMS_HOST: &str = "teams.microsoft.com";

/// The longest justification quoted in a message (a link has practical length limits).
const MAX_QUOTE: usize = 500;

/// What a message to the approvers says about the request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Summary {
    /// One line: "Please approve my request: Owner at Contoso Production".
    pub subject: String,
    /// The whole message: role, scope, who asks, the justification quoted, the request id.
    pub body: String,
}

impl Summary {
    /// The summary of `request`, asked by `requester` (the signed-in user's name).
    pub fn of(request: &RequestRecord, requester: &str) -> Summary {
        let clean = |t: &str| elevate_core::text::sanitize(t).replace(['\n', '\t'], " ");
        let role = clean(&request.role.name);
        let scope = clean(&request.scope_path_text());
        let subject = format!("Please approve my request: {role} at {scope}");
        let mut body = String::new();
        let _ = writeln!(body, "Hello,");
        let _ = writeln!(body);
        let _ = writeln!(
            body,
            "I have asked for a role in Privileged Identity Management, and you may approve it."
        );
        let _ = writeln!(body);
        let _ = writeln!(body, "Role: {role}");
        let _ = writeln!(body, "Scope: {scope}");
        let _ = writeln!(body, "Requested by: {}", clean(requester));
        if let Some(duration) = request.duration {
            let _ = writeln!(body, "For: {duration}");
        }
        if let Some(reason) = request
            .justification
            .as_deref()
            .filter(|r| !r.trim().is_empty())
        {
            let mut quoted: String = clean(reason.trim()).chars().take(MAX_QUOTE).collect();
            if reason.trim().chars().count() > MAX_QUOTE {
                quoted.push('…');
            }
            let _ = writeln!(body, "Justification: \"{quoted}\"");
        }
        if let Some(ticket) = &request.ticket {
            let _ = writeln!(body, "Ticket: {}", clean(&ticket.to_string()));
        }
        let _ = writeln!(body, "Request id: {}", clean(&request.name));
        let _ = writeln!(body);
        let _ = write!(body, "Thank you.");
        Summary { subject, body }
    }
}

/// Whether `address` may go into a link as a recipient: one `@`, a plausible local part and
/// domain, and nothing that a mail client or Teams would read as syntax (no spaces, commas,
/// question marks, ampersands, angle brackets, quotes, percent signs or control characters).
pub fn plausible_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    let local_ok = !local.is_empty()
        && local.len() <= 64
        && local
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "._+-'#".contains(c));
    let domain_ok = domain.len() <= 253
        && domain.contains('.')
        && !domain.starts_with(['.', '-'])
        && !domain.ends_with(['.', '-'])
        && domain
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-".contains(c));
    local_ok && domain_ok
}

fn encode(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

/// An e-mail link (RFC 6068) to everyone in `to` with the summary as subject and body (line
/// breaks as `%0D%0A`); none when no address is usable.
pub fn mail_link(to: &[&str], summary: &Summary) -> Option<Url> {
    let to: Vec<String> = to
        .iter()
        .filter(|a| plausible_address(a))
        .map(|a| encode(a))
        .collect();
    if to.is_empty() {
        return None;
    }
    let body = summary.body.replace("\r\n", "\n").replace('\n', "\r\n");
    let link = format!(
        "mailto:{}?subject={}&body={}",
        to.join(","),
        encode(&summary.subject),
        encode(&body)
    );
    Url::parse(&link).ok()
}

/// A Teams deep link that starts a chat with the users whose sign-in names are `upns`, the
/// summary in the compose box; none when no name is usable.
pub fn teams_link(upns: &[&str], summary: &Summary) -> Option<Url> {
    let users: Vec<String> = upns
        .iter()
        .filter(|a| plausible_address(a))
        .map(|a| encode(a))
        .collect();
    if users.is_empty() {
        return None;
    }
    let message = format!("{}\n\n{}", summary.subject, summary.body);
    let link = format!(
        "https://{TEAMS_HOST}/l/chat/0/0?users={}&message={}",
        users.join(","),
        encode(&message)
    );
    Url::parse(&link).ok()
}

/// The ways to reach one approver (or, with [`contact_all`], all of them).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Contact {
    /// A `mailto:` link, when an address is known.
    pub mail: Option<Url>,
    /// A Teams chat link, for users whose sign-in name is known.
    pub teams: Option<Url>,
}

/// The links to reach `approver` about the request summarised by `summary`.
pub fn contact(approver: &Approver, summary: &Summary) -> Contact {
    contact_all(std::slice::from_ref(approver), summary)
}

/// The links to reach all of `approvers` at once (a group through its address; Teams only for
/// users).
pub fn contact_all(approvers: &[Approver], summary: &Summary) -> Contact {
    let mails: Vec<&str> = approvers.iter().filter_map(|a| a.mail.as_deref()).collect();
    let upns: Vec<&str> = approvers
        .iter()
        .filter(|a| a.kind == ApproverKind::User)
        .filter_map(|a| a.upn.as_deref())
        .collect();
    Contact {
        mail: mail_link(&mails, summary),
        teams: teams_link(&upns, summary),
    }
}

/// The approvers' names for one line: "Grace Hopper, PIM Approvers (group)".
pub fn names(approvers: &[Approver]) -> String {
    approvers
        .iter()
        .map(|a| {
            let name = elevate_core::text::sanitize(a.display_name()).replace(['\n', '\t'], " ");
            match a.kind {
                ApproverKind::User => name,
                ApproverKind::Group => format!("{name} (group)"),
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// One approver as the faces show it: the name to show and the links to reach them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct ApproverLinks {
    /// The user's or group's object id.
    pub id: String,
    /// `user` or `group`.
    pub kind: ApproverKind,
    /// The name to show (Graph's, else the rule's description, else the id).
    pub name: String,
    /// The approval stage (0 = the first).
    pub stage: u32,
    /// A backup approver (asked when nobody else is available).
    pub backup: bool,
    /// Their sign-in name, when Graph gave it.
    pub upn: Option<String>,
    /// Their address, when Graph gave it (a group's only when mail-enabled).
    pub mail: Option<String>,
    /// An e-mail link with the request's summary.
    pub mail_link: Option<String>,
    /// A Teams chat link with the request's summary (users only).
    pub teams_link: Option<String>,
}

/// Who may approve a request that waits, and how to reach them.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Waiting {
    /// Each approver with their links.
    pub approvers: Vec<ApproverLinks>,
    /// An e-mail link to every approver with an address.
    pub mail_all: Option<String>,
    /// A Teams chat link with every user approver.
    pub teams_all: Option<String>,
}

impl Waiting {
    /// The approvers' names in one line (see [`names`]).
    pub fn names(&self) -> String {
        self.approvers
            .iter()
            .map(|a| {
                let name = elevate_core::text::sanitize(&a.name).replace(['\n', '\t'], " ");
                match a.kind {
                    ApproverKind::User => name,
                    ApproverKind::Group => format!("{name} (group)"),
                }
            })
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// Who may approve `request` and the links to reach them, with the summary of a request by
    /// `requester`.
    pub fn of(approvers: &[Approver], request: &RequestRecord, requester: &str) -> Waiting {
        let summary = Summary::of(request, requester);
        let all = contact_all(approvers, &summary);
        Waiting {
            approvers: approvers
                .iter()
                .map(|a| {
                    let links = contact(a, &summary);
                    ApproverLinks {
                        id: a.id.clone(),
                        kind: a.kind,
                        name: elevate_core::text::sanitize(a.display_name()),
                        stage: a.stage,
                        backup: a.backup,
                        upn: a.upn.clone(),
                        mail: a.mail.clone(),
                        mail_link: links.mail.map(String::from),
                        teams_link: links.teams.map(String::from),
                    }
                })
                .collect(),
            mail_all: all.mail.map(String::from),
            teams_all: all.teams.map(String::from),
        }
    }
}

/// Who may approve `request`, when it waits for approval: the policy's primary approvers named
/// where Graph allows ([`Session::approvers_for`]). None when it does not wait, or when the
/// policy cannot be read (the listing goes on without it).
pub async fn waiting_for(session: &Session, request: &RequestRecord) -> Option<Waiting> {
    if request.status != RequestStatus::PendingApproval {
        return None;
    }
    match session.approvers_for(request).await {
        Ok(approvers) => Some(Waiting::of(&approvers, request, &session.account().name)),
        Err(e) => {
            tracing::debug!(target: "elevate::contact", error = %e, "could not read who may approve");
            None
        }
    }
}

/// Whether `link` is one this module builds: a `mailto:` link, or an HTTPS link to Teams' chat
/// deep link. The faces open nothing else from an approver.
pub fn is_contact_link(link: &Url) -> bool {
    match link.scheme() {
        "mailto" => true,
        "https" => {
            link.host_str() == Some(TEAMS_HOST)
                && link.path() == "/l/chat/0/0"
                && link.port().is_none()
                && link.username().is_empty()
                && link.password().is_none()
        }
        _ => false,
    }
}

/// Opens a contact link with the desktop's handler (the mail client for `mailto:`, the browser or
/// Teams for the chat link): `xdg-open` on Linux and the BSDs, `open` on macOS, the URL protocol
/// handler on Windows. The link is one argument, never through a shell; anything but a
/// [`is_contact_link`] is refused.
pub fn open_link(link: &Url) -> std::io::Result<()> {
    if !is_contact_link(link) {
        return Err(std::io::Error::new(
            std::io::ErrorKind::InvalidInput,
            "only an e-mail or Teams chat link is opened from here",
        ));
    }
    let mut command = if cfg!(windows) {
        let mut c = Command::new("rundll32.exe");
        c.arg("url.dll,FileProtocolHandler");
        c
    } else if cfg!(target_os = "macos") {
        Command::new("open")
    } else {
        Command::new("xdg-open")
    };
    command
        .arg(link.as_str())
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn approver(kind: ApproverKind, name: &str, upn: Option<&str>, mail: Option<&str>) -> Approver {
        Approver {
            id: "0f9a1b6e-3c55-4b5e-9e58-8d1f0b0a0a01".into(),
            kind,
            stage: 0,
            backup: false,
            description: Some(name.into()),
            name: None,
            upn: upn.map(str::to_owned),
            mail: mail.map(str::to_owned),
        }
    }

    fn summary() -> Summary {
        Summary {
            subject: "Please approve my request: Owner at Prod & Co".into(),
            body: "Role: Owner\nJustification: \"fix #42 & deploy?x=1\"\nRequest id: abc".into(),
        }
    }

    #[test]
    fn mail_links_encode_every_text_and_refuse_odd_addresses() {
        let link = mail_link(
            &["grace@contoso.com", "x@y.com?bcc=evil@z.com", "a b@c.com"],
            &summary(),
        )
        .unwrap_or_else(|| panic!("a link"));
        assert_eq!(
            link.as_str(),
            "mailto:grace%40contoso.com?subject=Please%20approve%20my%20request%3A%20Owner%20at%20Prod%20%26%20Co\
             &body=Role%3A%20Owner%0D%0AJustification%3A%20%22fix%20%2342%20%26%20deploy%3Fx%3D1%22%0D%0ARequest%20id%3A%20abc"
        );
        let query: Vec<(String, String)> = link.query_pairs().into_owned().collect();
        assert_eq!(query.len(), 2, "only subject and body: {query:?}");
        assert_eq!(
            query[1].1,
            "Role: Owner\r\nJustification: \"fix #42 & deploy?x=1\"\r\nRequest id: abc"
        );
        assert!(mail_link(&["nobody", "<a@b.c>"], &summary()).is_none());
    }

    #[test]
    fn teams_links_name_users_by_sign_in_name() {
        let link = teams_link(
            &[
                "grace@contoso.com",
                "guest_x.com#EXT#@contoso.onmicrosoft.com",
            ],
            &summary(),
        )
        .unwrap_or_else(|| panic!("a link"));
        assert!(is_contact_link(&link));
        assert_eq!(link.host_str(), Some("teams.microsoft.com"));
        assert_eq!(link.path(), "/l/chat/0/0");
        let query: Vec<(String, String)> = link.query_pairs().into_owned().collect();
        assert_eq!(
            query[0],
            (
                "users".into(),
                "grace@contoso.com,guest_x.com#EXT#@contoso.onmicrosoft.com".into()
            )
        );
        assert_eq!(query[1].0, "message");
        assert!(
            query[1]
                .1
                .starts_with("Please approve my request: Owner at Prod & Co\n\nRole: Owner")
        );
        assert_eq!(query.len(), 2);
    }

    #[test]
    fn groups_are_written_to_only_through_their_address() {
        let s = summary();
        let users_and_groups = [
            approver(
                ApproverKind::User,
                "Grace",
                Some("grace@contoso.com"),
                Some("grace.hopper@contoso.com"),
            ),
            approver(
                ApproverKind::Group,
                "Approvers",
                None,
                Some("approvers@contoso.com"),
            ),
            approver(ApproverKind::Group, "Quiet group", None, None),
        ];
        let all = contact_all(&users_and_groups, &s);
        let mail = all.mail.unwrap_or_else(|| panic!("mail"));
        assert!(
            mail.as_str()
                .starts_with("mailto:grace.hopper%40contoso.com,approvers%40contoso.com?")
        );
        let teams = all.teams.unwrap_or_else(|| panic!("teams"));
        assert_eq!(
            teams.query_pairs().next().map(|(_, v)| v.into_owned()),
            Some("grace@contoso.com".into())
        );
        assert_eq!(contact(&users_and_groups[2], &s), Contact::default());
        assert_eq!(
            names(&users_and_groups),
            "Grace, Approvers (group), Quiet group (group)"
        );
    }

    #[test]
    fn only_contact_links_are_opened() {
        for bad in [
            "https://evil.example/l/chat/0/0",
            "https://teams.microsoft.com.evil.example/l/chat/0/0",
            "https://teams.microsoft.com/l/meeting/0/0",
            "http://teams.microsoft.com/l/chat/0/0",
            "https://user@teams.microsoft.com/l/chat/0/0",
            "file:///etc/passwd",
            "javascript:alert(1)",
        ] {
            let url = Url::parse(bad).unwrap_or_else(|e| panic!("{bad}: {e}"));
            assert!(!is_contact_link(&url), "{bad}");
            assert!(open_link(&url).is_err(), "{bad}");
        }
    }

    #[test]
    fn hostile_names_stay_text_in_the_summary() {
        use elevate_core::model::{
            RequestKind, RequestStatus, RoleKey, RoleRef, ScopeKind, ScopeRef, Source,
        };
        let request = RequestRecord {
            id: "/subscriptions/s/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1".into(),
            name: "r1".into(),
            source: Source::AzureResource,
            key: RoleKey::new(Source::AzureResource, "/subscriptions/s", "role"),
            role: RoleRef { id: "role".into(), name: "Owner\u{1b}[2J".into() },
            scope: ScopeRef { id: "/subscriptions/s".into(), name: "Prod\nBcc: evil@x.com".into(), kind: ScopeKind::Subscription },
            kind: RequestKind::Activate,
            status: RequestStatus::PendingApproval,
            azure_status: "PendingApproval".into(),
            created: None,
            justification: Some("deploy & \"fix\"".into()),
            ticket: None,
            duration: None,
            start: None,
            approval_id: Some("a1".into()),
            decision: None,
            principal_id: None,
            principal_name: None,
            principal_upn: None,
            principal_email: None,
            principal_guest: false,
            principal_type: None,
            scope_path: Vec::new(),
        };
        let s = Summary::of(&request, "Ada Lovelace");
        assert!(!s.subject.contains('\n') && !s.subject.contains('\u{1b}'));
        assert!(s.body.contains("Justification: \"deploy & \"fix\"\""));
        assert!(s.body.contains("Request id: r1"));
        let link = mail_link(&["grace@contoso.com"], &s).unwrap_or_else(|| panic!("link"));
        let pairs: Vec<(String, String)> = link.query_pairs().into_owned().collect();
        assert_eq!(pairs.len(), 2);
        assert_eq!(pairs[0].1, s.subject);
    }
}
