//! OData `$filter` expressions PIM understands: `asTarget()`, `atScope()`, `asRequestor()`,
//! `asApprover()`, `assignedTo('{id}')` and `{property} eq '{value}'`, joined with `and`.

/// One condition of a filter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Clause {
    /// Items for the caller (directly or through groups).
    AsTarget,
    /// Items at or above the scope.
    AtScope,
    /// Requests the caller made.
    AsRequestor,
    /// Requests the caller may approve.
    AsApprover,
    /// Items for a user, directly or through groups.
    AssignedTo(String),
    /// `{property} eq {value}`; `property` is lower case.
    Eq {
        /// Property name, lower case.
        property: String,
        /// Value without quotes.
        value: String,
    },
}

/// Parses a filter.
pub(crate) fn parse(text: &str) -> Result<Vec<Clause>, String> {
    split_and(text).into_iter().map(clause).collect()
}

fn split_and(text: &str) -> Vec<&str> {
    let lower = text.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut parts = Vec::new();
    let (mut start, mut i, mut quoted) = (0, 0, false);
    while i < bytes.len() {
        if bytes.get(i) == Some(&b'\'') {
            quoted = !quoted;
        } else if !quoted
            && bytes
                .get(i..)
                .is_some_and(|rest| rest.starts_with(b" and "))
        {
            parts.push(text.get(start..i).unwrap_or(""));
            i += 5;
            start = i;
            continue;
        }
        i += 1;
    }
    parts.push(text.get(start..).unwrap_or(""));
    parts
}

fn unquote(text: &str) -> String {
    let t = text.trim();
    let inner = t
        .strip_prefix('\'')
        .and_then(|x| x.strip_suffix('\''))
        .unwrap_or(t);
    inner.replace("''", "'")
}

fn clause(raw: &str) -> Result<Clause, String> {
    let mut text = raw.trim();
    while let Some(inner) = text.strip_prefix('(').and_then(|t| t.strip_suffix(')')) {
        text = inner.trim();
    }
    let lower = text.to_ascii_lowercase();
    let compact: String = lower.chars().filter(|c| !c.is_whitespace()).collect();
    match compact.as_str() {
        "astarget()" => return Ok(Clause::AsTarget),
        "atscope()" => return Ok(Clause::AtScope),
        "asrequestor()" => return Ok(Clause::AsRequestor),
        "asapprover()" => return Ok(Clause::AsApprover),
        _ => {}
    }
    if lower.starts_with("assignedto(") && text.ends_with(')') {
        let inner = text.get("assignedto(".len()..text.len() - 1).unwrap_or("");
        let id = unquote(inner);
        if id.is_empty() {
            return Err("assignedTo() needs an id".to_string());
        }
        return Ok(Clause::AssignedTo(id));
    }
    if let Some(position) = lower.find(" eq ") {
        let property = text.get(..position).unwrap_or("").trim();
        let value = text.get(position + 4..).unwrap_or("");
        if !property.is_empty() && property.chars().all(|c| c.is_ascii_alphanumeric()) {
            return Ok(Clause::Eq {
                property: property.to_ascii_lowercase(),
                value: unquote(value),
            });
        }
    }
    Err(format!("'{}' is not a supported expression", text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_pim_filters() {
        assert_eq!(parse("asTarget()"), Ok(vec![Clause::AsTarget]));
        assert_eq!(parse("AtScope()"), Ok(vec![Clause::AtScope]));
        assert_eq!(
            parse("assignedTo('A3BB')"),
            Ok(vec![Clause::AssignedTo("A3BB".into())])
        );
        assert_eq!(
            parse("principalId eq 'x' and (roleDefinitionId eq y)"),
            Ok(vec![
                Clause::Eq {
                    property: "principalid".into(),
                    value: "x".into()
                },
                Clause::Eq {
                    property: "roledefinitionid".into(),
                    value: "y".into()
                }
            ])
        );
        assert_eq!(
            parse("resourceType eq 'resourcegroup'"),
            Ok(vec![Clause::Eq {
                property: "resourcetype".into(),
                value: "resourcegroup".into()
            }])
        );
        assert_eq!(
            parse("asTarget() and status eq 'a and b'").map(|c| c.len()),
            Ok(2)
        );
        assert!(parse("startswith(name,'x')").is_err());
        assert!(parse("").is_err());
    }
}
