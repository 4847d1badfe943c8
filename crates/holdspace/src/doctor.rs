//! `holdspace doctor`: checks an installation the way `serve` would find it and says, one line a
//! check, what is well and what is not, and on a second line what to do. It reads the same
//! settings as `serve`, and repairs nothing: no directory, key, database file or migration is
//! made, and no mail is sent unless asked.

mod database;
mod files;
mod smtp;
mod stun;
mod turn;
mod web;

use crate::config::Settings;
use std::path::PathBuf;

/// The doctor's own options, beside the settings.
#[derive(clap::Args, Debug, Default)]
pub struct Options {
    /// Also send one test mail, which says nothing but that it is a test, to this address.
    #[arg(long = "send-test-mail", value_name = "ADDRESS")]
    pub send_test_mail: Option<String>,
    /// PEM certificates of authorities to trust for the public URL besides the usual ones
    /// (a private certificate authority).
    #[arg(long = "ca-file", value_name = "FILE")]
    pub ca_file: Option<PathBuf>,
}

/// One check's verdict.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Verdict {
    Pass(String),
    /// What is wrong, and what to do about it.
    Fail(String, String),
    /// The check does not apply (nothing configured for it): not a failure.
    Skipped(String),
}

impl Verdict {
    fn fail(what: impl Into<String>, fix: impl Into<String>) -> Verdict {
        Verdict::Fail(what.into(), fix.into())
    }

    fn failed(&self) -> bool {
        matches!(self, Verdict::Fail(..))
    }
}

/// The line(s) printed for one check: a mark, a plain word (read out by screen readers and kept
/// by logs, where the mark may not survive), the check's name and what was found.
pub fn render(name: &str, verdict: &Verdict) -> String {
    match verdict {
        Verdict::Pass(found) => format!("✓ ok       {name}: {found}"),
        Verdict::Fail(what, fix) => format!("✗ FAIL     {name}: {what}\n           {fix}"),
        Verdict::Skipped(why) => format!("- skipped  {name}: {why}"),
    }
}

/// Runs every check in turn, printing each as it is known; fails when any failed.
pub async fn run(settings: &Settings, options: &Options) -> Result<(), String> {
    let mut failed = 0;
    let mut total = 0;
    let mut report = |name: &str, verdict: Verdict| {
        total += 1;
        if verdict.failed() {
            failed += 1;
        }
        println!("{}", render(name, &verdict));
    };
    report("data directory", files::data_dir(settings));
    let key = files::master_key(settings);
    let db = database::inspect(settings, key.keys.as_deref()).await;
    report("master key", files::master_key_verdict(&key, &db));
    report("database", db.verdict.clone());
    report(
        "mail (SMTP)",
        smtp::check(settings, options.send_test_mail.as_deref()).await,
    );
    report("video relay (TURN)", turn::check(&settings.ice).await);
    let public = web::public_url(&settings.public_url, options.ca_file.as_deref()).await;
    report("public address", public.verdict.clone());
    report(
        "clock",
        web::clock(jiff::Timestamp::now(), public.date, db.clock),
    );
    report("disk space", files::disk_space(&settings.data_dir));
    report(
        "last backup",
        files::last_backup(settings.backup_dir.as_deref(), jiff::Timestamp::now()),
    );
    if failed == 0 {
        println!("all {total} checks passed");
        Ok(())
    } else {
        Err(format!(
            "{failed} of {total} checks failed: see the lines marked FAIL above"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_two_lines_with_a_word_beside_the_mark() {
        assert_eq!(
            render("disk space", &Verdict::Pass("9 GiB free".into())),
            "✓ ok       disk space: 9 GiB free"
        );
        assert_eq!(
            render("master key", &Verdict::fail("mode 644", "run chmod 600 k")),
            "✗ FAIL     master key: mode 644\n           run chmod 600 k"
        );
        assert!(render("TURN", &Verdict::Skipped("not configured".into())).contains("skipped"));
    }
}
