//! A recording `org.freedesktop.Notifications` server for tests on a private D-Bus session: the one
//! stand-in in the end-to-end tests, because no notification daemon runs headless.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use zbus::OwnedVariant as OwnedValue;
use zbus::object_server::SignalEmitter;

/// One notification as the server received it.
#[derive(Clone, Debug)]
pub struct Shown {
    /// Its id.
    pub id: u32,
    /// The sending app's name.
    pub app: String,
    /// Summary line.
    pub summary: String,
    /// Body text.
    pub body: String,
    /// Actions as (id, label) pairs flattened.
    pub actions: Vec<String>,
}

/// A recording `org.freedesktop.Notifications` server.
#[derive(Default)]
pub struct Fake {
    /// Every notification received.
    pub shown: Arc<Mutex<Vec<Shown>>>,
    /// Whether it advertises `body-markup` (as KDE, Xfce and dunst do), so a client must escape.
    pub markup: bool,
}

#[zbus::interface(name = "org.freedesktop.Notifications")]
impl Fake {
    #[allow(clippy::too_many_arguments)]
    fn notify(
        &self,
        app_name: String,
        _replaces_id: u32,
        _app_icon: String,
        summary: String,
        body: String,
        actions: Vec<String>,
        _hints: HashMap<String, OwnedValue>,
        _expire_timeout: i32,
    ) -> u32 {
        let mut shown = self.shown.lock().unwrap_or_else(|p| p.into_inner());
        let id = u32::try_from(shown.len() + 1).unwrap_or(u32::MAX);
        shown.push(Shown {
            id,
            app: app_name,
            summary,
            body,
            actions,
        });
        id
    }

    fn get_capabilities(&self) -> Vec<String> {
        let mut capabilities = vec!["actions".to_owned(), "body".to_owned()];
        if self.markup {
            capabilities.push("body-markup".into());
        }
        capabilities
    }

    fn get_server_information(&self) -> (String, String, String, String) {
        (
            "elevate-test".into(),
            "elevate".into(),
            "1".into(),
            "1.2".into(),
        )
    }

    fn close_notification(&self, _id: u32) {}

    /// The signal a server sends when an action is clicked.
    #[zbus(signal)]
    pub async fn action_invoked(
        emitter: &SignalEmitter<'_>,
        id: u32,
        action_key: &str,
    ) -> zbus::Result<()>;
}

/// Waits (20 s at most) for a notification whose summary is `summary`.
pub async fn wait_for_notification(shown: &Arc<Mutex<Vec<Shown>>>, summary: &str) -> Shown {
    wait_for_notification_with(shown, summary, "").await
}

/// Waits for a notification with `summary` whose body contains `body_part`.
pub async fn wait_for_notification_with(
    shown: &Arc<Mutex<Vec<Shown>>>,
    summary: &str,
    body_part: &str,
) -> Shown {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(found) = shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .find(|n| n.summary == summary && n.body.contains(body_part))
            .cloned()
        {
            return found;
        }
        let all: Vec<String> = shown
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .map(|n| n.summary.clone())
            .collect();
        assert!(
            Instant::now() < deadline,
            "no notification '{summary}'; got {all:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Serves a recording server as `org.freedesktop.Notifications` on the bus at `address`; returns the
/// connection (keep it alive) and what it records.
pub async fn serve(address: &str) -> (zbus::Connection, Arc<Mutex<Vec<Shown>>>) {
    serve_fake(address, Fake::default()).await
}

/// Serves `fake` as `org.freedesktop.Notifications` on the bus at `address`.
pub async fn serve_fake(address: &str, fake: Fake) -> (zbus::Connection, Arc<Mutex<Vec<Shown>>>) {
    let shown = Arc::clone(&fake.shown);
    let connection = zbus::connection::Builder::address(address)
        .name("org.freedesktop.Notifications")
        .serve_at("/org/freedesktop/Notifications", fake)
        .build()
        .await
        .unwrap_or_else(|e| panic!("cannot serve notifications: {e}"));
    (connection, shown)
}
