//! The operator's export of the whole practice (`holdspace export`): the store writes it, and the
//! app records that it happened, since it is the one read of every sealed value at once.

use crate::audit::Outcome;
use crate::App;
use domain::audit::AuditAction;
use std::path::Path;

pub use store::export::{ExportError, Summary};

impl App {
    /// Writes the practice into `dir` (docs/export-format.md) and appends the export to the audit
    /// log, after the snapshot: the entry is in this installation's log, not in the export.
    pub async fn export_practice(&self, dir: &Path) -> Result<Summary, ExportError> {
        let done = store::export::export(self.db(), dir, self.now()).await?;
        self.audit_as(
            "system",
            "command line",
            AuditAction::PracticeExport,
            "",
            "",
            Outcome::Ok,
        )
        .await
        .map_err(|e| {
            ExportError::Refused(format!(
                "the export was written, but its audit entry could not be: {e}"
            ))
        })?;
        Ok(done)
    }
}
