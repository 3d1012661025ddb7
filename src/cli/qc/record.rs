//! What `qc.json` holds: one record per entry, the same facts the page shows.

use crate::export::InputRecord;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;

/// What one entry looks at.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Subject {
    /// One volume: a mosaic with its edges, and its `info` facts. `series`
    /// picks one series of a DICOM folder that holds several.
    Volume {
        input: PathBuf,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        series: Option<String>,
    },
    /// An overlay over a base: the `check` verdict, and the overlay's outline
    /// (a mask or label map) or edges (another image) over the base.
    Pair { base: PathBuf, overlay: PathBuf },
}

impl Subject {
    /// The files as given, base first.
    pub fn paths(&self) -> Vec<&PathBuf> {
        match self {
            Subject::Volume { input, .. } => vec![input],
            Subject::Pair { base, overlay } => vec![base, overlay],
        }
    }

    /// How the page names it.
    pub fn name(&self) -> String {
        match self {
            Subject::Volume {
                input,
                series: None,
            } => input.display().to_string(),
            Subject::Volume {
                input,
                series: Some(uid),
            } => format!("{} (series {uid})", input.display()),
            Subject::Pair { base, overlay } => {
                format!("{} over {}", overlay.display(), base.display())
            }
        }
    }
}

/// The verdict, worst first: the page lists problems first in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Verdict {
    /// The entry could not be done (a file unreadable, corrupt, refused).
    #[serde(rename = "failed")]
    Failed,
    /// A pair whose overlay does not sit on its base.
    #[serde(rename = "not aligned")]
    NotAligned,
    /// Done, with warnings about a file (its header, its geometry).
    #[serde(rename = "warnings")]
    Warnings,
    /// A pair whose overlay sits on its base, without warnings.
    #[serde(rename = "aligned")]
    Aligned,
    /// A volume without warnings.
    #[serde(rename = "ok")]
    Ok,
}

impl Verdict {
    pub fn word(self) -> &'static str {
        match self {
            Verdict::Failed => "failed",
            Verdict::NotAligned => "not aligned",
            Verdict::Warnings => "warnings",
            Verdict::Aligned => "aligned",
            Verdict::Ok => "ok",
        }
    }
}

/// The `info` facts of one file of an entry.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Facts {
    pub path: String,
    pub format: String,
    pub shape: Vec<usize>,
    pub datatype: String,
    pub spacing_mm: [f64; 3],
    /// Which way the voxel axes point, as nibabel's `aff2axcodes` says it.
    pub axcodes: String,
    pub oblique: bool,
    pub obliquity_deg: f64,
    pub affine_source: String,
    pub value_range: Option<[f64; 2]>,
}

/// One entry of the report.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct EntryRecord {
    /// Names the entry's folder under `entries/`; unique within a report.
    pub id: String,
    pub name: String,
    #[serde(flatten)]
    pub subject: Subject,
    /// The entry was done: its files were read and its pictures drawn.
    pub ok: bool,
    /// For a pair that was done: the overlay sits on its base.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub aligned: Option<bool>,
    pub verdict: Verdict,
    /// Why the entry failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// A pair's differences in words, as `rasview check` gives them.
    pub findings: Vec<String>,
    /// What reading the files warned about (prefixed "base:" or "overlay:" in a pair).
    pub warnings: Vec<String>,
    /// One per file, base first.
    pub facts: Vec<Facts>,
    /// The full-size mosaic, its sidecar and its thumbnail, relative to the
    /// report's folder.
    pub png: Option<String>,
    pub sidecar: Option<String>,
    pub thumbnail: Option<String>,
    /// Seconds the entry took when it was last done.
    pub seconds: f64,
    /// The memory it held from the run's budget (see `MemoryUse`), in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reserved_mib: Option<u64>,
    /// Taken from an earlier run: inputs and options were unchanged.
    #[serde(default)]
    pub reused: bool,
    /// The SHA-256 of the options and the inputs' names, and each file read
    /// with its SHA-256: what must be unchanged for the entry to be reused.
    pub key: String,
    pub files_read: Vec<InputRecord>,
}

impl EntryRecord {
    pub fn verdict_of(ok: bool, aligned: Option<bool>, warnings: &[String]) -> Verdict {
        match (ok, aligned) {
            (false, _) => Verdict::Failed,
            (true, Some(false)) => Verdict::NotAligned,
            _ if !warnings.is_empty() => Verdict::Warnings,
            (true, Some(true)) => Verdict::Aligned,
            (true, None) => Verdict::Ok,
        }
    }
}

/// The whole of `qc.json`.
#[derive(Debug, Serialize, Deserialize)]
pub struct Report {
    pub rasview_version: String,
    pub command_line: Vec<String>,
    pub summary: Summary,
    /// How the run shared memory (none for a report joined by --collect).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory: Option<MemoryUse>,
    pub entries: Vec<EntryRecord>,
}

impl Report {
    /// The report of `entries`, problems first, made by this command line.
    pub fn of(mut entries: Vec<EntryRecord>, memory: Option<MemoryUse>) -> Report {
        sort_problems_first(&mut entries);
        Report {
            rasview_version: env!("CARGO_PKG_VERSION").to_string(),
            command_line: std::env::args().collect(),
            summary: Summary::of(&entries),
            memory,
            entries,
        }
    }
}

/// The memory budget of a run and what was held of it at most at once.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MemoryUse {
    pub jobs: usize,
    pub budget_mib: u64,
    pub peak_reserved_mib: u64,
}

#[derive(Debug, Default, Clone, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub entries: usize,
    pub failed: usize,
    pub not_aligned: usize,
    pub warnings: usize,
    pub fine: usize,
    pub reused: usize,
}

impl Summary {
    pub fn of(entries: &[EntryRecord]) -> Summary {
        let count = |v: Verdict| entries.iter().filter(|e| e.verdict == v).count();
        Summary {
            entries: entries.len(),
            failed: count(Verdict::Failed),
            not_aligned: count(Verdict::NotAligned),
            warnings: count(Verdict::Warnings),
            fine: count(Verdict::Aligned) + count(Verdict::Ok),
            reused: entries.iter().filter(|e| e.reused).count(),
        }
    }

    /// "12 entries: 1 failed, 1 not aligned, 2 with warnings, 8 fine".
    pub fn words(&self) -> String {
        format!(
            "{} entr{}: {} failed, {} not aligned, {} with warnings, {} fine",
            self.entries,
            if self.entries == 1 { "y" } else { "ies" },
            self.failed,
            self.not_aligned,
            self.warnings,
            self.fine
        )
    }
}

/// Problems first (failed, not aligned, warnings, then the rest), by name within each.
fn sort_problems_first(entries: &mut [EntryRecord]) {
    entries.sort_by(|a, b| a.verdict.cmp(&b.verdict).then_with(|| a.name.cmp(&b.name)));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn verdicts_put_failures_then_misalignment_then_warnings_first() {
        let w = vec!["oblique".to_string()];
        assert_eq!(EntryRecord::verdict_of(false, None, &w), Verdict::Failed);
        assert_eq!(
            EntryRecord::verdict_of(true, Some(false), &[]),
            Verdict::NotAligned
        );
        assert_eq!(
            EntryRecord::verdict_of(true, Some(true), &w),
            Verdict::Warnings
        );
        assert_eq!(
            EntryRecord::verdict_of(true, Some(true), &[]),
            Verdict::Aligned
        );
        assert_eq!(EntryRecord::verdict_of(true, None, &[]), Verdict::Ok);
        assert!(Verdict::Failed < Verdict::NotAligned && Verdict::NotAligned < Verdict::Warnings);
        assert_eq!(
            serde_json::to_string(&Verdict::NotAligned).unwrap(),
            "\"not aligned\""
        );
    }
}
