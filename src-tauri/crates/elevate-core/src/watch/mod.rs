//! Watching grants and requests: the [`Watcher`] task, its [`Clock`], the [`WatchEvent`]s it
//! raises and the [`LiveState`] it publishes. Showing them (desktop notifications, the tray, the
//! window) is the faces' job.

mod ends;
mod event;
mod live;
mod pace;
mod poller;
mod watcher;

pub use crate::clock::{Clock, SystemClock};
pub use ends::{FOLLOW_EVERY, RELIST_EVERY};
pub use event::{EffectCheck, WatchEvent};
pub use live::LiveState;
pub use watcher::{WatchOptions, WatchStats, Watcher};
