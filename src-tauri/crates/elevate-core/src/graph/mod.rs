//! Microsoft Entra roles and PIM for Groups through Microsoft Graph v1.0.

mod client;
pub mod convert;
mod wire;

pub use client::{
    DIRECTORY_ELIGIBILITY_REQUESTS, GraphClient, directory_activation_body, group_activation_body,
    more_time_body,
};
