//! Azure resource scopes: parsing, canonical form and the hierarchy
//! root → management groups → subscription → resource group → resource.

use std::collections::{HashMap, HashSet};

use crate::ids::eq_ci;
use crate::tenant::Directory;

/// Deepest chain of parents followed (guards against a management-group cycle).
const MAX_DEPTH: usize = 32;

/// One ARM scope.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Scope {
    /// Provider level / tenant root (`/`).
    Root,
    /// `/providers/Microsoft.Management/managementGroups/{name}`
    ManagementGroup(String),
    /// `/subscriptions/{id}`
    Subscription(String),
    /// `/subscriptions/{id}/resourceGroups/{name}`
    ResourceGroup {
        /// Subscription id.
        subscription: String,
        /// Resource group name.
        name: String,
    },
    /// `/subscriptions/{id}/resourceGroups/{rg}/providers/{namespace}/{type}/{name}...`
    Resource {
        /// Subscription id.
        subscription: String,
        /// Resource group name.
        group: String,
        /// `{namespace}/{type}/{name}[/{childType}/{childName}...]`
        provider_path: String,
    },
}

impl Scope {
    /// Parses a scope written as a path (`/subscriptions/x`, `subscriptions/x`, `/` or empty).
    /// The spec examples' alias `providers/Microsoft.Subscription/subscriptions/{id}` is
    /// accepted and normalised to `/subscriptions/{id}`.
    pub(crate) fn parse(text: &str) -> Option<Scope> {
        let segments: Vec<&str> = text.split('/').filter(|s| !s.is_empty()).collect();
        Scope::from_segments(&segments)
    }

    /// Parses a scope from path segments (already percent-decoded).
    pub(crate) fn from_segments(segments: &[&str]) -> Option<Scope> {
        match segments {
            [] => Some(Scope::Root),
            [p, ns, kind, name]
                if eq_ci(p, "providers")
                    && eq_ci(ns, "Microsoft.Management")
                    && eq_ci(kind, "managementGroups") =>
            {
                Some(Scope::ManagementGroup((*name).to_string()))
            }
            [p, ns, kind, rest @ ..]
                if eq_ci(p, "providers")
                    && eq_ci(ns, "Microsoft.Subscription")
                    && eq_ci(kind, "subscriptions") =>
            {
                Scope::subscription_scope(rest)
            }
            [kind, rest @ ..] if eq_ci(kind, "subscriptions") => Scope::subscription_scope(rest),
            _ => None,
        }
    }

    fn subscription_scope(rest: &[&str]) -> Option<Scope> {
        match rest {
            [id] => Some(Scope::Subscription(id.to_ascii_lowercase())),
            [id, rg, name] if eq_ci(rg, "resourceGroups") => Some(Scope::ResourceGroup {
                subscription: id.to_ascii_lowercase(),
                name: (*name).to_string(),
            }),
            [id, rg, name, p, namespace, path @ ..]
                if eq_ci(rg, "resourceGroups")
                    && eq_ci(p, "providers")
                    && !path.is_empty()
                    && path.len() % 2 == 0 =>
            {
                Some(Scope::Resource {
                    subscription: id.to_ascii_lowercase(),
                    group: (*name).to_string(),
                    provider_path: format!("{namespace}/{}", path.join("/")),
                })
            }
            _ => None,
        }
    }

    /// The canonical text of the scope (`/` for the root).
    pub(crate) fn canonical(&self) -> String {
        match self {
            Scope::Root => "/".to_string(),
            Scope::ManagementGroup(name) => {
                format!("/providers/Microsoft.Management/managementGroups/{name}")
            }
            Scope::Subscription(id) => format!("/subscriptions/{id}"),
            Scope::ResourceGroup { subscription, name } => {
                format!("/subscriptions/{subscription}/resourceGroups/{name}")
            }
            Scope::Resource {
                subscription,
                group,
                provider_path,
            } => {
                format!(
                    "/subscriptions/{subscription}/resourceGroups/{group}/providers/{provider_path}"
                )
            }
        }
    }

    /// Lower-case canonical text, for comparisons.
    pub(crate) fn key(&self) -> String {
        self.canonical().to_ascii_lowercase()
    }

    /// The subscription the scope lies in, if any.
    pub(crate) fn subscription_id(&self) -> Option<&str> {
        match self {
            Scope::Subscription(id) => Some(id),
            Scope::ResourceGroup { subscription, .. } | Scope::Resource { subscription, .. } => {
                Some(subscription)
            }
            Scope::Root | Scope::ManagementGroup(_) => None,
        }
    }

    /// Lower-case type label used in `expandedProperties.scope.type`.
    pub(crate) fn type_label(&self) -> &'static str {
        match self {
            Scope::Root => "tenant",
            Scope::ManagementGroup(_) => "managementgroup",
            Scope::Subscription(_) => "subscription",
            Scope::ResourceGroup { .. } => "resourcegroup",
            Scope::Resource { .. } => "resource",
        }
    }

    /// The display name of the scope in `directory`.
    pub(crate) fn display_name(&self, directory: &Directory) -> String {
        match self {
            Scope::Root => "Root".to_string(),
            Scope::ManagementGroup(name) => directory
                .management_group(name)
                .map(|m| m.display_name.clone())
                .unwrap_or_else(|| name.clone()),
            Scope::Subscription(id) => directory
                .subscription(id)
                .map(|s| s.display_name.clone())
                .unwrap_or_else(|| id.clone()),
            Scope::ResourceGroup { name, .. } => name.clone(),
            Scope::Resource { provider_path, .. } => provider_path
                .rsplit('/')
                .next()
                .unwrap_or(provider_path)
                .to_string(),
        }
    }

    /// Names written with the directory's casing (ARM treats names case-insensitively).
    pub(crate) fn canonicalize(self, directory: &Directory) -> Scope {
        match self {
            Scope::ManagementGroup(name) => Scope::ManagementGroup(
                directory
                    .management_group(&name)
                    .map(|m| m.name.clone())
                    .unwrap_or(name),
            ),
            Scope::ResourceGroup { subscription, name } => {
                let name = directory
                    .resource_group(&subscription, &name)
                    .map(|g| g.name.clone())
                    .unwrap_or(name);
                Scope::ResourceGroup { subscription, name }
            }
            Scope::Resource {
                subscription,
                group,
                provider_path,
            } => {
                let group = directory
                    .resource_group(&subscription, &group)
                    .map(|g| g.name.clone())
                    .unwrap_or(group);
                Scope::Resource {
                    subscription,
                    group,
                    provider_path,
                }
            }
            other => other,
        }
    }

    /// The scope directly above this one.
    pub(crate) fn parent(&self, directory: &Directory) -> Option<Scope> {
        match self {
            Scope::Root => None,
            Scope::ManagementGroup(name) => Some(
                directory
                    .management_group(name)
                    .and_then(|m| m.parent.clone())
                    .map(Scope::ManagementGroup)
                    .unwrap_or(Scope::Root),
            ),
            Scope::Subscription(id) => Some(
                directory
                    .subscription(id)
                    .and_then(|s| s.management_group.clone())
                    .map(Scope::ManagementGroup)
                    .unwrap_or(Scope::Root),
            ),
            Scope::ResourceGroup { subscription, .. } => {
                Some(Scope::Subscription(subscription.clone()))
            }
            Scope::Resource {
                subscription,
                group,
                ..
            } => Some(Scope::ResourceGroup {
                subscription: subscription.clone(),
                name: group.clone(),
            }),
        }
    }

    /// This scope followed by every scope above it, ending with the root.
    pub(crate) fn ancestors(&self, directory: &Directory) -> Vec<Scope> {
        let mut chain = vec![self.clone()];
        let mut current = self.clone();
        while let Some(parent) = current.parent(directory) {
            if chain.len() > MAX_DEPTH {
                break;
            }
            chain.push(parent.clone());
            current = parent;
        }
        if chain.last() != Some(&Scope::Root) {
            chain.push(Scope::Root);
        }
        chain
    }

    /// Lower-case keys of [`Scope::ancestors`].
    pub(crate) fn ancestor_keys(&self, directory: &Directory) -> Vec<String> {
        self.ancestors(directory).iter().map(Scope::key).collect()
    }

    /// Whether `self` is `other` or lies above it.
    pub(crate) fn contains(&self, other: &Scope, directory: &Directory) -> bool {
        let key = self.key();
        other.ancestors(directory).iter().any(|s| s.key() == key)
    }
}

/// The parent chains of the directory's management groups and subscriptions, computed once so
/// that many scopes can be placed in the hierarchy cheaply (lists of thousands of items).
pub(crate) struct Hierarchy {
    chains: HashMap<String, Vec<String>>,
}

impl Hierarchy {
    /// Precomputes the chains of `directory`.
    pub(crate) fn new(directory: &Directory) -> Hierarchy {
        let mut chains = HashMap::new();
        for group in &directory.management_groups {
            let scope = Scope::ManagementGroup(group.name.clone());
            chains.insert(scope.key(), scope.ancestor_keys(directory));
        }
        for subscription in &directory.subscriptions {
            let scope = Scope::Subscription(subscription.id.clone());
            chains.insert(scope.key(), scope.ancestor_keys(directory));
        }
        Hierarchy { chains }
    }

    /// Keys of the scope with lower-case canonical text `key` and of every scope above it
    /// (the same as [`Scope::ancestor_keys`], without directory lookups).
    pub(crate) fn ancestor_keys_of(&self, key: &str) -> Vec<String> {
        if key == "/" {
            return vec!["/".to_string()];
        }
        if let Some(chain) = self.chains.get(key) {
            return chain.clone();
        }
        let segments: Vec<&str> = key.split('/').filter(|s| !s.is_empty()).collect();
        match segments.as_slice() {
            ["subscriptions", id, rest @ ..] => {
                let subscription = format!("/subscriptions/{id}");
                let mut out = Vec::with_capacity(6);
                if !rest.is_empty() {
                    out.push(key.to_string());
                }
                if rest.len() > 2
                    && let Some(group) = rest.get(1)
                {
                    out.push(format!("{subscription}/resourcegroups/{group}"));
                }
                match self.chains.get(&subscription) {
                    Some(chain) => out.extend(chain.iter().cloned()),
                    None => out.extend([subscription, "/".to_string()]),
                }
                out
            }
            _ => vec![key.to_string(), "/".to_string()],
        }
    }
}

/// Which scopes lie strictly below one scope, answered without walking the hierarchy per item.
pub(crate) enum Below {
    /// Below the root: everything else.
    All,
    /// Below a subscription-based scope: the paths under it.
    Prefix(String),
    /// Below a management group: the subscriptions and management groups under it.
    Management {
        /// Keys of the subscriptions under it.
        subscriptions: HashSet<String>,
        /// Keys of the management groups under it.
        groups: HashSet<String>,
    },
}

impl Below {
    /// The scopes below `scope`.
    pub(crate) fn new(scope: &Scope, hierarchy: &Hierarchy) -> Below {
        let key = scope.key();
        match scope {
            Scope::Root => Below::All,
            Scope::ManagementGroup(_) => {
                let mut subscriptions = HashSet::new();
                let mut groups = HashSet::new();
                for (entry, chain) in &hierarchy.chains {
                    if *entry != key && chain.contains(&key) {
                        if entry.starts_with("/subscriptions/") {
                            subscriptions.insert(entry.clone());
                        } else {
                            groups.insert(entry.clone());
                        }
                    }
                }
                Below::Management {
                    subscriptions,
                    groups,
                }
            }
            _ => Below::Prefix(format!("{key}/")),
        }
    }

    /// Whether the scope with lower-case canonical text `key` lies strictly below.
    pub(crate) fn contains(&self, key: &str) -> bool {
        match self {
            Below::All => key != "/",
            Below::Prefix(prefix) => key.starts_with(prefix.as_str()),
            Below::Management {
                subscriptions,
                groups,
            } => match subscription_prefix(key) {
                Some(subscription) => subscriptions.contains(subscription),
                None => groups.contains(key),
            },
        }
    }
}

/// `/subscriptions/{id}` at the start of a lower-case key.
fn subscription_prefix(key: &str) -> Option<&str> {
    let rest = key.strip_prefix("/subscriptions/")?;
    let end = rest
        .find('/')
        .map_or(key.len(), |i| "/subscriptions/".len() + i);
    key.get(..end)
}

/// The role definition id ARM reports for a role at a scope: subscription-based scopes carry the
/// subscription, management groups and the root use the provider-level form.
pub(crate) fn role_definition_id(scope: &Scope, role_guid: &str) -> String {
    match scope.subscription_id() {
        Some(sub) => {
            format!(
                "/subscriptions/{sub}/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"
            )
        }
        None => format!("/providers/Microsoft.Authorization/roleDefinitions/{role_guid}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_all_forms() {
        assert_eq!(Scope::parse(""), Some(Scope::Root));
        assert_eq!(Scope::parse("/"), Some(Scope::Root));
        assert_eq!(
            Scope::parse("providers/Microsoft.Subscription/subscriptions/ABC"),
            Some(Scope::Subscription("abc".into()))
        );
        assert_eq!(
            Scope::parse("/SUBSCRIPTIONS/abc/resourcegroups/RG").map(|s| s.canonical()),
            Some("/subscriptions/abc/resourceGroups/RG".to_string())
        );
        assert_eq!(
            Scope::parse(
                "/subscriptions/a/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv"
            )
            .map(|s| s.canonical()),
            Some(
                "/subscriptions/a/resourceGroups/r/providers/Microsoft.KeyVault/vaults/kv"
                    .to_string()
            )
        );
        assert_eq!(
            Scope::parse("/subscriptions/a/resourceGroups/r/providers/ns/type"),
            None
        );
        assert_eq!(Scope::parse("/foo"), None);
        let directory = crate::tenant::demo_seed(chrono::Utc::now()).directory;
        let hierarchy = Hierarchy::new(&directory);
        for text in [
            crate::demo::SCOPE_RG_WEB_PROD,
            "/subscriptions/unknown/resourceGroups/x/providers/ns/t/n",
            crate::demo::SCOPE_SANDBOX,
            crate::demo::SCOPE_MANAGEMENT_GROUP,
            "/",
            "/subscriptions/other",
        ] {
            let scope = Scope::parse(text).unwrap_or(Scope::Root);
            assert_eq!(
                hierarchy.ancestor_keys_of(&scope.key()),
                scope.ancestor_keys(&directory),
                "{text}"
            );
        }
        let below_mg = Below::new(
            &Scope::ManagementGroup(crate::demo::MANAGEMENT_GROUP_ID.into()),
            &hierarchy,
        );
        assert!(below_mg.contains(&crate::demo::SCOPE_RG_WEB_PROD.to_ascii_lowercase()));
        assert!(below_mg.contains(&crate::demo::SCOPE_SANDBOX.to_ascii_lowercase()));
        assert!(!below_mg.contains(&crate::demo::SCOPE_MANAGEMENT_GROUP.to_ascii_lowercase()));
        assert!(!below_mg.contains("/subscriptions/other"));
        let below_sub = Below::new(
            &Scope::Subscription(crate::demo::SUBSCRIPTION_PRODUCTION.into()),
            &hierarchy,
        );
        assert!(below_sub.contains(&crate::demo::SCOPE_RG_DATA_PROD.to_ascii_lowercase()));
        assert!(!below_sub.contains(&crate::demo::SCOPE_PRODUCTION.to_ascii_lowercase()));
        assert!(Below::new(&Scope::Root, &hierarchy).contains("/subscriptions/x"));
        assert_eq!(
            Scope::parse("/providers/microsoft.management/managementgroups/mg1"),
            Some(Scope::ManagementGroup("mg1".into()))
        );
    }
}
