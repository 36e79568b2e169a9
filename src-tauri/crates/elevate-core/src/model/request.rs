use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::{RoleKey, RoleRef, ScopeRef, Source, Span};

/// A ticket reference, as PIM's `ticketInfo` carries it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    /// The ticketing system ("ServiceNow", "Jira").
    pub system: String,
    /// The ticket's number in that system.
    pub number: String,
}

/// The text is not `SYSTEM:NUMBER`.
#[derive(Debug, Clone, thiserror::Error)]
#[error("'{0}' is not a ticket: write SYSTEM:NUMBER, e.g. ServiceNow:INC0012345")]
pub struct TicketParseError(String);

impl FromStr for Ticket {
    type Err = TicketParseError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.split_once(':') {
            Some((system, number)) if !system.trim().is_empty() && !number.trim().is_empty() => {
                Ok(Ticket {
                    system: system.trim().to_owned(),
                    number: number.trim().to_owned(),
                })
            }
            _ => Err(TicketParseError(s.to_owned())),
        }
    }
}

impl fmt::Display for Ticket {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.system, self.number)
    }
}

/// What the user asks for when activating an eligibility.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ActivationRequest {
    /// How long the grant should last.
    pub duration: Span,
    /// Why; required by many policies.
    pub justification: Option<String>,
    /// The ticket, when the policy requires one.
    pub ticket: Option<Ticket>,
    /// When the grant should start; `None` is now.
    pub start: Option<DateTime<Utc>>,
    /// A scope narrower than the eligibility's (ARM only), e.g. one resource group of an eligible subscription.
    pub narrower_scope: Option<String>,
}

/// What a request asks Azure to do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestKind {
    /// Start a just-in-time grant.
    Activate,
    /// End one early.
    Deactivate,
    /// Lengthen one that is still active.
    Extend,
    /// Start again one that has expired.
    Renew,
    /// A request made by an administrator or another tool.
    Other,
}

impl RequestKind {
    /// Maps ARM's `requestType` or Graph's `action`, case-insensitively.
    pub fn from_azure(value: &str) -> Self {
        match value.to_ascii_lowercase().as_str() {
            "selfactivate" => RequestKind::Activate,
            "selfdeactivate" => RequestKind::Deactivate,
            "selfextend" => RequestKind::Extend,
            "selfrenew" => RequestKind::Renew,
            _ => RequestKind::Other,
        }
    }

    /// The stable name used in JSON output and the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestKind::Activate => "activate",
            RequestKind::Deactivate => "deactivate",
            RequestKind::Extend => "extend",
            RequestKind::Renew => "renew",
            RequestKind::Other => "other",
        }
    }
}

/// Azure's many request states, folded into the few a person acts on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RequestStatus {
    /// Done: the grant exists (or, for a deactivation, is gone).
    Done,
    /// Waiting for an approver.
    PendingApproval,
    /// Accepted and still being worked on by Azure.
    PendingOther,
    /// An approver said no.
    Denied,
    /// Canceled by the requester, or revoked.
    Canceled,
    /// Azure could not carry it out.
    Failed,
}

impl RequestStatus {
    /// Maps every `status` value of ARM's and Graph's request resources, case-insensitively.
    ///
    /// `Revoked` is the success state of a deactivation and the end of anything else.
    /// A value this version does not know is treated as still pending, so that nothing is reported as
    /// done or failed on a guess; the raw value is kept beside it.
    pub fn from_azure(status: &str, kind: RequestKind) -> Self {
        match status.to_ascii_lowercase().as_str() {
            "provisioned" | "granted" | "schedulecreated" | "adminapproved" | "accepted" => {
                RequestStatus::Done
            }
            "revoked" if kind == RequestKind::Deactivate => RequestStatus::Done,
            "revoked" | "canceled" | "cancelled" => RequestStatus::Canceled,
            "pendingapproval" | "pendingapprovalprovisioning" | "pendingadmindecision" => {
                RequestStatus::PendingApproval
            }
            "pendingevaluation"
            | "pendingprovisioning"
            | "provisioningstarted"
            | "pendingschedulecreation"
            | "pendingexternalprovisioning"
            | "pendingrevocation" => RequestStatus::PendingOther,
            "denied" | "admindenied" => RequestStatus::Denied,
            "failed" | "failedasresourceislocked" | "timedout" | "invalid" => RequestStatus::Failed,
            _ => RequestStatus::PendingOther,
        }
    }

    /// Whether Azure may still change it.
    pub const fn is_pending(self) -> bool {
        matches!(
            self,
            RequestStatus::PendingApproval | RequestStatus::PendingOther
        )
    }

    /// The stable name used in JSON output and the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            RequestStatus::Done => "done",
            RequestStatus::PendingApproval => "pending-approval",
            RequestStatus::PendingOther => "pending-other",
            RequestStatus::Denied => "denied",
            RequestStatus::Canceled => "canceled",
            RequestStatus::Failed => "failed",
        }
    }
}

impl fmt::Display for RequestStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A request as Azure reports it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequestRecord {
    /// Azure's full id of the request.
    pub id: String,
    /// The request's name (the GUID Elevate chose for ARM, the id Graph assigned).
    pub name: String,
    /// Which API it went to.
    pub source: Source,
    /// The key of the role + scope it concerns.
    pub key: RoleKey,
    /// The role.
    pub role: RoleRef,
    /// The scope it was made at.
    pub scope: ScopeRef,
    /// What it asks for.
    pub kind: RequestKind,
    /// Folded status.
    pub status: RequestStatus,
    /// Azure's own status value, unchanged.
    pub azure_status: String,
    /// When Azure created it.
    pub created: Option<DateTime<Utc>>,
    /// The justification sent.
    pub justification: Option<String>,
    /// The ticket sent.
    pub ticket: Option<Ticket>,
    /// The duration asked for.
    pub duration: Option<Span>,
    /// When the grant starts (or started).
    pub start: Option<DateTime<Utc>>,
    /// Azure's approval id while an approver must act.
    pub approval_id: Option<String>,
    /// Whom the request is for (the requester, for a self-activation).
    #[serde(default)]
    pub principal_id: Option<String>,
    /// That principal's display name, when Azure gave it.
    #[serde(default)]
    pub principal_name: Option<String>,
    /// Their user principal name (Graph's `principal` expansion), when Azure gave it.
    #[serde(default)]
    pub principal_upn: Option<String>,
    /// Their e-mail address (ARM's `expandedProperties.principal.email`, Graph's `mail`).
    #[serde(default)]
    pub principal_email: Option<String>,
    /// Whether they are a guest: Graph's `userType` `Guest`, or `#EXT#` in their UPN or e-mail.
    #[serde(default)]
    pub principal_guest: bool,
    /// What kind of principal (`User`, `Group`, `ServicePrincipal`), as Azure said.
    #[serde(default)]
    pub principal_type: Option<String>,
    /// The scope from the top down (management group, subscription, resource group, resource; the
    /// directory and an administrative unit; a group), display names where known.
    #[serde(default)]
    pub scope_path: Vec<String>,
    /// Who decided it and why, from the request's approval stages, when the watcher or a listing
    /// read them (`None`: not read, or Azure would not say).
    #[serde(default)]
    pub decision: Option<Decision>,
}

/// Who decided a request (an approver's completed stage), or who removed a grant (an
/// administrator's `AdminRemove` request), and why, as Azure recorded it. Names and reasons are
/// untrusted text: sanitize them for a terminal, escape them for markup.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    /// The person's display name, else their user principal name, else their object id.
    #[serde(default)]
    pub by: Option<String>,
    /// Their object id, when Azure gave it.
    #[serde(default)]
    pub by_id: Option<String>,
    /// Their reason (the approver's or the administrator's justification).
    #[serde(default)]
    pub reason: Option<String>,
    /// When it was decided or filed.
    #[serde(default)]
    pub at: Option<DateTime<Utc>>,
}

impl Decision {
    /// Whether it says anything (a name or a reason).
    pub fn is_known(&self) -> bool {
        self.by.is_some() || self.reason.is_some()
    }

    /// `by NAME` and `: "REASON"` where known, sanitized to one line each, e.g. ` by Ada
    /// Lovelace: "needed for INC42"`; empty when nothing is known.
    pub fn text(&self) -> String {
        let mut text = String::new();
        if let Some(by) = self.by.as_deref().map(one_line).filter(|b| !b.is_empty()) {
            text.push_str(" by ");
            text.push_str(&by);
        }
        if let Some(reason) = self
            .reason
            .as_deref()
            .map(one_line)
            .filter(|r| !r.is_empty())
        {
            text.push_str(&format!(": \"{reason}\""));
        }
        text
    }
}

/// Untrusted text on one line, without control characters.
fn one_line(text: &str) -> String {
    crate::text::sanitize(text)
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

impl RequestRecord {
    /// Who asks, in one line: name, then UPN (else e-mail, else object id) in angle brackets, and
    /// `(guest)` for a guest.
    pub fn requester_text(&self) -> String {
        let name = self.principal_name.as_deref().unwrap_or("Someone");
        let account = self
            .principal_upn
            .as_deref()
            .or(self.principal_email.as_deref())
            .or(self.principal_id.as_deref());
        let mut text = match account {
            Some(account) => format!("{name} <{account}>"),
            None => name.to_owned(),
        };
        if self.principal_guest {
            text.push_str(" (guest)");
        }
        text
    }

    /// The scope's path from the top, `A / B / C` (its name when no path is known).
    pub fn scope_path_text(&self) -> String {
        if self.scope_path.is_empty() {
            self.scope.name.clone()
        } else {
            self.scope_path.join(" / ")
        }
    }

    /// When a request waiting for approval usually times out: Azure's approval stage lasts
    /// `approvalStageTimeOutInDays` (1 day unless the policy says otherwise, which an approver may
    /// not be able to read), after which the request is `TimedOut`.
    pub fn usual_decision_deadline(&self) -> Option<DateTime<Utc>> {
        self.created
            .and_then(|created| created.checked_add_signed(TimeDelta::days(1)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every status value in the 2020-10-01 spec's `Status` enum.
    const ALL_ARM_STATUSES: [&str; 22] = [
        "Accepted",
        "PendingEvaluation",
        "Granted",
        "Denied",
        "PendingProvisioning",
        "Provisioned",
        "PendingRevocation",
        "Revoked",
        "Canceled",
        "Failed",
        "PendingApprovalProvisioning",
        "PendingApproval",
        "FailedAsResourceIsLocked",
        "PendingAdminDecision",
        "AdminApproved",
        "AdminDenied",
        "TimedOut",
        "ProvisioningStarted",
        "Invalid",
        "PendingScheduleCreation",
        "ScheduleCreated",
        "PendingExternalProvisioning",
    ];

    #[test]
    fn every_azure_status_has_a_considered_mapping() {
        use RequestStatus::*;
        let expected = [
            Done,
            PendingOther,
            Done,
            Denied,
            PendingOther,
            Done,
            PendingOther,
            Canceled,
            Canceled,
            Failed,
            PendingApproval,
            PendingApproval,
            Failed,
            PendingApproval,
            Done,
            Denied,
            Failed,
            PendingOther,
            Failed,
            PendingOther,
            Done,
            PendingOther,
        ];
        for (status, want) in ALL_ARM_STATUSES.iter().zip(expected) {
            assert_eq!(
                RequestStatus::from_azure(status, RequestKind::Activate),
                want,
                "{status}"
            );
            assert_eq!(
                RequestStatus::from_azure(&status.to_lowercase(), RequestKind::Activate),
                want,
                "{status}"
            );
        }
        assert_eq!(
            RequestStatus::from_azure("Revoked", RequestKind::Deactivate),
            Done
        );
    }

    #[test]
    fn tickets_parse_as_system_colon_number() {
        let t: Ticket = "ServiceNow:INC001:extra"
            .parse()
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(t.system, "ServiceNow");
        assert_eq!(t.number, "INC001:extra");
        assert!("INC001".parse::<Ticket>().is_err());
        assert!(":1".parse::<Ticket>().is_err());
    }
}
