//! Whether Azure applies a role: the role definition's permissions held against the permissions the
//! caller has at a scope (`Microsoft.Authorization/permissions`, api-version 2022-04-01).
//!
//! Microsoft documents that list only at resource-group and resource scope
//! (`Permissions_ListForResourceGroup`, `Permissions_ListForResource`); there is none for a
//! subscription or a management group, so a grant there cannot be checked this way (the watcher
//! takes its listing as effective).
//!
//! Actions are compared case-insensitively with ARM's wildcard `*` (any run of characters, `/`
//! included): `*`, `Microsoft.Compute/*`, `*/read`, `Microsoft.Authorization/*/Delete`.

/// One permission entry: of a role definition, or one of the caller's at a scope.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Permission {
    /// Allowed actions (control plane).
    pub actions: Vec<String>,
    /// Actions excluded from `actions`.
    pub not_actions: Vec<String>,
    /// Allowed data actions.
    pub data_actions: Vec<String>,
    /// Data actions excluded from `data_actions`.
    pub not_data_actions: Vec<String>,
}

/// Whether everything `role` allows is allowed by `granted` (the caller's permissions at a scope).
///
/// For each of the role's entries, each action (and each data action) must be allowed by one of
/// the granted entries: one of its actions covers it, and every one of its not-actions that could
/// exclude part of it is excluded by the role too. So Contributor's `*` (minus
/// `Microsoft.Authorization/*/Write`, ...) is covered by a Contributor entry or an Owner entry, but
/// Owner's `*` is not covered by a Contributor entry, and Reader's `*/read` is. A role that allows
/// nothing is trivially covered.
pub fn role_is_covered(role: &[Permission], granted: &[Permission]) -> bool {
    role.iter().all(|part| {
        part.actions.iter().all(|action| {
            granted
                .iter()
                .any(|g| allows(&g.actions, &g.not_actions, action, &part.not_actions))
        }) && part.data_actions.iter().all(|action| {
            granted.iter().any(|g| {
                allows(
                    &g.data_actions,
                    &g.not_data_actions,
                    action,
                    &part.not_data_actions,
                )
            })
        })
    })
}

/// Whether an entry with `actions` minus `not_actions` allows all of `wanted` minus `also_excluded`.
fn allows(
    actions: &[String],
    not_actions: &[String],
    wanted: &str,
    also_excluded: &[String],
) -> bool {
    actions.iter().any(|a| covers(a, wanted))
        && not_actions
            .iter()
            .filter(|n| overlaps(n, wanted))
            .all(|n| also_excluded.iter().any(|e| covers(e, n)))
}

/// Whether every action `pattern` matches matches `outer` too (`*` in `pattern` is absorbed only by
/// a `*` of `outer`). Case-insensitive. A sufficient test, exact for the patterns ARM uses.
pub fn covers(outer: &str, pattern: &str) -> bool {
    let outer: Vec<u8> = outer
        .trim()
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .collect();
    let inner: Vec<u8> = pattern
        .trim()
        .bytes()
        .map(|b| b.to_ascii_lowercase())
        .collect();
    glob(&outer, &inner, false)
}

/// Whether some action matches both patterns. Case-insensitive.
pub fn overlaps(a: &str, b: &str) -> bool {
    let a: Vec<u8> = a.trim().bytes().map(|b| b.to_ascii_lowercase()).collect();
    let b: Vec<u8> = b.trim().bytes().map(|b| b.to_ascii_lowercase()).collect();
    glob(&a, &b, true)
}

/// Dynamic programming over (position in `p`, position in `q`). `p`'s `*` matches any run of `q`
/// (its `*`s included). With `both`, `q`'s `*` also matches any run of `p`, which asks whether the
/// two patterns share a match; without, a `*` of `q` is matched only by a `*` of `p`.
fn glob(p: &[u8], q: &[u8], both: bool) -> bool {
    let (n, m) = (p.len(), q.len());
    // reach[i][j]: p[i..] and q[j..] can still match.
    let mut reach = vec![vec![false; m + 1]; n + 1];
    for i in (0..=n).rev() {
        for j in (0..=m).rev() {
            let pi = p.get(i).copied();
            let qj = q.get(j).copied();
            let at =
                |i: usize, j: usize| reach.get(i).and_then(|r| r.get(j)).copied() == Some(true);
            let ok = match (pi, qj) {
                (None, None) => true,
                (Some(b'*'), _) if at(i + 1, j) || (qj.is_some() && at(i, j + 1)) => true,
                (_, Some(b'*')) if both && (at(i, j + 1) || (pi.is_some() && at(i + 1, j))) => true,
                (Some(a), Some(b)) if a != b'*' && (b != b'*' || !both) => {
                    a == b && at(i + 1, j + 1)
                }
                _ => false,
            };
            if let Some(cell) = reach.get_mut(i).and_then(|r| r.get_mut(j)) {
                *cell = ok;
            }
        }
    }
    reach.first().and_then(|r| r.first()).copied() == Some(true)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(actions: &[&str], not_actions: &[&str]) -> Permission {
        Permission {
            actions: actions.iter().map(|s| (*s).to_owned()).collect(),
            not_actions: not_actions.iter().map(|s| (*s).to_owned()).collect(),
            ..Permission::default()
        }
    }

    fn owner() -> Permission {
        entry(&["*"], &[])
    }

    fn contributor() -> Permission {
        entry(
            &["*"],
            &[
                "Microsoft.Authorization/*/Delete",
                "Microsoft.Authorization/*/Write",
                "Microsoft.Authorization/elevateAccess/Action",
                "Microsoft.Blueprint/blueprintAssignments/write",
                "Microsoft.Blueprint/blueprintAssignments/delete",
                "Microsoft.Compute/galleries/share/action",
            ],
        )
    }

    fn reader() -> Permission {
        entry(&["*/read"], &[])
    }

    fn kv_secrets_officer() -> Permission {
        Permission {
            actions: vec![
                "Microsoft.Authorization/*/read".into(),
                "Microsoft.KeyVault/*/read".into(),
            ],
            data_actions: vec!["Microsoft.KeyVault/vaults/secrets/*".into()],
            ..Permission::default()
        }
    }

    #[test]
    fn wildcards_match_actions_case_insensitively() {
        assert!(covers("*", "Microsoft.Compute/virtualMachines/read"));
        assert!(covers(
            "Microsoft.Compute/*",
            "microsoft.compute/virtualmachines/START/action"
        ));
        assert!(covers("*/read", "Microsoft.Web/sites/read"));
        assert!(!covers("*/read", "Microsoft.Web/sites/write"));
        assert!(!covers("Microsoft.Compute/*", "Microsoft.Web/sites/read"));
        assert!(covers(
            "Microsoft.Authorization/*/Delete",
            "Microsoft.Authorization/roleAssignments/delete"
        ));
        // Patterns against patterns: a `*` of the inner one needs a `*` of the outer one.
        assert!(covers("*", "*/read"));
        assert!(covers("Microsoft.KeyVault/*", "Microsoft.KeyVault/*/read"));
        assert!(!covers("*/read", "*"));
        assert!(!covers(
            "Microsoft.KeyVault/vaults/read",
            "Microsoft.KeyVault/*/read"
        ));
        assert!(overlaps("*/read", "Microsoft.Authorization/*"));
        assert!(!overlaps("*/read", "Microsoft.Authorization/*/Write"));
        assert!(overlaps("*", "Microsoft.Authorization/*/Write"));
        assert!(!overlaps("Microsoft.Web/*", "Microsoft.Compute/*"));
    }

    #[test]
    fn a_role_is_covered_by_its_own_entry_or_a_broader_one() {
        for role in [owner(), contributor(), reader(), kv_secrets_officer()] {
            assert!(
                role_is_covered(std::slice::from_ref(&role), std::slice::from_ref(&role)),
                "{role:?}"
            );
        }
        assert!(role_is_covered(&[contributor()], &[owner()]));
        assert!(role_is_covered(&[reader()], &[contributor()]));
        assert!(role_is_covered(&[reader()], &[reader(), contributor()]));
        // Case does not matter.
        let shouting = entry(&["*/READ"], &[]);
        assert!(role_is_covered(&[reader()], &[shouting]));
    }

    #[test]
    fn a_narrower_entry_does_not_cover_a_broader_role() {
        assert!(!role_is_covered(&[owner()], &[contributor()]));
        assert!(!role_is_covered(&[contributor()], &[reader()]));
        assert!(!role_is_covered(&[owner()], &[reader()]));
        assert!(!role_is_covered(&[reader()], &[]));
        // Contributor's exclusions are not all Owner's: a Contributor entry with fewer exclusions
        // than the role still covers it, one with more does not.
        let fewer = entry(&["*"], &["Microsoft.Authorization/*/Write"]);
        assert!(role_is_covered(&[contributor()], &[fewer]));
        let more = entry(
            &["*"],
            &["Microsoft.Authorization/*/Write", "Microsoft.Web/*"],
        );
        assert!(!role_is_covered(&[contributor()], &[more]));
        // Exclusions that cannot touch the action do not matter.
        assert!(role_is_covered(&[reader()], &[contributor()]));
    }

    #[test]
    fn data_actions_must_be_covered_too() {
        // Owner has no data actions: Key Vault Secrets Officer's secrets are not covered by it.
        assert!(!role_is_covered(&[kv_secrets_officer()], &[owner()]));
        let data = Permission {
            data_actions: vec!["Microsoft.KeyVault/vaults/*".into()],
            ..Permission::default()
        };
        assert!(role_is_covered(
            &[kv_secrets_officer()],
            &[owner(), data.clone()]
        ));
        let excluded = Permission {
            not_data_actions: vec!["Microsoft.KeyVault/vaults/secrets/getSecret/action".into()],
            ..data
        };
        assert!(!role_is_covered(
            &[kv_secrets_officer()],
            &[owner(), excluded]
        ));
        // A role with no permissions at all is trivially covered.
        assert!(role_is_covered(&[Permission::default()], &[]));
        assert!(role_is_covered(&[], &[]));
    }
}
