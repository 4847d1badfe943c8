//! HTTPS with --domain against a real ACME server on loopback: Debian's pebble (Let's Encrypt's
//! test server) with real HTTP-01 validation against our plain-HTTP listener, its DNS answered by
//! pebble-challtestsrv. The real binary obtains a first certificate, serves HTTPS with it (and
//! HSTS), redirects plain HTTP with 308, keeps its files to its owner, reuses the stored
//! certificate on a restart (no new order), renews a due certificate in place (the served serial
//! changes while the same process runs), and, with the CA gone, keeps serving and retrying. On
//! SQLite and on PostgreSQL.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

mod support;
use support::{drop_database, free_port, postgres_database};

const DOMAIN: &str = "practice.example.org";
/// Guards: a regression fails here instead of hanging the suite.
const GUARD: Duration = Duration::from_secs(90);

/// Kills its process when the test ends, however it ends.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn temp_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("holdspace-acme-{}", store::random_hex(6)));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// pebble and pebble-challtestsrv, or `None` (loudly) outside CI when they are not installed;
/// scripts/test installs them.
fn pebble_installed() -> bool {
    let found = ["pebble", "pebble-challtestsrv"].iter().all(|tool| {
        Command::new(tool)
            .arg("-h")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok()
    });
    if !found {
        assert!(
            std::env::var_os("CI").is_none(),
            "pebble is not installed (apt-get install pebble); scripts/test installs it"
        );
        eprintln!(
            "\n*** SKIPPED: the ACME test needs Debian's pebble (apt-get install pebble) ***\n"
        );
    }
    found
}

/// A CA and a certificate for 127.0.0.1 signed by it, for pebble's own HTTPS; the CA's PEM is
/// what holdspace is told to trust with --acme-ca-file.
fn pebble_tls(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};
    let ca_key = KeyPair::generate().unwrap();
    let mut ca = CertificateParams::new(Vec::<String>::new()).unwrap();
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.distinguished_name
        .push(DnType::CommonName, "holdspace test CA");
    let ca_cert = ca.self_signed(&ca_key).unwrap();
    let issuer = Issuer::new(ca, ca_key);
    let leaf_key = KeyPair::generate().unwrap();
    let leaf = CertificateParams::new(vec!["127.0.0.1".to_string(), "localhost".to_string()])
        .unwrap()
        .signed_by(&leaf_key, &issuer)
        .unwrap();
    let (ca_file, cert, key) = (dir.join("ca.pem"), dir.join("wfe.pem"), dir.join("wfe.key"));
    std::fs::write(&ca_file, ca_cert.pem()).unwrap();
    std::fs::write(&cert, leaf.pem()).unwrap();
    std::fs::write(&key, leaf_key.serialize_pem()).unwrap();
    (ca_file, cert, key)
}

/// pebble and its DNS, validating for real (no PEBBLE_VA_ALWAYS_VALID) against `http_port`.
struct Pebble {
    directory: String,
    management: u16,
    ca_file: PathBuf,
    _dns: Running,
    _pebble: Running,
}

async fn start_pebble(dir: &Path, http_port: u16) -> Pebble {
    let (ca_file, cert, key) = pebble_tls(dir);
    let (dns, dns_management) = (free_port(), free_port());
    let dns_server = Running(
        Command::new("pebble-challtestsrv")
            .args(["-defaultIPv4", "127.0.0.1", "-defaultIPv6", ""])
            .args(["-dns01", &format!("127.0.0.1:{dns}")])
            .args(["-http01", "", "-https01", "", "-tlsalpn01", ""])
            .args(["-management", &format!("127.0.0.1:{dns_management}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let (listen, management) = (free_port(), free_port());
    let config = serde_json::json!({
        "pebble": {
            "listenAddress": format!("127.0.0.1:{listen}"),
            "managementListenAddress": format!("127.0.0.1:{management}"),
            "certificate": cert,
            "privateKey": key,
            "httpPort": http_port,
            "tlsPort": free_port(),
            "ocspResponderURL": "",
            "externalAccountBindingRequired": false
        }
    });
    let config_file = dir.join("pebble.json");
    std::fs::write(&config_file, config.to_string()).unwrap();
    let pebble = Running(
        Command::new("pebble")
            .arg("-config")
            .arg(&config_file)
            .args(["-dnsserver", &format!("127.0.0.1:{dns}")])
            .env("PEBBLE_VA_NOSLEEP", "1")
            .env("PEBBLE_WFE_NONCEREJECT", "0")
            .env_remove("PEBBLE_VA_ALWAYS_VALID")
            .env_remove("PEBBLE_AUTHZREUSE")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let up = tokio::time::timeout(GUARD, async {
        while tokio::net::TcpStream::connect(("127.0.0.1", listen))
            .await
            .is_err()
        {
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
    assert!(up.is_ok(), "pebble did not start");
    Pebble {
        directory: format!("https://127.0.0.1:{listen}/dir"),
        management,
        ca_file,
        _dns: dns_server,
        _pebble: pebble,
    }
}

impl Pebble {
    /// The root pebble issues under (it makes a new one each run), from its management API.
    async fn issuing_root(&self) -> reqwest::Certificate {
        let ca = std::fs::read(&self.ca_file).unwrap();
        let client = reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(reqwest::Certificate::from_pem(&ca).unwrap())
            .build()
            .unwrap();
        let url = format!("https://127.0.0.1:{}/roots/0", self.management);
        let pem = client.get(url).send().await.unwrap().bytes().await.unwrap();
        reqwest::Certificate::from_pem(&pem).unwrap()
    }
}

/// The binary, its ports and its log.
struct Practice {
    data_dir: PathBuf,
    database_url: Option<String>,
    https_port: u16,
    http_port: u16,
    directory: String,
    ca_file: PathBuf,
}

impl Practice {
    fn start(&self, log: &Path, extra: &[&str]) -> Running {
        let mut command = Command::new(env!("CARGO_BIN_EXE_holdspace"));
        command
            .arg("serve")
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--domain", DOMAIN])
            .args(["--https-listen", &format!("127.0.0.1:{}", self.https_port)])
            .args(["--http-listen", &format!("127.0.0.1:{}", self.http_port)])
            .args(["--acme-directory", &self.directory])
            .arg("--acme-ca-file")
            .arg(&self.ca_file)
            .args(["--acme-email", "office@practice.example.org"])
            .args(extra)
            .env_remove("HOLDSPACE_DATABASE_URL")
            .env_remove("HOLDSPACE_MASTER_KEY")
            .env_remove("HOLDSPACE_LISTEN")
            .env_remove("HOLDSPACE_PUBLIC_URL")
            .env("RUST_LOG", "info,sqlx=warn")
            .stdout(std::fs::File::create(log).unwrap())
            .stderr(Stdio::inherit());
        if let Some(url) = &self.database_url {
            command.args(["--database-url", url]);
        }
        Running(command.spawn().unwrap())
    }

    fn https_client(&self, root: &reqwest::Certificate) -> reqwest::Client {
        reqwest::Client::builder()
            .tls_built_in_root_certs(false)
            .add_root_certificate(root.clone())
            .resolve(
                DOMAIN,
                std::net::SocketAddr::from(([127, 0, 0, 1], self.https_port)),
            )
            .redirect(reqwest::redirect::Policy::none())
            .tls_info(true)
            .build()
            .unwrap()
    }

    fn url(&self, path: &str) -> String {
        format!("https://{DOMAIN}:{}{path}", self.https_port)
    }

    /// The serial of the certificate served, once HTTPS answers /healthz with it. A new client
    /// each time: a client's kept connection, or its resumed TLS session, would show the
    /// certificate its first handshake saw.
    async fn served_serial(&self, root: &reqwest::Certificate) -> String {
        let answered = tokio::time::timeout(GUARD, async {
            loop {
                let client = self.https_client(root);
                if let Ok(r) = client.get(self.url("/healthz")).send().await {
                    if r.status().is_success() {
                        return serial_of(&r);
                    }
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        })
        .await;
        answered.expect("HTTPS did not answer with a certificate pebble issued")
    }
}

fn serial_of(response: &reqwest::Response) -> String {
    let info = response
        .extensions()
        .get::<reqwest::tls::TlsInfo>()
        .expect("TLS information");
    let der = info.peer_certificate().expect("a peer certificate");
    let (_, cert) = x509_parser::parse_x509_certificate(der).unwrap();
    assert!(
        cert.subject_alternative_name()
            .unwrap()
            .unwrap()
            .value
            .general_names
            .iter()
            .any(|n| matches!(n, x509_parser::extensions::GeneralName::DNSName(d) if *d == DOMAIN)),
        "the certificate names the domain"
    );
    cert.raw_serial_as_string()
}

fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

fn count(log: &Path, line: &str) -> usize {
    std::fs::read_to_string(log).unwrap().matches(line).count()
}

async fn https_by_acme(database_url: Option<String>) {
    if !pebble_installed() {
        return;
    }
    let dir = temp_dir();
    let http_port = free_port();
    let pebble = start_pebble(&dir, http_port).await;
    let practice = Practice {
        data_dir: dir.join("data"),
        database_url,
        https_port: free_port(),
        http_port,
        directory: pebble.directory.clone(),
        ca_file: pebble.ca_file.clone(),
    };

    // 1. The first certificate, ordered and validated over our own plain-HTTP listener.
    let first_log = dir.join("first.log");
    let server = practice.start(&first_log, &[]);
    let root = pebble.issuing_root().await;
    let client = practice.https_client(&root);
    let first = practice.served_serial(&root).await;
    let page = client.get(practice.url("/")).send().await.unwrap();
    assert!(page.status().is_success(), "{}", page.status());
    assert_eq!(
        page.headers()["strict-transport-security"],
        "max-age=31536000"
    );
    assert!(page.text().await.unwrap().contains("<html"));

    // Plain HTTP: everything but a challenge goes to HTTPS, path and query kept, method kept.
    let plain = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let moved = plain
        .post(format!(
            "http://127.0.0.1:{http_port}/contact?from=plain%20http"
        ))
        .header("host", DOMAIN)
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 308);
    assert_eq!(
        moved.headers()["location"],
        practice.url("/contact?from=plain%20http").as_str()
    );
    assert!(moved.headers().get("strict-transport-security").is_none());

    // The account and the certificate are the owner's alone.
    let acme = practice.data_dir.join("acme");
    assert_eq!(mode(&acme), 0o700);
    assert_eq!(mode(&acme.join("account.json")), 0o600);
    assert_eq!(mode(&acme.join("certificate.pem")), 0o600);
    drop(server);
    assert_eq!(count(&first_log, "ordering a certificate"), 1);
    let log = std::fs::read_to_string(&first_log).unwrap();
    assert!(
        !log.contains("office@practice.example.org"),
        "the contact address is never logged"
    );

    // 2. A restart serves the stored certificate and orders none.
    let second_log = dir.join("second.log");
    let server = practice.start(&second_log, &[]);
    assert_eq!(practice.served_serial(&root).await, first);
    tokio::time::sleep(Duration::from_secs(1)).await;
    // SIGTERM drains both listeners as it drains a plain one: exit 0, nothing cut by the grace.
    let mut server = server;
    let term = Command::new("kill")
        .args(["-TERM", &server.0.id().to_string()])
        .status()
        .unwrap();
    assert!(term.success());
    let started = Instant::now();
    let exit = loop {
        if let Some(exit) = server.0.try_wait().unwrap() {
            break exit;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "SIGTERM did not stop the HTTPS listeners"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    assert!(exit.success(), "{exit:?}");
    assert_eq!(
        count(&second_log, "draining: the requests in flight are finished"),
        1
    );
    assert_eq!(count(&second_log, "grace period is over"), 0);
    assert_eq!(count(&second_log, "draining: the job runner is done"), 1);
    drop(server);
    assert_eq!(count(&second_log, "serving the stored certificate"), 1);
    assert_eq!(count(&second_log, "ordering a certificate"), 0);

    // 3. Renewal in place: the stored certificate made due (and checks every two seconds), the
    // served serial changes while the same process runs.
    let third_log = dir.join("third.log");
    let server = practice.start(
        &third_log,
        &[
            "--acme-renew-before-secs",
            "999999999",
            "--acme-check-secs",
            "2",
        ],
    );
    let before = practice.served_serial(&root).await;
    let started = Instant::now();
    let after = loop {
        let serial = practice.served_serial(&root).await;
        if serial != before {
            break serial;
        }
        assert!(started.elapsed() < GUARD, "the certificate was not renewed");
        tokio::time::sleep(Duration::from_millis(300)).await;
    };
    assert_ne!(after, first);
    drop(server);
    assert!(count(&third_log, "the certificate is due for renewal") >= 1);
    assert!(count(&third_log, "certificate obtained and served") >= 1);

    // 4. The CA gone: a due certificate cannot be renewed. The process stays up, says why in the
    // log, serves the stored certificate meanwhile and keeps redirecting plain HTTP.
    drop(pebble);
    let fourth_log = dir.join("fourth.log");
    let mut server = practice.start(
        &fourth_log,
        &[
            "--acme-renew-before-secs",
            "999999999",
            "--acme-check-secs",
            "1",
        ],
    );
    practice.served_serial(&root).await;
    let started = Instant::now();
    while count(&fourth_log, "cannot obtain a certificate") < 2 {
        assert!(started.elapsed() < GUARD, "no failure was logged");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    assert!(server.0.try_wait().unwrap().is_none(), "still running");
    practice.served_serial(&root).await;
    let moved = plain
        .get(format!("http://127.0.0.1:{http_port}/"))
        .send()
        .await
        .unwrap();
    assert_eq!(moved.status(), 308);
    drop(server);
    assert!(count(&fourth_log, "the current certificate is served until") >= 2);

    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_by_acme_on_sqlite() {
    https_by_acme(None).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn https_by_acme_on_postgres() {
    if let Some(url) = postgres_database("acme") {
        https_by_acme(Some(url.clone())).await;
        drop_database(&url);
    }
}
