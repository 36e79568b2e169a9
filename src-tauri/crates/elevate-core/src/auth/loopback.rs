//! The loopback redirect (RFC 8252 §7.3): a one-shot listener on 127.0.0.1 with an ephemeral port
//! that takes the browser's answer to one authorization request, checks its `state`, and shows a page
//! saying the tab can be closed.

use std::time::Duration;

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::error::{SignInError, clean};
use crate::secret::Secret;

/// Longest request head read from the browser.
const MAX_REQUEST: usize = 16 * 1024;

/// A listener bound to `127.0.0.1:0`, waiting for one redirect.
pub struct LoopbackListener {
    listener: TcpListener,
    /// `[::1]` at the same port, for a `localhost` redirect a browser may resolve to IPv6.
    v6: Option<TcpListener>,
    redirect_uri: String,
}

/// What the browser brought back.
enum Answer {
    Code(Secret),
    Error {
        error: String,
        description: String,
    },
    WrongState,
    /// Not the redirect (e.g. `/favicon.ico`): answered 404, keep waiting.
    Other,
}

impl LoopbackListener {
    /// Binds an ephemeral port on 127.0.0.1.
    pub async fn bind() -> Result<Self, SignInError> {
        let listener = TcpListener::bind(("127.0.0.1", 0))
            .await
            .map_err(|e| SignInError::Listener(e.to_string()))?;
        let port = listener
            .local_addr()
            .map_err(|e| SignInError::Listener(e.to_string()))?
            .port();
        Ok(LoopbackListener {
            listener,
            v6: None,
            redirect_uri: format!("http://127.0.0.1:{port}/"),
        })
    }

    /// Binds an ephemeral port on 127.0.0.1 and, where the system allows, the same port on `[::1]`,
    /// for the redirect `http://localhost:{port}/` (what the well-known public clients register).
    pub async fn bind_localhost() -> Result<Self, SignInError> {
        let mut bound = Self::bind().await?;
        let port = bound
            .listener
            .local_addr()
            .map_err(|e| SignInError::Listener(e.to_string()))?
            .port();
        bound.v6 = TcpListener::bind(("::1", port)).await.ok();
        bound.redirect_uri = format!("http://localhost:{port}/");
        Ok(bound)
    }

    /// The `redirect_uri` to put in the authorization request.
    pub fn redirect_uri(&self) -> &str {
        &self.redirect_uri
    }

    /// Waits up to `timeout` for the redirect carrying `state`, and returns its authorization code.
    /// The first redirect decides: a wrong `state` or an error ends the wait.
    pub async fn wait_for_code(
        self,
        state: &str,
        timeout: Duration,
    ) -> Result<Secret, SignInError> {
        let work = async {
            loop {
                let accepted = match &self.v6 {
                    Some(v6) => tokio::select! {
                        a = self.listener.accept() => a,
                        b = v6.accept() => b,
                    },
                    None => self.listener.accept().await,
                };
                let Ok((stream, _)) = accepted else {
                    continue;
                };
                match answer(stream, state).await {
                    Answer::Other => continue,
                    Answer::Code(code) => return Ok(code),
                    Answer::WrongState => return Err(SignInError::StateMismatch),
                    Answer::Error { error, description } => {
                        return Err(SignInError::Denied { error, description });
                    }
                }
            }
        };
        tokio::time::timeout(timeout, work)
            .await
            .unwrap_or(Err(SignInError::TimedOut(timeout.as_secs())))
    }
}

async fn answer(mut stream: TcpStream, state: &str) -> Answer {
    let Some(target) = read_target(&mut stream).await else {
        return Answer::Other;
    };
    let Ok(url) = url::Url::parse("http://127.0.0.1").and_then(|base| base.join(&target)) else {
        respond(
            &mut stream,
            400,
            "Bad request",
            "Elevate could not read this request.",
        )
        .await;
        return Answer::Other;
    };
    if url.path() != "/" {
        respond(&mut stream, 404, "Not found", "Nothing here.").await;
        return Answer::Other;
    }
    let mut code = None;
    let mut got_state = None;
    let mut error = None;
    let mut description = String::new();
    for (key, value) in url.query_pairs() {
        match key.as_ref() {
            "code" => code = Some(Secret::new(value.into_owned())),
            "state" => got_state = Some(value.into_owned()),
            "error" => error = Some(clean(&value)),
            "error_description" => description = clean(&value),
            _ => {}
        }
    }
    if code.is_none() && error.is_none() && got_state.is_none() {
        respond(&mut stream, 404, "Not found", "Nothing here.").await;
        return Answer::Other;
    }
    if got_state.as_deref() != Some(state) {
        respond(
            &mut stream,
            400,
            "Sign-in refused",
            "This answer belongs to a different sign-in attempt, so Elevate refused it. Close this tab and sign in again.",
        )
        .await;
        return Answer::WrongState;
    }
    if let Some(error) = error {
        respond(
            &mut stream,
            400,
            "Sign-in not completed",
            "The sign-in did not finish. You can close this tab; Elevate says what happened.",
        )
        .await;
        return Answer::Error { error, description };
    }
    match code {
        Some(code) => {
            respond(
                &mut stream,
                200,
                "Signed in to Elevate",
                "You are signed in. You can close this tab and return to Elevate.",
            )
            .await;
            Answer::Code(code)
        }
        None => {
            respond(
                &mut stream,
                400,
                "Sign-in not completed",
                "No code was returned.",
            )
            .await;
            Answer::Error {
                error: "no_code".into(),
                description: "the answer had neither a code nor an error".into(),
            }
        }
    }
}

/// Reads the request head and returns the target of a `GET`.
async fn read_target(stream: &mut TcpStream) -> Option<String> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 2048];
    let read = async {
        while !buf.windows(4).any(|w| w == b"\r\n\r\n") && buf.len() < MAX_REQUEST {
            let n = stream.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            buf.extend_from_slice(&chunk[..n]);
        }
        Some(())
    };
    tokio::time::timeout(Duration::from_secs(10), read)
        .await
        .ok()??;
    let head = String::from_utf8_lossy(&buf);
    let line = head.lines().next()?;
    let mut parts = line.split(' ');
    let (Some("GET"), Some(target)) = (parts.next(), parts.next()) else {
        return None;
    };
    Some(target.to_owned())
}

async fn respond(stream: &mut TcpStream, status: u16, title: &str, text: &str) {
    let reason = match status {
        200 => "OK",
        404 => "Not Found",
        _ => "Bad Request",
    };
    let body = format!(
        "<!doctype html><html><head><meta charset=\"utf-8\"><title>{title}</title></head>\
         <body style=\"font-family:sans-serif;margin:4em auto;max-width:32em\"><h1>{title}</h1><p>{text}</p></body></html>"
    );
    let head = format!(
        "HTTP/1.1 {status} {reason}\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\n\
         cache-control: no-store\r\nreferrer-policy: no-referrer\r\nconnection: close\r\n\r\n",
        body.len()
    );
    let _ = stream.write_all(head.as_bytes()).await;
    let _ = stream.write_all(body.as_bytes()).await;
    let _ = stream.shutdown().await;
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn get(url: &str) -> (u16, String) {
        let client = reqwest::Client::new();
        match client.get(url).send().await {
            Ok(r) => {
                let status = r.status().as_u16();
                (status, r.text().await.unwrap_or_default())
            }
            Err(e) => panic!("{e}"),
        }
    }

    #[tokio::test]
    async fn takes_the_code_with_the_right_state_after_ignoring_noise() {
        let listener = LoopbackListener::bind()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let base = listener.redirect_uri().to_owned();
        let waiting = tokio::spawn(listener.wait_for_code("s1", Duration::from_secs(10)));
        assert_eq!(get(&format!("{base}favicon.ico")).await.0, 404);
        let (status, page) = get(&format!("{base}?code=abc&state=s1")).await;
        assert_eq!(status, 200);
        assert!(page.contains("close this tab"), "{page}");
        let code = waiting.await.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            code.ok().map(|c| c.expose().to_owned()).as_deref(),
            Some("abc")
        );
    }

    #[tokio::test]
    async fn localhost_answers_on_ipv4_and_ipv6_where_possible() {
        let listener = LoopbackListener::bind_localhost()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let base = listener.redirect_uri().to_owned();
        assert!(base.starts_with("http://localhost:"), "{base}");
        let port = base
            .trim_start_matches("http://localhost:")
            .trim_end_matches('/')
            .to_owned();
        let has_v6 = listener.v6.is_some();
        let waiting = tokio::spawn(listener.wait_for_code("s1", Duration::from_secs(10)));
        let host = if has_v6 { "[::1]" } else { "127.0.0.1" };
        let (status, _) = get(&format!("http://{host}:{port}/?code=c1&state=s1")).await;
        assert_eq!(status, 200);
        let code = waiting
            .await
            .unwrap_or_else(|e| panic!("{e}"))
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(code.expose(), "c1");
    }

    #[tokio::test]
    async fn a_wrong_state_is_refused() {
        let listener = LoopbackListener::bind()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let base = listener.redirect_uri().to_owned();
        let waiting = tokio::spawn(listener.wait_for_code("right", Duration::from_secs(10)));
        assert_eq!(get(&format!("{base}?code=abc&state=wrong")).await.0, 400);
        let result = waiting.await.unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(result, Err(SignInError::StateMismatch)));
    }

    #[tokio::test]
    async fn errors_and_time_outs_are_reported() {
        let listener = LoopbackListener::bind()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let base = listener.redirect_uri().to_owned();
        let waiting = tokio::spawn(listener.wait_for_code("s", Duration::from_secs(10)));
        get(&format!(
            "{base}?error=access_denied&error_description=no%1b[2J&state=s"
        ))
        .await;
        let result = waiting.await.unwrap_or_else(|e| panic!("{e}"));
        let text = result.err().map(|e| e.to_string()).unwrap_or_default();
        assert!(
            text.contains("access_denied") && !text.contains('\u{1b}'),
            "{text}"
        );
        let listener = LoopbackListener::bind()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let result = listener.wait_for_code("s", Duration::from_millis(50)).await;
        assert!(matches!(result, Err(SignInError::TimedOut(_))));
    }
}
