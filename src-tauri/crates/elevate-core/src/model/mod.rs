//! The PIM model shared by every source (Azure resource roles, Microsoft Entra roles, PIM for Groups).
//!
//! These types are Elevate's own vocabulary. The wire formats of ARM and Graph live in the clients
//! (`crate::arm::wire`) and are converted into these types at the client boundary, so nothing above the
//! clients depends on how Azure spells a field.

mod approver;
mod duration;
mod eligibility;
mod grant;
mod more_time;
mod policy;
mod request;
mod role_at;
mod source;

pub use approver::{Approver, ApproverKind};
pub use duration::{Span, SpanParseError};
pub use eligibility::{Eligibility, MemberType, RoleKey, RoleRef, ScopeKind, ScopeRef};
pub use grant::{ActiveGrant, AssignmentType};
pub use more_time::{EXTEND_WINDOW, Expiring, Holding, MoreTime, RENEW_WINDOW};
pub use policy::Policy;
pub use request::{ActivationRequest, Decision, RequestKind, RequestRecord, RequestStatus, Ticket};
pub use role_at::RoleAtScope;
pub use source::Source;
