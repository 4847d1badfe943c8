//! HTTPS in our own listener: the certificate served (swapped in place when it is renewed), the
//! TLS handshake on a counted connection under the head's deadline, and the plain-HTTP side that
//! answers ACME HTTP-01 challenges and sends everyone else to HTTPS.

use crate::serve;
use axum::extract::{Path, Request, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::sync::watch;
use tokio_rustls::rustls::crypto::ring;
use tokio_rustls::rustls::pki_types::pem::PemObject;
use tokio_rustls::rustls::pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::rustls::server::{ClientHello, ResolvesServerCert};
use tokio_rustls::rustls::sign::CertifiedKey;
use tokio_rustls::rustls::{self, ServerConfig};
use tokio_rustls::TlsAcceptor;

/// The certificate the HTTPS listener presents. Renewal installs a new one while connections go
/// on: a handshake takes whichever is current, a connection keeps the one it began with.
#[derive(Debug, Default)]
pub struct CertSlot {
    current: RwLock<Option<Arc<CertifiedKey>>>,
}

impl CertSlot {
    /// Installs a chain (leaf first) and its private key, both PEM, after checking that the key
    /// is the leaf's. Until the first install a handshake fails: there is nothing to present.
    pub fn install(&self, chain_pem: &str, key_pem: &str) -> Result<(), String> {
        let chain: Vec<CertificateDer<'static>> =
            CertificateDer::pem_slice_iter(chain_pem.as_bytes())
                .collect::<Result<_, _>>()
                .map_err(|e| format!("the certificate chain is not valid PEM: {e}"))?;
        if chain.is_empty() {
            return Err("the certificate chain holds no certificate".into());
        }
        let key = PrivateKeyDer::from_pem_slice(key_pem.as_bytes())
            .map_err(|e| format!("the private key is not valid PEM: {e}"))?;
        let certified = CertifiedKey::from_der(chain, key, &ring::default_provider())
            .map_err(|e| format!("the certificate and its key do not go together: {e}"))?;
        *self.current.write().unwrap_or_else(PoisonError::into_inner) = Some(Arc::new(certified));
        Ok(())
    }

    /// Whether a certificate has been installed.
    pub fn is_set(&self) -> bool {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }
}

impl ResolvesServerCert for CertSlot {
    fn resolve(&self, _hello: ClientHello<'_>) -> Option<Arc<CertifiedKey>> {
        self.current
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// TLS 1.2 and 1.3 on ring, HTTP/1.1 by ALPN (the rooms' WebSockets upgrade from it), the
/// certificate from `slot`.
pub fn tls_config(slot: Arc<CertSlot>) -> Result<Arc<ServerConfig>, String> {
    let mut config = ServerConfig::builder_with_provider(Arc::new(ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| format!("cannot set up TLS: {e}"))?
        .with_no_client_auth()
        .with_cert_resolver(slot);
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

/// One connection's TLS handshake, which must end within the head's deadline (a client that
/// opens a connection and says nothing holds it no longer than one that sends no head), then
/// HTTP over it as over plain TCP.
pub(crate) async fn secure_connection<I>(
    acceptor: TlsAcceptor,
    io: I,
    peer: SocketAddr,
    site: serve::Site,
    header_timeout: Duration,
    mut stop: watch::Receiver<bool>,
    done: watch::Receiver<()>,
) where
    I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
{
    let handshake = tokio::time::timeout(header_timeout, acceptor.accept(io));
    let stream = tokio::select! {
        shaken = handshake => match shaken {
            Ok(Ok(stream)) => stream,
            Ok(Err(e)) => {
                tracing::debug!(error = %e, "a TLS handshake failed");
                return;
            }
            Err(_) => {
                tracing::debug!("a TLS handshake did not finish in time");
                return;
            }
        },
        () = async {
            let _ = stop.wait_for(|stop| *stop).await;
        } => return,
    };
    serve::connection(stream, peer, site, header_timeout, stop, done).await;
}

/// Answers to ACME HTTP-01 challenges while an order waits: token → key authorization.
#[derive(Clone, Debug, Default)]
pub struct Challenges(Arc<RwLock<HashMap<String, String>>>);

impl Challenges {
    pub fn insert(&self, token: &str, key_authorization: &str) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.to_owned(), key_authorization.to_owned());
    }

    pub fn remove(&self, token: &str) {
        self.0
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(token);
    }

    fn get(&self, token: &str) -> Option<String> {
        self.0
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned()
    }
}

/// What the plain-HTTP listener needs: where HTTPS is, and the challenges being answered.
#[derive(Clone)]
struct Plain {
    https_origin: Arc<str>,
    challenges: Challenges,
}

/// The plain-HTTP side: `/.well-known/acme-challenge/{token}` answered from `challenges`; every
/// other request sent on with 308 (which keeps the method and body) to the same path and query
/// under `https_origin` (`https://practice.example.org`). The target is the configured origin,
/// never the request's Host, so nobody can make us redirect elsewhere.
pub fn plain_router(https_origin: &str, challenges: Challenges) -> Router {
    let state = Plain {
        https_origin: Arc::from(https_origin.trim_end_matches('/')),
        challenges,
    };
    Router::new()
        .route("/.well-known/acme-challenge/{token}", get(challenge))
        .fallback(to_https)
        .with_state(state)
        .layer(axum::middleware::from_fn_with_state(
            None::<app::App>,
            crate::trace::request_span,
        ))
}

async fn challenge(State(plain): State<Plain>, Path(token): Path<String>) -> Response {
    match plain.challenges.get(&token) {
        Some(answer) => (
            [(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/octet-stream"),
            )],
            answer,
        )
            .into_response(),
        None => (StatusCode::NOT_FOUND, "No such challenge.\n").into_response(),
    }
}

async fn to_https(State(plain): State<Plain>, request: Request) -> Response {
    let rest = request
        .uri()
        .path_and_query()
        .map_or("/", axum::http::uri::PathAndQuery::as_str);
    let target = format!("{}{rest}", plain.https_origin);
    match HeaderValue::from_str(&target) {
        Ok(location) => (
            StatusCode::PERMANENT_REDIRECT,
            [
                (header::LOCATION, location),
                (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
            ],
        )
            .into_response(),
        Err(_) => (StatusCode::BAD_REQUEST, "Malformed address.\n").into_response(),
    }
}

/// The acceptor for `config`, for the accept loop.
pub(crate) fn acceptor(config: Arc<rustls::ServerConfig>) -> TlsAcceptor {
    TlsAcceptor::from(config)
}

#[cfg(test)]
mod tests {
    use super::*;
    use tower::ServiceExt;

    async fn get(router: &Router, uri: &str) -> Response {
        let request = Request::builder()
            .uri(uri)
            .header(header::HOST, "evil.example")
            .body(axum::body::Body::empty())
            .unwrap();
        router.clone().oneshot(request).await.unwrap()
    }

    #[tokio::test]
    async fn plain_http_answers_challenges_and_sends_everything_else_to_https() {
        let challenges = Challenges::default();
        challenges.insert("tok-EN_1", "tok-EN_1.thumb");
        let router = plain_router("https://practice.example.org/", challenges.clone());

        let answer = get(&router, "/.well-known/acme-challenge/tok-EN_1").await;
        assert_eq!(answer.status(), StatusCode::OK);
        let body = axum::body::to_bytes(answer.into_body(), 1024)
            .await
            .unwrap();
        assert_eq!(&body[..], b"tok-EN_1.thumb");

        // Unknown, empty, huge and hostile tokens: nothing but a 404.
        for token in ["other", "", &"a".repeat(10_000), "..%2F..%2Fetc%2Fpasswd"] {
            let uri = format!("/.well-known/acme-challenge/{token}");
            let status = get(&router, &uri).await.status();
            assert!(
                matches!(
                    status,
                    StatusCode::NOT_FOUND | StatusCode::PERMANENT_REDIRECT
                ),
                "{token}: {status}"
            );
        }
        challenges.remove("tok-EN_1");
        let gone = get(&router, "/.well-known/acme-challenge/tok-EN_1").await;
        assert_eq!(gone.status(), StatusCode::NOT_FOUND);

        // The redirect goes to the configured origin, whatever the Host header said.
        let moved = get(&router, "/booking?slot=2027-01-04T09%3A00").await;
        assert_eq!(moved.status(), StatusCode::PERMANENT_REDIRECT);
        assert_eq!(
            moved.headers()[header::LOCATION],
            "https://practice.example.org/booking?slot=2027-01-04T09%3A00"
        );
        let root = get(&router, "/").await;
        assert_eq!(
            root.headers()[header::LOCATION],
            "https://practice.example.org/"
        );
        assert!(root
            .headers()
            .get(header::STRICT_TRANSPORT_SECURITY)
            .is_none());
    }

    /// A certificate for `localhost` signed by a new CA, installed in a slot; the CA for clients.
    fn localhost_slot() -> (Arc<CertSlot>, rustls::RootCertStore) {
        use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
        let ca_key = KeyPair::generate().unwrap();
        let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
        ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let ca_cert = ca.self_signed(&ca_key).unwrap();
        let issuer = Issuer::new(ca, ca_key);
        let key = KeyPair::generate().unwrap();
        let leaf = CertificateParams::new(vec!["localhost".to_string()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let slot = Arc::new(CertSlot::default());
        slot.install(&leaf.pem(), &key.serialize_pem()).unwrap();
        let mut roots = rustls::RootCertStore::empty();
        roots.add(ca_cert.der().clone()).unwrap();
        (slot, roots)
    }

    /// An echo WebSocket behind our accept loop with TLS; its address.
    async fn echo_over_tls(slot: Arc<CertSlot>, header_timeout: Duration) -> SocketAddr {
        use axum::extract::ws::{Message, WebSocketUpgrade};
        let router = Router::new().route(
            "/ws",
            axum::routing::get(|upgrade: WebSocketUpgrade| async move {
                upgrade.on_upgrade(|mut socket| async move {
                    while let Some(Ok(Message::Text(text))) = socket.recv().await {
                        if socket.send(Message::Text(text)).await.is_err() {
                            return;
                        }
                    }
                })
            }),
        );
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let limits = serve::ConnLimits {
            header_timeout,
            ..serve::ConnLimits::default()
        };
        let acceptor = acceptor(tls_config(slot).unwrap());
        tokio::spawn(serve::run_with(
            listener,
            router.into(),
            limits,
            Some(acceptor),
            std::future::pending(),
        ));
        address
    }

    #[tokio::test]
    async fn a_websocket_works_over_tls_and_a_renewed_certificate_serves_new_handshakes() {
        use futures_util::{SinkExt, StreamExt};
        use tokio_tungstenite::tungstenite::Message;
        let (slot, roots) = localhost_slot();
        let address = echo_over_tls(slot.clone(), Duration::from_secs(5)).await;
        let mut client =
            rustls::ClientConfig::builder_with_provider(Arc::new(ring::default_provider()))
                .with_safe_default_protocol_versions()
                .unwrap()
                .with_root_certificates(roots)
                .with_no_client_auth();
        client.alpn_protocols = vec![b"http/1.1".to_vec()];
        // A resumed session would skip the certificate: every handshake here is a full one.
        client.resumption = rustls::client::Resumption::disabled();
        let connector = tokio_rustls::TlsConnector::from(Arc::new(client));
        let connect = || async {
            let tcp = tokio::net::TcpStream::connect(address).await.unwrap();
            let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
            connector.connect(name, tcp).await
        };
        let tls = connect().await.unwrap();
        assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"http/1.1"[..]));
        let first_cert = tls.get_ref().1.peer_certificates().unwrap()[0].clone();
        let (mut socket, _) = tokio_tungstenite::client_async("wss://localhost/ws", tls)
            .await
            .unwrap();
        socket.send(Message::text("over TLS")).await.unwrap();
        let echoed = socket.next().await.unwrap().unwrap();
        assert_eq!(echoed.into_text().unwrap().as_str(), "over TLS");

        // A renewal swaps the certificate: the open socket goes on, a new handshake sees the
        // new certificate.
        let (renewed, _) = localhost_slot();
        let current = renewed.current.read().unwrap().clone().unwrap();
        *slot.current.write().unwrap() = Some(current.clone());
        socket.send(Message::text("still here")).await.unwrap();
        let echoed = socket.next().await.unwrap().unwrap();
        assert_eq!(echoed.into_text().unwrap().as_str(), "still here");
        // The new certificate is from another CA, which this client does not trust.
        assert!(connect().await.is_err(), "the new certificate is served");
        assert_ne!(first_cert.as_ref(), current.cert[0].as_ref());
    }

    #[tokio::test]
    async fn a_silent_or_garbled_client_is_let_go_within_the_head_deadline() {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let (slot, _) = localhost_slot();
        let address = echo_over_tls(slot, Duration::from_millis(500)).await;
        let started = std::time::Instant::now();
        let mut silent = tokio::net::TcpStream::connect(address).await.unwrap();
        let mut buf = [0u8; 64];
        let read = tokio::time::timeout(Duration::from_secs(5), silent.read(&mut buf)).await;
        assert!(matches!(read, Ok(Ok(0) | Err(_))), "closed: {read:?}");
        assert!(started.elapsed() < Duration::from_secs(3));

        // Plain HTTP, or noise, where TLS is expected: an alert or a close, never a hang.
        for hello in [
            &b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"[..],
            &[0x16; 4096][..],
            &[][..],
        ] {
            let mut garbled = tokio::net::TcpStream::connect(address).await.unwrap();
            garbled.write_all(hello).await.unwrap();
            let mut rest = Vec::new();
            let read =
                tokio::time::timeout(Duration::from_secs(5), garbled.read_to_end(&mut rest)).await;
            assert!(read.is_ok(), "the connection was closed");
        }
    }

    #[test]
    fn a_slot_refuses_what_is_not_a_certificate_and_its_key() {
        let slot = CertSlot::default();
        assert!(!slot.is_set());
        for (chain, key) in [
            ("", ""),
            ("not pem at all", "nor this"),
            (
                "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
                "",
            ),
        ] {
            assert!(slot.install(chain, key).is_err(), "{chain:?}");
        }
        assert!(!slot.is_set());
    }
}
