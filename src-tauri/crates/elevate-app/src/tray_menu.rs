//! The tray menu as data: what it shows for a [`Snapshot`], with typed actions behind its items, and
//! the tray icon's state. The tray app renders this with Tauri; keeping it here means it is tested
//! without a display.

use std::fmt;

use chrono::{DateTime, TimeDelta, Utc};
use elevate_core::model::{AssignmentType, RoleKey, Source};

use crate::snapshot::Snapshot;

/// What clicking a menu item does. Item ids are these, written as text for the menu toolkit and read
/// back with [`MenuAction::parse`]; nothing else matches menu ids.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MenuAction {
    /// Activate a favourite with its saved answers.
    Favourite(RoleKey),
    /// Activate every role of a saved set.
    ActivateSet(String),
    /// Activate a role (asks in the window when its policy needs answers).
    Activate(RoleKey),
    /// End an active grant.
    Deactivate(RoleKey),
    /// Extend an activation (deactivate and activate again) with its previous answers.
    Extend(RoleKey),
    /// Ask an administrator to extend a time-bound assignment ending within 14 days.
    RequestExtension(RoleKey),
    /// Cancel one of the user's pending requests (Azure's request id).
    Cancel(String),
    /// Write an e-mail to the approvers of one of the user's pending requests (Azure's request id).
    MailApprovers(String),
    /// Open the window on the approvals waiting for the user.
    Approvals,
    /// Open the window.
    Open,
    /// Read everything again from Azure.
    Refresh,
    /// Sign in (again).
    SignIn,
    /// Forget the sign-in (tokens and key).
    SignOut,
    /// Make another signed-in account (by its key) the current one.
    SwitchAccount(String),
    /// Sign in to one more account in the browser (it becomes the current one).
    AddAccount,
    /// Take the newer version offered by the verified update feed.
    Update,
    /// Leave the app.
    Quit,
}

impl MenuAction {
    /// Reads an item id written by `Display`; `None` for anything else.
    pub fn parse(id: &str) -> Option<MenuAction> {
        let (kind, rest) = id.split_once('/').unwrap_or((id, ""));
        let key = || RoleKey::from_raw(rest);
        let action = match (kind, rest.is_empty()) {
            ("favourite", false) => MenuAction::Favourite(key()),
            ("set", false) => MenuAction::ActivateSet(rest.to_owned()),
            ("activate", false) => MenuAction::Activate(key()),
            ("deactivate", false) => MenuAction::Deactivate(key()),
            ("extend", false) => MenuAction::Extend(key()),
            ("request-extension", false) => MenuAction::RequestExtension(key()),
            ("cancel", false) => MenuAction::Cancel(rest.to_owned()),
            ("mail-approvers", false) => MenuAction::MailApprovers(rest.to_owned()),
            ("switch-account", false) => MenuAction::SwitchAccount(rest.to_owned()),
            ("add-account", true) => MenuAction::AddAccount,
            ("approvals", true) => MenuAction::Approvals,
            ("open", true) => MenuAction::Open,
            ("refresh", true) => MenuAction::Refresh,
            ("sign-in", true) => MenuAction::SignIn,
            ("sign-out", true) => MenuAction::SignOut,
            ("update", true) => MenuAction::Update,
            ("quit", true) => MenuAction::Quit,
            _ => return None,
        };
        Some(action)
    }
}

impl fmt::Display for MenuAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MenuAction::Favourite(key) => write!(f, "favourite/{key}"),
            MenuAction::ActivateSet(name) => write!(f, "set/{name}"),
            MenuAction::Activate(key) => write!(f, "activate/{key}"),
            MenuAction::Deactivate(key) => write!(f, "deactivate/{key}"),
            MenuAction::Extend(key) => write!(f, "extend/{key}"),
            MenuAction::RequestExtension(key) => write!(f, "request-extension/{key}"),
            MenuAction::Cancel(id) => write!(f, "cancel/{id}"),
            MenuAction::MailApprovers(id) => write!(f, "mail-approvers/{id}"),
            MenuAction::SwitchAccount(key) => write!(f, "switch-account/{key}"),
            MenuAction::AddAccount => f.write_str("add-account"),
            MenuAction::Approvals => f.write_str("approvals"),
            MenuAction::Open => f.write_str("open"),
            MenuAction::Refresh => f.write_str("refresh"),
            MenuAction::SignIn => f.write_str("sign-in"),
            MenuAction::SignOut => f.write_str("sign-out"),
            MenuAction::Update => f.write_str("update"),
            MenuAction::Quit => f.write_str("quit"),
        }
    }
}

/// One entry of the menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MenuEntry {
    /// A clickable item.
    Item {
        /// What it says.
        label: String,
        /// What it does.
        action: MenuAction,
    },
    /// Text that cannot be clicked (a heading, a status line).
    Label(String),
    /// A line between groups.
    Separator,
    /// A submenu.
    Submenu {
        /// What it says.
        label: String,
        /// Its entries.
        entries: Vec<MenuEntry>,
    },
}

/// The tray icon's state, most urgent first when several apply.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TrayState {
    /// Nobody is signed in.
    SignedOut,
    /// Something could not be read or done.
    Error,
    /// A grant ends within the warning time.
    ExpiringSoon,
    /// Requests wait for the user's decision.
    PendingApproval,
    /// At least one role is active.
    Elevated,
    /// Signed in, nothing active.
    Idle,
}

impl TrayState {
    /// The icon file's stem in `icons/tray/`.
    pub const fn icon_name(self) -> &'static str {
        match self {
            TrayState::SignedOut => "signed-out",
            TrayState::Error => "error",
            TrayState::ExpiringSoon => "expiring",
            TrayState::PendingApproval => "approval",
            TrayState::Elevated => "elevated",
            TrayState::Idle => "idle",
        }
    }

    /// Every state.
    pub const ALL: [TrayState; 6] = [
        TrayState::SignedOut,
        TrayState::Error,
        TrayState::ExpiringSoon,
        TrayState::PendingApproval,
        TrayState::Elevated,
        TrayState::Idle,
    ];
}

/// The menu and icon for one snapshot.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TrayView {
    /// The menu's entries, top to bottom.
    pub entries: Vec<MenuEntry>,
    /// The icon's state.
    pub state: TrayState,
    /// The icon's tooltip.
    pub tooltip: String,
}

/// A signed-in account the menu offers to switch to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AccountChoice {
    /// Elevate's key for it (`{object id}.{tenant id}`).
    pub key: String,
    /// Its user name (from the identity provider: shown as text).
    pub username: String,
    /// Its tenant id.
    pub tenant_id: String,
    /// Whether it is the one in use.
    pub current: bool,
    /// Its other tenants (guest tenants, from ARM's tenant list), each to switch to.
    pub tenants: Vec<TenantItem>,
}

/// Another tenant of a signed-in account (a guest tenant), to switch to like an account.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TenantItem {
    /// What switching to it passes (an account key, or `{account key}/{tenant id}`).
    pub key: String,
    /// Its display name (Azure's text: untrusted), else its domain or id.
    pub name: String,
    /// Whether it is the one in use.
    pub current: bool,
}

/// How the menu is drawn.
#[derive(Clone, Debug)]
pub struct MenuOptions {
    /// Elevate's own signed-in accounts (empty in demo mode and with the Azure CLI's sign-in):
    /// with any, the menu has an account submenu to switch and to add one.
    pub accounts: Vec<AccountChoice>,
    /// A grant ending within this is "expiring soon".
    pub expiring_within: TimeDelta,
    /// Said after the account name (e.g. "demo tenant").
    pub account_note: Option<String>,
    /// The last error to show at the top, if any.
    pub error: Option<String>,
    /// Whether the session can be signed out of (Elevate's own sign-in, not the demo's).
    pub can_sign_out: bool,
    /// Whether a sign-in is under way (then "Sign in" is not offered).
    pub signing_in: bool,
    /// A newer version from the verified update feed ("Update to X.Y.Z…").
    pub update: Option<String>,
    /// Why the last update feed was refused (a tampered feed, a downgrade…), shown until a good one.
    pub update_refused: Option<String>,
}

impl Default for MenuOptions {
    fn default() -> Self {
        MenuOptions {
            accounts: Vec::new(),
            expiring_within: TimeDelta::minutes(15),
            account_note: None,
            error: None,
            can_sign_out: false,
            signing_in: false,
            update: None,
            update_refused: None,
        }
    }
}

/// "Account: NAME ▸": every signed-in account (the current one marked, the others to switch to)
/// and "Add account…".
fn account_menu(accounts: &[AccountChoice]) -> MenuEntry {
    // A tenant's name is Azure's text: one line, no control characters, not too long.
    let tenant_name = |t: &TenantItem| shorten(&elevate_core::text::sanitize(&t.name), 60);
    let current = accounts
        .iter()
        .find_map(|a| {
            if a.current {
                Some(a.username.clone())
            } else {
                a.tenants
                    .iter()
                    .find(|t| t.current)
                    .map(|t| format!("{} ({})", a.username, tenant_name(t)))
            }
        })
        .unwrap_or_else(|| "none".to_owned());
    let mut entries: Vec<MenuEntry> = Vec::new();
    for a in accounts {
        let text = format!("{} (tenant {})", a.username, a.tenant_id);
        entries.push(if a.current {
            MenuEntry::Label(format!("✓ {text}"))
        } else {
            MenuEntry::Item {
                label: format!("Switch to {text}"),
                action: MenuAction::SwitchAccount(a.key.clone()),
            }
        });
        // Under each account, its other tenants.
        for t in &a.tenants {
            let text = format!("{} (guest)", tenant_name(t));
            entries.push(if t.current {
                MenuEntry::Label(format!("✓ {text}"))
            } else {
                MenuEntry::Item {
                    label: format!("Switch to {text}"),
                    action: MenuAction::SwitchAccount(t.key.clone()),
                }
            });
        }
    }
    entries.push(MenuEntry::Separator);
    entries.push(MenuEntry::Item {
        label: "Add account…".into(),
        action: MenuAction::AddAccount,
    });
    MenuEntry::Submenu {
        label: format!("Account: {}", shorten(&current, 80)),
        entries,
    }
}

/// Draws the menu of `snapshot` as it stands at `now`.
pub fn tray_view(snapshot: &Snapshot, now: DateTime<Utc>, options: &MenuOptions) -> TrayView {
    let mut entries = Vec::new();
    let Some(account) = &snapshot.account else {
        if options.signing_in {
            entries.push(MenuEntry::Label("Signing in…".into()));
        } else {
            entries.push(MenuEntry::Label("Not signed in".into()));
        }
        if let Some(error) = &options.error {
            entries.push(MenuEntry::Label(shorten(error, 90)));
        }
        if !options.signing_in {
            entries.push(MenuEntry::Item {
                label: "Sign in…".into(),
                action: MenuAction::SignIn,
            });
        }
        entries.extend(footer(options));
        return TrayView {
            entries,
            state: TrayState::SignedOut,
            tooltip: "Elevate: not signed in".into(),
        };
    };
    let who = match &options.account_note {
        Some(note) => format!("{} ({note})", account.name),
        None => account.name.clone(),
    };
    entries.push(MenuEntry::Label(who));
    if !options.accounts.is_empty() {
        entries.push(account_menu(&options.accounts));
    }
    if let Some(error) = &options.error {
        entries.push(MenuEntry::Label(format!("⚠ {}", shorten(error, 90))));
    }
    for problem in snapshot.problems.iter().take(3) {
        entries.push(MenuEntry::Label(format!("⚠ {}", shorten(problem, 90))));
    }

    if !snapshot.favourites.is_empty() || !snapshot.sets.is_empty() {
        entries.push(MenuEntry::Separator);
        entries.push(MenuEntry::Label("Favourites".into()));
        for favourite in &snapshot.favourites {
            let label = favourite
                .label
                .clone()
                .unwrap_or_else(|| snapshot.label_of(&favourite.key));
            let active = snapshot.grant(&favourite.key).is_some();
            entries.push(MenuEntry::Item {
                label: if active {
                    format!("★ {label} (active)")
                } else {
                    format!("★ {label}")
                },
                action: MenuAction::Favourite(favourite.key.clone()),
            });
        }
        for set in &snapshot.sets {
            entries.push(MenuEntry::Item {
                label: format!("Set: {} ({} roles)", set.name, set.keys.len()),
                action: MenuAction::ActivateSet(set.name.clone()),
            });
        }
    }

    let mut expiring = false;
    if !snapshot.active.is_empty() {
        entries.push(MenuEntry::Separator);
        entries.push(MenuEntry::Label(format!(
            "Active ({})",
            snapshot.active.len()
        )));
        for grant in &snapshot.active {
            let left = grant.end.map(|end| end - now);
            if grant.assignment_type == AssignmentType::Activated
                && left.is_some_and(|l| l <= options.expiring_within)
            {
                expiring = true;
            }
            let when = match left {
                Some(left) => time_left(left),
                None => "permanent".to_owned(),
            };
            let mut actions = Vec::new();
            if grant.assignment_type == AssignmentType::Activated {
                actions.push(MenuEntry::Item {
                    label: "Deactivate".into(),
                    action: MenuAction::Deactivate(grant.key.clone()),
                });
                match snapshot.extend_blocked(grant, now) {
                    None => actions.push(MenuEntry::Item {
                        label: "Extend".into(),
                        action: MenuAction::Extend(grant.key.clone()),
                    }),
                    // Not clickable, with the reason.
                    Some(reason) => actions.push(MenuEntry::Label(format!(
                        "Extend: {}",
                        shorten(&reason, 90)
                    ))),
                }
            } else {
                actions.push(MenuEntry::Label("Standing assignment".into()));
                if elevate_core::session::offers_extension_request(grant, now) {
                    actions.push(MenuEntry::Item {
                        label: elevate_core::session::REQUEST_EXTENSION_LABEL.into(),
                        action: MenuAction::RequestExtension(grant.key.clone()),
                    });
                }
            }
            entries.push(MenuEntry::Submenu {
                label: format!("{} @ {} — {when}", grant.role.name, grant.scope.name),
                entries: actions,
            });
        }
    }

    if !snapshot.pending.is_empty() {
        entries.push(MenuEntry::Separator);
        entries.push(MenuEntry::Label(format!(
            "Pending ({})",
            snapshot.pending.len()
        )));
        for request in &snapshot.pending {
            let mut actions = vec![MenuEntry::Item {
                label: "Cancel request".into(),
                action: MenuAction::Cancel(request.id.clone()),
            }];
            actions.extend(waiting_for_entries(snapshot, &request.id));
            entries.push(MenuEntry::Submenu {
                label: format!(
                    "{} @ {} — {}",
                    request.role.name, request.scope.name, request.status
                ),
                entries: actions,
            });
        }
    }

    entries.push(MenuEntry::Separator);
    entries.push(activate_menu(snapshot));
    if !snapshot.approvals.is_empty() {
        entries.push(MenuEntry::Item {
            label: format!("Approvals ({})", snapshot.approvals.len()),
            action: MenuAction::Approvals,
        });
    }
    if options.can_sign_out {
        entries.push(MenuEntry::Separator);
        entries.push(MenuEntry::Item {
            label: "Sign out".into(),
            action: MenuAction::SignOut,
        });
    }
    entries.extend(footer(options));

    let state = if options.error.is_some() || !snapshot.problems.is_empty() {
        TrayState::Error
    } else if expiring {
        TrayState::ExpiringSoon
    } else if !snapshot.approvals.is_empty() {
        TrayState::PendingApproval
    } else if snapshot
        .active
        .iter()
        .any(|g| g.assignment_type == AssignmentType::Activated)
    {
        TrayState::Elevated
    } else {
        TrayState::Idle
    };
    let tooltip = match state {
        TrayState::Error => "Elevate: something needs attention".to_owned(),
        TrayState::ExpiringSoon => "Elevate: a role ends soon".to_owned(),
        TrayState::PendingApproval => format!(
            "Elevate: {} request(s) wait for your decision",
            snapshot.approvals.len()
        ),
        TrayState::Elevated => format!("Elevate: {} role(s) active", snapshot.active.len()),
        TrayState::Idle | TrayState::SignedOut => "Elevate".to_owned(),
    };
    TrayView {
        entries,
        state,
        tooltip,
    }
}

/// "Activate…": one submenu per source, its roles ordered by scope then role.
fn activate_menu(snapshot: &Snapshot) -> MenuEntry {
    let mut sources = Vec::new();
    for source in Source::ALL {
        let mut roles: Vec<_> = snapshot
            .roles
            .iter()
            .filter(|r| r.source == source)
            .collect();
        if roles.is_empty() {
            continue;
        }
        roles.sort_by(|a, b| {
            a.scope
                .name
                .to_lowercase()
                .cmp(&b.scope.name.to_lowercase())
                .then_with(|| a.role.name.to_lowercase().cmp(&b.role.name.to_lowercase()))
        });
        let entries = roles
            .into_iter()
            .map(|role| {
                let active = snapshot.grant(&role.key).is_some();
                MenuEntry::Item {
                    label: format!(
                        "{} @ {}{}",
                        role.role.name,
                        role.scope.name,
                        if active { " (active)" } else { "" }
                    ),
                    action: MenuAction::Activate(role.key.clone()),
                }
            })
            .collect();
        sources.push(MenuEntry::Submenu {
            label: source_heading(source).into(),
            entries,
        });
    }
    if sources.is_empty() {
        sources.push(MenuEntry::Label("No eligible roles".into()));
    }
    MenuEntry::Submenu {
        label: "Activate…".into(),
        entries: sources,
    }
}

fn source_heading(source: Source) -> &'static str {
    match source {
        Source::AzureResource => "Azure resources",
        Source::EntraRole => "Entra roles",
        Source::Group => "Groups",
    }
}

fn footer(options: &MenuOptions) -> Vec<MenuEntry> {
    let mut entries = vec![MenuEntry::Separator];
    if let Some(version) = &options.update {
        entries.push(MenuEntry::Item {
            label: format!("Update to {}…", shorten(version, 40)),
            action: MenuAction::Update,
        });
    } else if let Some(refused) = &options.update_refused {
        entries.push(MenuEntry::Label(shorten(refused, 90)));
    }
    entries.extend([
        MenuEntry::Item {
            label: "Open Elevate".into(),
            action: MenuAction::Open,
        },
        MenuEntry::Item {
            label: "Refresh".into(),
            action: MenuAction::Refresh,
        },
        MenuEntry::Item {
            label: "Quit".into(),
            action: MenuAction::Quit,
        },
    ]);
    entries
}

/// "1 h 05 min left", "4 min left", "ending".
pub fn time_left(left: TimeDelta) -> String {
    let minutes = left.num_minutes();
    if left <= TimeDelta::zero() {
        "ending".to_owned()
    } else if minutes < 1 {
        "less than a minute left".to_owned()
    } else if minutes < 60 {
        format!("{minutes} min left")
    } else {
        format!("{} h {:02} min left", minutes / 60, minutes % 60)
    }
}

fn shorten(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max {
        line.to_owned()
    } else {
        let cut: String = line.chars().take(max.saturating_sub(1)).collect();
        format!("{cut}…")
    }
}

/// Under a pending request: who may approve it ("Waiting for Grace Hopper, PIM Approvers
/// (group)") and an item that writes to them.
fn waiting_for_entries(snapshot: &Snapshot, request_id: &str) -> Vec<MenuEntry> {
    let Some(names) = snapshot.approvers_of(request_id) else {
        return Vec::new();
    };
    vec![
        MenuEntry::Label(format!("Waiting for {}", shorten(names, 90))),
        MenuEntry::Item {
            label: "E-mail the approvers…".into(),
            action: MenuAction::MailApprovers(request_id.to_owned()),
        },
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use elevate_core::model::ActiveGrant;

    #[test]
    fn every_action_reads_back_from_its_id() {
        let key = RoleKey::new(
            Source::AzureResource,
            "/subscriptions/ABC/resourceGroups/rg",
            "/providers/Microsoft.Authorization/roleDefinitions/1234",
        );
        let actions = [
            MenuAction::Favourite(key.clone()),
            MenuAction::ActivateSet("Morning / ops".into()),
            MenuAction::Activate(key.clone()),
            MenuAction::Deactivate(key.clone()),
            MenuAction::Extend(key.clone()),
            MenuAction::RequestExtension(key),
            MenuAction::Cancel("req-1".into()),
            MenuAction::Approvals,
            MenuAction::Open,
            MenuAction::Refresh,
            MenuAction::SignIn,
            MenuAction::SignOut,
            MenuAction::SwitchAccount("0a1d.4c2d".into()),
            MenuAction::AddAccount,
            MenuAction::Update,
            MenuAction::Quit,
        ];
        for action in actions {
            assert_eq!(MenuAction::parse(&action.to_string()), Some(action));
        }
        assert_eq!(MenuAction::parse("activate/"), None);
        assert_eq!(MenuAction::parse("quit/now"), None);
        assert_eq!(MenuAction::parse("launch"), None);
    }

    #[test]
    fn the_account_submenu_switches_to_the_others_and_adds_one() {
        let accounts = vec![
            AccountChoice {
                key: "a.t".into(),
                username: "ada@contoso.example".into(),
                tenant_id: "t".into(),
                current: true,
                tenants: Vec::new(),
            },
            AccountChoice {
                key: "g.t".into(),
                username: "grace@contoso.example\n<b>x</b>".into(),
                tenant_id: "t".into(),
                current: false,
                tenants: Vec::new(),
            },
        ];
        let MenuEntry::Submenu { label, entries } = account_menu(&accounts) else {
            panic!("not a submenu");
        };
        assert_eq!(label, "Account: ada@contoso.example");
        assert_eq!(
            entries[0],
            MenuEntry::Label("✓ ada@contoso.example (tenant t)".into())
        );
        assert_eq!(
            entries[1],
            MenuEntry::Item {
                label: "Switch to grace@contoso.example\n<b>x</b> (tenant t)".into(),
                action: MenuAction::SwitchAccount("g.t".into()),
            }
        );
        assert_eq!(
            entries.last(),
            Some(&MenuEntry::Item {
                label: "Add account…".into(),
                action: MenuAction::AddAccount,
            })
        );
    }

    #[test]
    fn an_accounts_guest_tenants_follow_it_and_switch_like_accounts() {
        let accounts = vec![AccountChoice {
            key: "a.t".into(),
            username: "ada@contoso.example".into(),
            tenant_id: "t".into(),
            current: false,
            tenants: vec![
                TenantItem {
                    key: "ga.f".into(),
                    name: "Fabrikam\u{1b}[31m\nsecond line".into(),
                    current: true,
                },
                TenantItem {
                    key: "a.t/n".into(),
                    name: "Northwind & Co".into(),
                    current: false,
                },
            ],
        }];
        let MenuEntry::Submenu { label, entries } = account_menu(&accounts) else {
            panic!("not a submenu");
        };
        assert_eq!(label, "Account: ada@contoso.example (Fabrikam\u{fffd}[31m)");
        assert_eq!(
            entries[0],
            MenuEntry::Item {
                label: "Switch to ada@contoso.example (tenant t)".into(),
                action: MenuAction::SwitchAccount("a.t".into()),
            }
        );
        assert_eq!(
            entries[1],
            MenuEntry::Label("✓ Fabrikam\u{fffd}[31m (guest)".into())
        );
        assert_eq!(
            entries[2],
            MenuEntry::Item {
                label: "Switch to Northwind & Co (guest)".into(),
                action: MenuAction::SwitchAccount("a.t/n".into()),
            }
        );
        assert_eq!(
            MenuAction::parse(&MenuAction::SwitchAccount("a.t/n".into()).to_string()),
            Some(MenuAction::SwitchAccount("a.t/n".into()))
        );
    }

    #[test]
    fn time_left_reads_naturally() {
        assert_eq!(time_left(TimeDelta::minutes(65)), "1 h 05 min left");
        assert_eq!(time_left(TimeDelta::minutes(4)), "4 min left");
        assert_eq!(time_left(TimeDelta::seconds(20)), "less than a minute left");
        assert_eq!(time_left(TimeDelta::seconds(-5)), "ending");
    }

    #[test]
    fn signed_out_menu_offers_only_the_basics() {
        let view = tray_view(&Snapshot::default(), Utc::now(), &MenuOptions::default());
        assert_eq!(view.state, TrayState::SignedOut);
        assert!(view.entries.contains(&MenuEntry::Item {
            label: "Quit".into(),
            action: MenuAction::Quit
        }));
    }

    #[test]
    fn an_available_update_is_offered_above_the_footer_signed_in_or_not() {
        let update = MenuOptions {
            update: Some("0.2.0".into()),
            ..MenuOptions::default()
        };
        let item = MenuEntry::Item {
            label: "Update to 0.2.0…".into(),
            action: MenuAction::Update,
        };
        let signed_out = tray_view(&Snapshot::default(), Utc::now(), &update);
        let at = signed_out.entries.iter().position(|e| *e == item);
        let open = signed_out.entries.iter().position(|e| {
            matches!(
                e,
                MenuEntry::Item {
                    action: MenuAction::Open,
                    ..
                }
            )
        });
        assert!(at.is_some() && at < open, "{:?}", signed_out.entries);
        let none = tray_view(&Snapshot::default(), Utc::now(), &MenuOptions::default());
        assert!(!none.entries.iter().any(|e| matches!(
            e,
            MenuEntry::Item {
                action: MenuAction::Update,
                ..
            }
        )));
        let refused = MenuOptions {
            update_refused: Some("the update feed's signature does not match".into()),
            ..MenuOptions::default()
        };
        let view = tray_view(&Snapshot::default(), Utc::now(), &refused);
        assert!(view.entries.contains(&MenuEntry::Label(
            "the update feed's signature does not match".into()
        )));
    }

    fn grant(kind: AssignmentType, start: DateTime<Utc>, end: DateTime<Utc>) -> ActiveGrant {
        let key = RoleKey::new(Source::AzureResource, "/subscriptions/s", "/r/1");
        ActiveGrant {
            id: "i".into(),
            key,
            source: Source::AzureResource,
            role: elevate_core::model::RoleRef {
                id: "/r/1".into(),
                name: "Contributor".into(),
            },
            scope: elevate_core::model::ScopeRef {
                id: "/subscriptions/s".into(),
                name: "Dev".into(),
                kind: elevate_core::model::ScopeKind::Subscription,
            },
            principal_id: "p".into(),
            member_type: elevate_core::model::MemberType::Direct,
            assignment_type: kind,
            start: Some(start),
            end: Some(end),
        }
    }

    fn submenu(view: &TrayView) -> Vec<MenuEntry> {
        view.entries
            .iter()
            .find_map(|e| match e {
                MenuEntry::Submenu { label, entries } if label.starts_with("Contributor @ Dev") => {
                    Some(entries.clone())
                }
                _ => None,
            })
            .unwrap_or_default()
    }

    #[test]
    fn extend_is_disabled_with_its_reason_in_the_first_five_minutes_and_when_approval_is_needed() {
        let now = Utc::now();
        let young = grant(
            AssignmentType::Activated,
            now - TimeDelta::minutes(2),
            now + TimeDelta::hours(1),
        );
        let mut snapshot = Snapshot {
            account: Some(elevate_core::session::Account {
                name: "ada".into(),
                object_id: "o".into(),
                tenant_id: None,
            }),
            active: vec![young.clone()],
            ..Snapshot::default()
        };
        let entries = submenu(&tray_view(&snapshot, now, &MenuOptions::default()));
        assert!(
            !entries.iter().any(|e| matches!(
                e,
                MenuEntry::Item {
                    action: MenuAction::Extend(_),
                    ..
                }
            )),
            "{entries:?}"
        );
        assert!(entries.iter().any(|e| matches!(e, MenuEntry::Label(l) if l.starts_with("Extend: can be extended in 3 min"))), "{entries:?}");
        let later = now + TimeDelta::minutes(3);
        let entries = submenu(&tray_view(&snapshot, later, &MenuOptions::default()));
        assert!(
            entries.iter().any(|e| matches!(
                e,
                MenuEntry::Item {
                    action: MenuAction::Extend(_),
                    ..
                }
            )),
            "{entries:?}"
        );
        snapshot.approval_required = vec![young.key.clone()];
        let entries = submenu(&tray_view(&snapshot, later, &MenuOptions::default()));
        assert!(
            entries
                .iter()
                .any(|e| matches!(e, MenuEntry::Label(l) if l.contains("requires approval"))),
            "{entries:?}"
        );
    }

    #[test]
    fn an_assignment_ending_within_14_days_offers_an_extension_request() {
        let now = Utc::now();
        let account = Some(elevate_core::session::Account {
            name: "ada".into(),
            object_id: "o".into(),
            tenant_id: None,
        });
        for (days, offered) in [(10, true), (30, false)] {
            let assigned = grant(
                AssignmentType::Assigned,
                now - TimeDelta::days(100),
                now + TimeDelta::days(days),
            );
            let snapshot = Snapshot {
                account: account.clone(),
                active: vec![assigned],
                ..Snapshot::default()
            };
            let entries = submenu(&tray_view(&snapshot, now, &MenuOptions::default()));
            let has = entries.iter().any(|e| {
                matches!(e, MenuEntry::Item { label, action: MenuAction::RequestExtension(_) } if label == "Request extension (an administrator decides)")
            });
            assert_eq!(has, offered, "{days} days: {entries:?}");
        }
    }

    #[test]
    fn a_pending_request_names_who_may_approve_it_and_offers_an_e_mail() {
        let now = Utc::now();
        use elevate_core::model::{
            RequestKind, RequestRecord, RequestStatus, RoleRef, ScopeKind, ScopeRef,
        };
        let record = RequestRecord {
            id: "/subscriptions/s/providers/Microsoft.Authorization/roleAssignmentScheduleRequests/r1".into(),
            name: "r1".into(),
            source: Source::AzureResource,
            key: RoleKey::new(Source::AzureResource, "/subscriptions/s", "owner"),
            role: RoleRef { id: "owner".into(), name: "Owner".into() },
            scope: ScopeRef { id: "/subscriptions/s".into(), name: "Production".into(), kind: ScopeKind::Subscription },
            kind: RequestKind::Activate,
            status: RequestStatus::PendingApproval,
            azure_status: "PendingApproval".into(),
            created: None,
            justification: None,
            ticket: None,
            duration: None,
            start: None,
            approval_id: Some("a1".into()),
            decision: None,
            principal_id: None,
            principal_name: None,
            principal_upn: None,
            principal_email: None,
            principal_guest: false,
            principal_type: None,
            scope_path: Vec::new(),
        };
        let mut snapshot = Snapshot {
            account: Some(elevate_core::session::Account {
                name: "ada".into(),
                object_id: "o".into(),
                tenant_id: None,
            }),
            pending: vec![record.clone()],
            ..Snapshot::default()
        };
        let pending = |snapshot: &Snapshot| -> Vec<MenuEntry> {
            let view = tray_view(snapshot, now, &MenuOptions::default());
            view.entries
                .into_iter()
                .find_map(|e| match e {
                    MenuEntry::Submenu { label, entries }
                        if label.starts_with("Owner @ Production") =>
                    {
                        Some(entries)
                    }
                    _ => None,
                })
                .unwrap_or_default()
        };
        assert_eq!(
            pending(&snapshot).len(),
            1,
            "only Cancel while nobody is known"
        );
        snapshot.waiting_for = vec![(
            record.id.clone(),
            "Grace Hopper, PIM Approvers (group)".into(),
        )];
        let entries = pending(&snapshot);
        assert!(
            entries.contains(&MenuEntry::Label(
                "Waiting for Grace Hopper, PIM Approvers (group)".into()
            )),
            "{entries:?}"
        );
        let mail = MenuAction::MailApprovers(record.id.clone());
        assert!(
            entries
                .iter()
                .any(|e| matches!(e, MenuEntry::Item { action, .. } if *action == mail)),
            "{entries:?}"
        );
        assert_eq!(MenuAction::parse(&mail.to_string()), Some(mail));
        snapshot.waiting_for = vec![(record.id.clone(), String::new())];
        assert_eq!(
            pending(&snapshot).len(),
            1,
            "nothing said when they could not be read"
        );
    }
}
