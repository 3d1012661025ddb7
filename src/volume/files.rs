//! Which files hold a volume's header and voxels, and a reader that inflates
//! gzip transparently.

use super::error::LoadError;
use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

/// Where the header and the voxels of a volume live.
#[derive(Debug, Clone, PartialEq)]
pub struct FileSet {
    pub header: PathBuf,
    /// The same path as `header` for a single `.nii` file.
    pub image: PathBuf,
}

impl FileSet {
    pub fn is_pair(&self) -> bool {
        self.header != self.image
    }
}

/// Finds the header and image files for a path the user gave: a `.nii`
/// (possibly gzipped), or either half of a `.hdr`/`.img` pair.
pub fn resolve(path: &Path) -> Result<FileSet, LoadError> {
    let meta = std::fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
    if meta.is_dir() {
        return Err(LoadError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    let (stem, kind) = split_pair_suffix(&name);
    match kind {
        Some(PairHalf::Header) => {
            let image = find_sibling(path, stem, &["img", "img.gz", "IMG"]).ok_or_else(|| {
                LoadError::MissingImage {
                    path: path.to_path_buf(),
                    tried: format!("{stem}.img, {stem}.img.gz"),
                }
            })?;
            Ok(FileSet {
                header: path.to_path_buf(),
                image,
            })
        }
        Some(PairHalf::Image) => {
            let header = find_sibling(path, stem, &["hdr", "hdr.gz", "HDR"]).ok_or_else(|| {
                LoadError::MissingImage {
                    path: path.to_path_buf(),
                    tried: format!("a header {stem}.hdr or {stem}.hdr.gz beside it"),
                }
            })?;
            Ok(FileSet {
                header,
                image: path.to_path_buf(),
            })
        }
        None => Ok(FileSet {
            header: path.to_path_buf(),
            image: path.to_path_buf(),
        }),
    }
}

enum PairHalf {
    Header,
    Image,
}

fn split_pair_suffix(lower_name: &str) -> (&str, Option<PairHalf>) {
    let base = lower_name.strip_suffix(".gz").unwrap_or(lower_name);
    if let Some(stem) = base.strip_suffix(".hdr") {
        (stem, Some(PairHalf::Header))
    } else if let Some(stem) = base.strip_suffix(".img") {
        (stem, Some(PairHalf::Image))
    } else {
        (base, None)
    }
}

/// The sibling of `path` named `stem.ext` for the first `ext` that exists,
/// keeping the original file name's case for the stem.
fn find_sibling(path: &Path, lower_stem: &str, exts: &[&str]) -> Option<PathBuf> {
    let original = path.file_name()?.to_string_lossy().into_owned();
    let stem = &original[..lower_stem.len()];
    exts.iter()
        .map(|ext| path.with_file_name(format!("{stem}.{ext}")))
        .find(|p| p.is_file())
}

/// An open file, inflated on the fly when it starts with the gzip magic bytes
/// (the content decides, not the name: misnamed files are common).
pub struct OpenedFile {
    pub reader: Box<dyn Read>,
    pub gzipped: bool,
    /// Size on disk, compressed or not.
    pub disk_len: u64,
}

pub fn open(path: &Path) -> Result<OpenedFile, LoadError> {
    let mut file = File::open(path).map_err(|e| LoadError::io(path, e))?;
    let disk_len = file.metadata().map_err(|e| LoadError::io(path, e))?.len();
    if disk_len == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| LoadError::io(path, e))?;
    let gzipped = got == 2 && magic == [0x1f, 0x8b];
    let prefix = std::io::Cursor::new(magic[..got].to_vec());
    let rest = BufReader::with_capacity(1 << 16, file);
    let reader: Box<dyn Read> = if gzipped {
        Box::new(MultiGzDecoder::new(BufReader::with_capacity(
            1 << 16,
            prefix.chain(rest),
        )))
    } else {
        Box::new(prefix.chain(rest))
    };
    Ok(OpenedFile {
        reader,
        gzipped,
        disk_len,
    })
}

/// Reads until `buf` is full or the stream ends; returns how many bytes came.
pub fn read_up_to(r: &mut dyn Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match r.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

/// Turns an I/O error from a possibly gzipped stream into the error a user
/// should see: corrupt gzip is not a disk problem.
pub fn stream_error(path: &Path, gzipped: bool, e: std::io::Error) -> LoadError {
    let corrupt = matches!(
        e.kind(),
        std::io::ErrorKind::InvalidInput
            | std::io::ErrorKind::InvalidData
            | std::io::ErrorKind::UnexpectedEof
    );
    if gzipped && corrupt {
        LoadError::Gzip {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }
    } else {
        LoadError::io(path, e)
    }
}
