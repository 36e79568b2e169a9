//! What both front ends (ARM and Graph) do around every request: take the fault armed for it,
//! answer with the fault before or after carrying the request out, and mark the reply for the log.

use std::future::Future;

use crate::arm::reply::ArmReply;
use crate::faults::{Fault, FaultKind};
use crate::shared::Shared;

/// Runs `carry_out` under the fault armed for `method` and `path`, if any. `fault_reply` is the
/// front end's own wording of a fault's answer.
pub(crate) async fn with_faults<Fut>(
    shared: &Shared,
    method: &str,
    path: &str,
    fault_reply: impl Fn(&Fault) -> ArmReply,
    carry_out: impl FnOnce() -> Fut,
) -> ArmReply
where
    Fut: Future<Output = ArmReply>,
{
    let fault = shared.faults().take_match(method, path);
    let mut early = None;
    if let Some(fault) = fault.as_ref().filter(|f| !f.after_effect) {
        if fault.kind == FaultKind::Latency {
            tokio::time::sleep(std::time::Duration::from_millis(fault.latency_ms)).await;
        } else {
            early = Some(fault_reply(fault));
        }
    }
    let mut reply = match early {
        Some(reply) => reply,
        None => carry_out().await,
    };
    match fault {
        Some(fault) if fault.after_effect => {
            if fault.kind == FaultKind::Latency {
                tokio::time::sleep(std::time::Duration::from_millis(fault.latency_ms)).await;
                reply.fault = Some(FaultKind::Latency);
            } else {
                let (effect, name) = (reply.effect, reply.request_name.take());
                reply = fault_reply(&fault);
                reply.effect = effect;
                reply.request_name = name;
            }
        }
        Some(fault) => reply.fault = Some(fault.kind),
        None => {}
    }
    reply
}
