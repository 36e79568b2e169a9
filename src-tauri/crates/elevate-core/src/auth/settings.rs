//! Who Elevate signs in as (its client id) and where (the authority), and the endpoints derived from
//! them. Entra's paths: `{authority}/{tenant}/oauth2/v2.0/{authorize,token,devicecode}`.

use url::Url;

use super::Audience;
use super::error::SignInError;

/// Scopes asked for on every sign-in besides the resource's: an id token (`openid`, `profile`) and a
/// refresh token (`offline_access`).
pub const OIDC_SCOPES: &str = "openid profile offline_access";

/// The tenant to sign in through before the user's own tenant is known: any work or school account
/// (`common` would also admit personal Microsoft accounts, which have no PIM).
pub const ORGANIZATIONS: &str = "organizations";

/// What the interactive and silent flows need to know.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInSettings {
    /// The public client's application (client) id for ARM (and for Graph when the same).
    pub client_id: String,
    /// The client id for Graph: the same as `client_id` with an organisation's own registration (one
    /// refresh token), another well-known client by default (a second refresh token, from a second
    /// sign-in made when Graph is first needed).
    pub graph_client_id: String,
    /// The authority host, e.g. `https://login.microsoftonline.com`.
    pub authority: Url,
    /// The scope of ARM tokens, e.g. `https://management.core.windows.net//.default`.
    pub arm_scope: String,
    /// The scope of Graph tokens, e.g. `https://graph.microsoft.com/.default`.
    pub graph_scope: String,
    /// Where the tokens are sent: a cached token is used only for the origin it was fetched for.
    pub apis: ApiOrigins,
}

/// The origins (scheme, host, port) of the ARM and Graph endpoints the tokens are sent to. A token
/// kept in the cache names the origin it was fetched for, and is never used for another: after the
/// endpoints change (config, environment) a new one is fetched.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ApiOrigins {
    /// ARM's, e.g. `https://management.azure.com`.
    pub arm: String,
    /// Graph's, e.g. `https://graph.microsoft.com`.
    pub graph: String,
}

impl ApiOrigins {
    /// The origins of `arm` and `graph`.
    pub fn of(arm: &Url, graph: &Url) -> Self {
        ApiOrigins {
            arm: arm.origin().ascii_serialization(),
            graph: graph.origin().ascii_serialization(),
        }
    }

    /// Where `audience`'s tokens go.
    pub fn of_audience(&self, audience: Audience) -> &str {
        match audience {
            Audience::Arm => &self.arm,
            Audience::Graph => &self.graph,
        }
    }
}

impl SignInSettings {
    /// From the resolved configuration.
    pub fn from_config(config: &crate::config::Config) -> Self {
        SignInSettings {
            client_id: config.client_id.clone(),
            graph_client_id: config.graph_client_id.clone(),
            authority: config.endpoints.authority.clone(),
            arm_scope: config.endpoints.arm_scope.clone(),
            graph_scope: config.endpoints.graph_scope.clone(),
            apis: ApiOrigins::of(&config.endpoints.arm, &config.endpoints.graph),
        }
    }

    /// The client id that signs in for `audience`.
    pub fn client_for(&self, audience: Audience) -> &str {
        match audience {
            Audience::Arm => &self.client_id,
            Audience::Graph => &self.graph_client_id,
        }
    }

    /// Whether ARM and Graph use two clients (two refresh tokens per account).
    pub fn two_clients(&self) -> bool {
        self.client_id != self.graph_client_id
    }

    /// Whether `client_id` is one of the well-known Microsoft public clients, whose registered
    /// redirect is `http://localhost` (any port) rather than `http://127.0.0.1`.
    pub fn well_known(client_id: &str) -> bool {
        client_id.eq_ignore_ascii_case(crate::config::AZURE_CLI_CLIENT_ID)
            || client_id.eq_ignore_ascii_case(crate::config::GRAPH_CLI_CLIENT_ID)
    }

    /// The resource scope of `audience`.
    pub fn scope(&self, audience: Audience) -> &str {
        match audience {
            Audience::Arm => &self.arm_scope,
            Audience::Graph => &self.graph_scope,
        }
    }

    /// `{authority}/{tenant}/oauth2/v2.0/authorize`.
    pub fn authorize_url(&self, tenant: &str) -> Result<Url, SignInError> {
        self.endpoint(tenant, "authorize")
    }

    /// `{authority}/{tenant}/oauth2/v2.0/token`.
    pub fn token_url(&self, tenant: &str) -> Result<Url, SignInError> {
        self.endpoint(tenant, "token")
    }

    /// `{authority}/{tenant}/oauth2/v2.0/devicecode`.
    pub fn device_code_url(&self, tenant: &str) -> Result<Url, SignInError> {
        self.endpoint(tenant, "devicecode")
    }

    fn endpoint(&self, tenant: &str, what: &str) -> Result<Url, SignInError> {
        check_tenant(tenant)?;
        let mut base = self.authority.clone();
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        base.join(&format!("{tenant}/oauth2/v2.0/{what}"))
            .map_err(|e| SignInError::Setting(format!("the authority URL is unusable: {e}")))
    }
}

/// A tenant is a GUID, a domain name, or `organizations`/`common`/`consumers`: letters, digits, dots
/// and dashes only, so it cannot change the path it is put in.
pub fn check_tenant(tenant: &str) -> Result<(), SignInError> {
    let ok = !tenant.is_empty()
        && tenant.len() <= 255
        && tenant
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !tenant.starts_with('.');
    if ok {
        Ok(())
    } else {
        Err(SignInError::Setting(format!(
            "'{}' is not a tenant id or domain; give a GUID or a domain such as contoso.onmicrosoft.com",
            crate::text::sanitize(tenant)
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(authority: &str) -> SignInSettings {
        SignInSettings {
            client_id: "c".into(),
            graph_client_id: "c".into(),
            authority: Url::parse(authority).unwrap_or_else(|e| panic!("{e}")),
            arm_scope: "a/.default".into(),
            graph_scope: "g/.default".into(),
            apis: ApiOrigins::default(),
        }
    }

    #[test]
    fn entra_paths_under_any_base() {
        let s = settings("https://login.microsoftonline.com");
        assert_eq!(
            s.token_url("organizations")
                .map(String::from)
                .ok()
                .as_deref(),
            Some("https://login.microsoftonline.com/organizations/oauth2/v2.0/token")
        );
        let s = settings("http://127.0.0.1:8080/op");
        assert_eq!(
            s.device_code_url("contoso.test")
                .map(String::from)
                .ok()
                .as_deref(),
            Some("http://127.0.0.1:8080/op/contoso.test/oauth2/v2.0/devicecode")
        );
    }

    #[test]
    fn tenants_cannot_escape_the_path() {
        let s = settings("https://login.microsoftonline.com");
        for bad in ["", "../x", "a/b", "a?b", "..", "a b"] {
            assert!(s.authorize_url(bad).is_err(), "{bad}");
        }
    }
}
