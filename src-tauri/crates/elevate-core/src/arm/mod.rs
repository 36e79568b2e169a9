//! Azure resource roles through Azure Resource Manager (`Microsoft.Authorization`, api-version 2020-10-01).

mod client;
pub mod convert;
mod wire;

pub use crate::rest::Submission;
pub use client::{API_VERSION, ArmClient, activation_body, deactivation_body, extension_body};
