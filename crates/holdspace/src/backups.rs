//! The backup commands: `backup --to`, `backup verify`, `restore --from`.

use crate::config::Settings;
use app::backup::{self, Protection, Unlock};
use std::path::{Path, PathBuf};

/// `holdspace backup --to FILE`: one snapshot, written while the practice keeps serving.
pub async fn make(settings: Settings, to: PathBuf, to_master_key: bool) -> Result<(), String> {
    let protection = if to_master_key {
        let masters = settings.master_keys()?;
        let newest = masters.last().cloned().ok_or("no master key is given")?;
        println!("This backup is encrypted to a key derived from the master key: it is only as safe as the place the master key is kept, and it opens only with that master key.");
        Protection::MasterKey(newest)
    } else {
        match &settings.backup_recipient {
            Some(r) => Protection::Recipient(r.clone()),
            None => return Err("set backup_recipient (the age public key, age1…, that age-keygen prints; keep its private key off this server), or choose --to-master-key".into()),
        }
    };
    settings.prepare_data_dir()?;
    let db = store::Db::open(&settings.db_config(), settings.master_keys()?)
        .await
        .map_err(|e| e.to_string())?;
    let made = backup::make(&db, &to, &protection).await;
    db.close().await;
    let made = made.map_err(|e| e.to_string())?;
    println!(
        "backup written to {}: {} tables, {} rows, schema version {}, snapshot at {}; {} bytes ({} before encryption) in {:.2} s",
        made.path.display(),
        made.header.tables.len(),
        made.header.rows(),
        made.header.schema_version,
        made.header.snapshot_at,
        made.file_bytes,
        made.stream_bytes,
        made.took.as_secs_f64()
    );
    Ok(())
}

/// The key that opens a backup: the identity file, or else the master key.
fn unlock(settings: &Settings, identity: Option<&Path>) -> Result<Unlock, String> {
    match identity {
        Some(path) => backup::identities_from_file(path).map_err(|e| e.to_string()),
        None => Ok(Unlock::MasterKeys(existing_master_keys(settings)?)),
    }
}

/// The master keys as given or in the key file, never a new one: a restored practice opens only
/// with the key its data keys were wrapped by.
fn existing_master_keys(settings: &Settings) -> Result<Vec<store::MasterKey>, String> {
    if !settings.master_key_given() && !settings.key_file().exists() {
        return Err(format!(
            "the practice's master key is needed and a backup does not contain it: put it in {} (or set HOLDSPACE_MASTER_KEY)",
            settings.key_file().display()
        ));
    }
    settings.master_keys()
}

/// `holdspace restore --from FILE`: into an empty data directory or PostgreSQL database only.
pub async fn restore(
    settings: Settings,
    from: PathBuf,
    identity: Option<PathBuf>,
) -> Result<(), String> {
    let masters = existing_master_keys(&settings)?;
    let unlock = unlock(&settings, identity.as_deref())?;
    settings.prepare_data_dir()?;
    let config = settings.db_config();
    let restored = backup::restore(&config, &from, &unlock)
        .await
        .map_err(|e| e.to_string())?;
    let header = &restored.header;
    println!(
        "restored {} rows of {} tables into {} (a backup of schema version {} from {}, snapshot at {}; now at schema version {})",
        header.rows(),
        header.tables.len(),
        settings.database_label(),
        header.schema_version,
        header.backend,
        header.snapshot_at,
        restored.schema_version
    );
    let db = store::Db::open(&config, masters).await.map_err(|e| {
        format!("the rows are restored, but the master key given does not open the practice's data keys ({e}): give the master key the backup's installation used")
    })?;
    db.close().await;
    println!("Everyone signs in again: sessions are not part of a backup.");
    Ok(())
}

/// `holdspace backup verify FILE`: the monthly drill.
pub async fn verify(
    settings: Settings,
    file: PathBuf,
    identity: Option<PathBuf>,
) -> Result<(), String> {
    let masters = existing_master_keys(&settings)?;
    let unlock = unlock(&settings, identity.as_deref())?;
    let drill = backup::verify(&file, &unlock, masters)
        .await
        .map_err(|e| e.to_string())?;
    let c = &drill.checked;
    println!(
        "{}: a backup of schema version {} from {}, snapshot at {}",
        file.display(),
        drill.header.schema_version,
        drill.header.backend,
        drill.header.snapshot_at
    );
    println!(
        "restored into a temporary database: {} tables, {} rows ({} expected)",
        c.tables,
        c.rows,
        drill.header.rows()
    );
    for line in &c.count_mismatches {
        println!("  count differs: {line}");
    }
    println!("sealed values opened: {}", c.sealed_opened);
    for line in &c.sealed_failed {
        println!("  does not open: {line}");
    }
    println!("{}", c.audit.describe());
    println!(
        "file {} bytes, checked in {:.2} s",
        drill.file_bytes,
        drill.took.as_secs_f64()
    );
    if c.passed() {
        println!("verified: this backup restores whole");
        Ok(())
    } else {
        Err("the backup did not verify (see above)".into())
    }
}
