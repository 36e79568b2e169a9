//! The tray app's update check: the signed feed is read at start and then daily (sooner again, with
//! backoff, when the network is down) through `elevate_app::updates`, which verifies its signature
//! before anything else. A newer version becomes "Update to X.Y.Z…" in the tray menu; a refused feed
//! (tampered, another app's, a downgrade) is said in the menu until a good one is read. Off when
//! `[updates] enabled = false` (the settings page's switch), or when the build and the settings know
//! no feed or no key.

use std::sync::Mutex;

use elevate_app::notifier;
use elevate_app::updates::{self, Checked, Update, UpdateError, UpdateSettings};
use elevate_core::auth::{BrowserLauncher, SystemBrowser};
use elevate_core::config::{Paths, read_config_file};
use tauri::{AppHandle, Manager, Runtime};
use tokio::sync::Notify;

/// What the last check found, managed by Tauri.
#[derive(Default)]
pub struct Updates {
    state: Mutex<State>,
    /// Wakes the loop to check now (the settings were saved).
    again: Notify,
}

#[derive(Default)]
struct State {
    available: Option<Update>,
    refused: Option<String>,
}

impl Updates {
    fn state(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The newer version on offer, if any.
    pub fn available_version(&self) -> Option<String> {
        self.state()
            .available
            .as_ref()
            .map(|u| u.version.to_string())
    }

    /// Why the last feed was refused, if it was.
    pub fn refused(&self) -> Option<String> {
        self.state().refused.clone()
    }

    /// Checks again now (after the settings changed).
    pub fn check_now(&self) {
        self.again.notify_one();
    }

    fn set(&self, available: Option<Update>, refused: Option<String>) {
        let mut state = self.state();
        state.available = available;
        state.refused = refused;
    }
}

/// The `[updates]` settings as saved now. The error says whether to show it in the menu: an
/// unreadable file is already shown there by the session; a bad `[updates]` value is not.
fn settings() -> Result<UpdateSettings, (String, bool)> {
    let paths = Paths::from_env().map_err(|e| (e.to_string(), false))?;
    let file = read_config_file(&paths.config_file()).map_err(|e| (e.to_string(), false))?;
    // The organisation's managed `updates.enabled` / `updates.channel` apply first (a policy that
    // cannot be used is said by the session and ignored here).
    let file = match elevate_core::managed::read() {
        Ok(Some(policy)) => policy.apply(file, false),
        _ => file,
    };
    UpdateSettings::from_file(&file.updates).map_err(|e| (format!("Update check: {e}"), true))
}

/// Checks at start, then daily; runs for as long as the app.
pub async fn run<R: Runtime>(app: AppHandle<R>) {
    let mut failures = 0u32;
    loop {
        let wait = match settings() {
            Err((e, show)) => {
                tracing::warn!(target: "elevate::updates", error = %e, "update settings unusable; not checking");
                app.state::<Updates>().set(None, show.then_some(e));
                updates::CHECK_EVERY
            }
            Ok(settings) if !settings.enabled => {
                app.state::<Updates>().set(None, None);
                updates::CHECK_EVERY
            }
            Ok(settings) => {
                let outcome = updates::check(&settings, &updates::current_version()).await;
                failures = match &outcome {
                    Err(e) if e.is_transient() => failures.saturating_add(1),
                    _ => 0,
                };
                apply(&app, &outcome);
                updates::next_check(&outcome, failures)
            }
        };
        crate::shell::render(&app);
        let again = &app.state::<Updates>().again;
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = again.notified() => {}
        }
    }
}

fn apply<R: Runtime>(app: &AppHandle<R>, outcome: &Result<Checked, UpdateError>) {
    let updates = app.state::<Updates>();
    match outcome {
        Ok(Checked::Available(update)) => {
            tracing::info!(target: "elevate::updates", version = %update.version, "an update is available");
            updates.set(Some((**update).clone()), None);
        }
        Ok(Checked::UpToDate) => updates.set(None, None),
        // No network: keep what was known and try again later, quietly.
        Err(e) if e.is_transient() => {
            tracing::debug!(target: "elevate::updates", error = %e, "update check failed; will retry");
        }
        Err(e) => {
            tracing::warn!(target: "elevate::updates", error = %e, "update feed refused");
            updates.set(None, Some(format!("Update check: {e}")));
        }
    }
}

/// "Update to X.Y.Z…". On Windows and macOS: downloads and installs it through
/// `tauri-plugin-updater` (only now, after the click), with the same feed and key as the check;
/// a failure says why and opens the release page instead. On Linux: says how the update arrives
/// (the system's updates when Elevate came from its apt repository) and otherwise opens the
/// release page.
pub async fn take<R: Runtime>(app: &AppHandle<R>) {
    let Some(update) = app.state::<Updates>().state().available.clone() else {
        return;
    };
    #[cfg(any(windows, target_os = "macos"))]
    {
        if let Err(reason) = install::run(app, &update).await {
            tracing::warn!(target: "elevate::updates", error = %reason, "could not install the update");
            crate::actions::desktop_notification(
                &format!("Elevate {}", update.version),
                &updates::install_failed_notice(&update, &reason),
                notifier::Icon::Error,
            );
            open_release_page(&update).await;
        }
        return;
    }
    #[allow(unreachable_code)]
    let from_apt = cfg!(target_os = "linux") && updates::installed_from_apt();
    let message = updates::linux_notice(&update, from_apt);
    crate::actions::desktop_notification(
        &format!("Elevate {}", update.version),
        &message,
        notifier::Icon::Info,
    );
    if !from_apt {
        open_release_page(&update).await;
    }
}

async fn open_release_page(update: &Update) {
    if let Some(page) = &update.release_page
        && let Err(e) = SystemBrowser.open(page).await
    {
        tracing::warn!(target: "elevate::updates", error = %e, "could not open the release page");
    }
}

/// Installing through `tauri-plugin-updater` (Windows, macOS). Compiled for both (checked with
/// `cargo check --target x86_64-pc-windows-gnu`), run on neither here.
#[cfg(any(windows, target_os = "macos"))]
mod install {
    use std::sync::atomic::{AtomicBool, Ordering};

    use elevate_app::notifier;
    use elevate_app::updates::{self, Update};
    use tauri::{AppHandle, Runtime};
    use tauri_plugin_updater::UpdaterExt;

    /// One installation at a time (a second click while one runs does nothing).
    static INSTALLING: AtomicBool = AtomicBool::new(false);

    /// Downloads and installs `wanted`, then restarts into it (on Windows the installer takes
    /// over and this process ends). Returns why it could not.
    pub(super) async fn run<R: Runtime>(app: &AppHandle<R>, wanted: &Update) -> Result<(), String> {
        if INSTALLING.swap(true, Ordering::SeqCst) {
            return Ok(());
        }
        let result = download_and_install(app, wanted).await;
        INSTALLING.store(false, Ordering::SeqCst);
        result?;
        app.restart()
    }

    async fn download_and_install<R: Runtime>(
        app: &AppHandle<R>,
        wanted: &Update,
    ) -> Result<(), String> {
        let settings = super::settings().map_err(|(e, _)| e)?;
        let (Some(url), Some(key)) = (settings.url, settings.key) else {
            return Err("no update feed or signing key is configured".into());
        };
        let updater = app
            .updater_builder()
            .pubkey(key.tauri_form())
            .endpoints(vec![url])
            .and_then(|builder| builder.build())
            .map_err(|e| e.to_string())?;
        let found = updater
            .check()
            .await
            .map_err(|e| e.to_string())?
            .ok_or_else(|| "the update feed no longer offers a newer version".to_owned())?;
        updates::same_release(
            wanted,
            &found.version,
            &found.download_url,
            &found.signature,
        )
        .map_err(|e| e.to_string())?;
        let title = format!("Elevate {}", wanted.version);
        crate::actions::desktop_notification(
            &title,
            &format!("Downloading Elevate {}…", wanted.version),
            notifier::Icon::Info,
        );
        // The plugin checks the file's signature against the key before installing it.
        found
            .download_and_install(
                |_, _| {},
                || {
                    crate::actions::desktop_notification(
                        &title,
                        "Downloaded and verified; installing. Elevate restarts when it is done.",
                        notifier::Icon::Info,
                    );
                },
            )
            .await
            .map_err(|e| e.to_string())
    }
}
