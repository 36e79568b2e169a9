//! Platforms without a notification service Elevate knows: nothing is shown.

use super::{Answer, Notice, NotifyError};

#[allow(clippy::unused_async)]
pub(super) async fn show(_notice: &Notice) -> Result<Option<Answer>, NotifyError> {
    Err(NotifyError(
        "this platform has no desktop notifications".into(),
    ))
}
