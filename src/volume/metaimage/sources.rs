//! The files that hold a MetaImage's voxels (`ElementDataFile`), the part
//! of the data each holds, and a check of each against its size on disk
//! before anything is allocated.

use super::header::{DataFileSpec, MetaHeader};
use super::layout::Layout;
use crate::volume::error::LoadError;
use crate::volume::name_pattern;
use std::path::{Path, PathBuf};

/// No header names more data files than this (a 4D series of slices is
/// some thousands).
const MAX_FILES: u64 = 1 << 20;

/// Deflate cannot shrink data more than about 1032 to 1: compressed data
/// smaller than this share of what it must inflate to is cut short, and
/// is refused before a buffer is made for it.
const MAX_INFLATE_RATIO: u64 = 1032;

/// One data file and where its bytes sit in the data.
#[derive(Debug, Clone, PartialEq)]
pub struct DataFile {
    pub path: PathBuf,
    /// The header file itself (`LOCAL`): the voxels follow the header.
    pub local: bool,
    /// Offset of this file's first byte in the whole data.
    pub start: u64,
    pub bytes: u64,
    /// Where the voxels (or the compressed stream) start in the file.
    pub position: u64,
    /// Bytes after them that MetaIO would pass over (raw data only).
    pub trailing: u64,
}

/// How many data files `ElementDataFile = LIST` must name.
pub fn list_count(h: &MetaHeader, file_dims: usize) -> u64 {
    h.dim_size[file_dims..].iter().product()
}

/// The data files, in order; `list` holds the names after `LIST`, and
/// `header_len` is where a `LOCAL` header's voxels start.
pub fn data_files(
    header_path: &Path,
    h: &MetaHeader,
    layout: &Layout,
    list: &[String],
    header_len: u64,
) -> Result<Vec<DataFile>, LoadError> {
    let folder = header_path.parent().unwrap_or(Path::new(""));
    let named = |name: &str| -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            folder.join(p)
        }
    };
    let split = |count: u64, names: Vec<PathBuf>| -> Vec<(PathBuf, u64)> {
        let each = layout.total_bytes / count.max(1);
        names.into_iter().map(|p| (p, each)).collect()
    };
    let (files, local): (Vec<(PathBuf, u64)>, bool) = match &h.data_file {
        DataFileSpec::Local => (vec![(header_path.to_path_buf(), layout.total_bytes)], true),
        DataFileSpec::File(name) => (vec![(named(name), layout.total_bytes)], false),
        DataFileSpec::List { .. } => (
            split(list.len() as u64, list.iter().map(|n| named(n)).collect()),
            false,
        ),
        DataFileSpec::Pattern {
            format,
            min,
            max,
            step,
        } => {
            let count = *h.dim_size.last().unwrap_or(&1);
            if count > MAX_FILES {
                return Err(LoadError::bad_field(
                    header_path,
                    "DimSize",
                    count,
                    format!("asks for {count} data files, more than rasview reads ({MAX_FILES})"),
                ));
            }
            let last = max.unwrap_or(min + (count as i64 - 1) * step);
            let available = if last < *min {
                0
            } else {
                ((last - min) / step + 1) as u64
            };
            if available < count {
                return Err(LoadError::bad_field(
                    header_path,
                    "ElementDataFile",
                    format!("{format} {min} {last} {step}"),
                    format!(
                        "names {available} data file(s), but DimSize needs {count} (one per slice)"
                    ),
                ));
            }
            // The header's pattern was checked to hold one conversion.
            let names = (0..count)
                .map(|i| name_pattern::fill(format, min + i as i64 * step).map(|n| named(&n)))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| {
                    LoadError::bad_field(
                        header_path,
                        "ElementDataFile",
                        format,
                        "is a name pattern without exactly one %d for the slice number",
                    )
                })?;
            (split(count, names), false)
        }
    };

    let mut out = Vec::with_capacity(files.len());
    let mut start = 0;
    for (path, bytes) in files {
        let meta = std::fs::metadata(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                LoadError::MissingImage {
                    path: header_path.to_path_buf(),
                    tried: format!("ElementDataFile's {}", path.display()),
                }
            } else {
                LoadError::io(&path, e)
            }
        })?;
        if meta.is_dir() {
            return Err(LoadError::bad_field(
                header_path,
                "ElementDataFile",
                path.display(),
                "is a folder, not a data file",
            ));
        }
        let disk = meta.len();
        let position = data_position(header_path, &path, h, local, header_len, bytes, disk)?;
        let available = disk.saturating_sub(position);
        let trailing = if h.compressed {
            if available
                .saturating_mul(MAX_INFLATE_RATIO)
                .saturating_add(64)
                < bytes
            {
                return Err(LoadError::Truncated {
                    path: path.clone(),
                    detail: format!(
                        "{available} bytes of compressed data cannot inflate to the {bytes} bytes DimSize and ElementType declare"
                    ),
                });
            }
            0
        } else {
            if available < bytes {
                return Err(LoadError::Truncated {
                    path: path.clone(),
                    detail: format!(
                        "DimSize and ElementType declare {bytes} bytes of voxels from byte {position}, but the file has {disk} bytes"
                    ),
                });
            }
            available - bytes
        };
        out.push(DataFile {
            path,
            local,
            start,
            bytes,
            position,
            trailing,
        });
        start += bytes;
    }
    Ok(out)
}

/// Where the voxels start in a data file: after `HeaderSize` bytes from
/// its start (for `LOCAL` too, as MetaIO does), at the end for
/// `HeaderSize = -1`, else right after the header (`LOCAL`) or at 0.
fn data_position(
    header_path: &Path,
    path: &Path,
    h: &MetaHeader,
    local: bool,
    header_len: u64,
    bytes: u64,
    disk: u64,
) -> Result<u64, LoadError> {
    match h.header_size {
        -1 if h.compressed => Err(LoadError::bad_field(
            header_path,
            "HeaderSize",
            -1,
            "cannot place compressed data (it says the last bytes of the file are the voxels, but their compressed size is unknown)",
        )),
        -1 => disk
            .checked_sub(bytes)
            .filter(|&at| !local || at >= header_len)
            .ok_or_else(|| LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "HeaderSize = -1 puts {bytes} bytes of voxels at the end of the file, but it has {} bytes{}",
                    disk.saturating_sub(if local { header_len } else { 0 }),
                    if local { " after its header" } else { "" }
                ),
            }),
        n if n > 0 => {
            let n = n as u64;
            if local && n < header_len {
                return Err(LoadError::bad_field(
                    header_path,
                    "HeaderSize",
                    n,
                    format!("points inside the header (which ends at byte {header_len})"),
                ));
            }
            Ok(n)
        }
        _ => Ok(if local { header_len } else { 0 }),
    }
}
