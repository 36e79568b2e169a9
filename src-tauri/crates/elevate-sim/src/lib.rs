//! # elevate-sim
//!
//! A simulator of the endpoints that Privileged Identity Management (PIM) uses for just-in-time
//! activation: Azure Resource Manager (ARM) for Azure resource roles, and Microsoft Graph for
//! Entra roles and PIM for Groups, with one seeded demo tenant ("Contoso") across both. It is
//! Azure's side of the wire, written independently of the Elevate client: it shares no types with
//! `elevate-core`; its ARM responses follow Microsoft's published OpenAPI specification
//! (`Microsoft.Authorization`, api-version `2020-10-01`) and examples, and its Graph responses the
//! Graph v1.0 documentation and its examples.
//!
//! ```no_run
//! # async fn demo() -> Result<(), elevate_sim::SimError> {
//! use elevate_sim::{SimConfig, Simulator, TokenRequest};
//! let sim = Simulator::start(SimConfig::default()).await?;
//! let token = sim.issue_token(&TokenRequest::default())?;
//! // GET {sim.url()}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances
//! //     ?api-version=2020-10-01&$filter=asTarget()   with  Authorization: Bearer {token}
//! # let _ = token;
//! sim.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! ## What is simulated
//!
//! * ARM PIM: `roleEligibilityScheduleInstances`, `roleAssignmentScheduleInstances`,
//!   `roleAssignmentScheduleRequests` (PUT / GET / list / `cancel` / `validate`),
//!   `roleManagementPolicies`, `roleManagementPolicyAssignments`, `eligibleChildResources`, at
//!   provider level and at management-group, subscription, resource-group and resource scope.
//! * Display-name lookups: `roleDefinitions`, `subscriptions`, `resourceGroups`,
//!   `Microsoft.Management/managementGroups`.
//! * The caller's `permissions` at a resource group or resource (api-version `2022-04-01`), which
//!   show a new role assignment only after a configurable propagation delay.
//! * Microsoft Graph v1.0: Entra role and PIM for Groups eligibility and assignment instances
//!   (`filterByCurrentUser`), schedule requests, `cancel`, policy assignments with rules, role
//!   definitions, administrative units, groups and `/me`.
//! * Sign-in at the identity platform's v2.0 paths (`/{tenant}/oauth2/v2.0/authorize`, `token`,
//!   `devicecode`): authorization code with PKCE, rotating refresh tokens, device code.
//! * Bearer tokens (HS256 JWTs minted by the simulator), a controllable clock, fault injection,
//!   a request log and persistence of the whole state to a JSON file.
//!
//! Module layout: `arm` and `graph` hold everything specific to each wire format; `entra` holds the
//! Graph side of the tenant; state, clock, tokens, faults, log and persistence are shared.
//!
//! ## Behaviour Microsoft does not document
//!
//! Where Azure's behaviour is not documented, the simulator makes a plausible choice. Each is
//! listed in `CONTROL_API.md` (section "Choices where Azure is undocumented"), reproduced below.
//!
#![doc = include_str!("../CONTROL_API.md")]

mod apps;
mod arm;
mod checks;
mod clock;
mod config;
mod consent;
mod control;
pub mod demo;
mod duration;
mod entra;
mod error;
mod faults;
mod fleet;
mod front;
mod graph;
mod ids;
mod log;
mod oauth;
mod persist;
mod policy;
mod scope;
mod server;
mod shared;
mod state;
mod tenant;
mod throttle;
mod token;

pub use config::SimConfig;
pub use error::SimError;
pub use server::Simulator;
pub use token::TokenRequest;
