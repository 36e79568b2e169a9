//! # elevate-sim
//!
//! A simulator of the Azure Resource Manager (ARM) endpoints that Privileged Identity Management
//! (PIM) uses for just-in-time activation of Azure resource roles, with a seeded demo tenant
//! ("Contoso"). It is Azure's side of the wire, written independently of the Elevate client: it
//! shares no types with `elevate-core`, and its responses follow Microsoft's published OpenAPI
//! specification (`Microsoft.Authorization`, api-version `2020-10-01`) and examples.
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
//! * Bearer tokens (HS256 JWTs minted by the simulator), a controllable clock, fault injection,
//!   a request log and persistence of the whole state to a JSON file.
//!
//! Module layout: `arm` holds everything specific to the ARM wire format; state, clock, tokens,
//! faults, log and persistence sit beside it so that a Microsoft Graph half can share them.
//!
//! ## Behaviour Microsoft does not document
//!
//! Where Azure's behaviour is not documented, the simulator makes a plausible choice. Each is
//! listed in `CONTROL_API.md` (section "Choices where Azure is undocumented"), reproduced below.
//!
#![doc = include_str!("../CONTROL_API.md")]

mod arm;
mod clock;
mod config;
mod control;
pub mod demo;
mod duration;
mod entra;
mod error;
mod faults;
mod graph;
mod ids;
mod log;
mod persist;
mod policy;
mod scope;
mod server;
mod shared;
mod state;
mod tenant;
mod token;

pub use config::SimConfig;
pub use error::SimError;
pub use server::Simulator;
pub use token::TokenRequest;
