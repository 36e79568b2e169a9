//! Request bodies of schedule requests. Property names are matched case-insensitively (ARM
//! accepts `Properties/PrincipalId/RequestType/...`); unknown properties are ignored.

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use super::reply::{ArmResult, invalid_content};
use crate::clock::parse_time;
use crate::state::{ExpirationType, RequestType};

/// `scheduleInfo` as sent.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScheduleBody {
    /// `startDateTime`.
    pub start: Option<DateTime<Utc>>,
    /// `expiration.type`.
    pub expiration_type: Option<ExpirationType>,
    /// `expiration.endDateTime`.
    pub end: Option<DateTime<Utc>>,
    /// `expiration.duration`.
    pub duration: Option<String>,
}

/// A `RoleAssignmentScheduleRequest` body.
#[derive(Debug, Clone)]
pub(crate) struct RequestBody {
    /// `principalId`.
    pub principal_id: String,
    /// `roleDefinitionId` as sent.
    pub role_definition_id: String,
    /// `requestType`.
    pub request_type: RequestType,
    /// `linkedRoleEligibilityScheduleId`.
    pub linked_eligibility: Option<String>,
    /// `justification`.
    pub justification: Option<String>,
    /// `scheduleInfo`.
    pub schedule: ScheduleBody,
    /// `ticketInfo.ticketNumber`.
    pub ticket_number: Option<String>,
    /// `ticketInfo.ticketSystem`.
    pub ticket_system: Option<String>,
    /// `condition`.
    pub condition: Option<String>,
    /// `conditionVersion`.
    pub condition_version: Option<String>,
}

impl RequestBody {
    /// What the policy rules look at.
    pub(crate) fn supplied(&self) -> crate::checks::Supplied<'_> {
        crate::checks::Supplied {
            justification: &self.justification,
            ticket_number: &self.ticket_number,
            ticket_system: &self.ticket_system,
        }
    }
}

fn field<'a>(object: &'a Map<String, Value>, name: &str) -> Option<&'a Value> {
    object
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v)
        .filter(|v| !v.is_null())
}

fn string_field(object: &Map<String, Value>, name: &str) -> ArmResult<Option<String>> {
    match field(object, name) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(other) => Err(invalid_content(&format!(
            "Error converting value {other} to type 'System.String'. Path '{name}'"
        ))),
    }
}

fn object_field<'a>(
    object: &'a Map<String, Value>,
    name: &str,
) -> ArmResult<Option<&'a Map<String, Value>>> {
    match field(object, name) {
        None => Ok(None),
        Some(Value::Object(o)) => Ok(Some(o)),
        Some(_) => Err(invalid_content(&format!(
            "Property '{name}' must be an object"
        ))),
    }
}

fn required(object: &Map<String, Value>, name: &str) -> ArmResult<String> {
    string_field(object, name)?
        .filter(|s| !s.trim().is_empty())
        .ok_or_else(|| {
            invalid_content(&format!(
                "Required property '{name}' not found in JSON. Path 'properties'"
            ))
        })
}

fn time_field(object: &Map<String, Value>, name: &str) -> ArmResult<Option<DateTime<Utc>>> {
    match string_field(object, name)? {
        None => Ok(None),
        Some(text) if text.trim().is_empty() => Ok(None),
        Some(text) => parse_time(&text).map(Some).ok_or_else(|| {
            invalid_content(&format!(
                "Could not convert string to DateTime: {text}. Path '{name}'"
            ))
        }),
    }
}

/// Parses a schedule request body.
pub(crate) fn parse_schedule_request(bytes: &[u8]) -> ArmResult<RequestBody> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(invalid_content("The request body is empty"));
    }
    let document: Value =
        serde_json::from_slice(bytes).map_err(|e| invalid_content(&e.to_string()))?;
    let root = document
        .as_object()
        .ok_or_else(|| invalid_content("The request body must be a JSON object"))?;
    let properties = object_field(root, "properties")?
        .ok_or_else(|| invalid_content("Required property 'properties' not found in JSON"))?;
    let request_type_text = required(properties, "requestType")?;
    let request_type = RequestType::parse(&request_type_text).ok_or_else(|| {
        invalid_content(&format!("Error converting value \"{request_type_text}\" to type 'RequestType'. Path 'properties.requestType'"))
    })?;
    let mut schedule = ScheduleBody::default();
    if let Some(info) = object_field(properties, "scheduleInfo")? {
        schedule.start = time_field(info, "startDateTime")?;
        if let Some(expiration) = object_field(info, "expiration")? {
            if let Some(kind) = string_field(expiration, "type")? {
                schedule.expiration_type = Some(ExpirationType::parse(&kind).ok_or_else(|| {
                    invalid_content(&format!("Error converting value \"{kind}\" to type 'Type'. Path 'properties.scheduleInfo.expiration.type'"))
                })?);
            }
            schedule.end = time_field(expiration, "endDateTime")?;
            schedule.duration =
                string_field(expiration, "duration")?.filter(|d| !d.trim().is_empty());
        }
    }
    let (ticket_number, ticket_system) = match object_field(properties, "ticketInfo")? {
        Some(ticket) => (
            string_field(ticket, "ticketNumber")?,
            string_field(ticket, "ticketSystem")?,
        ),
        None => (None, None),
    };
    Ok(RequestBody {
        principal_id: required(properties, "principalId")?,
        role_definition_id: required(properties, "roleDefinitionId")?,
        request_type,
        linked_eligibility: string_field(properties, "linkedRoleEligibilityScheduleId")?
            .filter(|s| !s.trim().is_empty()),
        justification: string_field(properties, "justification")?,
        schedule,
        ticket_number,
        ticket_system,
        condition: string_field(properties, "condition")?,
        condition_version: string_field(properties, "conditionVersion")?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_pascal_case() {
        let body = br#"{"Properties":{"PrincipalId":"p","RoleDefinitionId":"r","RequestType":"selfactivate","Justification":"j",
            "ScheduleInfo":{"Expiration":{"Type":"AfterDuration","Duration":"PT1H"}},"IsValidationOnly":false}}"#;
        let parsed = parse_schedule_request(body);
        assert!(
            parsed
                .as_ref()
                .is_ok_and(|b| b.request_type == RequestType::SelfActivate
                    && b.schedule.duration.as_deref() == Some("PT1H")
                    && b.justification.as_deref() == Some("j"))
        );
    }

    #[test]
    fn rejects_bad_bodies() {
        assert!(parse_schedule_request(b"{not json").is_err());
        assert!(parse_schedule_request(b"").is_err());
        assert!(
            parse_schedule_request(br#"{"properties":{"principalId":"p","roleDefinitionId":"r"}}"#)
                .is_err()
        );
        assert!(parse_schedule_request(br#"{"properties":{"principalId":"p","roleDefinitionId":"r","requestType":"Activate"}}"#).is_err());
        assert!(parse_schedule_request(br#"{"properties":{"principalId":5,"roleDefinitionId":"r","requestType":"SelfActivate"}}"#).is_err());
    }
}
