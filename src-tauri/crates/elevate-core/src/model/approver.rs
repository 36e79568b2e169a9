use serde::{Deserialize, Serialize};

/// Whether an approver is one person or the members of a group.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ApproverKind {
    /// One user (ARM `userType: User`, Graph `singleUser`).
    User,
    /// Every member of a group (ARM `userType: Group`, Graph `groupMembers`).
    Group,
}

impl ApproverKind {
    /// Its stable name: `user` or `group`.
    pub fn as_str(self) -> &'static str {
        match self {
            ApproverKind::User => "user",
            ApproverKind::Group => "group",
        }
    }
}

/// One primary approver of a policy's approval rule (`Approval_EndUser_Assignment`,
/// `setting.approvalStages[].primaryApprovers[]`), as Azure describes it, completed with what Graph
/// says of the user or group when the user may read it. All of it is untrusted text (sanitized
/// when read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Approver {
    /// The user's or group's object id.
    pub id: String,
    /// A user or a group.
    pub kind: ApproverKind,
    /// The approval stage it belongs to (0 = the first).
    #[serde(default)]
    pub stage: u32,
    /// Azure's `isBackup`: asked only when nobody else is available.
    #[serde(default)]
    pub backup: bool,
    /// The rule's `description` (the name the policy was saved with).
    #[serde(default)]
    pub description: Option<String>,
    /// The display name Graph gives now, when it could be read.
    #[serde(default)]
    pub name: Option<String>,
    /// The user's sign-in name (`userPrincipalName`), when read: what Teams chats address.
    #[serde(default)]
    pub upn: Option<String>,
    /// The e-mail address (`mail`: a user's, or a mail-enabled group's), when read.
    #[serde(default)]
    pub mail: Option<String>,
}

impl Approver {
    /// A name to show: Graph's display name, else the rule's description, else the id.
    pub fn display_name(&self) -> &str {
        self.name
            .as_deref()
            .or(self.description.as_deref())
            .filter(|n| !n.trim().is_empty())
            .unwrap_or(&self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_the_best_name_known() {
        let mut a = Approver {
            id: "1d0c7b4e-0000-4000-8000-000000000001".into(),
            kind: ApproverKind::User,
            stage: 0,
            backup: false,
            description: None,
            name: None,
            upn: None,
            mail: None,
        };
        assert_eq!(a.display_name(), a.id.clone());
        a.description = Some("Grace Hopper".into());
        assert_eq!(a.display_name(), "Grace Hopper");
        a.name = Some("Grace B. Hopper".into());
        assert_eq!(a.display_name(), "Grace B. Hopper");
    }
}
