//! Re-running a report redoes only what changed: an entry is reused when
//! its key (options, rasview's version, the inputs' names, a folder's file
//! list) is the same and every file it read still has the same SHA-256.
//! A failed entry is always tried again (the file may have been mended).

use super::entry::{EntryFiles, Settings};
use super::record::{EntryRecord, Subject};
use crate::export::sha256_of;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The key of an entry: what, besides the bytes of its files, decides its result.
pub fn key_of(subject: &Subject, settings: &Settings) -> String {
    let paths: Vec<(PathBuf, Vec<String>)> = subject
        .paths()
        .into_iter()
        .map(|p| (canonical(p), folder_listing(p)))
        .collect();
    let text = serde_json::json!({
        "rasview": env!("CARGO_PKG_VERSION"),
        "settings": settings,
        "kind": match subject { Subject::Volume { .. } => "volume", Subject::Pair { .. } => "pair" },
        "series": match subject { Subject::Volume { series, .. } => series.clone(), Subject::Pair { .. } => None },
        "paths": paths,
    })
    .to_string();
    hex(&Sha256::digest(text.as_bytes()))
}

/// The entry's folder name: its file's name, readable, and a hash of its
/// full paths, so two `T1w.nii.gz` of two subjects do not collide.
pub fn id_of(subject: &Subject) -> String {
    let paths: Vec<PathBuf> = subject.paths().into_iter().map(|p| canonical(p)).collect();
    let series = match subject {
        Subject::Volume { series, .. } => series.as_deref(),
        Subject::Pair { .. } => None,
    };
    let digest = Sha256::digest(format!("{paths:?}{series:?}").as_bytes());
    let last = subject
        .paths()
        .last()
        .map(|p| display_stem(p))
        .unwrap_or_default();
    let readable: String = last
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || "-_.".contains(c) {
                c
            } else {
                '_'
            }
        })
        .take(60)
        .collect();
    format!("{readable}-{}", &hex(&digest)[..10])
}

/// The earlier run's record of this entry, when it may stand.
pub fn reusable(out: &Path, id: &str, key: &str) -> Option<EntryRecord> {
    let files = EntryFiles::of(id);
    let text = std::fs::read(out.join(&files.record)).ok()?;
    let mut record: EntryRecord = serde_json::from_slice(&text).ok()?;
    if record.key != key || !record.ok || record.id != id {
        return None;
    }
    let outputs = [&files.png, &files.sidecar, &files.thumbnail];
    if !outputs.iter().all(|f| out.join(f).is_file()) {
        return None;
    }
    let unchanged = !record.files_read.is_empty()
        && record
            .files_read
            .iter()
            .all(|f| sha256_of(Path::new(&f.path)).is_ok_and(|h| h == f.sha256));
    if !unchanged {
        return None;
    }
    record.reused = true;
    Some(record)
}

fn canonical(path: &Path) -> PathBuf {
    std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf())
}

/// A folder's file names, sorted: a DICOM series that gains or loses a
/// file is another input even if no file it had changed.
fn folder_listing(path: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(path) else {
        return Vec::new();
    };
    let mut names: Vec<String> = entries
        .filter_map(|e| Some(e.ok()?.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    names
}

/// "sub-01_T1w" of "data/sub-01_T1w.nii.gz"; a folder keeps its name.
fn display_stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "entry".to_string());
    let lower = name.to_ascii_lowercase();
    for suffix in [
        ".nii.gz", ".nii", ".hdr.gz", ".hdr", ".img.gz", ".img", ".nrrd", ".nhdr", ".mha", ".mhd",
    ] {
        if lower.ends_with(suffix) {
            return name[..name.len() - suffix.len()].to_string();
        }
    }
    name
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(slices: usize) -> Settings {
        Settings {
            slices,
            tile_px: 192,
            sigma_mm: 1.0,
            series: None,
        }
    }

    #[test]
    fn ids_are_readable_and_tell_same_names_in_other_folders_apart() {
        let a = Subject::Volume {
            input: "/data/sub-01/anat/T1w.nii.gz".into(),
            series: None,
        };
        let b = Subject::Volume {
            input: "/data/sub-02/anat/T1w.nii.gz".into(),
            series: None,
        };
        assert!(id_of(&a).starts_with("T1w-"));
        assert_ne!(id_of(&a), id_of(&b));
        let series = |uid: &str| Subject::Volume {
            input: "/data/dicom".into(),
            series: Some(uid.into()),
        };
        assert_ne!(id_of(&series("1.2.3")), id_of(&series("1.2.4")));
        let pair = Subject::Pair {
            base: "/d/func.nii.gz".into(),
            overlay: "/d/brain mask.nii".into(),
        };
        assert!(id_of(&pair).starts_with("brain_mask-"), "{}", id_of(&pair));
    }

    #[test]
    fn keys_change_with_options_and_kind() {
        let v = Subject::Volume {
            input: "/x/a.nii".into(),
            series: None,
        };
        assert_eq!(key_of(&v, &settings(6)), key_of(&v, &settings(6)));
        assert_ne!(key_of(&v, &settings(6)), key_of(&v, &settings(7)));
        let p = Subject::Pair {
            base: "/x/a.nii".into(),
            overlay: "/x/a.nii".into(),
        };
        assert_ne!(key_of(&v, &settings(6)), key_of(&p, &settings(6)));
    }
}
