//! The unit's system-call filter and `MemoryDenyWriteExecute=` against what a serving holdspace
//! really does, traced by strace.

use super::holdspace;
use super::{have_systemd_analyze, temp_dir, text, Child, BIN};
use crate::support::{drop_database, postgres_database};
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

/// Whether `tool` runs here; like `have_systemd_analyze`, a loud skip outside CI and a failure in it.
fn have(tool: &str, package: &str) -> bool {
    if Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
    {
        return true;
    }
    assert!(
        std::env::var("CI").as_deref() != Ok("true"),
        "{tool} is missing: scripts/test installs Debian's {package} package"
    );
    eprintln!(
        "\n*** SKIPPED: {tool} is missing (apt-get install {package}); the check did NOT run ***\n"
    );
    false
}

/// The system calls in a `SystemCallFilter=` group, its nested groups expanded, as
/// `systemd-analyze syscall-filter` lists them.
fn syscall_group(listing: &str, group: &str) -> std::collections::BTreeSet<String> {
    let mut groups: std::collections::BTreeMap<&str, Vec<&str>> = Default::default();
    let mut current = None;
    for line in listing.lines() {
        if let Some(name) = line.strip_prefix('@') {
            current = Some(name.trim());
            groups.entry(name.trim()).or_default();
        } else if line.starts_with("    ") && !line.trim_start().starts_with('#') {
            if let Some(name) = current {
                groups.entry(name).or_default().push(line.trim());
            }
        } else if line.trim().is_empty() || line.starts_with('#') {
            current = None;
        }
    }
    let mut calls = std::collections::BTreeSet::new();
    let mut pending = vec![group.trim_start_matches('@')];
    let mut seen = std::collections::BTreeSet::new();
    while let Some(name) = pending.pop() {
        if !seen.insert(name) {
            continue;
        }
        let members = groups
            .get(name)
            .unwrap_or_else(|| panic!("systemd-analyze lists no group @{name}"));
        for member in members {
            match member.strip_prefix('@') {
                Some(nested) => pending.push(nested),
                None => {
                    calls.insert((*member).to_string());
                }
            }
        }
    }
    calls
}

/// The unit allows `@system-service` less `@privileged` and forbids memory both writable and
/// executable. holdspace, traced as an unprivileged user (as the service runs) from its start
/// with the demo practice through a few pages to a graceful stop, makes no other system call and
/// maps nothing writable and executable. A new dependency that does either shows here first,
/// not as a service that dies at its first start.
#[test]
fn a_serving_holdspace_on_sqlite_stays_inside_the_units_system_call_filter() {
    traced_run(None);
}

/// The same with the database on PostgreSQL, reached over TCP.
#[test]
fn a_serving_holdspace_on_postgres_stays_inside_the_units_system_call_filter() {
    if let Some(url) = postgres_database("syscalls") {
        traced_run(Some(&url));
        drop_database(&url);
    }
}

fn traced_run(database_url: Option<&str>) {
    if !have_systemd_analyze() || !have("strace", "strace") {
        return;
    }
    let listing = Command::new("systemd-analyze")
        .arg("syscall-filter")
        .output()
        .unwrap();
    let listing = String::from_utf8_lossy(&listing.stdout).to_string();
    let allowed = syscall_group(&listing, "@system-service");
    let privileged = syscall_group(&listing, "@privileged");
    assert!(allowed.contains("openat") && privileged.contains("setuid"));

    let dir = temp_dir("syscalls");
    std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o777)).unwrap();
    let trace = dir.join("trace");
    let pid_file = dir.join("pid");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let listen = format!("127.0.0.1:{port}");
    let root =
        std::fs::metadata("/proc/self").is_ok_and(|m| std::os::unix::fs::MetadataExt::uid(&m) == 0);
    // The shell writes its pid and becomes holdspace (through setpriv, as nobody, when root):
    // that pid is the one to stop gracefully.
    let as_nobody = if root {
        "setpriv --reuid=65534 --regid=65534 --clear-groups "
    } else {
        ""
    };
    let script = format!(
        "echo $$ > {pid}; exec {as_nobody}{BIN} serve --demo --listen {listen} --data-dir {data}",
        pid = pid_file.display(),
        data = dir.join("data").display()
    );
    let mut command = Command::new("strace");
    command
        .args(["-f", "-qq", "-o"])
        .arg(&trace)
        .args(["sh", "-c", &script])
        .env_remove("HOLDSPACE_DATABASE_URL")
        .env_remove("HOLDSPACE_MASTER_KEY")
        .env_remove("HOLDSPACE_CONFIG")
        .env("RUST_LOG", "warn")
        .stdout(std::process::Stdio::null());
    if let Some(url) = database_url {
        command.env("HOLDSPACE_DATABASE_URL", url);
    }
    let mut tracer = Child(command.spawn().unwrap());
    let started = std::time::Instant::now();
    for path in ["/healthz", "/", "/signin", "/articles", "/book"] {
        let url = format!("http://{listen}{path}");
        loop {
            let o = holdspace(&["healthcheck", "--url", &url, "--timeout-secs", "5"]);
            if o.status.success() {
                break;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(180),
                "{path} never answered under strace: {}",
                text(&o)
            );
            std::thread::sleep(std::time::Duration::from_millis(300));
        }
    }
    let pid = std::fs::read_to_string(&pid_file).unwrap();
    let signal = |name: &str| Command::new("kill").args([name, pid.trim()]).status();
    assert!(signal("-TERM").unwrap().success());
    let stopping = std::time::Instant::now();
    let status = loop {
        if let Some(status) = tracer.0.try_wait().unwrap() {
            break status;
        }
        if stopping.elapsed() > std::time::Duration::from_secs(90) {
            // strace's end would leave holdspace running: end holdspace itself.
            let _ = signal("-KILL");
            panic!("holdspace did not stop within 90 s of SIGTERM");
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    };
    assert!(status.success(), "holdspace did not stop cleanly: {status}");

    let trace = std::fs::read_to_string(&trace).unwrap();
    let exec = format!("execve(\"{BIN}\"");
    let ours = trace
        .lines()
        .skip_while(|line| !line.contains(&exec))
        .collect::<Vec<_>>();
    assert!(
        ours.len() > 100,
        "the trace has no run of holdspace: {}",
        trace.chars().take(2000).collect::<String>()
    );
    let mut refused = std::collections::BTreeSet::new();
    for line in &ours {
        let call = line
            .split_once(' ')
            .map(|(_, rest)| rest.trim_start())
            .and_then(|rest| rest.split_once('(').map(|(name, _)| name))
            .filter(|name| name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
        let Some(call) = call.filter(|name| !name.is_empty()) else {
            continue;
        };
        if !allowed.contains(call) || privileged.contains(call) {
            refused.insert(call.to_string());
        }
        let maps = call == "mmap" || call == "mprotect" || call == "pkey_mprotect";
        assert!(
            !(maps && line.contains("PROT_WRITE") && line.contains("PROT_EXEC")),
            "memory both writable and executable, which MemoryDenyWriteExecute= refuses: {line}"
        );
    }
    assert!(
        refused.is_empty(),
        "system calls the unit's filter refuses: {refused:?}"
    );
    // The trace runs to megabytes; kept only when the test fails.
    let _ = std::fs::remove_dir_all(&dir);
}
