//! The database: reachable, migrated to this build's schema (a newer or older one named), its
//! clock, and whether the master key opens its data keys. Nothing is migrated or created.

use super::Verdict;
use crate::config::Settings;
use store::SCHEMA_VERSION;

/// What was found, for the database's line and those that use it (the key, the clock).
pub struct Found {
    pub verdict: Verdict,
    /// `None` when the database could not be read (or no key was there to try).
    pub keys: Option<Result<usize, String>>,
    pub clock: Option<jiff::Timestamp>,
}

pub async fn inspect(settings: &Settings, masters: Option<&[store::MasterKey]>) -> Found {
    let label = settings.database_label();
    let not_read = |verdict| Found {
        verdict,
        keys: None,
        clock: None,
    };
    if let Some(file) = settings.sqlite_files().first() {
        if !file.exists() {
            return not_read(Verdict::fail(
                format!("there is no database at {label}"),
                "run holdspace serve once to create it, or restore a backup (holdspace restore)",
            ));
        }
    }
    let found = match store::inspect::inspect(&settings.db_config(), masters.unwrap_or(&[])).await {
        Ok(found) => found,
        Err(e) => {
            let reason = match e {
                store::StoreError::Unreachable(reason) => reason,
                other => other.to_string(),
            };
            return not_read(Verdict::fail(
                format!("cannot reach the database at {label}: {reason}"),
                "check database_url (host, port, database name, password) and that the database server runs",
            ));
        }
    };
    Found {
        verdict: version_verdict(found.version, &label),
        keys: masters.map(|_| found.keys),
        clock: found.clock,
    }
}

/// Reachable; and this build's schema, an older one (`serve` migrates it), a newer one (this
/// build must not touch it), or none.
pub fn version_verdict(version: Option<i64>, label: &str) -> Verdict {
    match version {
        None => Verdict::fail(
            format!("the database at {label} holds no holdspace schema"),
            "run holdspace serve once to create it, or check that database_url names the practice's database",
        ),
        Some(v) if v == SCHEMA_VERSION => Verdict::Pass(format!(
            "{label} answers, at schema version {v} (this build's)"
        )),
        Some(v) if v < SCHEMA_VERSION => Verdict::fail(
            format!(
                "the database at {label} is at schema version {v}, older than this build's {SCHEMA_VERSION}"
            ),
            "back it up (holdspace backup), then start holdspace serve once: it applies the missing migrations",
        ),
        Some(v) => Verdict::fail(
            format!(
                "the database at {label} is at schema version {v}, newer than this build knows ({SCHEMA_VERSION})"
            ),
            "run the newer holdspace, or restore a backup made with this version",
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_older_a_newer_and_no_schema_are_each_named() {
        assert!(matches!(
            version_verdict(Some(SCHEMA_VERSION), "db"),
            Verdict::Pass(_)
        ));
        let Verdict::Fail(older, fix) = version_verdict(Some(SCHEMA_VERSION - 3), "db") else {
            panic!("older passes")
        };
        assert!(older.contains("older"), "{older}");
        assert!(fix.contains("holdspace serve"), "{fix}");
        let Verdict::Fail(newer, _) = version_verdict(Some(SCHEMA_VERSION + 1), "db") else {
            panic!("newer passes")
        };
        assert!(newer.contains("newer"), "{newer}");
        assert!(version_verdict(None, "db").failed());
    }
}
