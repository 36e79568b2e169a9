use serde::{Deserialize, Serialize};

use super::{Approver, Span};

/// What a role's PIM policy asks of an end user who activates it.
///
/// Built from the policy's end-user assignment rules (`Expiration_EndUser_Assignment`,
/// `Enablement_EndUser_Assignment`, `Approval_EndUser_Assignment`,
/// `AuthenticationContext_EndUser_Assignment`), which ARM and Graph share.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// The longest activation allowed; `None` when the policy sets no maximum.
    pub max_duration: Option<Span>,
    /// A justification must be given.
    pub justification_required: bool,
    /// Ticket system and number must be given.
    pub ticket_required: bool,
    /// The sign-in must have used multi-factor authentication.
    pub mfa_required: bool,
    /// An approver must approve the activation.
    pub approval_required: bool,
    /// An approver must approve an extension.
    pub approval_required_for_extension: bool,
    /// The Conditional Access authentication context the token must carry (`acrs`), e.g. `c1`.
    pub authentication_context: Option<String>,
    /// Who may approve (the approval rule's primary approvers, every stage), whether or not the
    /// rule requires approval now; names and addresses are completed by
    /// `Session::name_approvers` where Graph allows.
    #[serde(default)]
    pub approvers: Vec<Approver>,
}

impl Policy {
    /// The duration to ask for: `wanted` clamped to the policy's maximum, or the maximum (or
    /// `fallback`) when nothing was asked.
    pub fn clamp_duration(&self, wanted: Option<Span>, fallback: Span) -> Span {
        let wanted = wanted.unwrap_or(match self.max_duration {
            Some(max) => max.min(fallback),
            None => fallback,
        });
        match self.max_duration {
            Some(max) => wanted.min(max),
            None => wanted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamps_to_the_policy_maximum() {
        let policy = Policy {
            max_duration: Some(Span::from_hours(2)),
            ..Policy::default()
        };
        assert_eq!(
            policy.clamp_duration(Some(Span::from_hours(8)), Span::from_hours(1)),
            Span::from_hours(2)
        );
        assert_eq!(
            policy.clamp_duration(Some(Span::from_minutes(30)), Span::from_hours(1)),
            Span::from_minutes(30)
        );
        assert_eq!(
            policy.clamp_duration(None, Span::from_hours(8)),
            Span::from_hours(2)
        );
        assert_eq!(
            Policy::default().clamp_duration(None, Span::from_hours(8)),
            Span::from_hours(8)
        );
    }
}
