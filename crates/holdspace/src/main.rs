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
mod serving;

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
    /// Fill a fresh demo practice with years of generated records, for measuring how cost grows.
    Demo {
        #[command(flatten)]
        settings: SettingsArgs,
        /// Therapists, each with ten years of records (1: about 400 patients and 15,000 sessions).
        #[arg(long, default_value_t = 1)]
        scale: u32,
        /// The same seed gives the same practice (people, hours, what became of each session).
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// Weeks of history (ten years unless a test wants less).
        #[arg(long, default_value_t = app::scale::TEN_YEARS, hide = true)]
        weeks: u32,
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
        Command::Serve { settings, demo } => serving::serve(resolve(settings)?, demo).await,
        Command::Demo {
            settings,
            scale,
            seed,
            weeks,
        } => {
            let scale = app::scale::Scale {
                therapists: scale,
                weeks,
                seed,
            };
            demo(&resolve(settings)?, scale).await
        }
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

/// `holdspace demo --scale N`: the demo practice, then N therapists' ten years. Prints progress,
/// the counts and rows per second, and a last line of JSON naming whom a benchmark signs in as.
async fn demo(settings: &Settings, scale: app::scale::Scale) -> Result<(), String> {
    let app = open(settings).await?;
    let login = app.load_demo().await.map_err(|e| describe(&e))?;
    let mut last = 0.0;
    let (filled, handles) = app
        .fill(scale, |f| {
            if f.seconds - last >= 10.0 {
                last = f.seconds;
                eprintln!(
                    "  {} appointments, {} rows, {:.0} s",
                    f.appointments, f.rows, f.seconds
                );
            }
        })
        .await
        .map_err(|e| describe(&e))?;
    println!(
        "filled {} therapists: {} patients, {} appointments, {} notes, {} messages, {} questionnaires, {} invoices, {} jobs, {} audit entries",
        filled.therapists + 1,
        filled.patients,
        filled.appointments,
        filled.notes,
        filled.messages,
        filled.responses,
        filled.invoices,
        filled.jobs,
        filled.audit
    );
    println!(
        "{} rows in {:.1} s: {:.0} rows/s",
        filled.rows,
        filled.seconds,
        filled.rows_per_second()
    );
    println!(
        "{}",
        serde_json::json!({
            "therapist": handles.therapist_email,
            "password": login.password,
            "totp_secret": login.totp_secret,
            "patient": handles.patient_email,
            "case": handles.case.as_str(),
        })
    );
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
