//! The directory (users, groups, management groups, subscriptions, resource groups, role
//! definitions) and the demo tenant seed.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::demo;
use crate::ids::{eq_ci, new_guid, stable_guid};
use crate::policy::{Approver, EndUserRules, Policy, RULE_JUSTIFICATION, RULE_MFA, RULE_TICKETING};
use crate::state::{
    ActiveAssignment, Eligibility, ExpirationType, RequestType, RequestedSchedule,
    STATUS_PENDING_APPROVAL, ScheduleRequest, SimState,
};

/// A user.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct User {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// User principal name (also the e-mail address unless `mail` says otherwise).
    pub upn: String,
    /// E-mail address, when it is not the UPN (a guest's own address).
    #[serde(default)]
    pub mail: Option<String>,
    /// `Member` (when absent) or `Guest`.
    #[serde(default)]
    pub user_type: Option<String>,
    /// The directory the user object lives in, when it is not the simulator's own tenant (a
    /// guest object in another directory, see [`Directory::other_tenants`]).
    #[serde(default)]
    pub tenant_id: Option<String>,
    /// For a guest object in another directory: the object id of the person it stands for in
    /// their home tenant (a refresh token of theirs is redeemable in that directory).
    #[serde(default)]
    pub guest_of: Option<String>,
}

impl User {
    /// The e-mail address.
    pub(crate) fn mail(&self) -> &str {
        self.mail.as_deref().unwrap_or(&self.upn)
    }

    /// Graph's `userType`.
    pub(crate) fn user_type(&self) -> &str {
        self.user_type.as_deref().unwrap_or("Member")
    }
}

/// A security group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Group {
    /// Object id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Object ids of the members.
    pub members: Vec<String>,
    /// Object ids of the owners (who administer the group; `GET /groups/{id}/owners`).
    #[serde(default)]
    pub owners: Vec<String>,
    /// The group's address when it is mail-enabled (Graph's `mail`, `mailEnabled: true`).
    #[serde(default)]
    pub mail: Option<String>,
}

/// A management group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ManagementGroup {
    /// Name (the id segment).
    pub name: String,
    /// Display name.
    pub display_name: String,
    /// Parent management group (none = directly under the root scope).
    pub parent: Option<String>,
}

/// A subscription.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Subscription {
    /// Subscription id (lower case).
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Management group it sits in.
    pub management_group: Option<String>,
    /// The directory the subscription trusts, when it is not the simulator's own tenant.
    #[serde(default)]
    pub tenant_id: Option<String>,
}

/// Another directory of the simulated cloud (a resource tenant), where users of the simulator's
/// own tenant may have guest objects. `GET /tenants` lists it for them.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct OtherTenant {
    /// Tenant id.
    pub id: String,
    /// Display name.
    pub display_name: String,
    /// Default domain.
    pub default_domain: String,
    /// All verified domains (the default one included).
    pub domains: Vec<String>,
    /// Country code.
    pub country_code: String,
}

/// A resource group.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct ResourceGroup {
    /// Subscription id (lower case).
    pub subscription_id: String,
    /// Name.
    pub name: String,
    /// Azure region.
    pub location: String,
}

/// A role definition.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct RoleDefinition {
    /// GUID (lower case).
    pub guid: String,
    /// `roleName`.
    pub role_name: String,
    /// Description.
    pub description: String,
    /// Built-in (`BuiltInRole`) or custom (`CustomRole`).
    pub built_in: bool,
    /// Allowed actions.
    pub actions: Vec<String>,
    /// Denied actions.
    pub not_actions: Vec<String>,
    /// Allowed data actions.
    pub data_actions: Vec<String>,
    /// Scopes the role can be assigned at.
    pub assignable_scopes: Vec<String>,
}

/// What the simulator reports about a principal in `expandedProperties.principal`.
#[derive(Debug, Clone)]
pub(crate) struct PrincipalInfo {
    /// Display name, if the principal is known.
    pub display_name: Option<String>,
    /// E-mail, for users.
    pub email: Option<String>,
    /// `User` or `Group`.
    pub kind: &'static str,
}

/// Users, groups, scopes and role definitions of the tenant.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(crate) struct Directory {
    /// Tenant id.
    pub tenant_id: String,
    /// Tenant display name.
    pub tenant_name: String,
    /// The user tokens are minted for by default.
    pub default_user: String,
    /// Users.
    pub users: Vec<User>,
    /// Groups.
    pub groups: Vec<Group>,
    /// Management groups.
    pub management_groups: Vec<ManagementGroup>,
    /// Subscriptions.
    pub subscriptions: Vec<Subscription>,
    /// Resource groups.
    pub resource_groups: Vec<ResourceGroup>,
    /// Role definitions.
    pub role_definitions: Vec<RoleDefinition>,
    /// Other directories of the simulated cloud (resource tenants with guests from this one).
    #[serde(default)]
    pub other_tenants: Vec<OtherTenant>,
}

impl Directory {
    /// The user with object id `id`.
    pub(crate) fn user(&self, id: &str) -> Option<&User> {
        self.users.iter().find(|u| eq_ci(&u.id, id))
    }

    /// The group with object id `id`.
    pub(crate) fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| eq_ci(&g.id, id))
    }

    /// Ids of the groups `principal` is a member of.
    pub(crate) fn groups_of(&self, principal: &str) -> Vec<String> {
        self.groups
            .iter()
            .filter(|g| g.members.iter().any(|m| eq_ci(m, principal)))
            .map(|g| g.id.clone())
            .collect()
    }

    /// `principal` and the groups it is a member of.
    pub(crate) fn principal_and_groups(&self, principal: &str) -> Vec<String> {
        let mut all = vec![principal.to_string()];
        all.extend(self.groups_of(principal));
        all
    }

    /// The subscription with id `id`.
    pub(crate) fn subscription(&self, id: &str) -> Option<&Subscription> {
        self.subscriptions.iter().find(|s| eq_ci(&s.id, id))
    }

    /// The management group called `name`.
    pub(crate) fn management_group(&self, name: &str) -> Option<&ManagementGroup> {
        self.management_groups.iter().find(|m| eq_ci(&m.name, name))
    }

    /// The resource group `name` in subscription `subscription`.
    pub(crate) fn resource_group(&self, subscription: &str, name: &str) -> Option<&ResourceGroup> {
        self.resource_groups
            .iter()
            .find(|g| eq_ci(&g.subscription_id, subscription) && eq_ci(&g.name, name))
    }

    /// The role definition with GUID `guid`.
    pub(crate) fn role(&self, guid: &str) -> Option<&RoleDefinition> {
        self.role_definitions.iter().find(|r| eq_ci(&r.guid, guid))
    }

    /// The directory a user object lives in.
    pub(crate) fn tenant_of_user<'a>(&'a self, user: &'a User) -> &'a str {
        user.tenant_id.as_deref().unwrap_or(&self.tenant_id)
    }

    /// The directory a subscription trusts.
    pub(crate) fn tenant_of_subscription<'a>(&'a self, subscription: &'a Subscription) -> &'a str {
        subscription.tenant_id.as_deref().unwrap_or(&self.tenant_id)
    }

    /// The other directory with id `id` (or one of its domains).
    pub(crate) fn other_tenant(&self, id: &str) -> Option<&OtherTenant> {
        self.other_tenants
            .iter()
            .find(|t| eq_ci(&t.id, id) || t.domains.iter().any(|d| eq_ci(d, id)))
    }

    /// The person behind object `oid`: the home object a guest object stands for, else `oid`.
    pub(crate) fn home_object<'a>(&'a self, oid: &'a str) -> &'a str {
        self.user(oid)
            .and_then(|u| u.guest_of.as_deref())
            .unwrap_or(oid)
    }

    /// The object that stands for the person `home_oid` in directory `tenant`: their own object in
    /// the simulator's tenant, their guest object in another; `None` when they have none there.
    pub(crate) fn object_in_tenant(&self, home_oid: &str, tenant: &str) -> Option<String> {
        if eq_ci(tenant, &self.tenant_id) {
            return Some(home_oid.to_string());
        }
        let tenant = self.other_tenant(tenant)?;
        self.users
            .iter()
            .find(|u| {
                u.guest_of.as_deref().is_some_and(|g| eq_ci(g, home_oid))
                    && u.tenant_id.as_deref().is_some_and(|t| eq_ci(t, &tenant.id))
            })
            .map(|u| u.id.clone())
    }

    /// What is known about a principal.
    pub(crate) fn principal_info(&self, id: &str) -> PrincipalInfo {
        if let Some(user) = self.user(id) {
            return PrincipalInfo {
                display_name: Some(user.display_name.clone()),
                email: Some(user.mail().to_string()),
                kind: "User",
            };
        }
        if let Some(group) = self.group(id) {
            return PrincipalInfo {
                display_name: Some(group.display_name.clone()),
                email: None,
                kind: "Group",
            };
        }
        PrincipalInfo {
            display_name: None,
            email: None,
            kind: "User",
        }
    }
}

/// Everything the demo seed creates.
pub(crate) struct DemoSeed {
    /// The directory.
    pub directory: Directory,
    /// Tenant default rules.
    pub default_rules: EndUserRules,
    /// Explicit policies.
    pub policies: Vec<Policy>,
    /// Eligibilities.
    pub eligibilities: Vec<Eligibility>,
    /// Standing assignments.
    pub assignments: Vec<ActiveAssignment>,
    /// Eligibilities that ended lately (renewable).
    pub ended_eligibilities: Vec<Eligibility>,
}

fn role(
    guid: &str,
    name: &str,
    description: &str,
    built_in: bool,
    actions: &[&str],
    not_actions: &[&str],
    data_actions: &[&str],
) -> RoleDefinition {
    let strings = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    RoleDefinition {
        guid: guid.to_string(),
        role_name: name.to_string(),
        description: description.to_string(),
        built_in,
        actions: strings(actions),
        not_actions: strings(not_actions),
        data_actions: strings(data_actions),
        assignable_scopes: if built_in {
            vec!["/".to_string()]
        } else {
            vec![demo::SCOPE_MANAGEMENT_GROUP.to_string()]
        },
    }
}

fn demo_directory() -> Directory {
    let user = |id: &str, name: &str, upn: &str| User {
        id: id.to_string(),
        display_name: name.to_string(),
        upn: upn.to_string(),
        mail: None,
        user_type: None,
        tenant_id: None,
        guest_of: None,
    };
    let subscription = |id: &str, name: &str| Subscription {
        id: id.to_string(),
        display_name: name.to_string(),
        management_group: Some(demo::MANAGEMENT_GROUP_ID.to_string()),
        tenant_id: None,
    };
    let group = |sub: &str, name: &str| ResourceGroup {
        subscription_id: sub.to_string(),
        name: name.to_string(),
        location: "westeurope".to_string(),
    };
    Directory {
        tenant_id: demo::TENANT_ID.to_string(),
        tenant_name: demo::TENANT_NAME.to_string(),
        default_user: demo::DEMO_USER_OID.to_string(),
        users: vec![
            user(
                demo::DEMO_USER_OID,
                demo::DEMO_USER_NAME,
                demo::DEMO_USER_UPN,
            ),
            user(
                demo::SECOND_USER_OID,
                demo::SECOND_USER_NAME,
                demo::SECOND_USER_UPN,
            ),
            // A guest from another organisation who shares a colleague's name.
            User {
                mail: Some(demo::GUEST_USER_MAIL.to_string()),
                user_type: Some("Guest".to_string()),
                ..user(
                    demo::GUEST_USER_OID,
                    demo::SECOND_USER_NAME,
                    demo::GUEST_USER_UPN,
                )
            },
            // Ada's guest object in Fabrikam: an object of its own, with its own id.
            User {
                mail: Some(demo::DEMO_USER_UPN.to_string()),
                user_type: Some("Guest".to_string()),
                tenant_id: Some(demo::GUEST_TENANT_ID.to_string()),
                guest_of: Some(demo::DEMO_USER_OID.to_string()),
                ..user(
                    demo::GUEST_TENANT_ADA_OID,
                    demo::DEMO_USER_NAME,
                    demo::GUEST_TENANT_ADA_UPN,
                )
            },
        ],
        groups: vec![
            Group {
                id: demo::GROUP_ID.to_string(),
                display_name: demo::GROUP_NAME.to_string(),
                members: vec![demo::DEMO_USER_OID.to_string()],
                owners: Vec::new(),
                mail: None,
            },
            Group {
                id: demo::APPROVERS_GROUP_ID.to_string(),
                display_name: demo::APPROVERS_GROUP_NAME.to_string(),
                members: vec![demo::SECOND_USER_OID.to_string()],
                owners: Vec::new(),
                mail: Some(demo::APPROVERS_GROUP_MAIL.to_string()),
            },
        ],
        management_groups: vec![
            ManagementGroup {
                name: demo::ROOT_MANAGEMENT_GROUP_ID.to_string(),
                display_name: "Tenant Root Group".to_string(),
                parent: None,
            },
            ManagementGroup {
                name: demo::MANAGEMENT_GROUP_ID.to_string(),
                display_name: demo::MANAGEMENT_GROUP_NAME.to_string(),
                parent: Some(demo::ROOT_MANAGEMENT_GROUP_ID.to_string()),
            },
        ],
        subscriptions: vec![
            subscription(
                demo::SUBSCRIPTION_PRODUCTION,
                demo::SUBSCRIPTION_PRODUCTION_NAME,
            ),
            subscription(
                demo::SUBSCRIPTION_DEVELOPMENT,
                demo::SUBSCRIPTION_DEVELOPMENT_NAME,
            ),
            subscription(demo::SUBSCRIPTION_SANDBOX, demo::SUBSCRIPTION_SANDBOX_NAME),
            Subscription {
                management_group: None,
                tenant_id: Some(demo::GUEST_TENANT_ID.to_string()),
                ..subscription(demo::GUEST_SUBSCRIPTION, demo::GUEST_SUBSCRIPTION_NAME)
            },
        ],
        resource_groups: vec![
            group(demo::SUBSCRIPTION_PRODUCTION, demo::RG_WEB_PROD),
            group(demo::SUBSCRIPTION_PRODUCTION, demo::RG_DATA_PROD),
            group(demo::SUBSCRIPTION_DEVELOPMENT, demo::RG_DEV_SHARED),
        ],
        role_definitions: vec![
            role(
                demo::ROLE_OWNER,
                "Owner",
                "Grants full access to manage all resources, including assigning roles in Azure RBAC.",
                true,
                &["*"],
                &[],
                &[],
            ),
            role(
                demo::ROLE_CONTRIBUTOR,
                "Contributor",
                "Grants full access to manage all resources, but does not allow assigning roles in Azure RBAC.",
                true,
                &["*"],
                &[
                    "Microsoft.Authorization/*/Delete",
                    "Microsoft.Authorization/*/Write",
                    "Microsoft.Authorization/elevateAccess/Action",
                ],
                &[],
            ),
            role(
                demo::ROLE_READER,
                "Reader",
                "View all resources, but does not allow you to make any changes.",
                true,
                &["*/read"],
                &[],
                &[],
            ),
            role(
                demo::ROLE_USER_ACCESS_ADMINISTRATOR,
                "User Access Administrator",
                "Lets you manage user access to Azure resources.",
                true,
                &["*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"],
                &[],
                &[],
            ),
            role(
                demo::ROLE_KEY_VAULT_SECRETS_OFFICER,
                "Key Vault Secrets Officer",
                "Perform any action on the secrets of a key vault, except manage permissions.",
                true,
                &[
                    "Microsoft.Authorization/*/read",
                    "Microsoft.KeyVault/*/read",
                    "Microsoft.Resources/deployments/*",
                ],
                &[],
                &["Microsoft.KeyVault/vaults/secrets/*"],
            ),
            role(
                demo::ROLE_INCIDENT_RESPONDER,
                demo::ROLE_INCIDENT_RESPONDER_NAME,
                "Restart and inspect production workloads during an incident.",
                false,
                &[
                    "*/read",
                    "Microsoft.Compute/virtualMachines/restart/action",
                    "Microsoft.Web/sites/restart/action",
                ],
                &[],
                &[],
            ),
            role(
                demo::ROLE_MARKUP_AUDITOR,
                demo::ROLE_MARKUP_AUDITOR_NAME,
                "Audit operations. <b>Markup in Azure text must be shown as text.</b>",
                false,
                &["*/read"],
                &[],
                &[],
            ),
        ],
        other_tenants: vec![OtherTenant {
            id: demo::GUEST_TENANT_ID.to_string(),
            display_name: demo::GUEST_TENANT_NAME.to_string(),
            default_domain: demo::GUEST_TENANT_DOMAIN.to_string(),
            domains: vec![demo::GUEST_TENANT_DOMAIN.to_string()],
            country_code: "GB".to_string(),
        }],
    }
}

fn policy(scope: &str, role_guid: &str, rules: EndUserRules, now: DateTime<Utc>) -> Policy {
    Policy {
        name: stable_guid(&format!("elevate-sim/demo-policy/{scope}/{role_guid}")),
        scope: scope.to_string(),
        role_guid: role_guid.to_string(),
        last_modified: now - Duration::days(60),
        rules,
    }
}

/// A new eligibility whose schedule and instance names are derived from `label`.
pub(crate) fn eligibility(
    label: &str,
    principal: &str,
    role_guid: &str,
    scope: &str,
    member_type: &str,
    start: DateTime<Utc>,
    end: Option<DateTime<Utc>>,
) -> Eligibility {
    Eligibility {
        schedule_name: stable_guid(&format!("{label}/schedule")),
        instance_name: stable_guid(&format!("{label}/instance")),
        principal_id: principal.to_string(),
        role_guid: role_guid.to_string(),
        scope: scope.to_string(),
        member_type: member_type.to_string(),
        start,
        end,
        created_on: start,
    }
}

/// The Contoso demo tenant, with times relative to `now`.
pub(crate) fn demo_seed(now: DateTime<Utc>) -> DemoSeed {
    let start = now - Duration::days(30);
    let end = Some(start + Duration::days(365));
    let ada = demo::DEMO_USER_OID;
    let elig = |n: &str,
                principal: &str,
                role_guid: &str,
                scope: &str,
                member: &str,
                end: Option<DateTime<Utc>>| {
        eligibility(
            &format!("elevate-sim/demo-eligibility/{n}"),
            principal,
            role_guid,
            scope,
            member,
            start,
            end,
        )
    };
    let eligibilities = vec![
        elig(
            "contributor-dev",
            ada,
            demo::ROLE_CONTRIBUTOR,
            demo::SCOPE_DEVELOPMENT,
            "Direct",
            end,
        ),
        elig(
            "owner-prod",
            ada,
            demo::ROLE_OWNER,
            demo::SCOPE_PRODUCTION,
            "Direct",
            end,
        ),
        elig(
            "reader-platform",
            ada,
            demo::ROLE_READER,
            demo::SCOPE_MANAGEMENT_GROUP,
            "Direct",
            None,
        ),
        elig(
            "kvso-data",
            ada,
            demo::ROLE_KEY_VAULT_SECRETS_OFFICER,
            demo::SCOPE_RG_DATA_PROD,
            "Direct",
            end,
        ),
        // Ends within 14 days: the demo offers "Request extension".
        elig(
            "responder-prod",
            ada,
            demo::ROLE_INCIDENT_RESPONDER,
            demo::SCOPE_PRODUCTION,
            "Direct",
            Some(now + Duration::days(10)),
        ),
        elig(
            "contributor-web",
            demo::GROUP_ID,
            demo::ROLE_CONTRIBUTOR,
            demo::SCOPE_RG_WEB_PROD,
            "Group",
            end,
        ),
        elig(
            "markup-sandbox",
            ada,
            demo::ROLE_MARKUP_AUDITOR,
            demo::SCOPE_SANDBOX,
            "Direct",
            end,
        ),
        elig(
            "grace-owner-prod",
            demo::SECOND_USER_OID,
            demo::ROLE_OWNER,
            demo::SCOPE_PRODUCTION,
            "Direct",
            end,
        ),
        // Ada's guest object in Fabrikam: roles in the other directory.
        elig(
            "fabrikam-contributor",
            demo::GUEST_TENANT_ADA_OID,
            demo::ROLE_CONTRIBUTOR,
            demo::SCOPE_GUEST_SUBSCRIPTION,
            "Direct",
            end,
        ),
        elig(
            "fabrikam-reader",
            demo::GUEST_TENANT_ADA_OID,
            demo::ROLE_READER,
            demo::SCOPE_GUEST_SUBSCRIPTION,
            "Direct",
            None,
        ),
    ];
    // Ended three days ago: the demo offers "Request renewal".
    let ended_eligibilities = vec![elig(
        "uaa-dev-ended",
        ada,
        demo::ROLE_USER_ACCESS_ADMINISTRATOR,
        demo::SCOPE_DEVELOPMENT,
        "Direct",
        Some(now - Duration::days(3)),
    )];
    let standing_start = now - Duration::days(90);
    let assignments = vec![ActiveAssignment {
        schedule_name: stable_guid("elevate-sim/demo-assignment/reader-sandbox/schedule"),
        instance_name: stable_guid("elevate-sim/demo-assignment/reader-sandbox/instance"),
        principal_id: ada.to_string(),
        role_guid: demo::ROLE_READER.to_string(),
        scope: demo::SCOPE_SANDBOX.to_string(),
        assignment_type: "Assigned".to_string(),
        member_type: "Direct".to_string(),
        start: standing_start,
        end: None,
        linked_eligibility_schedule_id: None,
        linked_eligibility_instance_id: None,
        origin_role_assignment_name: stable_guid(
            "elevate-sim/demo-assignment/reader-sandbox/assignment",
        ),
        created_on: standing_start,
    }];
    let owner_rules = EndUserRules {
        approval_required: true,
        approvers: vec![
            Approver {
                id: demo::SECOND_USER_OID.to_string(),
                description: demo::SECOND_USER_NAME.to_string(),
                user_type: "User".to_string(),
            },
            Approver {
                id: ada.to_string(),
                description: demo::DEMO_USER_NAME.to_string(),
                user_type: "User".to_string(),
            },
            Approver {
                id: demo::APPROVERS_GROUP_ID.to_string(),
                description: demo::APPROVERS_GROUP_NAME.to_string(),
                user_type: "Group".to_string(),
            },
        ],
        ..EndUserRules::simple("PT2H", &[RULE_MFA, RULE_JUSTIFICATION, RULE_TICKETING])
    };
    let kvso_rules = EndUserRules {
        auth_context: Some(demo::AUTH_CONTEXT_ID.to_string()),
        ..EndUserRules::simple("PT1H", &[RULE_JUSTIFICATION])
    };
    let policies = vec![
        policy(
            demo::SCOPE_DEVELOPMENT,
            demo::ROLE_CONTRIBUTOR,
            EndUserRules::simple("PT8H", &[RULE_JUSTIFICATION]),
            now,
        ),
        policy(demo::SCOPE_PRODUCTION, demo::ROLE_OWNER, owner_rules, now),
        policy(
            demo::SCOPE_MANAGEMENT_GROUP,
            demo::ROLE_READER,
            EndUserRules::simple("PT8H", &[]),
            now,
        ),
        policy(
            demo::SCOPE_RG_DATA_PROD,
            demo::ROLE_KEY_VAULT_SECRETS_OFFICER,
            kvso_rules,
            now,
        ),
        policy(
            demo::SCOPE_PRODUCTION,
            demo::ROLE_INCIDENT_RESPONDER,
            EndUserRules::simple("PT4H", &[RULE_TICKETING]),
            now,
        ),
        policy(
            demo::SCOPE_RG_WEB_PROD,
            demo::ROLE_CONTRIBUTOR,
            EndUserRules::simple("PT4H", &[RULE_JUSTIFICATION]),
            now,
        ),
        policy(
            demo::SCOPE_SANDBOX,
            demo::ROLE_MARKUP_AUDITOR,
            EndUserRules::simple("PT1H", &[]),
            now,
        ),
        policy(
            demo::SCOPE_GUEST_SUBSCRIPTION,
            demo::ROLE_CONTRIBUTOR,
            EndUserRules::simple("PT4H", &[RULE_JUSTIFICATION]),
            now,
        ),
        policy(
            demo::SCOPE_GUEST_SUBSCRIPTION,
            demo::ROLE_READER,
            EndUserRules::simple("PT8H", &[]),
            now,
        ),
    ];
    DemoSeed {
        directory: demo_directory(),
        default_rules: EndUserRules::simple("PT8H", &[RULE_JUSTIFICATION]),
        policies,
        eligibilities,
        assignments,
        ended_eligibilities,
    }
}

/// Grace Hopper's pending request for Owner at Contoso Production, which Ada may approve, unless
/// one is pending already. Returns whether it was added.
pub(crate) fn add_owner_request_for_approval(
    state: &mut SimState,
    justification: Option<&str>,
) -> bool {
    add_owner_request_from(state, demo::SECOND_USER_OID, justification)
}

/// A pending request from `principal` for Owner at Contoso Production, which Ada may approve,
/// unless one is pending already; `justification` replaces the usual text. Returns whether it was
/// added.
pub(crate) fn add_owner_request_from(
    state: &mut SimState,
    principal: &str,
    justification: Option<&str>,
) -> bool {
    let now = state.now();
    let grace = principal;
    let pending = state.requests.iter().any(|r| {
        r.is_pending()
            && eq_ci(&r.principal_id, grace)
            && eq_ci(&r.role_guid, demo::ROLE_OWNER)
            && eq_ci(&r.scope, demo::SCOPE_PRODUCTION)
    });
    if pending {
        return false;
    }
    let name = new_guid();
    let eligibility = state
        .eligibilities
        .iter()
        .find(|e| eq_ci(&e.principal_id, grace) && eq_ci(&e.role_guid, demo::ROLE_OWNER))
        .map(|e| (e.schedule_id(), e.instance_id()));
    state.requests.push(ScheduleRequest {
        scope: demo::SCOPE_PRODUCTION.to_string(),
        principal_id: grace.to_string(),
        role_guid: demo::ROLE_OWNER.to_string(),
        request_type: RequestType::SelfActivate,
        status: STATUS_PENDING_APPROVAL.to_string(),
        approval_id: Some(format!(
            "/providers/Microsoft.Authorization/roleAssignmentApprovals/{}",
            new_guid()
        )),
        target_schedule_id: Some(crate::ids::authz_id(
            demo::SCOPE_PRODUCTION,
            "roleAssignmentSchedules",
            &name,
        )),
        target_instance_id: None,
        schedule: RequestedSchedule {
            start: now,
            expiration_type: Some(ExpirationType::AfterDuration),
            end: None,
            duration: Some("PT2H".to_string()),
        },
        linked_eligibility_schedule_id: eligibility.as_ref().map(|e| e.0.clone()),
        linked_eligibility_instance_id: eligibility.map(|e| e.1),
        justification: Some(
            justification
                .unwrap_or("Hotfix for the checkout service")
                .to_string(),
        ),
        ticket_number: Some("INC0042".to_string()),
        ticket_system: Some("ServiceNow".to_string()),
        condition: None,
        condition_version: None,
        created_on: now,
        requestor_id: grace.to_string(),
        grant_seconds: Some(2 * 3600),
        member_type: "Direct".to_string(),
        approval_deadline: Some(now + Duration::days(crate::policy::APPROVAL_TIMEOUT_DAYS)),
        decided_by: None,
        decided_at: None,
        decision_justification: None,
        eligibility: false,
        name,
    });
    true
}
