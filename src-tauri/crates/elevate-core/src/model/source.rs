use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// Where an eligibility lives, and so which API activates it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Source {
    /// Azure RBAC roles on management groups, subscriptions, resource groups and resources (ARM).
    AzureResource,
    /// Microsoft Entra directory roles (Microsoft Graph).
    EntraRole,
    /// Membership or ownership of a PIM-managed group (Microsoft Graph).
    Group,
}

impl Source {
    /// Every source, in display order.
    pub const ALL: [Source; 3] = [Source::AzureResource, Source::EntraRole, Source::Group];

    /// The stable name used in JSON output, selectors and the store.
    pub const fn as_str(self) -> &'static str {
        match self {
            Source::AzureResource => "azure-resource",
            Source::EntraRole => "entra-role",
            Source::Group => "group",
        }
    }

    /// A short label for people.
    pub const fn label(self) -> &'static str {
        match self {
            Source::AzureResource => "Azure resource role",
            Source::EntraRole => "Entra role",
            Source::Group => "Group",
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The text was not the name of a source.
#[derive(Debug, thiserror::Error)]
#[error("unknown source '{0}': expected azure-resource, entra-role or group")]
pub struct UnknownSource(pub String);

impl FromStr for Source {
    type Err = UnknownSource;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let lower = s.trim().to_ascii_lowercase();
        match lower.as_str() {
            "azure-resource" | "azure" | "arm" | "resource" => Ok(Source::AzureResource),
            "entra-role" | "entra" | "directory" => Ok(Source::EntraRole),
            "group" | "groups" => Ok(Source::Group),
            _ => Err(UnknownSource(s.to_owned())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_parse_case_insensitively() {
        for source in Source::ALL {
            assert_eq!(source.as_str().parse::<Source>().ok(), Some(source));
            assert_eq!(
                source.as_str().to_uppercase().parse::<Source>().ok(),
                Some(source)
            );
            let json = serde_json::to_string(&source).unwrap_or_default();
            assert_eq!(json, format!("\"{}\"", source.as_str()));
        }
        assert!("subscription".parse::<Source>().is_err());
    }
}
