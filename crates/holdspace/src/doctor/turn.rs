//! The video relay: a real TURN exchange with each configured `turn:` address, as a browser does
//! it with the credentials holdspace makes from the shared secret. An Allocate without
//! credentials draws a 401 with the realm and a nonce; with them it gets a relayed address,
//! answered under the same key; a Refresh with lifetime 0 gives the allocation back at once.
//! A 401 or 441 to the signed request means the two secrets differ.

use super::stun::{self, Message};
use super::Verdict;
use app::turn::IceConfig;
use secrecy::ExposeSecret;
use std::net::SocketAddr;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// How long one answer may take; UDP asks this many times before giving up.
const WAIT: Duration = Duration::from_millis(1500);
const UDP_TRIES: usize = 3;
/// The label in the REST username (relays log it): the doctor, never a person.
const USER: &str = "holdspace-doctor";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Transport {
    Udp,
    Tcp,
}

/// One `turn:` address, read: host, port, transport.
#[derive(Debug, PartialEq, Eq)]
struct Relay {
    host: String,
    port: u16,
    transport: Transport,
}

/// `turn:host[:port][?transport=udp|tcp]`; `None` for `turns:` (TLS), which is not tried.
fn parse(url: &str) -> Option<Relay> {
    let rest = url.trim().strip_prefix("turn:")?;
    let (address, query) = rest.split_once('?').unwrap_or((rest, ""));
    let transport = if query
        .split('&')
        .any(|kv| kv.eq_ignore_ascii_case("transport=tcp"))
    {
        Transport::Tcp
    } else {
        Transport::Udp
    };
    let (host, port) = if let Some(v6) = address.strip_prefix('[') {
        let (host, after) = v6.split_once(']')?;
        (host, after.strip_prefix(':'))
    } else {
        match address.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (address, None),
        }
    };
    let port = match port {
        Some(p) => p.parse().ok()?,
        None => 3478,
    };
    (!host.is_empty()).then(|| Relay {
        host: host.to_string(),
        port,
        transport,
    })
}

pub async fn check(ice: &IceConfig) -> Verdict {
    let Some(secret) = ice
        .turn_secret
        .as_ref()
        .filter(|_| !ice.turn_urls.is_empty())
    else {
        return Verdict::Skipped("not configured (turn_urls is not set)".into());
    };
    let relays: Vec<(String, Relay)> = ice
        .turn_urls
        .iter()
        .filter_map(|u| parse(u).map(|r| (u.clone(), r)))
        .collect();
    if relays.is_empty() {
        return Verdict::Skipped(
            "only turns: addresses are configured, and the doctor tries turn: ones".into(),
        );
    }
    let expires = jiff::Timestamp::now().as_second() + 600;
    let (username, password) = app::turn::credentials(secret.expose_secret(), USER, expires);
    let mut found = Vec::new();
    for (url, relay) in &relays {
        match allocate_and_release(relay, &username, &password).await {
            Ok(relayed) => found.push(format!("{url} relays (through {relayed})")),
            Err(Problem(what, fix)) => return Verdict::fail(format!("{url}: {what}"), fix),
        }
    }
    Verdict::Pass(format!("{}, and the TURN secret matches", found.join("; ")))
}

struct Problem(String, String);

fn problem(what: impl Into<String>, fix: &str) -> Problem {
    Problem(what.into(), fix.into())
}

const FIX_REACH: &str = "check turn_urls' host and port, that the relay runs, and that its port is open to this machine (UDP and TCP)";
const FIX_SECRET: &str = "set turn_secret to the relay's static-auth-secret (coturn: use-auth-secret and static-auth-secret in turnserver.conf), or the reverse";

/// The exchange with one relay; answers the relayed address.
async fn allocate_and_release(
    relay: &Relay,
    username: &str,
    password: &str,
) -> Result<SocketAddr, Problem> {
    let mut link = Link::open(relay).await?;
    let requested = [17u8, 0, 0, 0];
    let first = Message::new(stun::ALLOCATE_REQUEST, transaction())
        .with(stun::REQUESTED_TRANSPORT, requested);
    let (answer, _) = link.ask(&first, None).await?;
    if answer.kind == stun::ALLOCATE_SUCCESS {
        let refresh = Message::new(stun::REFRESH_REQUEST, transaction())
            .with(stun::LIFETIME, 0u32.to_be_bytes());
        let _ = link.ask(&refresh, None).await;
        return Err(problem(
            "the relay gives an allocation to anyone, without credentials",
            "turn on use-auth-secret with static-auth-secret in the relay's configuration",
        ));
    }
    let (mut realm, mut nonce) = challenge(&answer)?;
    // Once more on a stale nonce (438), which a relay may send to the first signed request.
    for _ in 0..2 {
        let key = stun::long_term_key(username, &realm, password);
        let signed = Message::new(stun::ALLOCATE_REQUEST, transaction())
            .with(stun::REQUESTED_TRANSPORT, requested)
            .with(stun::USERNAME, username)
            .with(stun::REALM, realm.as_bytes())
            .with(stun::NONCE, nonce.as_bytes());
        let (answer, wire) = link.ask(&signed, Some(&key)).await?;
        match (answer.kind, answer.error()) {
            (stun::ALLOCATE_SUCCESS, _) => {
                if stun::integrity_holds(&wire, &key) == Some(false) {
                    return Err(problem(
                        "the relay's answer does not carry a valid MESSAGE-INTEGRITY: something between here and the relay changes the messages",
                        FIX_REACH,
                    ));
                }
                let relayed = answer
                    .get(stun::XOR_RELAYED_ADDRESS)
                    .and_then(|v| stun::xor_address(v, &answer.transaction))
                    .ok_or_else(|| problem("the relay's success names no relayed address", FIX_REACH))?;
                release(&mut link, username, &realm, &nonce, &key).await;
                return Ok(relayed);
            }
            (_, Some((438, _))) => (realm, nonce) = challenge(&answer)?,
            (_, Some((401 | 441, _))) => {
                return Err(problem(
                    "the TURN secret does not match the relay's static-auth-secret (the relay refused the credentials made from it)",
                    FIX_SECRET,
                ))
            }
            (_, Some((code, reason))) => {
                return Err(problem(
                    format!("the relay refused an allocation: {code} {reason}"),
                    "look in the relay's log for why (a quota, no ports left, a denied address)",
                ))
            }
            _ => return Err(problem("the relay answered with an unexpected message", FIX_REACH)),
        }
    }
    Err(problem(
        "the relay keeps calling its nonce stale",
        "check the relay's clock and its log",
    ))
}

/// The realm and nonce of a 401 (or 438) answer.
fn challenge(answer: &Message) -> Result<(String, String), Problem> {
    let text = |kind| {
        answer
            .get(kind)
            .map(|v| String::from_utf8_lossy(v).into_owned())
    };
    match (answer.error(), text(stun::REALM), text(stun::NONCE)) {
        (Some((401 | 438, _)), Some(realm), Some(nonce)) => Ok((realm, nonce)),
        (Some((code, reason)), _, _) => Err(problem(
            format!("the relay refused an allocation: {code} {reason}"),
            "look in the relay's log for why",
        )),
        _ => Err(problem(
            "the relay did not ask for credentials as TURN relays do",
            FIX_REACH,
        )),
    }
}

/// Gives the allocation back (lifetime 0). A failure here is not the operator's problem: the
/// allocation ends by itself within minutes.
async fn release(link: &mut Link, username: &str, realm: &str, nonce: &str, key: &[u8]) {
    let refresh = Message::new(stun::REFRESH_REQUEST, transaction())
        .with(stun::LIFETIME, 0u32.to_be_bytes())
        .with(stun::USERNAME, username)
        .with(stun::REALM, realm.as_bytes())
        .with(stun::NONCE, nonce.as_bytes());
    match link.ask(&refresh, Some(key)).await {
        Ok((answer, _)) if answer.kind == stun::REFRESH_SUCCESS => {}
        _ => tracing::debug!(
            "the relay did not confirm the release; the allocation expires by itself"
        ),
    }
}

fn transaction() -> [u8; 12] {
    let mut id = [0u8; 12];
    getrandom::fill(&mut id).expect("the operating system's random source failed");
    id
}

/// A UDP or TCP connection to the relay (an allocation belongs to it: the release goes on the same).
enum Link {
    Udp(tokio::net::UdpSocket),
    Tcp(tokio::net::TcpStream),
}

impl Link {
    async fn open(relay: &Relay) -> Result<Link, Problem> {
        let address = tokio::net::lookup_host((relay.host.as_str(), relay.port))
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| {
                problem(
                    format!("cannot find the address of {}", relay.host),
                    FIX_REACH,
                )
            })?;
        match relay.transport {
            Transport::Udp => {
                let local: SocketAddr = if address.is_ipv4() {
                    ([0, 0, 0, 0], 0).into()
                } else {
                    (std::net::Ipv6Addr::UNSPECIFIED, 0).into()
                };
                let socket = tokio::net::UdpSocket::bind(local)
                    .await
                    .map_err(|e| problem(format!("cannot open a UDP socket: {e}"), FIX_REACH))?;
                socket
                    .connect(address)
                    .await
                    .map_err(|e| problem(format!("cannot reach {address}: {e}"), FIX_REACH))?;
                Ok(Link::Udp(socket))
            }
            Transport::Tcp => {
                let stream =
                    tokio::time::timeout(WAIT * 2, tokio::net::TcpStream::connect(address))
                        .await
                        .map_err(|_| {
                            problem(format!("no connection to {address} within 3 s"), FIX_REACH)
                        })?
                        .map_err(|e| {
                            problem(
                                format!("cannot connect to {address} over TCP: {e}"),
                                FIX_REACH,
                            )
                        })?;
                Ok(Link::Tcp(stream))
            }
        }
    }

    /// Sends `request` (signed under `key` when given, always fingerprinted) and reads the answer
    /// to it, with the bytes it came in.
    async fn ask(
        &mut self,
        request: &Message,
        key: Option<&[u8]>,
    ) -> Result<(Message, Vec<u8>), Problem> {
        let wire = request.encode(key, true);
        let answer = match self {
            Link::Udp(socket) => {
                let mut buf = vec![0u8; 2048];
                let mut got = None;
                for _ in 0..UDP_TRIES {
                    socket.send(&wire).await.map_err(|e| {
                        problem(format!("cannot send to the relay: {e}"), FIX_REACH)
                    })?;
                    match tokio::time::timeout(WAIT, socket.recv(&mut buf)).await {
                        Ok(Ok(n)) => {
                            got = Some(buf[..n].to_vec());
                            break;
                        }
                        Ok(Err(e)) => {
                            return Err(problem(
                                format!("the relay cannot be reached over UDP: {e}"),
                                FIX_REACH,
                            ))
                        }
                        Err(_) => {}
                    }
                }
                got.ok_or_else(|| {
                    problem(
                        "the relay does not answer over UDP (three tries, 1.5 s each)",
                        FIX_REACH,
                    )
                })?
            }
            Link::Tcp(stream) => {
                let read = async {
                    stream.write_all(&wire).await?;
                    let mut head = [0u8; 20];
                    stream.read_exact(&mut head).await?;
                    let length = usize::from(u16::from_be_bytes([head[2], head[3]]));
                    let mut all = head.to_vec();
                    all.resize(20 + length, 0);
                    stream.read_exact(&mut all[20..]).await?;
                    Ok::<_, std::io::Error>(all)
                };
                tokio::time::timeout(WAIT * 2, read)
                    .await
                    .map_err(|_| {
                        problem("the relay does not answer over TCP within 3 s", FIX_REACH)
                    })?
                    .map_err(|e| {
                        problem(
                            format!("the relay closed the TCP connection: {e}"),
                            FIX_REACH,
                        )
                    })?
            }
        };
        if stun::fingerprint_holds(&answer) == Some(false) {
            return Err(problem("the relay's answer has a wrong FINGERPRINT: something between here and the relay changes the messages", FIX_REACH));
        }
        let message = Message::decode(&answer).map_err(|e| {
            problem(
                format!("the relay's answer does not read as STUN: {e}"),
                FIX_REACH,
            )
        })?;
        if message.transaction != request.transaction {
            return Err(problem("the relay answered another request", FIX_REACH));
        }
        Ok((message, answer))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turn_addresses_read_as_the_settings_allow_them() {
        assert_eq!(
            parse("turn:127.0.0.1:3478?transport=udp"),
            Some(Relay {
                host: "127.0.0.1".into(),
                port: 3478,
                transport: Transport::Udp
            })
        );
        assert_eq!(
            parse("turn:relay.example.org?transport=tcp"),
            Some(Relay {
                host: "relay.example.org".into(),
                port: 3478,
                transport: Transport::Tcp
            })
        );
        assert_eq!(
            parse("turn:[::1]:5000"),
            Some(Relay {
                host: "::1".into(),
                port: 5000,
                transport: Transport::Udp
            })
        );
        assert_eq!(parse("turns:relay.example.org:5349"), None);
        assert_eq!(parse("turn:"), None);
        assert_eq!(parse("turn:host:notaport"), None);
        assert_eq!(parse(""), None);
    }
}
