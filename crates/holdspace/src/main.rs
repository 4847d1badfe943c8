//! The holdspace binary: the command line, configuration, and the wiring of the layers.

mod acme;
mod at_rest;
mod backups;
mod clock;
mod config;
mod doctor;
mod logging;
mod probe;
mod service;

use app::App;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};
use config::{Settings, SettingsArgs};
use std::io::Read;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "holdspace",
    version,
    about = "An online psychotherapy practice in one binary."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

// Parsed once at start and matched at once: the size of a variant costs nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Subcommand)]
enum Command {
    /// Serve the practice.
    Serve {
        #[command(flatten)]
        settings: SettingsArgs,
        /// Load the demo practice (an invented practice with articles and a demo login).
        #[arg(long)]
        demo: bool,
    },
    /// Manage the practice's therapists.
    Therapist {
        #[command(subcommand)]
        command: TherapistCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Manage the keys that seal clinical records.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Write a backup of the whole practice (while it serves), encrypted with age; or verify one.
    #[command(args_conflicts_with_subcommands = true)]
    Backup {
        #[command(subcommand)]
        command: Option<BackupCommand>,
        /// The file to write (refused if it exists).
        #[arg(long, value_name = "FILE")]
        to: Option<PathBuf>,
        /// Encrypt to a key derived from the master key instead of backup_recipient.
        #[arg(long = "to-master-key")]
        to_master_key: bool,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Restore a backup into an empty data directory or an empty PostgreSQL database.
    Restore {
        /// The backup file.
        #[arg(long, value_name = "FILE")]
        from: PathBuf,
        /// The age identity file (age-keygen's output); without it, the master key opens a
        /// backup made with --to-master-key.
        #[arg(long, value_name = "AGEKEYFILE")]
        identity: Option<PathBuf>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Write the whole practice as documented JSON into a new directory (docs/export-format.md).
    /// Clinical text is decrypted into it: keep it as safe as the records.
    Export {
        /// A directory that does not exist yet, or an empty one.
        #[arg(long)]
        to: std::path::PathBuf,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Read an export into this installation, which must be new (no practice in it yet).
    Import {
        /// The directory an export wrote.
        #[arg(long)]
        from: std::path::PathBuf,
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Show the settings `serve` would use and where each came from (secrets hidden); fail on a bad one.
    Config {
        #[command(flatten)]
        settings: SettingsArgs,
    },
    /// Install holdspace as a systemd service: the unit, the holdspace system user, and
    /// /etc/holdspace/holdspace.toml if there is none. Run as root.
    InstallService {
        /// Where the unit goes.
        #[arg(
            long = "unit-dir",
            value_name = "DIR",
            default_value = "/etc/systemd/system"
        )]
        unit_dir: PathBuf,
        /// Where holdspace.toml goes (kept if it exists).
        #[arg(
            long = "config-dir",
            value_name = "DIR",
            default_value = "/etc/holdspace"
        )]
        config_dir: PathBuf,
        /// The holdspace the service runs [default: this one].
        #[arg(long, value_name = "FILE")]
        binary: Option<PathBuf>,
        /// Do not create the holdspace user (the command to do it is printed).
        #[arg(long = "no-user")]
        no_user: bool,
        /// Replace a unit that differs from the one this holdspace writes.
        #[arg(long)]
        force: bool,
    },
    /// Exit 0 if a running holdspace answers GET /healthz (for a container's HEALTHCHECK).
    Healthcheck {
        /// Plain http:// only: the server probes itself.
        #[arg(
            long,
            value_name = "URL",
            default_value = "http://127.0.0.1:8080/healthz"
        )]
        url: url::Url,
        /// Seconds to wait for the connection and for the answer.
        #[arg(
            long = "timeout-secs",
            value_name = "SECONDS",
            default_value_t = 5,
            value_parser = clap::value_parser!(u64).range(1..=3600)
        )]
        timeout_secs: u64,
    },
    /// Check the installation (files, key, database, mail, relay, address, clock, disk, backups)
    /// and say what to fix; exit non-zero when a check fails. Changes nothing, sends nothing.
    Doctor {
        #[command(flatten)]
        options: doctor::Options,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Restore a backup into a temporary database and check it: row counts, every sealed value,
    /// the audit log. The monthly drill.
    Verify {
        /// The backup file.
        file: PathBuf,
        /// The age identity file; without it, the master key (for --to-master-key backups).
        #[arg(long, value_name = "AGEKEYFILE")]
        identity: Option<PathBuf>,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Make a new master key, re-wrap every data key under it, and start a new data key.
    /// Running instances keep working (they hold their data keys); restart them at leisure.
    Rotate {
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Walk the hash chain; exit non-zero naming the first row that was changed, deleted or reordered.
    Verify {
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

#[derive(Subcommand)]
enum TherapistCommand {
    /// Add a therapist. On a new installation the first one becomes the practice's owner.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// An IANA zone, e.g. Europe/Berlin.
        #[arg(long = "time-zone")]
        time_zone: String,
        /// Read the password from standard input (for scripts). Without it, one is generated and printed.
        #[arg(long = "password-stdin")]
        password_stdin: bool,
        #[command(flatten)]
        settings: SettingsArgs,
    },
}

fn main() -> ExitCode {
    // The matches are kept beside the parsed command: they tell a flag from a variable, so a bad
    // value is named the way the operator gave it.
    let parsed = Cli::command()
        .try_get_matches()
        .and_then(|matches| Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => return usage(&e),
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => return fail(&format!("cannot start the runtime: {e}")),
    };
    let outcome = runtime.block_on(run(cli, &matches));
    // Whatever was cut at the end of a grace period is not waited for again.
    runtime.shutdown_timeout(std::time::Duration::from_secs(1));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => fail(&message),
    }
}

/// Help and version as asked; any other parse error as one line (clap's own can span several).
fn usage(e: &clap::Error) -> ExitCode {
    use clap::error::ErrorKind;
    if matches!(
        e.kind(),
        ErrorKind::DisplayHelp
            | ErrorKind::DisplayVersion
            | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        let _ = e.print();
        return ExitCode::SUCCESS;
    }
    let text = e.to_string();
    let first = text
        .lines()
        .next()
        .unwrap_or("invalid arguments")
        .trim_start_matches("error: ");
    eprintln!("holdspace: {first} (see holdspace --help)");
    ExitCode::from(2)
}

fn fail(message: &str) -> ExitCode {
    eprintln!("holdspace: {message}");
    ExitCode::FAILURE
}

async fn run(cli: Cli, matches: &ArgMatches) -> Result<(), String> {
    // Nothing logs before the settings are read: they say how to write the log.
    let resolve = |settings: SettingsArgs| {
        let settings = Settings::resolve(settings, matches)?;
        logging::init(settings.log_format);
        Ok::<Settings, String>(settings)
    };
    match cli.command {
        Command::Serve { settings, demo } => serve(resolve(settings)?, demo).await,
        Command::Config { settings } => {
            let settings = resolve(settings)?;
            for line in settings.describe() {
                println!("{line}");
            }
            Ok(())
        }
        Command::InstallService {
            unit_dir,
            config_dir,
            binary,
            no_user,
            force,
        } => service::install(&service::Install {
            unit_dir,
            config_dir,
            binary,
            create_user: !no_user,
            force,
        }),
        Command::Healthcheck { url, timeout_secs } => {
            let status = probe::healthcheck(&url, std::time::Duration::from_secs(timeout_secs))?;
            println!("{status}");
            Ok(())
        }
        Command::Backup {
            command:
                Some(BackupCommand::Verify {
                    file,
                    identity,
                    settings,
                }),
            ..
        } => backups::verify(resolve(settings)?, file, identity).await,
        Command::Backup {
            command: None,
            to,
            to_master_key,
            settings,
        } => {
            let to = to.ok_or("say where the backup goes: --to FILE")?;
            backups::make(resolve(settings)?, to, to_master_key).await
        }
        Command::Restore {
            from,
            identity,
            settings,
        } => backups::restore(resolve(settings)?, from, identity).await,
        Command::Keys {
            command: KeysCommand::Rotate { settings },
        } => rotate_keys(resolve(settings)?).await,
        Command::Export { to, settings } => export(resolve(settings)?, &to).await,
        Command::Import { from, settings } => import(resolve(settings)?, &from).await,
        Command::Audit {
            command: AuditCommand::Verify { settings },
        } => {
            let app = open(&resolve(settings)?).await?;
            let verdict = app.verify_audit().await.map_err(|e| describe(&e))?;
            if verdict.is_intact() {
                println!("{}", verdict.describe());
                Ok(())
            } else {
                Err(verdict.describe())
            }
        }
        Command::Doctor { options, settings } => doctor::run(&resolve(settings)?, &options).await,
        Command::Therapist {
            command:
                TherapistCommand::Add {
                    email,
                    name,
                    time_zone,
                    password_stdin,
                    settings,
                },
        } => {
            let settings = resolve(settings)?;
            let (password, generated) = if password_stdin {
                let mut text = String::new();
                std::io::stdin()
                    .read_to_string(&mut text)
                    .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
                (text.trim_end_matches(['\r', '\n']).to_string(), false)
            } else {
                (store::random_hex(12), true)
            };
            let app = open(&settings).await?;
            let added = app
                .add_therapist(&email, &name, &time_zone, &password)
                .await
                .map_err(|e| describe(&e))?;
            let user = &added.user;
            println!(
                "added {} <{}> as {}",
                user.name,
                user.email,
                user.role.as_str()
            );
            if generated {
                println!("password: {password}");
            }
            println!("totp secret: {}", added.totp_secret);
            println!("recovery codes: {}", added.recovery_codes.join(" "));
            Ok(())
        }
    }
}

/// Rotation that survives a crash at any point: the key file first holds the old and the new key
/// (either opens the database), then the data keys are re-wrapped in one transaction, then the
/// file holds only the new key.
async fn rotate_keys(settings: Settings) -> Result<(), String> {
    let old = settings.master_keys_in_prepared_dir()?;
    let db = open_db(&settings, old.clone()).await?;
    let next = store::MasterKey::generate();
    let file = settings.key_file();
    if !settings.master_key_given() {
        let mut both: Vec<&store::MasterKey> = old.iter().collect();
        both.push(&next);
        store::seal::write_key_file(&file, &both).map_err(|e| e.to_string())?;
    }
    let n = db
        .rotate_master_key(&next)
        .await
        .map_err(|e| e.to_string())?;
    if settings.master_key_given() {
        println!("re-wrapped {n} data keys. Set HOLDSPACE_MASTER_KEY={} on every instance (the old key no longer opens the records).", next.to_hex().as_str());
    } else {
        store::seal::write_key_file(&file, &[&next]).map_err(|e| e.to_string())?;
        println!(
            "re-wrapped {n} data keys under a new master key ({}), written to {}",
            next.id(),
            file.display()
        );
    }
    db.close().await;
    Ok(())
}

/// Opens the database (creating the data directory and the master key if needed) and the app;
/// warns of files open to others; re-chains an old audit log under the key (once).
async fn open(settings: &Settings) -> Result<App, String> {
    let masters = settings.master_keys_in_prepared_dir()?;
    let db = open_db(settings, masters).await?;
    let app = App::new(
        db,
        settings.app_config(),
        clock::from_setting(settings.test_now.as_deref())?,
    )
    .map_err(|e| describe(&e))?;
    app.upgrade_audit().await.map_err(|e| describe(&e))?;
    Ok(app)
}

/// Opens the database; a SQLite file it creates is made its owner's alone (0600), and every file
/// of the data directory open to others is named with the chmod to run.
async fn open_db(settings: &Settings, masters: Vec<store::MasterKey>) -> Result<store::Db, String> {
    let fresh = at_rest::missing(&settings.sqlite_files());
    let db = store::Db::open(&settings.db_config(), masters)
        .await
        .map_err(|e| match e {
            store::StoreError::Unreachable(reason) => format!(
                "cannot reach the database at {}: {reason}",
                settings.database_label()
            ),
            other => other.to_string(),
        })?;
    at_rest::restrict(&fresh)?;
    let mut files = settings.sqlite_files();
    files.push(settings.key_file());
    files.push(settings.audit_checkpoint_file.clone());
    at_rest::warn(&at_rest::findings(&settings.data_dir, &files));
    Ok(db)
}

/// `holdspace export`: one snapshot of the practice, decrypted into `dir`.
async fn export(settings: Settings, dir: &std::path::Path) -> Result<(), String> {
    let app = open(&settings).await?;
    println!(
        "This export holds the practice's clinical records in plain text (notes, messages, \
         questionnaire answers, attachments, invoices). Keep it as safe as the records themselves \
         and delete it once it has served; it is readable by this user only."
    );
    let started = std::time::Instant::now();
    let done = app.export_practice(dir).await.map_err(|e| e.to_string())?;
    println!(
        "exported {} tables, {} rows, {} files ({} bytes) to {} in {:.1} s",
        done.tables,
        done.rows,
        done.files,
        done.bytes,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

/// `holdspace import`: the export in `dir`, checked whole, then read in one transaction.
async fn import(settings: Settings, dir: &std::path::Path) -> Result<(), String> {
    let db = open_db(&settings, settings.master_keys_in_prepared_dir()?).await?;
    let started = std::time::Instant::now();
    let done = store::export::import(&db, dir)
        .await
        .map_err(|e| format!("nothing was imported: {e}"))?;
    db.close().await;
    println!(
        "imported {} tables, {} rows, {} files ({} bytes) from {} in {:.1} s; clinical text is sealed again under this installation's keys",
        done.tables,
        done.rows,
        done.files,
        done.bytes,
        dir.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(())
}

fn describe(e: &app::AppError) -> String {
    match e {
        app::AppError::Invalid(errors) => errors
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join(", "),
        other => other.to_string(),
    }
}

async fn serve(settings: Settings, demo: bool) -> Result<(), String> {
    let app = open(&settings).await?;
    if demo {
        let login = app.load_demo().await.map_err(|e| describe(&e))?;
        let format = settings.log_format;
        logging::announce(
            format,
            &format!(
                "Demo practice loaded. Sign in at {} as {} with the password {}",
                app.link("/admin"),
                login.email,
                login.password
            ),
        );
        logging::announce(format, &format!("The second factor: add the TOTP secret {} to an authenticator app (the code now is {}).", login.totp_secret, app::two_factor::current_code(&login.totp_secret, app.now()).unwrap_or_default()));
    } else if app.needs_setup().await.map_err(|e| describe(&e))? {
        let link = app.create_setup_link().await.map_err(|e| describe(&e))?;
        logging::announce(
            settings.log_format,
            &format!("Create your practice with this link (it works once, for one hour): {link}"),
        );
    }
    let limits = connection_limits(&settings);
    let listener = match &settings.https {
        Some(_) => None,
        None => Some(
            tokio::net::TcpListener::bind(settings.listen)
                .await
                .map_err(|e| format!("cannot listen on {}: {e}", settings.listen))?,
        ),
    };
    let address = settings
        .https
        .as_ref()
        .map_or(settings.listen, |https| https.https_listen);
    tracing::info!(address = %address, public_url = %app.config().public_url, database = %settings.database_label(), "holdspace is serving");
    app.schedule_audit_checkpoint()
        .await
        .map_err(|e| describe(&e))?;
    let jobs = tokio::spawn(app.clone().run_jobs());
    let mut state = web::WebState::new(app.clone());
    state.trust_proxy = settings.trust_proxy;
    state.trusted_proxies = settings.trusted_proxies.clone();
    state.limits = limits;
    state.metrics_token = settings.metrics_token.clone();
    if let Some(address) = settings.metrics_listen {
        let metrics = tokio::net::TcpListener::bind(address)
            .await
            .map_err(|e| format!("cannot listen on {address} (metrics_listen): {e}"))?;
        tracing::info!(address = %address, "metrics are served on their own address");
        let state = state.clone();
        // It ends with the process: nothing on it needs a graceful end.
        tokio::spawn(async move {
            if let Err(e) = web::serve_metrics(metrics, state, std::future::pending()).await {
                tracing::error!(error = %e, "the metrics listener stopped");
            }
        });
    }
    let drain = app.clone();
    let stopping = async move {
        shutdown_signal().await;
        tracing::info!(
            grace_secs = SHUTDOWN_GRACE.as_secs(),
            "draining: no new connections; finishing the requests in flight"
        );
        drain.drain();
    };
    let mut serving: std::pin::Pin<
        Box<dyn std::future::Future<Output = Result<(), String>> + Send>,
    > = match (listener, settings.https.clone()) {
        (Some(listener), _) => Box::pin(async move {
            web::serve(listener, state, stopping)
                .await
                .map_err(|e| format!("server stopped: {e}"))
        }),
        (None, Some(https)) => {
            let data_dir = settings.data_dir.clone();
            Box::pin(async move { acme::serve(https, &data_dir, state, stopping).await })
        }
        (None, None) => return Err("nothing to listen on".into()),
    };
    let served = tokio::select! {
        served = &mut serving => Some(served),
        () = app.draining() => None,
    };
    let deadline = tokio::time::Instant::now() + SHUTDOWN_GRACE;
    let served = match served {
        Some(served) => Some(served),
        None => tokio::time::timeout_at(deadline, serving).await.ok(),
    };
    match served {
        Some(Ok(())) => tracing::info!("draining: the requests in flight are finished"),
        Some(Err(e)) => return Err(e),
        None => {
            tracing::warn!("draining: the grace period is over; requests still in flight are cut");
        }
    }
    stop_rooms(&app, deadline).await;
    stop_jobs(jobs, deadline).await;
    tracing::info!("stopped");
    Ok(())
}

/// How long a stopping process may take to finish its requests, close its room sockets and its
/// running job, from the signal on (systemd's stop timeout, 90 s by default, is longer).
const SHUTDOWN_GRACE: std::time::Duration = std::time::Duration::from_secs(30);

/// Waits, up to `deadline`, until every room socket has been told to reconnect and has closed.
async fn stop_rooms(app: &App, deadline: tokio::time::Instant) {
    let told = app.rooms_open();
    while app.rooms_open() > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    match app.rooms_open() {
        0 => tracing::info!(
            room_sockets = told,
            "draining: room sockets were asked to reconnect and closed"
        ),
        left => tracing::warn!(
            room_sockets = left,
            "draining: the grace period is over; room sockets still open are cut"
        ),
    }
}

/// Waits, up to `deadline`, for the job runner to finish the job it holds (it claims no more).
async fn stop_jobs(jobs: tokio::task::JoinHandle<()>, deadline: tokio::time::Instant) {
    match tokio::time::timeout_at(deadline, jobs).await {
        Ok(_) => tracing::info!("draining: the job runner is done"),
        Err(_) => tracing::warn!(
            "draining: the grace period is over with a job running; its lease lets another instance run it again"
        ),
    }
}

/// Files every connection, the database and the uploads share.
const FILES_KEPT_BACK: u64 = 256;

/// Raises the open-files limit to what the system allows this process (a connection is a file),
/// and keeps the connection cap under it, with room for the database, uploads and mail.
fn connection_limits(settings: &Settings) -> web::ConnLimits {
    let mut limits = settings.limits.clone();
    let files = match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => files,
        Err(e) => {
            tracing::warn!(error = %e, "cannot raise the open-files limit");
            match rlimit::getrlimit(rlimit::Resource::NOFILE) {
                Ok((soft, _)) => soft,
                Err(_) => return limits,
            }
        }
    };
    let room = usize::try_from(files.saturating_sub(FILES_KEPT_BACK))
        .unwrap_or(usize::MAX)
        .max(1);
    if limits.total > room {
        tracing::warn!(
            open_files = files,
            max_connections = room,
            "the open-files limit allows fewer connections than max_connections: raise the limit (ulimit -n, LimitNOFILE=) for more"
        );
        limits.total = room;
    }
    tracing::info!(
        open_files = files,
        max_connections = limits.total,
        max_connections_per_address = limits.per_address,
        header_timeout_secs = limits.header_timeout.as_secs(),
        body_timeout_secs = limits.body_timeout.as_secs(),
        "connection limits"
    );
    limits
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
