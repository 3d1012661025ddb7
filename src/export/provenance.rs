//! Where outputs came from, and the guard against writing over inputs.

use crate::volume::save::{self, Staged};
use crate::volume::{RawHeader, Volume};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::io::Read;
use std::path::{Path, PathBuf};

/// The one sidecar type every output carries: which rasview made it, with
/// which command, and that command's own record (its inputs with their
/// SHA-256, its parameters, its output) beside them.
#[derive(Debug, Serialize)]
pub struct Sidecar<T> {
    pub rasview_version: &'static str,
    pub command: &'static str,
    #[serde(flatten)]
    pub record: T,
}

impl<T: Serialize> Sidecar<T> {
    pub fn new(command: &'static str, record: T) -> Self {
        Sidecar {
            rasview_version: env!("CARGO_PKG_VERSION"),
            command,
            record,
        }
    }

    /// Writes the sidecar as indented JSON, through a temporary name.
    pub fn write(&self, path: &Path) -> Result<()> {
        Ok(save::commit_together(vec![self.stage(path)?])?)
    }

    /// Puts `outputs` (staged: an image, a NIfTI pair, PNGs) in place
    /// together with this sidecar at `path`: all appear, or none.
    pub fn write_with(&self, path: &Path, mut outputs: Vec<Staged>) -> Result<()> {
        outputs.push(self.stage(path)?);
        Ok(save::commit_together(outputs)?)
    }

    fn stage(&self, path: &Path) -> Result<Staged> {
        let json = serde_json::to_vec_pretty(self)?;
        Ok(save::stage(path, false, &[&json])?)
    }
}

/// One input file, as a sidecar records it.
#[derive(Debug, Clone, Serialize, serde::Deserialize, PartialEq)]
pub struct InputRecord {
    pub path: String,
    pub sha256: String,
}

/// The files a volume was read from (one for .nii, two for a pair), with
/// the SHA-256 of the bytes that were read. Fails when a file has changed
/// on disk since: an output made from the old bytes must not name the new
/// ones. A volume made here (an imported array) has its sources hashed now.
pub fn input_records(volume: &Volume) -> Result<Vec<InputRecord>> {
    if !volume.files_read.is_empty() {
        return volume
            .files_read
            .iter()
            .map(|read| {
                read.check_unchanged()?;
                let sha256 = match &read.sha256 {
                    Some(hash) => hash.clone(),
                    // Part of it was read: hash it whole now, and make sure
                    // it stayed the file that was read while hashing.
                    None => {
                        let hash = sha256_of(&read.path)?;
                        read.check_unchanged()?;
                        hash
                    }
                };
                Ok(InputRecord {
                    path: read.path.display().to_string(),
                    sha256,
                })
            })
            .collect();
    }
    let mut out: Vec<InputRecord> = Vec::new();
    for p in [&volume.source.header, &volume.source.image] {
        if out.iter().any(|r| r.path == p.display().to_string()) {
            continue;
        }
        out.push(InputRecord {
            path: p.display().to_string(),
            sha256: sha256_of(p)?,
        });
    }
    Ok(out)
}

pub fn sha256_of(path: &Path) -> Result<String> {
    let mut file =
        std::fs::File::open(path).with_context(|| format!("reading {}", path.display()))?;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; 1 << 20];
    loop {
        let n = file
            .read(&mut buf)
            .with_context(|| format!("reading {}", path.display()))?;
        if n == 0 {
            break;
        }
        hasher.update(&buf[..n]);
    }
    Ok(hasher
        .finalize()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect())
}

/// Never write over a file that was read: compares resolved paths with
/// every file behind every input.
pub fn refuse_to_overwrite(out: &Path, inputs: &[&Volume]) -> Result<()> {
    // Checked here, before the slow part, as the other refusals are.
    if crate::volume::Format::of_output(out) == crate::volume::Format::Dicom {
        bail!(
            "rasview reads DICOM but does not write it ({}): name the output .nii.gz, .nrrd or .mha",
            out.display()
        );
    }
    let Ok(target) = std::fs::canonicalize(out) else {
        return Ok(()); // does not exist yet
    };
    for input in inputs {
        // A DICOM series' source is its folder; its files are those read.
        let read = input.files_read.iter().map(|f| &f.path);
        for source in [&input.source.header, &input.source.image]
            .into_iter()
            .chain(read)
        {
            if std::fs::canonicalize(source).is_ok_and(|s| s == target) {
                bail!(
                    "refusing to overwrite the input {} with an output",
                    source.display()
                );
            }
        }
    }
    Ok(())
}

/// OUT.nii.gz -> OUT.json (also for .nii, .hdr, .hdr.gz, .img, .png, .mha, .mhd). The
/// name is cut as bytes, so a name that is not UTF-8 keeps every byte of
/// its stem (a lossy conversion would name another file).
pub fn json_sidecar_path(out: &Path) -> PathBuf {
    let name = out.file_name().unwrap_or_default();
    let bytes = name.as_encoded_bytes();
    let base = bytes.strip_suffix(b".gz").unwrap_or(bytes);
    let stem = [
        &b".nii"[..],
        b".hdr",
        b".img",
        b".png",
        b".nrrd",
        b".mha",
        b".mhd",
    ]
    .iter()
    .find_map(|e| base.strip_suffix(*e))
    .unwrap_or(base);
    let mut json = std::ffi::OsString::new();
    // SAFETY: `stem` is a prefix of the name's encoded bytes that ends just
    // before an ASCII suffix (or is all of them): a boundary that
    // `from_encoded_bytes_unchecked` accepts.
    json.push(unsafe { std::ffi::OsStr::from_encoded_bytes_unchecked(stem) });
    json.push(".json");
    out.with_file_name(json)
}

/// The base's header with its geometry untouched (dims, pixdim, sform and
/// qform with their codes, units, byte order, version) and nothing that
/// would rescale or re-window new data; `description` goes in descrip.
pub fn header_like(base: &RawHeader, description: &str) -> RawHeader {
    let mut h = base.clone();
    h.scl_slope = 1.0;
    h.scl_inter = 0.0;
    h.cal_min = 0.0;
    h.cal_max = 0.0;
    h.intent_code = 0;
    h.descrip = [0; 80];
    for (d, b) in h.descrip.iter_mut().zip(description.bytes().take(79)) {
        *d = b;
    }
    h
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sidecar_names_drop_every_image_extension() {
        for (out, json) in [
            ("/a/e.nii.gz", "/a/e.json"),
            ("/a/e.nii", "/a/e.json"),
            ("/a/sub-01.T1w.hdr.gz", "/a/sub-01.T1w.json"),
            ("/a/qc.png", "/a/qc.json"),
            ("/a/edges.nrrd", "/a/edges.json"),
            ("/a/e.mha", "/a/e.json"),
            ("/a/e.mhd", "/a/e.json"),
        ] {
            assert_eq!(json_sidecar_path(Path::new(out)), PathBuf::from(json));
        }
    }

    /// A name that is not UTF-8 keeps its bytes: the lossy conversion made
    /// "e\u{FFFD}.json", a sidecar for no file.
    #[cfg(unix)]
    #[test]
    fn sidecar_names_keep_bytes_that_are_not_utf8() {
        use std::os::unix::ffi::OsStrExt;
        let out = Path::new(std::ffi::OsStr::from_bytes(b"/a/e\xff.nii.gz"));
        let json = json_sidecar_path(out);
        assert_eq!(json.as_os_str().as_bytes(), b"/a/e\xff.json");
    }
}
