//! Paging safety with a hand-written server on loopback (the simulator never sends such pages):
//! a `nextLink` to another origin is refused before the token is sent, and a `nextLink` loop ends.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use chrono::{TimeDelta, Utc};
use elevate_core::Error;
use elevate_core::arm::ArmClient;
use elevate_core::auth::{AccessToken, Audience, TokenFuture, TokenSource};
use elevate_core::http::{HttpClient, RetryPolicy};
use elevate_core::secret::Secret;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

struct Fixed;
impl TokenSource for Fixed {
    fn token<'a>(&'a self, _: Audience, _: Option<&'a serde_json::Value>) -> TokenFuture<'a> {
        Box::pin(async {
            Ok(AccessToken {
                token: Secret::new("a.b.c"),
                expires_on: Utc::now() + TimeDelta::hours(1),
            })
        })
    }
    fn describe(&self) -> String {
        "fixed".into()
    }
}

/// Serves every request with `page(port)` as a 200 JSON body; counts requests.
async fn serve(page: fn(u16) -> String) -> (u16, Arc<AtomicUsize>) {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    let port = listener
        .local_addr()
        .map(|a| a.port())
        .unwrap_or_else(|e| panic!("{e}"));
    let hits = Arc::new(AtomicUsize::new(0));
    let counter = Arc::clone(&hits);
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            counter.fetch_add(1, Ordering::SeqCst);
            let mut buf = vec![0u8; 8192];
            let _ = socket.read(&mut buf).await;
            let body = page(port);
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = socket.write_all(response.as_bytes()).await;
        }
    });
    (port, hits)
}

fn client(port: u16) -> ArmClient {
    let http = HttpClient::new(RetryPolicy::default()).unwrap_or_else(|e| panic!("{e}"));
    let base =
        url::Url::parse(&format!("http://127.0.0.1:{port}")).unwrap_or_else(|e| panic!("{e}"));
    ArmClient::new(http, base, Arc::new(Fixed))
}

#[tokio::test]
async fn a_next_link_to_another_origin_is_refused() {
    let (port, hits) = serve(|port| {
        format!(
            r#"{{"value":[],"nextLink":"http://localhost:{port}/steal?api-version=2020-10-01"}}"#
        )
    })
    .await;
    match client(port).eligibilities().await {
        Err(e @ Error::MalformedResponse { .. }) => {
            assert!(e.to_string().contains("refusing to send the token"), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(
        hits.load(Ordering::SeqCst),
        1,
        "the foreign link was never called"
    );
}

#[tokio::test]
async fn a_next_link_loop_ends_with_an_error() {
    let (port, hits) = serve(|port| {
        format!(r#"{{"value":[],"nextLink":"http://127.0.0.1:{port}/providers/Microsoft.Authorization/roleEligibilityScheduleInstances?api-version=2020-10-01&$skiptoken=same"}}"#)
    })
    .await;
    match client(port).eligibilities().await {
        Err(e @ Error::MalformedResponse { .. }) => assert!(e.to_string().contains("loop"), "{e}"),
        other => panic!("{other:?}"),
    }
    assert_eq!(hits.load(Ordering::SeqCst), 2);
}

#[tokio::test]
async fn items_without_the_documented_shape_are_skipped_not_fatal() {
    let (port, _) = serve(|_| {
        r#"{"value":[42,{"properties":{}},{"id":"x","properties":{"scope":"/subscriptions/s1","roleDefinitionId":"/providers/Microsoft.Authorization/roleDefinitions/r1","expandedProperties":{"scope":{"displayName":"Sub One"},"roleDefinition":{"displayName":"Role One"}}}}]}"#.to_owned()
    })
    .await;
    let items = client(port)
        .eligibilities()
        .await
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(items.len(), 1);
    assert_eq!(
        (items[0].role.name.as_str(), items[0].scope.name.as_str()),
        ("Role One", "Sub One")
    );
}
