//! Identifiers of the seeded demo tenant ("Contoso").
//!
//! The demo tenant is created whenever a simulator starts without a state file (or with a state
//! file that does not exist yet) and by `POST /_sim/reset`. These constants let tests and the
//! demo mode refer to its objects without looking them up.
//!
//! Ada Lovelace's eligibilities (all visible through `$filter=asTarget()`):
//!
//! | role | scope | policy |
//! |---|---|---|
//! | Contributor | subscription Contoso Development | justification, max 8 h |
//! | Owner | subscription Contoso Production | approval (by Grace Hopper), justification, ticket, MFA, max 2 h |
//! | Reader | management group Contoso Platform | nothing required, max 8 h (permanent eligibility) |
//! | Key Vault Secrets Officer | resource group rg-data-prod | authentication context `c1`, justification, max 1 h |
//! | Contoso Incident Responder | subscription Contoso Production | ticket, max 4 h |
//! | Contributor (through group SG-Web-Operators) | resource group rg-web-prod | justification, max 4 h |
//! | `Ops <img src=x onerror=alert(1)> Auditor` | subscription Contoso Sandbox | max 1 h |
//!
//! Plus a standing (`Assigned`, no end) Reader assignment at Contoso Sandbox. Any other role at
//! any other scope gets the tenant default policy: justification, max 8 h.
//!
//! Through Microsoft Graph, Ada is eligible for these Entra roles and PIM for Groups access:
//!
//! | role or access | scope | policy |
//! |---|---|---|
//! | Global Reader | the directory (`/`) | justification, max 8 h |
//! | User Administrator | the directory | approval (by Grace Hopper), justification, max 4 h |
//! | Security Administrator | the directory | authentication context `c1`, justification, max 2 h |
//! | Exchange Administrator | administrative unit EMEA Users | justification, ticket, max 4 h |
//! | member | group PIM-Prod-Operators | justification, max 4 h; while active, the group's standing Contributor role at Contoso Production is Ada's too |
//! | owner | group PIM-Security-Admins | approval (by Grace Hopper), justification, max 2 h |
//! | member | group PIM-Security-Admins | max 8 h |
//!
//! Plus a standing Directory Readers assignment. Any other Entra role or group access gets the
//! Entra default: MFA and justification, max 8 h.

macro_rules! tenant_id {
    () => {
        "4c2d8e1a-7b3f-4e59-a6d0-1f8b9c2e3d45"
    };
}
macro_rules! sub_production {
    () => {
        "6f1a2b3c-4d5e-4f60-8a71-92b3c4d5e6f7"
    };
}
macro_rules! sub_development {
    () => {
        "7a2b3c4d-5e6f-4071-9b82-a3c4d5e6f708"
    };
}
macro_rules! sub_sandbox {
    () => {
        "8b3c4d5e-6f70-4182-ac93-b4d5e6f70819"
    };
}
macro_rules! mg_platform {
    () => {
        "contoso-platform"
    };
}

/// Directory (tenant) id of Contoso.
pub const TENANT_ID: &str = tenant_id!();
/// Display name of the tenant.
pub const TENANT_NAME: &str = "Contoso";
/// Domain used in user principal names.
pub const TENANT_DOMAIN: &str = "contoso.example";

/// Object id of the demo user, Ada Lovelace (the default token subject).
pub const DEMO_USER_OID: &str = "0a1da1e5-1815-4c2b-9d3e-ada000001815";
/// User principal name of the demo user.
pub const DEMO_USER_UPN: &str = "ada@contoso.example";
/// Display name of the demo user.
pub const DEMO_USER_NAME: &str = "Ada Lovelace";

/// Object id of the second user, Grace Hopper (approver of Owner at Contoso Production).
pub const SECOND_USER_OID: &str = "6ace0000-1906-4b1d-8c2e-0000000c0b01";
/// User principal name of the second user.
pub const SECOND_USER_UPN: &str = "grace@contoso.example";
/// Display name of the second user.
pub const SECOND_USER_NAME: &str = "Grace Hopper";

/// Object id of a guest named like the second user (an invited account from another tenant).
pub const GUEST_USER_OID: &str = "6ace0000-1906-4b1d-8c2e-00000000e7e7";
/// The guest's user principal name: Entra's form for an invited user (`#EXT#`).
pub const GUEST_USER_UPN: &str = "grace.hopper_fabrikam.example#EXT#@contoso.example";
/// The guest's own e-mail address.
pub const GUEST_USER_MAIL: &str = "grace.hopper@fabrikam.example";

/// Object id of the security group SG-Web-Operators (Ada is a member).
pub const GROUP_ID: &str = "5e0b0e7a-0f5e-4a1b-9c3d-0000005e0b0e";
/// Display name of the group.
pub const GROUP_NAME: &str = "SG-Web-Operators";

/// Object id of the mail-enabled security group PIM Approvers (Grace is a member), an approver
/// of Owner at Contoso Production.
pub const APPROVERS_GROUP_ID: &str = "5e0b0e7a-0f5e-4a1b-9c3d-00000a990e55";
/// Display name of the approvers' group.
pub const APPROVERS_GROUP_NAME: &str = "PIM Approvers";
/// The approvers' group's address.
pub const APPROVERS_GROUP_MAIL: &str = "pim-approvers@contoso.example";

/// Name (id) of the tenant root management group; Azure names it after the tenant id.
pub const ROOT_MANAGEMENT_GROUP_ID: &str = tenant_id!();
/// Name (id) of the management group Contoso Platform.
pub const MANAGEMENT_GROUP_ID: &str = mg_platform!();
/// Display name of the management group.
pub const MANAGEMENT_GROUP_NAME: &str = "Contoso Platform";
/// ARM scope of the management group Contoso Platform.
pub const SCOPE_MANAGEMENT_GROUP: &str = concat!(
    "/providers/Microsoft.Management/managementGroups/",
    mg_platform!()
);

/// Subscription id of Contoso Production.
pub const SUBSCRIPTION_PRODUCTION: &str = sub_production!();
/// Display name of the production subscription.
pub const SUBSCRIPTION_PRODUCTION_NAME: &str = "Contoso Production";
/// ARM scope of the production subscription.
pub const SCOPE_PRODUCTION: &str = concat!("/subscriptions/", sub_production!());

/// Subscription id of Contoso Development.
pub const SUBSCRIPTION_DEVELOPMENT: &str = sub_development!();
/// Display name of the development subscription.
pub const SUBSCRIPTION_DEVELOPMENT_NAME: &str = "Contoso Development";
/// ARM scope of the development subscription.
pub const SCOPE_DEVELOPMENT: &str = concat!("/subscriptions/", sub_development!());

/// Subscription id of Contoso Sandbox.
pub const SUBSCRIPTION_SANDBOX: &str = sub_sandbox!();
/// Display name of the sandbox subscription.
pub const SUBSCRIPTION_SANDBOX_NAME: &str = "Contoso Sandbox";
/// ARM scope of the sandbox subscription.
pub const SCOPE_SANDBOX: &str = concat!("/subscriptions/", sub_sandbox!());

/// Resource group rg-web-prod (in Contoso Production).
pub const RG_WEB_PROD: &str = "rg-web-prod";
/// ARM scope of rg-web-prod.
pub const SCOPE_RG_WEB_PROD: &str = concat!(
    "/subscriptions/",
    sub_production!(),
    "/resourceGroups/rg-web-prod"
);
/// Resource group rg-data-prod (in Contoso Production).
pub const RG_DATA_PROD: &str = "rg-data-prod";
/// ARM scope of rg-data-prod.
pub const SCOPE_RG_DATA_PROD: &str = concat!(
    "/subscriptions/",
    sub_production!(),
    "/resourceGroups/rg-data-prod"
);
/// Resource group rg-dev-shared (in Contoso Development).
pub const RG_DEV_SHARED: &str = "rg-dev-shared";
/// ARM scope of rg-dev-shared.
pub const SCOPE_RG_DEV_SHARED: &str = concat!(
    "/subscriptions/",
    sub_development!(),
    "/resourceGroups/rg-dev-shared"
);
/// Subscription that `POST /_sim/bulk-eligibilities` creates its resource groups in.
pub const BULK_SUBSCRIPTION: &str = sub_sandbox!();

/// Built-in role Owner.
pub const ROLE_OWNER: &str = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635";
/// Built-in role Contributor.
pub const ROLE_CONTRIBUTOR: &str = "b24988ac-6180-42a0-ab88-20f7382dd24c";
/// Built-in role Reader.
pub const ROLE_READER: &str = "acdd72a7-3385-48ef-bd42-f606fba81ae7";
/// Built-in role User Access Administrator.
pub const ROLE_USER_ACCESS_ADMINISTRATOR: &str = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9";
/// Built-in role Key Vault Secrets Officer.
pub const ROLE_KEY_VAULT_SECRETS_OFFICER: &str = "b86a8fe4-44ce-4948-aee5-eccb2c155cd7";
/// Custom role "Contoso Incident Responder".
pub const ROLE_INCIDENT_RESPONDER: &str = "c0de1e55-1dc7-4e5a-9a6b-00000000a1e7";
/// Display name of the incident responder role.
pub const ROLE_INCIDENT_RESPONDER_NAME: &str = "Contoso Incident Responder";
/// Custom role whose display name contains markup (to prove a UI escapes Azure text).
pub const ROLE_MARKUP_AUDITOR: &str = "3a4b5c6d-7e8f-4a90-8b1c-00000000bad0";
/// Display name of the markup role, exactly as Azure would return it.
pub const ROLE_MARKUP_AUDITOR_NAME: &str = "Ops <img src=x onerror=alert(1)> Auditor";

/// Authentication-context claim value required to activate Key Vault Secrets Officer.
pub const AUTH_CONTEXT_ID: &str = "c1";

/// Entra role template id of Global Reader (Microsoft's built-in id).
pub const ENTRA_GLOBAL_READER: &str = "f2ef992c-3afb-46b9-b7cf-a126ee74c451";
/// Entra role template id of User Administrator.
pub const ENTRA_USER_ADMINISTRATOR: &str = "fe930be7-5e62-47db-91af-98c3a49a38b1";
/// Entra role template id of Security Administrator.
pub const ENTRA_SECURITY_ADMINISTRATOR: &str = "194ae4cb-b126-40b2-bd5b-6091b380977d";
/// Entra role template id of Exchange Administrator.
pub const ENTRA_EXCHANGE_ADMINISTRATOR: &str = "29232cdf-9323-42fd-ade2-1d097af3e4de";
/// Entra role template id of Directory Readers.
pub const ENTRA_DIRECTORY_READERS: &str = "88d8e3e3-8f55-4a1e-953a-9b9898b8876b";

/// Object id of the administrative unit "EMEA Users".
pub const ADMIN_UNIT_EMEA: &str = "a0e3a000-3e3a-4d5b-8c6d-00000000e3ea";
/// Display name of [`ADMIN_UNIT_EMEA`].
pub const ADMIN_UNIT_EMEA_NAME: &str = "EMEA Users";
/// `directoryScopeId` of [`ADMIN_UNIT_EMEA`].
pub const SCOPE_ADMIN_UNIT_EMEA: &str = "/administrativeUnits/a0e3a000-3e3a-4d5b-8c6d-00000000e3ea";

/// Object id of the PIM for Groups group "PIM-Prod-Operators" (its members hold Contributor at
/// Contoso Production).
pub const PIM_GROUP_PROD_OPERATORS: &str = "9f0d0000-0b5e-4c7a-8e1f-0000000000a1";
/// Display name of [`PIM_GROUP_PROD_OPERATORS`].
pub const PIM_GROUP_PROD_OPERATORS_NAME: &str = "PIM-Prod-Operators";
/// Object id of the PIM for Groups group "PIM-Security-Admins".
pub const PIM_GROUP_SECURITY_ADMINS: &str = "9f0d0000-0b5e-4c7a-8e1f-0000000000a2";
/// Display name of [`PIM_GROUP_SECURITY_ADMINS`].
pub const PIM_GROUP_SECURITY_ADMINS_NAME: &str = "PIM-Security-Admins";

/// Directory (tenant) id of Fabrikam, a resource tenant where Ada is a guest (a second directory
/// of the demo's cloud: `GET /tenants` lists it for Ada beside Contoso).
pub const GUEST_TENANT_ID: &str = "5d3e9f2b-8c4a-4f6a-b7e1-2a9c0d3f4e56";
/// Display name of Fabrikam.
pub const GUEST_TENANT_NAME: &str = "Fabrikam";
/// Fabrikam's default domain.
pub const GUEST_TENANT_DOMAIN: &str = "fabrikam.example";
/// Object id of Ada's guest user in Fabrikam (a guest is an object of its own in the resource
/// tenant, with its own id).
pub const GUEST_TENANT_ADA_OID: &str = "0a1da1e5-1815-4c2b-9d3e-fab000001815";
/// User principal name of Ada's guest user in Fabrikam (Entra's `#EXT#` form).
pub const GUEST_TENANT_ADA_UPN: &str = "ada_contoso.example#EXT#@fabrikam.example";
/// Subscription id of Fabrikam Shared Services (in Fabrikam).
pub const GUEST_SUBSCRIPTION: &str = "9c4d5e6f-7081-4293-bd04-c5e6f708192a";
/// Display name of Fabrikam's subscription.
pub const GUEST_SUBSCRIPTION_NAME: &str = "Fabrikam Shared Services";
/// ARM scope of Fabrikam's subscription.
pub const SCOPE_GUEST_SUBSCRIPTION: &str = "/subscriptions/9c4d5e6f-7081-4293-bd04-c5e6f708192a";
