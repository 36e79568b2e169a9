//! Query strings, with parameter names matched case-insensitively as ARM does.

/// Decoded query parameters.
#[derive(Debug, Clone, Default)]
pub(crate) struct Query {
    pairs: Vec<(String, String)>,
}

impl Query {
    /// Parses a raw query string (`a=b&c=d`, `+` as space, percent-decoding).
    pub(crate) fn parse(raw: Option<&str>) -> Query {
        let pairs = url::form_urlencoded::parse(raw.unwrap_or("").as_bytes())
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        Query { pairs }
    }

    /// The first value of parameter `name` (case-insensitive).
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// All parameters in order, names as sent.
    pub(crate) fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.pairs.iter().map(|(k, v)| (k.as_str(), v.as_str()))
    }

    /// `$filter`, when present and not blank.
    pub(crate) fn filter(&self) -> Option<&str> {
        self.get("$filter").filter(|f| !f.trim().is_empty())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_case_insensitive_and_values_decoded() {
        let q = Query::parse(Some(
            "API-VERSION=2020-10-01&%24filter=resourceType+eq+%27resourcegroup%27",
        ));
        assert_eq!(q.get("api-version"), Some("2020-10-01"));
        assert_eq!(q.filter(), Some("resourceType eq 'resourcegroup'"));
        assert_eq!(Query::parse(None).get("x"), None);
    }
}
