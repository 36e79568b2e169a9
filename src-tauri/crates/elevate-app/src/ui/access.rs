//! The settings page's "Check access": the doctor's findings as the window shows them, and which
//! admin-consent links the window may open (HTTPS to the configured authority only).

use elevate_core::doctor::{Check, Finding, Level, Report};
use serde::Serialize;
use specta::Type;
use url::Url;

/// How a finding reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub enum FindingLevel {
    /// Works.
    Ok,
    /// Works, but something may get in the way.
    Warning,
    /// Does not work; the message says what to do.
    Problem,
}

/// One finding of "Check access".
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct FindingView {
    /// Ok, warning or problem.
    pub level: FindingLevel,
    /// `token`, `permissions` or `listing`.
    pub check: String,
    /// The source (`azure-resource`, `entra-role`, `group`), none for a token.
    pub source: Option<String>,
    /// One line: what was found and what to do (text from Azure inside: show as text).
    pub message: String,
    /// Permissions without consent.
    pub missing: Vec<String>,
    /// The admin-consent URL, only when the window may open it (HTTPS to the configured
    /// authority); the message names it either way.
    pub consent_url: Option<String>,
}

/// Everything "Check access" found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Type)]
#[serde(rename_all = "camelCase")]
pub struct AccessView {
    /// Whether nothing is a problem.
    pub ok: bool,
    /// The findings, in order.
    pub findings: Vec<FindingView>,
}

/// Whether `link` may be opened from the window: an HTTPS URL on the authority's host.
pub fn consent_link_allowed(link: &str, authority: &Url) -> bool {
    Url::parse(link).is_ok_and(|u| {
        u.scheme() == "https"
            && authority.scheme() == "https"
            && u.host_str().is_some()
            && u.host_str() == authority.host_str()
            && u.port_or_known_default() == authority.port_or_known_default()
    })
}

/// One finding for the window.
pub fn finding_view(finding: &Finding, authority: &Url) -> FindingView {
    FindingView {
        level: match finding.level {
            Level::Ok => FindingLevel::Ok,
            Level::Warning => FindingLevel::Warning,
            Level::Problem => FindingLevel::Problem,
        },
        check: match finding.check {
            Check::Token => "token",
            Check::Permissions => "permissions",
            Check::Listing => "listing",
        }
        .to_owned(),
        source: finding.source.map(|s| s.as_str().to_owned()),
        message: finding.message.clone(),
        missing: finding.missing.clone(),
        consent_url: finding
            .consent_url
            .clone()
            .filter(|u| consent_link_allowed(u, authority)),
    }
}

/// The whole report for the window.
pub fn access_view(report: &Report, authority: &Url) -> AccessView {
    AccessView {
        ok: !report.has_problem(),
        findings: report
            .findings
            .iter()
            .map(|f| finding_view(f, authority))
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_https_links_to_the_authority_open() {
        let authority =
            Url::parse("https://login.microsoftonline.com").unwrap_or_else(|e| panic!("{e}"));
        assert!(consent_link_allowed(
            "https://login.microsoftonline.com/t/v2.0/adminconsent?client_id=c",
            &authority
        ));
        for bad in [
            "http://login.microsoftonline.com/t/v2.0/adminconsent",
            "https://login.microsoftonline.com.evil.example/x",
            "https://evil.example/https://login.microsoftonline.com",
            "https://login.microsoftonline.com:8443/x",
            "javascript:alert(1)",
            "file:///etc/passwd",
        ] {
            assert!(!consent_link_allowed(bad, &authority), "{bad}");
        }
        let local = Url::parse("http://127.0.0.1:8080").unwrap_or_else(|e| panic!("{e}"));
        assert!(!consent_link_allowed(
            "http://127.0.0.1:8080/t/v2.0/adminconsent",
            &local
        ));
    }
}
