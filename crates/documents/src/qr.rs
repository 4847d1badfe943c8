//! The QR code as a grid of modules, drawn later as vector rectangles (one per horizontal run
//! of dark modules, which keeps the content stream small and the edges exact at any zoom).

use qrcode::{Color, EcLevel, QrCode};

use crate::RenderError;

/// White modules around the code that a scanner needs to find it (ISO/IEC 18004).
pub const QUIET_ZONE: usize = 4;

/// A horizontal run of dark modules: row, first column, length (in modules, quiet zone excluded).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Run {
    pub row: usize,
    pub column: usize,
    pub length: usize,
}

/// An encoded QR code.
pub struct Modules {
    /// Modules per side, quiet zone excluded.
    pub width: usize,
    dark: Vec<bool>,
}

impl Modules {
    /// Encodes at level M, the level EPC069-12 prescribes for payment codes.
    pub fn encode(payload: &str) -> Result<Self, RenderError> {
        let code = QrCode::with_error_correction_level(payload.as_bytes(), EcLevel::M)
            .map_err(|_| RenderError::QrPayload)?;
        Ok(Modules {
            width: code.width(),
            dark: code
                .to_colors()
                .into_iter()
                .map(|c| c == Color::Dark)
                .collect(),
        })
    }

    /// Modules per side including the quiet zone on both sides.
    pub fn width_with_quiet_zone(&self) -> usize {
        self.width + 2 * QUIET_ZONE
    }

    /// The dark modules, row by row, merged into horizontal runs.
    pub fn runs(&self) -> Vec<Run> {
        let mut runs = Vec::new();
        for (row, cells) in self.dark.chunks(self.width.max(1)).enumerate() {
            let mut start = None;
            for (column, &dark) in cells.iter().chain(std::iter::once(&false)).enumerate() {
                match (dark, start) {
                    (true, None) => start = Some(column),
                    (false, Some(first)) => {
                        runs.push(Run {
                            row,
                            column: first,
                            length: column - first,
                        });
                        start = None;
                    }
                    _ => {}
                }
            }
        }
        runs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EPC: &str =
        "BCD\n002\n1\nSCT\n\nAnna Berger\nDE89370400440532013000\nEUR80.00\n\nRF18539007547034\n";

    #[test]
    fn runs_cover_exactly_the_dark_modules() {
        let modules = Modules::encode(EPC).expect("an EPC payload fits");
        let covered: usize = modules.runs().iter().map(|r| r.length).sum();
        assert_eq!(covered, modules.dark.iter().filter(|d| **d).count());
        for run in modules.runs() {
            assert!(run.column + run.length <= modules.width);
            assert!(run.row < modules.width);
        }
    }

    #[test]
    fn the_finder_pattern_starts_the_first_row_as_seven_dark_modules() {
        let modules = Modules::encode(EPC).expect("an EPC payload fits");
        let first = modules.runs()[0];
        assert_eq!(
            first,
            Run {
                row: 0,
                column: 0,
                length: 7
            }
        );
    }

    #[test]
    fn an_empty_payload_still_encodes_and_a_huge_one_is_refused() {
        assert!(Modules::encode("").is_ok());
        assert!(matches!(
            Modules::encode(&"x".repeat(5000)),
            Err(RenderError::QrPayload)
        ));
    }
}
