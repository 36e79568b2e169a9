//! Checking an activation before sending it: the role's policy as Elevate knows it (duration,
//! justification, ticket), then Azure's own check, which creates nothing (ARM's `validate`,
//! Graph's `isValidationOnly`). The answer says what would happen — granted, waiting for an
//! approver, already active or pending — or exactly what would be refused, and which part of the
//! request that refusal concerns.

use serde::Serialize;

use super::{APPROVAL_NOTE, ActivationWish, Session, prepare_with};
use crate::error::{Error, ErrorReport, Needed};
use crate::model::{Eligibility, Policy, RoleAtScope, RoleKey, Source};

/// What would become of an activation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// Azure would grant it at once (or at its start).
    WouldBeGranted,
    /// Azure would accept it and wait for an approver.
    WouldWaitForApproval,
    /// The role is already active there: nothing would be requested.
    AlreadyActive,
    /// A request for it already waits: nothing new would be requested.
    AlreadyPending,
    /// It would be refused (see `error`).
    Refused,
    /// It could not be checked (Azure could not be reached or answered something unreadable).
    Unknown,
}

impl Verdict {
    /// Whether sending it would be refused, or nobody could say.
    pub fn is_bad(self) -> bool {
        matches!(self, Verdict::Refused | Verdict::Unknown)
    }
}

/// The part of a request a refusal concerns, for a face to put the refusal next to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Concern {
    /// The duration (longer than the policy allows).
    Duration,
    /// The justification (required).
    Justification,
    /// The ticket (required).
    Ticket,
    /// Where: not eligible at this scope.
    Scope,
    /// The sign-in (multi-factor authentication, an authentication context).
    SignIn,
}

impl Concern {
    /// What `error` concerns, as far as it says.
    pub fn of(error: &Error) -> Vec<Concern> {
        match error {
            Error::PolicyNeeds { needed, .. } => vec![match needed {
                Needed::Justification => Concern::Justification,
                Needed::Ticket => Concern::Ticket,
            }],
            Error::PolicyRulesFailed { rules, .. } => {
                let mut out: Vec<Concern> = Vec::new();
                for rule in rules {
                    let concern = match rule.to_ascii_lowercase().as_str() {
                        "expirationrule" => Concern::Duration,
                        "justificationrule" => Concern::Justification,
                        "ticketingrule" => Concern::Ticket,
                        "mfarule" => Concern::SignIn,
                        "eligibilityrule" => Concern::Scope,
                        _ => continue,
                    };
                    if !out.contains(&concern) {
                        out.push(concern);
                    }
                }
                out
            }
            Error::ClaimsChallenge(_) => vec![Concern::SignIn],
            _ => Vec::new(),
        }
    }
}

/// The answer to [`Session::check`].
#[derive(Clone, Debug, Serialize)]
pub struct Check {
    /// The role + scope key.
    pub key: RoleKey,
    /// Which source.
    pub source: Source,
    /// Role name.
    pub role: String,
    /// Scope id.
    pub scope: String,
    /// Scope name.
    pub scope_name: String,
    /// What would happen.
    pub verdict: Verdict,
    /// Whether Azure itself answered (not when the policy refused first, or Azure was not reached).
    pub checked_by_azure: bool,
    /// Azure's status for the request it would create, when it answered.
    pub azure_status: Option<String>,
    /// What Elevate would adjust (the duration shortened) and what Azure would ask on the way.
    pub notes: Vec<String>,
    /// The refusal, when `verdict` is `refused`; why it could not be checked, when `unknown`.
    pub error: Option<ErrorReport>,
    /// What the refusal concerns.
    pub concerns: Vec<Concern>,
}

impl Session {
    /// Checks an activation of `eligibility` as `wish` asks, creating nothing: first the role's
    /// policy (as [`Session::activate`] does before sending), then Azure's check of the very
    /// request an activation would send. Nothing is recorded in the history. A claims challenge
    /// is not answered here (that would mean a sign-in for a mere check): it is a note that the
    /// activation will ask for a stronger sign-in.
    pub async fn check(&self, eligibility: &Eligibility, wish: &ActivationWish) -> Check {
        let target = RoleAtScope::from(eligibility);
        let mut notes = Vec::new();
        let policy = match self.recent_policy(eligibility).await {
            Ok(policy) => policy,
            Err(e) if e.is_transient() => {
                notes.push(format!(
                    "the role's policy could not be read ({e}); only Azure checked the request"
                ));
                Policy::default()
            }
            Err(e) => return answer(&target, Verdict::Refused, notes, Some(&e)),
        };
        let request = match prepare_with(
            &policy,
            eligibility,
            wish,
            self.options.default_duration,
            &mut notes,
        ) {
            Ok(request) => request,
            Err(e) => return answer(&target, Verdict::Refused, notes, Some(&e)),
        };
        notes.retain(|n| n != APPROVAL_NOTE);
        let client = match self.client(eligibility.source) {
            Ok(client) => client,
            Err(e) => return answer(&target, Verdict::Refused, notes, Some(&e)),
        };
        let by_policy = if policy.approval_required {
            Verdict::WouldWaitForApproval
        } else {
            Verdict::WouldBeGranted
        };
        match client
            .validate(eligibility, &request, &self.account.object_id, None)
            .await
        {
            Ok(validation) => {
                let verdict = if validation.would_need_approval {
                    Verdict::WouldWaitForApproval
                } else {
                    by_policy
                };
                let mut check = answer(&target, verdict, notes, None);
                check.checked_by_azure = true;
                check.azure_status = Some(validation.azure_status);
                check
            }
            Err(Error::Azure(e)) if e.code.eq_ignore_ascii_case("RoleAssignmentExists") => {
                let mut check = answer(&target, Verdict::AlreadyActive, notes, None);
                check.checked_by_azure = true;
                check
            }
            Err(Error::Azure(e))
                if e.code.eq_ignore_ascii_case("RoleAssignmentRequestExists")
                    || e.code.eq_ignore_ascii_case("PendingRoleAssignmentRequest") =>
            {
                notes.push(e.message);
                let mut check = answer(&target, Verdict::AlreadyPending, notes, None);
                check.checked_by_azure = true;
                check
            }
            Err(Error::ClaimsChallenge(challenge)) => {
                // Azure checks the authentication context after the policy's rules: those passed.
                notes.push(format!(
                    "Azure will ask for a stronger sign-in (authentication context {}) when it is sent; Elevate signs you in again then",
                    challenge.acrs().join(", ")
                ));
                let mut check = answer(&target, by_policy, notes, None);
                check.checked_by_azure = true;
                check
            }
            Err(e) if e.answer_lost() => answer(&target, Verdict::Unknown, notes, Some(&e)),
            Err(e) => {
                let mut check = answer(&target, Verdict::Refused, notes, Some(&e));
                check.checked_by_azure =
                    matches!(e, Error::Azure(_) | Error::PolicyRulesFailed { .. });
                check
            }
        }
    }
}

fn answer(
    target: &RoleAtScope,
    verdict: Verdict,
    notes: Vec<String>,
    error: Option<&Error>,
) -> Check {
    Check {
        key: target.key.clone(),
        source: target.source,
        role: target.role.name.clone(),
        scope: target.scope.id.clone(),
        scope_name: target.scope.name.clone(),
        verdict,
        checked_by_azure: false,
        azure_status: None,
        notes,
        error: error.map(Error::report),
        concerns: error.map(Concern::of).unwrap_or_default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_part_of_the_request_they_concern() {
        let rules = Error::PolicyRulesFailed {
            rules: vec![
                "EligibilityRule".into(),
                "ExpirationRule".into(),
                "JustificationRule".into(),
                "TicketingRule".into(),
                "MfaRule".into(),
                "SomethingNew".into(),
            ],
            message: String::new(),
        };
        assert_eq!(
            Concern::of(&rules),
            vec![
                Concern::Scope,
                Concern::Duration,
                Concern::Justification,
                Concern::Ticket,
                Concern::SignIn
            ]
        );
        let needs = Error::PolicyNeeds {
            target: "Owner at Production".into(),
            needed: Needed::Ticket,
        };
        assert_eq!(Concern::of(&needs), vec![Concern::Ticket]);
        assert!(Concern::of(&Error::Invalid("x".into())).is_empty());
        assert!(Verdict::Refused.is_bad() && Verdict::Unknown.is_bad());
        assert!(!Verdict::WouldWaitForApproval.is_bad());
    }
}
