//! The tray icon and its menu, drawn from [`elevate_app::tray_menu`]'s view of the current snapshot.

use std::sync::Mutex;

use elevate_app::tray_menu::{MenuAction, MenuEntry, MenuOptions, TrayState, TrayView, tray_view};
use tauri::image::Image;
use tauri::menu::{IsMenuItem, Menu, MenuItem, PredefinedMenuItem, Submenu};
use tauri::tray::TrayIconBuilder;
use tauri::{AppHandle, Manager, Runtime};

use crate::shell::Shell;

/// The tray icon's id (libayatana names its D-Bus object after it).
pub const TRAY_ID: &str = "elevate";

/// The icon of each state, drawn by `icons/draw.sh`.
fn icon(state: TrayState) -> &'static [u8] {
    match state {
        TrayState::SignedOut => include_bytes!("../../icons/tray/signed-out.png"),
        TrayState::Error => include_bytes!("../../icons/tray/error.png"),
        TrayState::ExpiringSoon => include_bytes!("../../icons/tray/expiring.png"),
        TrayState::PendingApproval => include_bytes!("../../icons/tray/approval.png"),
        TrayState::Elevated => include_bytes!("../../icons/tray/elevated.png"),
        TrayState::Idle => include_bytes!("../../icons/tray/idle.png"),
    }
}

/// What the tray shows now: a redraw with nothing changed leaves the menu alone (a panel holding it
/// open keeps its items), and one where only the icon or tooltip changed rebuilds no menu.
#[derive(Default)]
struct Shown(Mutex<Option<TrayView>>);

/// Creates the tray icon with a "Signing in…" menu. On Linux the icon and its menu live in GTK, so
/// without GTK on this thread (Tauri's mock runtime in tests) there is no icon and redraws do nothing.
pub fn create<R: Runtime>(app: &AppHandle<R>) -> tauri::Result<()> {
    app.manage(Shown::default());
    #[cfg(target_os = "linux")]
    if !gtk::is_initialized_main_thread() {
        tracing::warn!(target: "elevate::tray", "no GTK on this thread: no tray icon");
        return Ok(());
    }
    let starting = MenuItem::with_id(app, "label/0", "Elevate: signing in…", false, None::<&str>)?;
    let quit = MenuItem::with_id(
        app,
        MenuAction::Quit.to_string(),
        "Quit",
        true,
        None::<&str>,
    )?;
    let menu = Menu::with_items(app, &[&starting, &quit])?;
    TrayIconBuilder::with_id(TRAY_ID)
        .icon(Image::from_bytes(icon(TrayState::SignedOut))?)
        .tooltip("Elevate")
        .menu(&menu)
        .on_menu_event(|app, event| crate::actions::on_menu(app, event.id.as_ref()))
        .build(app)?;
    Ok(())
}

/// Redraws the menu and icon from `shell`'s state.
pub fn render<R: Runtime>(app: &AppHandle<R>, shell: &Shell, can_sign_out: bool) {
    let snapshot = shell.snapshot();
    let options = MenuOptions {
        accounts: shell
            .accounts()
            .into_iter()
            // A guest tenant's own account is listed under its home account.
            .filter(|a| a.home.is_none())
            .map(|a| elevate_app::tray_menu::AccountChoice {
                tenants: a
                    .tenants
                    .iter()
                    .map(|t| elevate_app::tray_menu::TenantItem {
                        key: t.key.clone(),
                        name: t.label().to_owned(),
                        current: t.current,
                    })
                    .collect(),
                key: a.key,
                username: a.username,
                tenant_id: a.tenant_id,
                current: a.current,
            })
            .collect(),
        account_note: shell.demo().then(|| "demo tenant".to_owned()),
        error: shell.error(),
        can_sign_out,
        signing_in: shell.signing_in(),
        update: app
            .try_state::<crate::updates::Updates>()
            .and_then(|u| u.available_version()),
        update_refused: app
            .try_state::<crate::updates::Updates>()
            .and_then(|u| u.refused()),
        ..MenuOptions::default()
    };
    let view = tray_view(&snapshot, shell.now(), &options);
    let Some(tray) = app.tray_by_id(TRAY_ID) else {
        return;
    };
    let previous = match app.try_state::<Shown>() {
        Some(shown) => shown
            .0
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .replace(view.clone()),
        None => None,
    };
    if previous.as_ref().map(|p| &p.entries) != Some(&view.entries) {
        let mut labels = 0;
        let set =
            build_menu(app, &view.entries, &mut labels).and_then(|menu| tray.set_menu(Some(menu)));
        if let Err(e) = set {
            tracing::warn!(target: "elevate::tray", error = %e, "could not update the tray menu");
            // Try again at the next redraw.
            if let Some(shown) = app.try_state::<Shown>() {
                *shown
                    .0
                    .lock()
                    .unwrap_or_else(|poisoned| poisoned.into_inner()) = None;
            }
        }
    }
    if previous.as_ref().map(|p| p.state) != Some(view.state) {
        match Image::from_bytes(icon(view.state)) {
            Ok(image) => {
                if let Err(e) = tray.set_icon(Some(image)) {
                    tracing::debug!(target: "elevate::tray", error = %e, "could not change the tray icon");
                }
            }
            Err(e) => {
                tracing::warn!(target: "elevate::tray", error = %e, "a tray icon is unreadable")
            }
        }
    }
    if previous.as_ref().map(|p| &p.tooltip) != Some(&view.tooltip)
        && let Err(e) = tray.set_tooltip(Some(&view.tooltip))
    {
        tracing::debug!(target: "elevate::tray", error = %e, "could not set the tooltip");
    }
}

fn build_menu<R: Runtime>(
    app: &AppHandle<R>,
    entries: &[MenuEntry],
    labels: &mut u32,
) -> tauri::Result<Menu<R>> {
    let items = build_items(app, entries, labels)?;
    let refs: Vec<&dyn IsMenuItem<R>> = items.iter().map(|i| i.as_ref()).collect();
    Menu::with_items(app, &refs)
}

fn build_items<R: Runtime>(
    app: &AppHandle<R>,
    entries: &[MenuEntry],
    labels: &mut u32,
) -> tauri::Result<Vec<Box<dyn IsMenuItem<R>>>> {
    let mut items: Vec<Box<dyn IsMenuItem<R>>> = Vec::with_capacity(entries.len());
    for entry in entries {
        match entry {
            MenuEntry::Item { label, action } => items.push(Box::new(MenuItem::with_id(
                app,
                action.to_string(),
                plain(label),
                true,
                None::<&str>,
            )?)),
            MenuEntry::Label(label) => {
                *labels += 1;
                items.push(Box::new(MenuItem::with_id(
                    app,
                    format!("label/{labels}"),
                    plain(label),
                    false,
                    None::<&str>,
                )?));
            }
            MenuEntry::Separator => items.push(Box::new(PredefinedMenuItem::separator(app)?)),
            MenuEntry::Submenu { label, entries } => {
                let children = build_items(app, entries, labels)?;
                let refs: Vec<&dyn IsMenuItem<R>> = children.iter().map(|i| i.as_ref()).collect();
                *labels += 1;
                items.push(Box::new(Submenu::with_id_and_items(
                    app,
                    format!("submenu/{labels}"),
                    plain(label),
                    true,
                    &refs,
                )?));
            }
        }
    }
    Ok(items)
}

/// Menu labels are plain text, but the menu toolkit reads `&` as a mnemonic marker: double it so a
/// name from Azure such as "R&D" shows as written.
fn plain(label: &str) -> String {
    label.replace('&', "&&")
}
