//! `holdspace healthcheck`: one GET of `/healthz` on a running holdspace, for a container's
//! HEALTHCHECK, where the slim base image has neither curl nor wget. Plain HTTP on loopback only:
//! the container probes itself, not the way people reach it.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

/// The most of the answer read: the status line is all that counts.
const READ_AT_MOST: u64 = 4096;

/// Asks `GET path` of `address`; `Ok` with the status line on a 2xx answer.
pub fn check(address: SocketAddr, path: &str, timeout: Duration) -> Result<String, String> {
    if !path.starts_with('/') || path.chars().any(|c| c.is_ascii_control() || c == ' ') {
        return Err(format!(
            "{path:?} is not a request path: give one such as /healthz"
        ));
    }
    let mut stream = TcpStream::connect_timeout(&address, timeout)
        .map_err(|e| format!("nothing answers at {address}: {e}"))?;
    stream
        .set_read_timeout(Some(timeout))
        .and_then(|()| stream.set_write_timeout(Some(timeout)))
        .map_err(|e| format!("cannot set a timeout: {e}"))?;
    let request =
        format!("GET {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\nUser-Agent: holdspace-healthcheck\r\n\r\n");
    stream
        .write_all(request.as_bytes())
        .map_err(|e| format!("cannot send the request to {address}: {e}"))?;
    let mut answer = Vec::new();
    stream
        .take(READ_AT_MOST)
        .read_to_end(&mut answer)
        .map_err(|e| format!("no answer from {address} in {} s: {e}", timeout.as_secs()))?;
    let text = String::from_utf8_lossy(&answer);
    let status_line = text.lines().next().unwrap_or_default().trim().to_string();
    let code = status_line
        .strip_prefix("HTTP/1.")
        .and_then(|rest| rest.get(2..5))
        .and_then(|code| code.parse::<u16>().ok());
    match code {
        Some(200..=299) => Ok(status_line),
        Some(_) => Err(format!("{address}{path} answered {status_line}")),
        None => Err(format!("{address} did not answer as an HTTP server")),
    }
}

/// `holdspace healthcheck`: the URL's first address, asked once.
pub fn healthcheck(url: &url::Url, timeout: std::time::Duration) -> Result<String, String> {
    use std::net::ToSocketAddrs;
    if url.scheme() != "http" {
        return Err(format!(
            "healthcheck speaks plain http:// to this machine, not {}://",
            url.scheme()
        ));
    }
    let host = url.host_str().ok_or("the URL has no host")?;
    let port = url.port_or_known_default().unwrap_or(80);
    let address = (host.trim_matches(['[', ']']), port)
        .to_socket_addrs()
        .map_err(|e| format!("cannot resolve {host}: {e}"))?
        .next()
        .ok_or_else(|| format!("{host} has no address"))?;
    let path = match url.query() {
        Some(query) => format!("{}?{query}", url.path()),
        None => url.path().to_string(),
    };
    check(address, &path, timeout)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::TcpListener;

    /// Serves one connection with `answer`, returning the address.
    fn one_answer(answer: &'static [u8]) -> SocketAddr {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().unwrap();
            let mut buf = [0u8; 1024];
            let _ = stream.read(&mut buf);
            let _ = stream.write_all(answer);
        });
        address
    }

    const SECOND: Duration = Duration::from_secs(1);

    #[test]
    fn a_2xx_passes_and_anything_else_fails() {
        let ok = one_answer(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok");
        assert_eq!(check(ok, "/healthz", SECOND).unwrap(), "HTTP/1.1 200 OK");
        let down = one_answer(b"HTTP/1.1 503 Service Unavailable\r\n\r\n");
        assert!(check(down, "/healthz", SECOND)
            .unwrap_err()
            .contains("answered HTTP/1.1 503"));
    }

    #[test]
    fn garbage_an_empty_answer_and_a_huge_one_fail() {
        let garbage = one_answer(b"SSH-2.0-OpenSSH_9.2\r\n");
        assert!(check(garbage, "/healthz", SECOND)
            .unwrap_err()
            .contains("did not answer as an HTTP server"));
        let empty = one_answer(b"");
        assert!(check(empty, "/healthz", SECOND).is_err());
        let huge: &'static [u8] = Box::leak(vec![b'x'; 1 << 20].into_boxed_slice());
        assert!(check(one_answer(huge), "/healthz", SECOND).is_err());
    }

    #[test]
    fn nothing_listening_fails_and_a_hostile_path_is_never_sent() {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        drop(listener);
        assert!(check(address, "/healthz", SECOND)
            .unwrap_err()
            .starts_with("nothing answers"));
        for path in ["healthz", "/a b", "/x\r\nHost: evil", ""] {
            assert!(check(address, path, SECOND)
                .unwrap_err()
                .contains("not a request path"));
        }
    }
}
