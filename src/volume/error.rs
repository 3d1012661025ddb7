//! Everything that can go wrong reading a volume, each naming the file last.

use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum LoadError {
    #[error("cannot read {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },

    #[error("{} is a directory, not a NIfTI file", path.display())]
    IsDirectory { path: PathBuf },

    #[error("{} is empty", path.display())]
    Empty { path: PathBuf },

    #[error("corrupt gzip data ({detail}) in {}", path.display())]
    Gzip { path: PathBuf, detail: String },

    #[error("file ends early: {detail} in {}", path.display())]
    Truncated { path: PathBuf, detail: String },

    /// A header field with an impossible value.
    #[error("{field} = {value} {problem} in {}", path.display())]
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
        "the header declares {declared_bytes} bytes of voxels ({shape}), more than the memory limit of \
         {limit_bytes} bytes, in {}",
        path.display()
    )]
    TooLarge {
        path: PathBuf,
        shape: String,
        declared_bytes: u128,
        limit_bytes: u64,
    },

    #[error("no image file for the header {}: looked for {tried}", path.display())]
    MissingImage { path: PathBuf, tried: String },
}

impl LoadError {
    pub(crate) fn io(path: &std::path::Path, source: std::io::Error) -> Self {
        LoadError::Io {
            path: path.to_path_buf(),
            source,
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
