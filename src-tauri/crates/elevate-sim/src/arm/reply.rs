//! What an ARM handler answers, and the CloudError bodies ARM uses.

use axum::http::StatusCode;
use serde::Serialize;
use serde_json::json;

use crate::faults::FaultKind;
use crate::log::Effect;

/// Response body.
#[derive(Debug, Clone)]
pub(crate) enum ReplyBody {
    /// A JSON document.
    Json(Vec<u8>),
    /// No body.
    Empty,
    /// Bytes sent as they are (used for malformed-body faults).
    Raw(Vec<u8>),
}

/// An ARM answer before the common headers are added.
#[derive(Debug, Clone)]
pub(crate) struct ArmReply {
    /// HTTP status.
    pub status: StatusCode,
    /// Body.
    pub body: ReplyBody,
    /// Extra headers (lower-case names).
    pub headers: Vec<(&'static str, String)>,
    /// Effect of a schedule-request PUT, for the log.
    pub effect: Option<Effect>,
    /// Schedule request addressed, for the log.
    pub request_name: Option<String>,
    /// Drop the connection instead of answering.
    pub reset: bool,
    /// Fault applied, for the log.
    pub fault: Option<FaultKind>,
}

/// Result of an ARM handler step: the error side is the answer to send.
pub(crate) type ArmResult<T> = Result<T, ArmReply>;

impl ArmReply {
    fn with_body(status: StatusCode, body: ReplyBody) -> ArmReply {
        ArmReply {
            status,
            body,
            headers: Vec::new(),
            effect: None,
            request_name: None,
            reset: false,
            fault: None,
        }
    }

    /// A JSON answer.
    pub(crate) fn json<T: Serialize>(status: StatusCode, value: &T) -> ArmReply {
        match serde_json::to_vec(value) {
            Ok(bytes) => ArmReply::with_body(status, ReplyBody::Json(bytes)),
            Err(e) => ArmReply::error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalServerError",
                &format!("The response could not be encoded: {e}"),
            ),
        }
    }

    /// A CloudError answer: `{"error":{"code":...,"message":...}}`.
    pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> ArmReply {
        let body = json!({ "error": { "code": code, "message": message } });
        match serde_json::to_vec(&body) {
            Ok(bytes) => ArmReply::with_body(status, ReplyBody::Json(bytes)),
            Err(_) => ArmReply::with_body(status, ReplyBody::Empty),
        }
    }

    /// An answer without body.
    pub(crate) fn empty(status: StatusCode) -> ArmReply {
        ArmReply::with_body(status, ReplyBody::Empty)
    }

    /// An answer whose body is sent byte for byte.
    pub(crate) fn raw(status: StatusCode, bytes: Vec<u8>) -> ArmReply {
        ArmReply::with_body(status, ReplyBody::Raw(bytes))
    }

    /// No answer at all: the connection is closed.
    pub(crate) fn reset() -> ArmReply {
        ArmReply {
            reset: true,
            ..ArmReply::empty(StatusCode::OK)
        }
    }

    /// Adds a header.
    pub(crate) fn with_header(mut self, name: &'static str, value: String) -> ArmReply {
        self.headers.push((name, value));
        self
    }

    /// Records the effect for the log.
    pub(crate) fn with_effect(mut self, effect: Option<Effect>) -> ArmReply {
        self.effect = effect;
        self
    }

    /// Records the schedule request addressed, for the log.
    pub(crate) fn with_request_name(mut self, name: &str) -> ArmReply {
        self.request_name = Some(name.to_string());
        self
    }
}

/// 400 with `code`.
pub(crate) fn bad_request(code: &str, message: &str) -> ArmReply {
    ArmReply::error(StatusCode::BAD_REQUEST, code, message)
}

/// 404 with `code`.
pub(crate) fn not_found(code: &str, message: &str) -> ArmReply {
    ArmReply::error(StatusCode::NOT_FOUND, code, message)
}

/// 400 `InvalidRequestContent`, ARM's answer to a body it cannot deserialize.
pub(crate) fn invalid_content(detail: &str) -> ArmReply {
    bad_request(
        "InvalidRequestContent",
        &format!("The request content was invalid and could not be deserialized: '{detail}'."),
    )
}

/// 403 `AuthorizationFailed` in ARM's wording.
pub(crate) fn authorization_failed(caller: &str, action: &str, scope: &str) -> ArmReply {
    ArmReply::error(
        StatusCode::FORBIDDEN,
        "AuthorizationFailed",
        &format!(
            "The client '{caller}' with object id '{caller}' does not have authorization to perform action '{action}' over scope '{scope}' or the scope is invalid. If access was recently granted, please refresh your credentials."
        ),
    )
}

/// 400 `BadRequest` for a `$filter` the operation does not support.
pub(crate) fn unsupported_filter(filter: &str, reason: &str) -> ArmReply {
    bad_request(
        "BadRequest",
        &format!("The filter '{filter}' is not supported: {reason}."),
    )
}
