//! Choosing roles by what people type: `Contributor`, `Owner@Contoso Production`,
//! `reader@/providers/Microsoft.Management/managementGroups/contoso-platform`, or a role key.
//!
//! A selector is `ROLE[@SCOPE]`, matched case-insensitively: the role part against the role's name, the
//! scope part against the scope's name or id. Exact matches win over partial ones; if several roles are
//! still left, the selector is ambiguous and the error lists them.

use crate::error::{Error, Result};
use crate::model::{ActiveGrant, Eligibility, Expiring, RequestRecord, RoleRef, ScopeRef, Source};

/// Something a selector can pick.
pub trait Selectable {
    /// Its stable key.
    fn key_text(&self) -> &str;
    /// Its role.
    fn role(&self) -> &RoleRef;
    /// Its scope.
    fn scope(&self) -> &ScopeRef;
    /// Its source.
    fn source(&self) -> Source;
}

impl Selectable for Eligibility {
    fn key_text(&self) -> &str {
        self.key.as_str()
    }
    fn role(&self) -> &RoleRef {
        &self.role
    }
    fn scope(&self) -> &ScopeRef {
        &self.scope
    }
    fn source(&self) -> Source {
        self.source
    }
}

impl Selectable for ActiveGrant {
    fn key_text(&self) -> &str {
        self.key.as_str()
    }
    fn role(&self) -> &RoleRef {
        &self.role
    }
    fn scope(&self) -> &ScopeRef {
        &self.scope
    }
    fn source(&self) -> Source {
        self.source
    }
}

impl Selectable for Expiring {
    fn key_text(&self) -> &str {
        self.key.as_str()
    }
    fn role(&self) -> &RoleRef {
        &self.role
    }
    fn scope(&self) -> &ScopeRef {
        &self.scope
    }
    fn source(&self) -> Source {
        self.source
    }
}

impl Selectable for RequestRecord {
    fn key_text(&self) -> &str {
        &self.name
    }
    fn role(&self) -> &RoleRef {
        &self.role
    }
    fn scope(&self) -> &ScopeRef {
        &self.scope
    }
    fn source(&self) -> Source {
        self.source
    }
}

/// How well a text matched.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Fit {
    Partial,
    Exact,
}

fn fit(needle: &str, haystacks: &[&str]) -> Option<Fit> {
    let needle = needle.trim().to_lowercase();
    if needle.is_empty() {
        return Some(Fit::Partial);
    }
    let lower: Vec<String> = haystacks.iter().map(|h| h.trim().to_lowercase()).collect();
    if lower
        .iter()
        .any(|h| *h == needle || h.trim_matches('/') == needle.trim_matches('/'))
    {
        Some(Fit::Exact)
    } else if lower.iter().any(|h| h.contains(&needle)) {
        Some(Fit::Partial)
    } else {
        None
    }
}

/// Picks exactly one of `items` for `selector`.
pub fn select_one<'a, T: Selectable>(items: &'a [T], selector: &str) -> Result<&'a T> {
    let trimmed = selector.trim();
    if trimmed.is_empty() {
        return Err(Error::Invalid(
            "an empty selector matches nothing; name a role, e.g. Contributor@Production".into(),
        ));
    }
    if let Some(item) = items
        .iter()
        .find(|i| i.key_text().eq_ignore_ascii_case(trimmed))
    {
        return Ok(item);
    }
    let (role_part, scope_part) = match trimmed.split_once('@') {
        Some((r, s)) => (r, Some(s)),
        None => (trimmed, None),
    };
    let scored: Vec<((Fit, Fit), &T)> = items
        .iter()
        .filter_map(|item| {
            let role_fit = fit(role_part, &[&item.role().name])?;
            let scope_fit = match scope_part {
                Some(s) => fit(s, &[&item.scope().name, &item.scope().id])?,
                None => Fit::Exact,
            };
            Some(((role_fit, scope_fit), item))
        })
        .collect();
    let Some(best) = scored.iter().map(|(f, _)| *f).max() else {
        return Err(Error::NoMatch {
            selector: trimmed.to_owned(),
        });
    };
    let winners: Vec<&T> = scored
        .into_iter()
        .filter(|(f, _)| *f == best)
        .map(|(_, i)| i)
        .collect();
    match winners.as_slice() {
        [one] => Ok(one),
        many => Err(Error::Ambiguous {
            selector: trimmed.to_owned(),
            candidates: many.iter().map(|i| describe(*i)).collect(),
        }),
    }
}

/// `Role @ Scope name (source, key)`: one line for candidate lists.
pub fn describe<T: Selectable>(item: &T) -> String {
    format!(
        "{} @ {}   [{}]   {}",
        item.role().name,
        item.scope().name,
        item.source(),
        item.key_text()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemberType, RoleKey, ScopeKind};

    fn elig(role: &str, scope_name: &str, scope_id: &str) -> Eligibility {
        Eligibility {
            key: RoleKey::new(Source::AzureResource, scope_id, role),
            source: Source::AzureResource,
            role: RoleRef {
                id: role.into(),
                name: role.into(),
            },
            scope: ScopeRef {
                id: scope_id.into(),
                name: scope_name.into(),
                kind: ScopeKind::Subscription,
            },
            principal_id: "p".into(),
            member_type: MemberType::Direct,
            start: None,
            end: None,
            schedule_id: None,
        }
    }

    fn items() -> Vec<Eligibility> {
        vec![
            elig("Contributor", "Contoso Development", "/subscriptions/dev"),
            elig(
                "Contributor",
                "rg-web-prod",
                "/subscriptions/prod/resourceGroups/rg-web-prod",
            ),
            elig("Owner", "Contoso Production", "/subscriptions/prod"),
            elig(
                "Reader",
                "Contoso Platform",
                "/providers/Microsoft.Management/managementGroups/platform",
            ),
        ]
    }

    #[test]
    fn role_and_scope_case_insensitive() {
        let items = items();
        assert_eq!(
            select_one(&items, "owner")
                .map(|e| e.scope.name.as_str())
                .ok(),
            Some("Contoso Production")
        );
        assert_eq!(
            select_one(&items, "CONTRIBUTOR@development")
                .map(|e| e.scope.name.as_str())
                .ok(),
            Some("Contoso Development")
        );
        assert_eq!(
            select_one(&items, "contributor@/SUBSCRIPTIONS/dev")
                .map(|e| e.scope.id.as_str())
                .ok(),
            Some("/subscriptions/dev")
        );
        assert_eq!(
            select_one(&items, "read")
                .map(|e| e.role.name.as_str())
                .ok(),
            Some("Reader")
        );
        let key = items[2].key.as_str().to_uppercase();
        assert_eq!(
            select_one(&items, &key).map(|e| e.role.name.as_str()).ok(),
            Some("Owner")
        );
    }

    #[test]
    fn ambiguity_lists_candidates_and_no_match_is_clear() {
        let items = items();
        match select_one(&items, "Contributor") {
            Err(Error::Ambiguous { candidates, .. }) => {
                assert_eq!(candidates.len(), 2);
                assert!(candidates.iter().any(|c| c.contains("rg-web-prod")));
            }
            other => panic!("{:?}", other.map(|e| e.role.name.clone())),
        }
        assert!(matches!(
            select_one(&items, "Owner@Sandbox"),
            Err(Error::NoMatch { .. })
        ));
        assert!(matches!(select_one(&items, "  "), Err(Error::Invalid(_))));
    }

    #[test]
    fn exact_beats_partial() {
        let mut items = items();
        items.push(elig("Reader and Data Access", "Contoso Platform", "/x"));
        assert_eq!(
            select_one(&items, "reader")
                .map(|e| e.role.name.as_str())
                .ok(),
            Some("Reader")
        );
    }
}
