//! Azure resource roles through Azure Resource Manager (`Microsoft.Authorization`, api-version 2020-10-01;
//! role definitions and the caller's permissions at 2022-04-01).

mod client;
pub mod convert;
pub mod permissions;
mod wire;

pub use crate::rest::Submission;
pub use client::{
    API_VERSION, ArmClient, PERMISSIONS_API_VERSION, activation_body, can_list_permissions,
    deactivation_body, extension_request_body, more_time_body,
};
pub use permissions::Permission;
