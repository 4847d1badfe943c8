//! The services a healthy installation talks to, on loopback: an SMTP server that signs in, and
//! Debian's coturn.

use super::{free_port, s, temp_dir};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

// ---------------------------------------------------------------------------------------------
// An SMTP server that offers AUTH PLAIN and accepts one user name and password.

pub const SMTP_USER: &str = "practice";
pub const SMTP_PASSWORD: &str = "sink-password-9";

pub struct SmtpSink {
    pub port: u16,
    pub mails: Arc<Mutex<Vec<String>>>,
}

pub fn smtp_sink() -> SmtpSink {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let mails = Arc::new(Mutex::new(Vec::new()));
    let kept = mails.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let kept = kept.clone();
            std::thread::spawn(move || {
                let _ = smtp_session(stream, &kept);
            });
        }
    });
    SmtpSink { port, mails }
}

fn smtp_session(stream: TcpStream, mails: &Mutex<Vec<String>>) -> std::io::Result<()> {
    use base64::Engine as _;
    let mut out = stream.try_clone()?;
    let mut lines = BufReader::new(stream).lines();
    out.write_all(b"220 sink ESMTP\r\n")?;
    let expected = format!("\0{SMTP_USER}\0{SMTP_PASSWORD}");
    while let Some(line) = lines.next() {
        let line = line?;
        let verb = line.split(' ').next().unwrap_or("").to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" => out.write_all(b"250-sink\r\n250 AUTH PLAIN LOGIN\r\n")?,
            "AUTH" => {
                let given = line.split(' ').nth(2).unwrap_or("");
                let decoded = base64::engine::general_purpose::STANDARD
                    .decode(given)
                    .unwrap_or_default();
                if decoded == expected.as_bytes() {
                    out.write_all(b"235 2.7.0 Authentication successful\r\n")?;
                } else {
                    out.write_all(b"535 5.7.8 Authentication credentials invalid\r\n")?;
                }
            }
            "DATA" => {
                out.write_all(b"354 go on\r\n")?;
                let mut mail = String::new();
                for l in lines.by_ref() {
                    let l = l?;
                    if l == "." {
                        break;
                    }
                    mail.push_str(&l);
                    mail.push('\n');
                }
                mails.lock().unwrap().push(mail);
                out.write_all(b"250 accepted\r\n")?;
            }
            "QUIT" => {
                out.write_all(b"221 bye\r\n")?;
                return Ok(());
            }
            _ => out.write_all(b"250 OK\r\n")?,
        }
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// Debian's coturn on loopback, with the flags the e2e tests start it with (e2e/lib/turn.js).

pub struct Coturn {
    child: Child,
    pub port: u16,
    pub secret: String,
    log: std::path::PathBuf,
}

impl Coturn {
    /// What coturn has logged so far (with --verbose, each request it processed).
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Coturn {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

pub fn coturn() -> Option<Coturn> {
    if Command::new("turnserver").arg("--help").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "coturn (turnserver) is not installed: scripts/test installs it"
        );
        eprintln!("NOTICE: coturn (turnserver) is not installed; skipping the TURN part of this test. Run scripts/test, which installs it.");
        return None;
    }
    let dir = temp_dir("turn");
    let secret = store::random_hex(16);
    // A port free on TCP and UDP alike (coturn listens on both).
    let port = loop {
        let port = free_port();
        if std::net::UdpSocket::bind(("127.0.0.1", port)).is_ok() {
            break port;
        }
    };
    let relay_base = 40_000 + u16::try_from(std::process::id() % 20_000).unwrap();
    let log = dir.join("turn.log");
    let child = Command::new("turnserver")
        .args([
            "-n",
            "--listening-ip=127.0.0.1",
            &format!("--listening-port={port}"),
            "--relay-ip=127.0.0.1",
            &format!("--min-port={relay_base}"),
            &format!("--max-port={}", relay_base + 200),
            "--use-auth-secret",
            &format!("--static-auth-secret={secret}"),
            "--realm=holdspace.test",
            "--allow-loopback-peers",
            "--no-tls",
            "--no-dtls",
            "--no-cli",
            "--no-multicast-peers",
            "--fingerprint",
            "--log-file=stdout",
            "--simple-log",
            "--verbose",
            &format!("--pidfile={}", s(&dir.join("turnserver.pid"))),
            &format!("--userdb={}", s(&dir.join("turndb"))),
        ])
        .stdout(Stdio::from(std::fs::File::create(&log).unwrap()))
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // Killed when dropped, on the way out of a failed start too.
    let relay = Coturn {
        child,
        port,
        secret,
        log: log.clone(),
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        let out = std::fs::read_to_string(&log).unwrap_or_default();
        if out.contains("listener opened on") || out.contains("Total General servers") {
            std::thread::sleep(Duration::from_millis(300));
            return Some(relay);
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!(
        "coturn did not start:\n{}",
        std::fs::read_to_string(&log).unwrap_or_default()
    );
}
