//! HTTPS: a test authority made with the openssl tool, `openssl s_server -WWW` serving a file
//! named healthz, and a certificate that is valid, expired, for another name, or of an issuer the
//! doctor is not told about.

use super::{doctor, free_port, installation, line, s, temp_dir, text, Serving};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn openssl(dir: &Path, args: &[&str]) {
    let o = Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .expect("openssl runs");
    assert!(o.status.success(), "openssl {args:?}: {}", text(&o));
}

/// A leaf certificate `name`.pem (and its key) signed by the test authority, for `san`.
fn leaf(dir: &Path, name: &str, san: &str, days: &str) {
    let ec = [
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:prime256v1",
        "-nodes",
    ];
    let key = format!("{name}.key");
    let csr = format!("{name}.csr");
    let mut req = vec!["req"];
    req.extend(ec);
    req.extend(["-keyout", &key, "-out", &csr, "-subj", "/CN=leaf"]);
    openssl(dir, &req);
    let ext = format!("{name}.ext");
    std::fs::write(dir.join(&ext), format!("subjectAltName={san}\n")).unwrap();
    let pem = format!("{name}.pem");
    openssl(
        dir,
        &[
            "x509",
            "-req",
            "-in",
            &csr,
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            &pem,
            "-days",
            days,
            "-extfile",
            &ext,
        ],
    );
}

fn https(dir: &Path, name: &str) -> Serving {
    let port = free_port();
    let child = Command::new("openssl")
        .current_dir(dir)
        .args([
            "s_server",
            "-quiet",
            "-WWW",
            "-accept",
            &format!("127.0.0.1:{port}"),
            "-cert",
            &format!("{name}.pem"),
            "-key",
            &format!("{name}.key"),
        ])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let serving = Serving {
        child,
        url: format!("https://127.0.0.1:{port}"),
    };
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if TcpStream::connect(("127.0.0.1", port)).is_ok() {
            return serving;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("openssl s_server did not start listening");
}

#[test]
fn the_public_address_over_https_names_the_certificates_fault() {
    if Command::new("openssl").arg("version").output().is_err() {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "openssl is not installed: scripts/test installs it"
        );
        eprintln!("NOTICE: openssl is not installed; skipping the HTTPS part of the doctor's tests. Run scripts/test, which installs it.");
        return;
    }
    let dir = temp_dir("tls");
    openssl(
        &dir,
        &[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:prime256v1",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=holdspace test authority",
        ],
    );
    leaf(&dir, "good", "IP:127.0.0.1", "2");
    leaf(&dir, "expired", "IP:127.0.0.1", "-1");
    leaf(&dir, "elsewhere", "DNS:other.example.org", "2");
    std::fs::write(dir.join("healthz"), b"ok").unwrap();
    let data = installation(&[]);
    let ca = dir.join("ca.pem");
    let public = |server: &Serving, ca_file: Option<&Path>| {
        let mut args = vec!["--public-url", server.url.as_str()];
        if let Some(ca) = ca_file {
            args.extend(["--ca-file", s(ca)]);
        }
        let o = doctor(&data, &args);
        let out = text(&o);
        (
            o.status.success(),
            line(&out, "public address").to_string(),
            out,
        )
    };

    let good = https(&dir, "good");
    let (passed, said, out) = public(&good, Some(&ca));
    assert!(passed, "{out}");
    assert!(said.contains("with a valid certificate"), "{out}");
    let (passed, said, out) = public(&good, None);
    assert!(!passed);
    assert!(said.contains("unknown issuer"), "{out}");

    let (passed, said, out) = public(&https(&dir, "expired"), Some(&ca));
    assert!(!passed);
    assert!(said.contains("has expired"), "{out}");
    assert!(said.contains("renew the certificate"), "{out}");

    let (passed, said, out) = public(&https(&dir, "elsewhere"), Some(&ca));
    assert!(!passed);
    assert!(said.contains("is for another name"), "{out}");

    // An empty, or a non-PEM, --ca-file is named.
    std::fs::write(dir.join("empty.pem"), b"").unwrap();
    let (passed, said, out) = public(&good, Some(&dir.join("empty.pem")));
    assert!(!passed);
    assert!(said.contains("holds no PEM certificate"), "{out}");
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(data.parent().unwrap());
}
