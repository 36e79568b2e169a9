//! Watching grants and requests: the [`Watcher`] task, its [`Clock`], and the [`WatchEvent`]s it
//! raises. Showing them (desktop notifications, the tray) is the faces' job.

mod clock;
mod event;
mod watcher;

pub use clock::{Clock, SystemClock};
pub use event::{EffectCheck, WatchEvent};
pub use watcher::{WatchOptions, WatchStats, Watcher};
