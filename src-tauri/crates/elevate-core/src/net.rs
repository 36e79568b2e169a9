//! The one place where Elevate's HTTP clients are made, and what a failed TLS handshake means.
//!
//! Every `reqwest::Client` Elevate builds (Azure calls in [`crate::http`], the sign-in's calls to the
//! identity provider, the demo's simulator) starts from [`client_builder`], which sets:
//!
//! - **Trust: the operating system's.** Certificates are checked by `rustls-platform-verifier`: the
//!   OS verifier on Windows (the certificate store) and macOS (the Keychain); on Linux the system
//!   bundle, or `SSL_CERT_FILE` / `SSL_CERT_DIR` when set. A TLS-inspecting proxy (Zscaler,
//!   Netskope, …) works once its CA is in that store; no built-in root list is used.
//! - **Proxies: the environment's and the system's.** `HTTPS_PROXY`, `HTTP_PROXY`, `ALL_PROXY` and
//!   `NO_PROXY` (upper or lower case) everywhere; when none is set, the system proxy on Windows
//!   (the Internet Options / registry settings) and macOS (System Configuration). Loopback
//!   destinations (`localhost`, `127.0.0.0/8`, `::1`) never go through a proxy, whatever is set.

use std::sync::Arc;

use hyper_util::client::proxy::matcher::Matcher;
use rustls::DigitallySignedStruct;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use url::Url;

/// A `reqwest::ClientBuilder` with the OS trust store and the proxy rules above; callers add their
/// own time-outs, redirect policy and cookies. Fails only when the TLS set-up cannot be made (for
/// example no CA certificate at all on Linux), with a message saying so.
pub fn client_builder() -> Result<reqwest::ClientBuilder, String> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let verifier: Arc<dyn ServerCertVerifier> = match rustls_platform_verifier::Verifier::new(
        Arc::clone(&provider),
    ) {
        Ok(verifier) => Arc::new(verifier),
        // No CA certificate at all (a bare Linux without ca-certificates, or SSL_CERT_FILE
        // naming an empty file): loopback http (demo, simulator) still works, and every
        // https server is refused as untrusted, with the advice that goes with it.
        Err(e) => {
            tracing::warn!(target: "elevate::net", error = %e, "no usable CA certificate in the system's store");
            Arc::new(TrustNothing(provider.signature_verification_algorithms))
        }
    };
    let mut tls = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .dangerous()
        .with_custom_certificate_verifier(verifier)
        .with_no_client_auth();
    // What reqwest offers on its own with HTTP/2 enabled.
    tls.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    let proxies = Matcher::from_system();
    Ok(reqwest::Client::builder()
        .use_preconfigured_tls(tls)
        .proxy(reqwest::Proxy::custom(move |url| proxy_for(&proxies, url))))
}

/// The verifier when the trust store is empty: every certificate's issuer is untrusted.
#[derive(Debug)]
struct TrustNothing(rustls::crypto::WebPkiSupportedAlgorithms);

impl ServerCertVerifier for TrustNothing {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Err(rustls::Error::InvalidCertificate(
            rustls::CertificateError::UnknownIssuer,
        ))
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.0)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.0)
    }

    fn supported_verify_schemes(&self) -> Vec<rustls::SignatureScheme> {
        self.0.supported_schemes()
    }
}

/// Whether `url` points at this machine: `localhost` (and `*.localhost`), `127.0.0.0/8` or `::1`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// The proxy `url` goes through under `proxies`, as a URL reqwest takes (credentials included);
/// never one for a loopback destination.
fn proxy_for(proxies: &Matcher, url: &Url) -> Option<Url> {
    if is_loopback(url) {
        return None;
    }
    let destination: http::Uri = url.as_str().parse().ok()?;
    let intercept = proxies.intercept(&destination)?;
    let mut proxy = Url::parse(&intercept.uri().to_string()).ok()?;
    if let Some((user, password)) = basic_credentials(intercept.basic_auth()) {
        let _ = proxy.set_username(&user);
        let _ = proxy.set_password(Some(&password));
    } else if let Some((user, password)) = intercept.raw_auth() {
        let _ = proxy.set_username(user);
        let _ = proxy.set_password(Some(password));
    }
    Some(proxy)
}

/// The user and password of a `Basic …` header value.
fn basic_credentials(header: Option<&http::HeaderValue>) -> Option<(String, String)> {
    use base64::Engine as _;
    let encoded = header?.to_str().ok()?.strip_prefix("Basic ")?;
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded.trim())
        .ok()?;
    let text = String::from_utf8(decoded).ok()?;
    let (user, password) = text.split_once(':')?;
    Some((user.to_owned(), password.to_owned()))
}

/// Why a server's certificate was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum CertificateProblem {
    /// Its issuer is not in the trust store (typical of a TLS-inspecting proxy whose CA is missing).
    UntrustedIssuer,
    /// It has expired or is not valid yet.
    Expired,
    /// It was issued for another name.
    WrongName,
    /// It was revoked.
    Revoked,
    /// Another reason, as the TLS library put it.
    Other(String),
}

impl std::fmt::Display for CertificateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CertificateProblem::UntrustedIssuer => f.write_str("its issuer is not trusted"),
            CertificateProblem::Expired => f.write_str("it has expired or is not valid yet"),
            CertificateProblem::WrongName => f.write_str("it was issued for another name"),
            CertificateProblem::Revoked => f.write_str("it was revoked"),
            CertificateProblem::Other(why) => write!(f, "{why}"),
        }
    }
}

/// What to do about a refused certificate, for the error messages.
pub const CERTIFICATE_ADVICE: &str = "If this network inspects TLS (a corporate proxy such as Zscaler or Netskope), \
     its CA certificate must be in this computer's trust store: on Windows, Trusted Root Certification \
     Authorities in the certificate store (certlm.msc); on macOS, the System keychain in Keychain Access, set to Always Trust; \
     on Debian or Ubuntu, copy it (PEM, .crt) to /usr/local/share/ca-certificates/ and run \
     `sudo update-ca-certificates` (or point SSL_CERT_FILE at a bundle that holds it)";

/// The certificate problem behind a failed request, if a refused certificate is what failed it.
pub fn certificate_problem(error: &reqwest::Error) -> Option<CertificateProblem> {
    let mut source: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(cause) = source {
        if let Some(tls) = cause.downcast_ref::<rustls::Error>() {
            return classify(tls);
        }
        // `io::Error::source` skips the error it wraps, so look inside it here.
        if let Some(io) = cause.downcast_ref::<std::io::Error>()
            && let Some(tls) = io.get_ref().and_then(|e| e.downcast_ref::<rustls::Error>())
        {
            return classify(tls);
        }
        source = cause.source();
    }
    None
}

fn classify(error: &rustls::Error) -> Option<CertificateProblem> {
    use rustls::CertificateError as C;
    match error {
        rustls::Error::InvalidCertificate(problem) => Some(match problem {
            C::UnknownIssuer | C::BadSignature | C::InvalidPurpose => {
                CertificateProblem::UntrustedIssuer
            }
            C::Expired
            | C::ExpiredContext { .. }
            | C::NotValidYet
            | C::NotValidYetContext { .. } => CertificateProblem::Expired,
            C::NotValidForName | C::NotValidForNameContext { .. } => CertificateProblem::WrongName,
            C::Revoked => CertificateProblem::Revoked,
            other => CertificateProblem::Other(format!("{other:?}")),
        }),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).unwrap_or_else(|e| panic!("{e}"))
    }

    fn everything_through(proxy: &str) -> Matcher {
        Matcher::builder().all(proxy.to_owned()).build()
    }

    #[test]
    fn loopback_destinations_never_go_through_a_proxy() {
        let proxies = everything_through("http://proxy.corp.example:8080");
        for loopback in [
            "http://127.0.0.1:5000/x",
            "http://127.8.9.10/",
            "http://[::1]:8080/",
            "http://localhost:3000/",
            "https://LOCALHOST./",
            "http://sim.localhost/",
        ] {
            assert_eq!(proxy_for(&proxies, &url(loopback)), None, "{loopback}");
        }
        for remote in [
            "https://management.azure.com/",
            "https://login.microsoftonline.com/x",
            "http://10.0.0.1/",
            "https://localhost.evil.example/",
        ] {
            assert_eq!(
                proxy_for(&proxies, &url(remote)).map(|u| u.to_string()),
                Some("http://proxy.corp.example:8080/".to_owned()),
                "{remote}"
            );
        }
    }

    #[test]
    fn no_proxy_and_credentials_are_honoured() {
        let proxies = Matcher::builder()
            .https("http://ada:s%3Acret@proxy.corp.example:3128".to_owned())
            .no("graph.microsoft.com, .internal.example".to_owned())
            .build();
        let through = proxy_for(&proxies, &url("https://management.azure.com/"))
            .unwrap_or_else(|| panic!("no proxy"));
        assert_eq!(through.host_str(), Some("proxy.corp.example"));
        assert_eq!(through.port(), Some(3128));
        assert_eq!(through.username(), "ada");
        assert_eq!(
            percent_encoding::percent_decode_str(through.password().unwrap_or_default())
                .decode_utf8_lossy(),
            "s:cret"
        );
        assert_eq!(
            proxy_for(&proxies, &url("https://graph.microsoft.com/v1.0")),
            None
        );
        assert_eq!(
            proxy_for(&proxies, &url("https://pim.internal.example/")),
            None
        );
        // HTTPS_PROXY only: plain http is not proxied.
        assert_eq!(proxy_for(&proxies, &url("http://example.com/")), None);
    }

    #[test]
    fn certificate_errors_are_classified() {
        use rustls::CertificateError as C;
        let cases = [
            (C::UnknownIssuer, CertificateProblem::UntrustedIssuer),
            (C::Expired, CertificateProblem::Expired),
            (C::NotValidForName, CertificateProblem::WrongName),
            (C::Revoked, CertificateProblem::Revoked),
        ];
        for (error, want) in cases {
            assert_eq!(
                classify(&rustls::Error::InvalidCertificate(error)),
                Some(want)
            );
        }
        assert_eq!(classify(&rustls::Error::HandshakeNotComplete), None);
    }
}
