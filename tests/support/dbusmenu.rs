//! The tray app's menu and icon as a desktop panel sees them: the menu over
//! `com.canonical.dbusmenu` (GetLayout / Event), the icon through the StatusNotifierItem that
//! libayatana-appindicator exports beside it. Used on a private D-Bus session.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use zbus::{OwnedVariant, Structure, Variant as Value};

/// Where libayatana exports the menu of Elevate's tray icon (named after the icon's id).
pub const MENU_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_elevate/Menu";

/// One menu item as dbusmenu describes it.
#[derive(Clone, Debug)]
pub struct Item {
    /// Its dbusmenu id (what `click` takes).
    pub id: i32,
    /// Its label.
    pub label: String,
    /// Whether it can be clicked.
    pub enabled: bool,
    /// Its submenu.
    pub children: Vec<Item>,
}

impl Item {
    /// It and everything below it.
    pub fn all(&self) -> Vec<&Item> {
        let mut out = vec![self];
        for child in &self.children {
            out.extend(child.all());
        }
        out
    }

    /// The first item labelled `label`, here or below.
    pub fn find(&self, label: &str) -> Option<&Item> {
        self.all().into_iter().find(|i| i.label == label)
    }

    /// Every label, here and below.
    pub fn labels(&self) -> Vec<String> {
        self.all().iter().map(|i| i.label.clone()).collect()
    }
}

fn item_of(value: &Value<'_>) -> Option<Item> {
    let structure: &Structure<'_> = match value {
        Value::Structure(s) => s,
        Value::Variant(inner) => return item_of(inner),
        _ => return None,
    };
    let fields = structure.fields();
    let id = match fields.first()? {
        Value::I32(id) => *id,
        _ => return None,
    };
    let mut label = String::new();
    let mut enabled = true;
    if let Some(Value::Dict(props)) = fields.get(1) {
        for (key, value) in props.iter() {
            let value = match value {
                Value::Variant(inner) => inner.as_ref(),
                other => other,
            };
            match (key, value) {
                (Value::Str(k), Value::Str(v)) if k.as_str() == "label" => {
                    label = v.as_str().to_owned();
                }
                (Value::Str(k), Value::Bool(v)) if k.as_str() == "enabled" => enabled = *v,
                _ => {}
            }
        }
    }
    let mut children = Vec::new();
    if let Some(Value::Array(items)) = fields.get(2) {
        for child in items.iter() {
            children.extend(item_of(child));
        }
    }
    Some(Item {
        id,
        label,
        enabled,
        children,
    })
}

/// The app's menu, asked of every connection the app's process owns (libayatana exports it on one of
/// them).
pub async fn layout(conn: &zbus::Connection, pid: u32) -> Option<Item> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await.ok()?;
    for name in dbus.list_names().await.ok()? {
        if !name.starts_with(':') {
            continue;
        }
        let Ok(bus_name) = zbus::names::BusName::try_from(name.as_str()) else {
            continue;
        };
        let owner_pid = dbus.get_connection_unix_process_id(bus_name.clone()).await;
        if owner_pid.ok() != Some(pid) {
            continue;
        }
        let args = (0i32, -1i32, Vec::<String>::new());
        let call = conn.call_method(
            Some(bus_name),
            MENU_PATH,
            Some("com.canonical.dbusmenu"),
            "GetLayout",
            &args,
        );
        let Ok(Ok(reply)) = tokio::time::timeout(Duration::from_secs(2), call).await else {
            continue;
        };
        let body = reply.body();
        type Node = (i32, HashMap<String, OwnedVariant>, Vec<OwnedVariant>);
        let Ok((_revision, (id, props, children))) = body.deserialize::<(u32, Node)>() else {
            continue;
        };
        let label = props
            .get("label")
            .and_then(|v| match &**v {
                Value::Str(s) => Some(s.as_str().to_owned()),
                _ => None,
            })
            .unwrap_or_default();
        return Some(Item {
            id,
            label,
            enabled: true,
            children: children.iter().filter_map(|c| item_of(c)).collect(),
        });
    }
    None
}

/// Waits until the menu satisfies `ready`, and returns it (or panics with the last one seen).
pub async fn wait_for_menu(
    conn: &zbus::Connection,
    pid: u32,
    what: &str,
    ready: impl Fn(&Item) -> bool,
) -> Item {
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(60) {
        if let Some(menu) = layout(conn, pid).await {
            if ready(&menu) {
                return menu;
            }
            last = Some(menu);
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!(
        "the tray menu never showed {what}; last seen: {:#?}",
        last.map(|m| m.labels())
    );
}

/// Clicks item `id` the way a panel does.
pub async fn click(conn: &zbus::Connection, pid: u32, id: i32) {
    if !try_click(conn, pid, id).await {
        panic!("could not click menu item {id}");
    }
}

/// Clicks item `id`; false when the app refused it (an id of a menu it has redrawn since).
async fn try_click(conn: &zbus::Connection, pid: u32, id: i32) -> bool {
    let dbus = zbus::fdo::DBusProxy::new(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    for name in dbus.list_names().await.unwrap_or_default() {
        let Ok(bus_name) = zbus::names::BusName::try_from(name.as_str()) else {
            continue;
        };
        if !name.starts_with(':')
            || dbus
                .get_connection_unix_process_id(bus_name.clone())
                .await
                .ok()
                != Some(pid)
        {
            continue;
        }
        let args = (id, "clicked", Value::from(""), 0u32);
        let call = conn.call_method(
            Some(bus_name),
            MENU_PATH,
            Some("com.canonical.dbusmenu"),
            "Event",
            &args,
        );
        if let Ok(Ok(_)) = tokio::time::timeout(Duration::from_secs(2), call).await {
            return true;
        }
    }
    false
}

/// Clicks the item `pick` finds in a freshly read menu (ids change whenever the app redraws the
/// menu, so an id is used right after it is read), waiting up to 60 s for it to appear.
pub async fn click_where(
    conn: &zbus::Connection,
    pid: u32,
    what: &str,
    pick: impl Fn(&Item) -> Option<i32>,
) {
    // The app may redraw the menu between the read and the click (a session that has just opened
    // reads the account's tenants, say): then the id is refused and the menu is read again.
    for _ in 0..10 {
        let menu = wait_for_menu(conn, pid, what, |m| pick(m).is_some()).await;
        let id = pick(&menu).unwrap_or_else(|| panic!("{what} went away"));
        if try_click(conn, pid, id).await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("could not click {what}: the menu kept changing under the click");
}

/// Clicks the item labelled `label` (see [`click_where`]).
pub async fn click_label(conn: &zbus::Connection, pid: u32, label: &str) {
    click_where(conn, pid, label, |m| m.find(label).map(|i| i.id)).await;
}

/// The pid of the `elevate-tray` process on the bus at `conn` (the app started by tauri-driver is not
/// our child), waiting up to 30 s for it to connect.
pub async fn tray_pid(conn: &zbus::Connection) -> u32 {
    let dbus = zbus::fdo::DBusProxy::new(conn)
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let started = Instant::now();
    loop {
        for name in dbus.list_names().await.unwrap_or_default() {
            let Ok(bus_name) = zbus::names::BusName::try_from(name.as_str()) else {
                continue;
            };
            if !name.starts_with(':') {
                continue;
            }
            if let Ok(pid) = dbus.get_connection_unix_process_id(bus_name).await
                && std::fs::read_to_string(format!("/proc/{pid}/comm"))
                    .is_ok_and(|comm| comm.trim() == "elevate-tray")
            {
                return pid;
            }
        }
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "no elevate-tray on the bus"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Where libayatana exports the StatusNotifierItem of Elevate's tray icon.
pub const ITEM_PATH: &str = "/org/ayatana/NotificationItem/tray_icon_tray_app_elevate";

/// The tray icon's state as the panel would draw it: the StatusNotifierItem's `IconName` (a PNG that
/// tray-icon writes for each change) read and compared, pixel by pixel, with the icons the app is
/// built with (`icons/tray/*.png`). `None` while it cannot be read or matches none of them.
pub async fn icon_state(conn: &zbus::Connection, pid: u32) -> Option<&'static str> {
    let dbus = zbus::fdo::DBusProxy::new(conn).await.ok()?;
    for name in dbus.list_names().await.ok()? {
        if !name.starts_with(':') {
            continue;
        }
        let Ok(bus_name) = zbus::names::BusName::try_from(name.as_str()) else {
            continue;
        };
        if dbus
            .get_connection_unix_process_id(bus_name.clone())
            .await
            .ok()
            != Some(pid)
        {
            continue;
        }
        let call = conn.call_method(
            Some(bus_name),
            ITEM_PATH,
            Some("org.freedesktop.DBus.Properties"),
            "Get",
            &("org.kde.StatusNotifierItem", "IconName"),
        );
        let Ok(Ok(reply)) = tokio::time::timeout(Duration::from_secs(2), call).await else {
            continue;
        };
        let Ok(value) = reply.body().deserialize::<OwnedVariant>() else {
            continue;
        };
        let path = match &*value {
            Value::Str(s) => s.as_str().to_owned(),
            Value::Variant(inner) => match &**inner {
                Value::Str(s) => s.as_str().to_owned(),
                _ => continue,
            },
            _ => continue,
        };
        // tray-icon names the file without its extension when it sets the theme path.
        let file = if path.ends_with(".png") {
            path
        } else {
            format!("{path}.png")
        };
        let shown = std::fs::read(&file).ok().and_then(|bytes| pixels(&bytes))?;
        return TRAY_STATES.iter().copied().find(|state| {
            let built = std::fs::read(icon_file(state))
                .unwrap_or_else(|e| panic!("{}: {e}", icon_file(state).display()));
            pixels(&built).as_ref() == Some(&shown)
        });
    }
    None
}

/// Waits (up to 60 s) until the tray icon shows `state` (`idle`, `elevated`, `expiring`,
/// `approval`, `error` or `signed-out`, the names of `icons/tray/*.png`).
pub async fn wait_for_icon(conn: &zbus::Connection, pid: u32, state: &str) {
    assert!(TRAY_STATES.contains(&state), "no icon {state}");
    let started = Instant::now();
    let mut last = None;
    while started.elapsed() < Duration::from_secs(60) {
        last = icon_state(conn, pid).await;
        if last == Some(state) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    panic!("the tray icon never showed {state}; last seen: {last:?}");
}

/// The tray icon states, named as their files in `icons/tray/`.
pub const TRAY_STATES: [&str; 6] = [
    "idle",
    "elevated",
    "expiring",
    "approval",
    "error",
    "signed-out",
];

fn icon_file(state: &str) -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../icons/tray")
        .join(format!("{state}.png"))
}

/// A PNG's size and 8-bit RGBA pixels.
fn pixels(png_bytes: &[u8]) -> Option<(u32, u32, Vec<u8>)> {
    let mut decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
    decoder.set_transformations(
        png::Transformations::normalize_to_color8() | png::Transformations::ALPHA,
    );
    let mut reader = decoder.read_info().ok()?;
    let mut buf = vec![0; reader.output_buffer_size()?];
    let info = reader.next_frame(&mut buf).ok()?;
    buf.truncate(info.buffer_size());
    Some((info.width, info.height, buf))
}
