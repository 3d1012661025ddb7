//! Everything that can go wrong reading a volume, each naming the file last.

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LoadError {
    // `error`, not `source`: the message already carries it, and a chained
    // source would print it twice.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("{} is a directory, not a NIfTI file", path.display())]
    IsDirectory { path: PathBuf },

    #[error("{} is empty", path.display())]
    Empty { path: PathBuf },

    #[error("gzip data is corrupt or cut short ({detail}) in {}", path.display())]
    Gzip { path: PathBuf, detail: String },

    /// A zlib (or gzip) stream inside a file whose header says it is
    /// compressed (MetaImage's `CompressedData`).
    #[error("compressed data is corrupt or cut short ({detail}) in {}", path.display())]
    Compressed { path: PathBuf, detail: String },

    #[error("file ends early: {detail} in {}", path.display())]
    Truncated { path: PathBuf, detail: String },

    /// A header field with an impossible value.
    #[error("{field}{} {problem} in {}", if value.is_empty() { String::new() } else { format!(" = {value}") }, path.display())]
    BadField {
        path: PathBuf,
        field: String,
        value: String,
        problem: String,
    },

    #[error(
        "datatype = {code} ({name}) is not supported (rasview reads uint8, int8, uint16, int16, uint32, \
         int32, uint64, int64, float32, float64 and rgb24) in {}",
        path.display()
    )]
    UnsupportedDatatype {
        path: PathBuf,
        code: i16,
        name: &'static str,
    },

    #[error(
        "the header declares {} of voxels ({shape}), more than the memory limit of {}, in {}",
        human_bytes(*declared_bytes),
        human_bytes(*limit_bytes as u128),
        path.display()
    )]
    TooLarge {
        path: PathBuf,
        shape: String,
        declared_bytes: u128,
        limit_bytes: u64,
    },

    /// The header passed every check, but the system could not give the
    /// voxels the memory they need.
    #[error(
        "the voxels ({shape}) need {} of memory, which is not available, in {}",
        human_bytes(*bytes),
        path.display()
    )]
    OutOfMemory {
        path: PathBuf,
        shape: String,
        bytes: u128,
    },

    #[error("no image file for the header {}: looked for {tried}", path.display())]
    MissingImage { path: PathBuf, tried: String },

    #[error("volume {asked} was asked for, but the file has {count} (0 to {}) in {}", count - 1, path.display())]
    NoSuchVolume {
        path: PathBuf,
        asked: usize,
        count: usize,
    },

    /// The file on disk is no longer the one whose bytes were read (its
    /// size, modification time or inode moved): an output computed from
    /// it would name the wrong input.
    #[error("{} changed on disk {when}; nothing was written: run again once it is settled", path.display())]
    ChangedOnDisk { path: PathBuf, when: &'static str },

    /// A folder (or file) where no DICOM image was found.
    #[error("no DICOM image in {}: {detail}", path.display())]
    NoDicomImage { path: PathBuf, detail: String },

    /// A folder with several DICOM series and no choice among them.
    #[error("{} holds {count} DICOM series; {hint}:\n{list}", path.display())]
    SeveralSeries {
        path: PathBuf,
        count: usize,
        list: String,
        hint: String,
    },

    #[error("no DICOM series {asked} (by SeriesInstanceUID or SeriesNumber) in {}; it holds:\n{list}", path.display())]
    NoSuchSeries {
        path: PathBuf,
        asked: String,
        list: String,
    },

    #[error(
        "transfer syntax {name} ({uid}) is not read by rasview (it reads uncompressed, deflate, RLE, \
         and JPEG baseline, extended and lossless) in {}",
        path.display()
    )]
    UnsupportedTransferSyntax {
        path: PathBuf,
        name: String,
        uid: String,
    },

    /// A label table asked for (`--lut`) that could not be used.
    #[error(transparent)]
    LabelTable(#[from] super::label_table::LabelTableError),
}

impl LoadError {
    pub(crate) fn io(path: &std::path::Path, error: std::io::Error) -> Self {
        LoadError::Io {
            path: path.to_path_buf(),
            error,
        }
    }

    pub(crate) fn bad_field(
        path: &std::path::Path,
        field: impl Into<String>,
        value: impl ToString,
        problem: impl Into<String>,
    ) -> Self {
        LoadError::BadField {
            path: path.to_path_buf(),
            field: field.into(),
            value: value.to_string(),
            problem: problem.into(),
        }
    }
}

/// "27.0 TB (27000000000000 bytes)": readable, and exact for anyone checking.
pub fn human_bytes(bytes: u128) -> String {
    const UNITS: [&str; 6] = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < UNITS.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} bytes")
    } else {
        format!("{value:.1} {} ({bytes} bytes)", UNITS[unit])
    }
}
