//! Desktop notifications over D-Bus (`org.freedesktop.Notifications`) where only the notification
//! server can press Elevate's buttons, and requester text stays text.
//!
//! Any program on the session bus can emit an `ActionInvoked` signal; the bus daemon stamps every
//! message with its sender's unique name, which a program cannot forge. So:
//! - the notification is sent, and the signals are listened for, on one connection of our own
//!   (subscribed before the `Notify` call, so an early click is not lost);
//! - the server that answered `Notify` (the reply's sender) must be the current owner of
//!   `org.freedesktop.Notifications` (the bus daemon's `GetNameOwner`); an action is taken only from
//!   that unique name, only for this notification's id and only for an action id this notification
//!   offered;
//! - when the name changes hands (`NameOwnerChanged`), the server that showed the notification is
//!   gone, and with it the notification: nothing is taken from the new owner for it;
//! - the body is escaped when the server advertises `body-markup` (`GetCapabilities`), so a
//!   requester's `<a href>` or `<b>` is shown as the characters typed.

use std::collections::HashMap;

use futures::StreamExt;
use zbus::message::Type;
use zbus::{Connection, MatchRule, Message, MessageStream};

const NAME: &str = "org.freedesktop.Notifications";
const PATH: &str = "/org/freedesktop/Notifications";
const BUS: &str = "org.freedesktop.DBus";
const BUS_PATH: &str = "/org/freedesktop/DBus";

/// One notification to show.
#[derive(Clone, Debug)]
pub struct Note {
    /// The application's name.
    pub app: String,
    /// The summary line (plain text by the specification).
    pub summary: String,
    /// The body: plain text, escaped here if the server renders markup.
    pub body: String,
    /// An icon name.
    pub icon: String,
    /// Critical urgency.
    pub critical: bool,
    /// The buttons, as (action id, label).
    pub actions: Vec<(String, String)>,
}

/// Why a notification could not be shown or watched.
#[derive(Debug)]
pub struct GuardError(String);

impl std::fmt::Display for GuardError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GuardError {}

impl From<zbus::Error> for GuardError {
    fn from(e: zbus::Error) -> Self {
        GuardError(format!("D-Bus: {e}"))
    }
}

/// `text` with markup's special characters escaped (the specification's body markup is a small
/// subset of XML: `&`, `<` and `>` are enough, the quotes are escaped too for attribute-happy
/// servers).
pub fn escape_markup(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c => out.push(c),
        }
    }
    out
}

/// The accepted action of a notification, or why the wait ended without one.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// The server reported a click on one of the offered actions.
    Action(String),
    /// The notification was closed, or its server went away, without an action.
    Closed,
}

/// What the listener does with one incoming signal.
#[derive(Debug, PartialEq, Eq)]
enum Verdict {
    Accept(String),
    Close,
    Ignore(&'static str),
}

/// The facts a signal is judged against: who showed our notification, its id and its actions.
struct Shown {
    owner: String,
    id: u32,
    offered: Vec<String>,
}

impl Shown {
    fn judge(&self, message: &Message) -> Verdict {
        let header = message.header();
        let member = header.member().map(|m| m.as_str().to_owned());
        let sender = header.sender().map(|s| s.as_str().to_owned());
        match member.as_deref() {
            Some("NameOwnerChanged") => {
                // Only the bus daemon speaks for names (its messages come from its own name).
                if sender.as_deref() != Some(BUS) {
                    return Verdict::Ignore("NameOwnerChanged not from the bus daemon");
                }
                match message.body().deserialize::<(String, String, String)>() {
                    Ok((name, _old, new)) if name == NAME && new != self.owner => Verdict::Close,
                    _ => Verdict::Ignore("another name changed hands"),
                }
            }
            Some(kind @ ("ActionInvoked" | "NotificationClosed")) => {
                if sender.as_deref() != Some(self.owner.as_str()) {
                    return Verdict::Ignore("not from the notification server");
                }
                if kind == "NotificationClosed" {
                    return match message.body().deserialize::<(u32, u32)>() {
                        Ok((id, _)) if id == self.id => Verdict::Close,
                        _ => Verdict::Ignore("another notification"),
                    };
                }
                match message.body().deserialize::<(u32, String)>() {
                    Ok((id, _)) if id != self.id => Verdict::Ignore("another notification"),
                    Ok((_, action)) if self.offered.contains(&action) => Verdict::Accept(action),
                    Ok(_) => Verdict::Ignore("an action this notification did not offer"),
                    Err(_) => Verdict::Ignore("unreadable"),
                }
            }
            _ => Verdict::Ignore("another signal"),
        }
    }
}

async fn subscribe(
    connection: &Connection,
    rule: MatchRule<'_>,
) -> Result<MessageStream, GuardError> {
    Ok(MessageStream::for_match_rule(rule, connection, None).await?)
}

/// Shows `note` on the session bus and waits for its server to report one of its actions (or for it
/// to close). Forged, foreign and unoffered actions are logged and ignored.
pub async fn show_and_wait(note: &Note) -> Result<Outcome, GuardError> {
    let connection = Connection::session().await?;
    show_and_wait_on(&connection, note).await
}

/// [`show_and_wait`] on `connection`.
pub async fn show_and_wait_on(connection: &Connection, note: &Note) -> Result<Outcome, GuardError> {
    // Subscribe first: the server may answer a click before the `Notify` reply is read.
    let signals = MatchRule::builder()
        .msg_type(Type::Signal)
        .interface(NAME)
        .path(PATH)
        .build()?;
    let owners = MatchRule::builder()
        .msg_type(Type::Signal)
        .sender(BUS)
        .interface(BUS)
        .member("NameOwnerChanged")
        .arg(0, NAME)
        .build()?;
    let signals = subscribe(connection, signals).await?;
    let owners = subscribe(connection, owners).await?;

    let capabilities: Vec<String> = connection
        .call_method(Some(NAME), PATH, Some(NAME), "GetCapabilities", &())
        .await?
        .body()
        .deserialize()?;
    let markup = capabilities.iter().any(|c| c == "body-markup");
    let body = if markup {
        escape_markup(&note.body)
    } else {
        note.body.clone()
    };
    let actions: Vec<&str> = note
        .actions
        .iter()
        .flat_map(|(id, label)| [id.as_str(), label.as_str()])
        .collect();
    let mut hints: HashMap<&str, zbus::wire::Variant<'_>> = HashMap::new();
    hints.insert(
        "urgency",
        zbus::wire::Variant::from(if note.critical { 2u8 } else { 1u8 }),
    );
    let reply = connection
        .call_method(
            Some(NAME),
            PATH,
            Some(NAME),
            "Notify",
            &(
                note.app.as_str(),
                0u32,
                note.icon.as_str(),
                note.summary.as_str(),
                body.as_str(),
                actions,
                hints,
                -1i32,
            ),
        )
        .await?;
    let id: u32 = reply.body().deserialize()?;
    if note.actions.is_empty() {
        return Ok(Outcome::Closed);
    }
    let Some(answered_by) = reply.header().sender().map(|s| s.as_str().to_owned()) else {
        return Err(GuardError(
            "the notification server's answer has no sender".into(),
        ));
    };
    let owner: String = connection
        .call_method(Some(BUS), BUS_PATH, Some(BUS), "GetNameOwner", &(NAME,))
        .await?
        .body()
        .deserialize()?;
    if owner != answered_by {
        return Err(GuardError(format!(
            "the notification was answered by {answered_by}, but {NAME} belongs to {owner}"
        )));
    }
    let shown = Shown {
        owner,
        id,
        offered: note.actions.iter().map(|(id, _)| id.clone()).collect(),
    };
    let mut incoming = futures::stream::select(signals, owners);
    while let Some(message) = incoming.next().await {
        let Ok(message) = message else { continue };
        match shown.judge(&message) {
            Verdict::Accept(action) => return Ok(Outcome::Action(action)),
            Verdict::Close => return Ok(Outcome::Closed),
            Verdict::Ignore(why) => {
                let header = message.header();
                if header
                    .member()
                    .is_some_and(|m| m.as_str() == "ActionInvoked")
                {
                    tracing::warn!(
                        target: "elevate::notifications",
                        sender = header.sender().map(|s| s.as_str()).unwrap_or("-"),
                        why,
                        "a notification action was ignored"
                    );
                }
            }
        }
    }
    Ok(Outcome::Closed)
}

#[cfg(test)]
mod tests {
    use super::escape_markup;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape_markup("<a href=\"https://evil.example/\">click</a> & <b>me</b>'s"),
            "&lt;a href=&quot;https://evil.example/&quot;&gt;click&lt;/a&gt; &amp; &lt;b&gt;me&lt;/b&gt;&apos;s"
        );
        assert_eq!(escape_markup("plain text"), "plain text");
    }
}
