//! `rasview qc --collect DIR... --out OUT`: one report from the reports of
//! many runs (one per entry or per subject, as a workflow engine runs them
//! on a cluster). Pictures stay where their run wrote them; the page links
//! to them by relative paths.

use super::record::{EntryRecord, Report};
use anyhow::{bail, Context, Result};
use std::collections::HashSet;
use std::path::{Component, Path, PathBuf};

pub fn collect(parts: &[PathBuf], out: &Path) -> Result<Vec<EntryRecord>> {
    let out_abs = std::fs::canonicalize(out)
        .with_context(|| format!("finding the folder {}", out.display()))?;
    let mut seen = HashSet::new();
    let mut entries = Vec::new();
    for part in parts {
        let json = part.join("qc.json");
        let text = std::fs::read(&json).with_context(|| {
            format!(
                "reading {} (each --collect folder must hold a report written by rasview qc)",
                json.display()
            )
        })?;
        let report: Report = serde_json::from_slice(&text)
            .with_context(|| format!("{} is not a rasview qc report", json.display()))?;
        let part_abs = std::fs::canonicalize(part)
            .with_context(|| format!("finding the folder {}", part.display()))?;
        for mut entry in report.entries {
            if !seen.insert(entry.id.clone()) {
                eprintln!(
                    "rasview: {} is in more than one report; the first ({}) is kept",
                    entry.name,
                    json.display()
                );
                continue;
            }
            for file in [&mut entry.png, &mut entry.sidecar, &mut entry.thumbnail]
                .into_iter()
                .flatten()
            {
                *file = relative_path(&part_abs.join(&*file), &out_abs);
            }
            entries.push(entry);
        }
    }
    if entries.is_empty() {
        bail!("the reports in --collect hold no entries");
    }
    Ok(entries)
}

/// `target` as seen from the folder `from` (both absolute), with `/`
/// between parts, as a page's links want.
pub fn relative_path(target: &Path, from: &Path) -> String {
    let t: Vec<Component> = target.components().collect();
    let f: Vec<Component> = from.components().collect();
    let common = t.iter().zip(&f).take_while(|(a, b)| a == b).count();
    let mut parts: Vec<String> = vec!["..".to_string(); f.len() - common];
    parts.extend(
        t[common..]
            .iter()
            .map(|c| c.as_os_str().to_string_lossy().into_owned()),
    );
    parts.join("/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_paths_climb_out_of_the_report_folder_when_needed() {
        let out = Path::new("/work/qc/report");
        assert_eq!(
            relative_path(Path::new("/work/qc/report/entries/a/m.png"), out),
            "entries/a/m.png"
        );
        assert_eq!(
            relative_path(Path::new("/work/qc/parts/s1/entries/a/m.png"), out),
            "../parts/s1/entries/a/m.png"
        );
        assert_eq!(
            relative_path(Path::new("/elsewhere/m.png"), out),
            "../../../elsewhere/m.png"
        );
    }
}
