//! Which files hold a volume's header and voxels, and a reader that inflates
//! gzip transparently.

use super::error::LoadError;
use flate2::read::MultiGzDecoder;
use sha2::{Digest, Sha256};
use std::cell::RefCell;
use std::fs::{File, Metadata};
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::time::SystemTime;

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

/// What the file system says of a file, enough to notice that it was
/// rewritten or replaced: its size, modification time and inode.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FileStamp {
    len: u64,
    modified: Option<SystemTime>,
    inode: u64,
}

impl FileStamp {
    fn of(meta: &Metadata) -> Self {
        #[cfg(unix)]
        let inode = std::os::unix::fs::MetadataExt::ino(meta);
        #[cfg(not(unix))]
        let inode = 0;
        FileStamp {
            len: meta.len(),
            modified: meta.modified().ok(),
            inode,
        }
    }

    /// An error unless the file at `path` still has this stamp; `when`
    /// says since when ("while it was read", "since it was read").
    fn still_holds(self, path: &Path, when: &'static str) -> Result<(), LoadError> {
        let now = std::fs::metadata(path).ok().map(|m| Self::of(&m));
        if now == Some(self) {
            Ok(())
        } else {
            Err(LoadError::ChangedOnDisk {
                path: path.to_path_buf(),
                when,
            })
        }
    }
}

/// One file as it was read: the SHA-256 of its bytes on disk, taken as the
/// bytes went by (so it names exactly what was computed from), and its
/// stamp then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileRead {
    pub path: PathBuf,
    /// `None` when only part of the file was read (one volume of a 4D
    /// file): a hash must then be taken of the whole file when an output
    /// names it, after checking it has not changed since.
    pub sha256: Option<String>,
    stamp: FileStamp,
}

impl FileRead {
    /// An error when the file on disk is no longer the one read.
    pub fn check_unchanged(&self) -> Result<(), LoadError> {
        self.stamp.still_holds(&self.path, "since it was read")
    }
}

/// Passes reads through, feeding every byte to a hash on the way.
struct Hashing<R> {
    inner: R,
    hash: Rc<RefCell<Sha256>>,
}

impl<R: Read> Read for Hashing<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.hash.borrow_mut().update(&buf[..n]);
        Ok(n)
    }
}

/// An open file, inflated on the fly when it starts with the gzip magic bytes
/// (the content decides, not the name: misnamed files are common). Every
/// byte read from disk is hashed; [`OpenedFile::finish`] reads the rest.
pub struct OpenedFile {
    pub reader: Box<dyn Read>,
    pub gzipped: bool,
    /// Size on disk, compressed or not.
    pub disk_len: u64,
    path: PathBuf,
    hash: Option<Rc<RefCell<Sha256>>>,
    stamp: FileStamp,
}

pub fn open(path: &Path) -> Result<OpenedFile, LoadError> {
    open_as(path, true)
}

/// As [`open`], but never inflated: for formats whose header says how the
/// data is encoded (an NRRD's data after its text header, or a detached
/// raw file whose first bytes happen to be the gzip magic), the header
/// decides, not the content.
pub fn open_plain(path: &Path) -> Result<OpenedFile, LoadError> {
    open_as(path, false)
}

fn open_as(path: &Path, inflate_gzip: bool) -> Result<OpenedFile, LoadError> {
    let file = File::open(path).map_err(|e| LoadError::io(path, e))?;
    let meta = file.metadata().map_err(|e| LoadError::io(path, e))?;
    let disk_len = meta.len();
    if disk_len == 0 {
        return Err(LoadError::Empty {
            path: path.to_path_buf(),
        });
    }
    let hash = Rc::new(RefCell::new(Sha256::new()));
    let mut file = Hashing {
        inner: file,
        hash: hash.clone(),
    };
    let mut magic = [0u8; 2];
    let got = read_up_to(&mut file, &mut magic).map_err(|e| LoadError::io(path, e))?;
    let gzipped = inflate_gzip && got == 2 && magic == [0x1f, 0x8b];
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
        path: path.to_path_buf(),
        hash: Some(hash),
        stamp: FileStamp::of(&meta),
    })
}

/// An uncompressed file opened at byte `offset`, for reading part of it;
/// nothing is hashed (the bytes before `offset` are never seen).
pub fn open_at(path: &Path, offset: u64) -> Result<OpenedFile, LoadError> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).map_err(|e| LoadError::io(path, e))?;
    let meta = file.metadata().map_err(|e| LoadError::io(path, e))?;
    file.seek(SeekFrom::Start(offset))
        .map_err(|e| LoadError::io(path, e))?;
    Ok(OpenedFile {
        reader: Box::new(BufReader::with_capacity(1 << 16, file)),
        gzipped: false,
        disk_len: meta.len(),
        path: path.to_path_buf(),
        hash: None,
        stamp: FileStamp::of(&meta),
    })
}

impl OpenedFile {
    /// Reads what is left of the file after the voxels. For gzip this is
    /// what checks the stream: flate2 compares the CRC-32 and length in each
    /// member's trailer only when it reaches them, so a stream read just up
    /// to its last voxel passes a bad checksum, a cut trailer or a flipped
    /// byte. Then the hash covers the whole file, and the file must not have
    /// changed while it was read.
    pub fn finish(mut self) -> Result<FileRead, LoadError> {
        let path = self.path.clone();
        let mut rest = [0u8; 1 << 16];
        loop {
            match self.reader.read(&mut rest) {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => return Err(stream_error(&path, self.gzipped, e)),
            }
        }
        self.close(true)
    }

    /// Ends a read that stopped before the end of the file (one volume of
    /// a 4D file): nothing more is read, so neither the gzip trailer nor a
    /// hash of the whole file can be checked; the file must not have
    /// changed while it was read.
    pub fn finish_partial(self) -> Result<FileRead, LoadError> {
        self.close(false)
    }

    /// `whole`: every byte of the file went through the hash.
    fn close(self, whole: bool) -> Result<FileRead, LoadError> {
        let OpenedFile {
            reader,
            path,
            hash,
            stamp,
            ..
        } = self;
        drop(reader);
        stamp.still_holds(&path, "while it was read")?;
        let sha256 = hash.filter(|_| whole).map(|h| {
            let digest = h.borrow_mut().finalize_reset();
            digest.iter().map(|b| format!("{b:02x}")).collect()
        });
        Ok(FileRead {
            path,
            sha256,
            stamp,
        })
    }
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

/// About how many bytes reading `path` unpacks, from its size alone, before
/// any header is parsed: a gzip file's own record of its unpacked size
/// (ISIZE, the last four bytes; right below 4 GiB for one gzip member), a
/// folder's files summed (a DICOM series), any other file's size. For
/// planning memory (`rasview qc`); never used to size a buffer.
pub fn unpacked_size_hint(path: &Path) -> u64 {
    let Ok(meta) = std::fs::metadata(path) else {
        return 0;
    };
    if meta.is_dir() {
        let Ok(entries) = std::fs::read_dir(path) else {
            return 0;
        };
        return entries
            .filter_map(|e| e.ok()?.metadata().ok())
            .filter(|m| m.is_file())
            .map(|m| m.len())
            .sum();
    }
    let size = meta.len();
    let gzipped = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("gz"));
    if !gzipped || size < 18 {
        return size;
    }
    gzip_isize(path).map_or(size, |unpacked| unpacked.max(size))
}

/// The ISIZE field of a gzip file: its last member's unpacked size mod 2^32.
fn gzip_isize(path: &Path) -> Option<u64> {
    use std::io::{Seek, SeekFrom};
    let mut file = File::open(path).ok()?;
    file.seek(SeekFrom::End(-4)).ok()?;
    let mut tail = [0u8; 4];
    file.read_exact(&mut tail).ok()?;
    Some(u32::from_le_bytes(tail) as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    #[test]
    fn size_hints_read_gzip_isize_and_sum_folders() {
        let dir = std::env::temp_dir().join(format!("rasview_hint_{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let raw = vec![7u8; 300_000];
        let gz = dir.join("a.nii.gz");
        let mut encoder =
            flate2::write::GzEncoder::new(File::create(&gz).unwrap(), Default::default());
        encoder.write_all(&raw).unwrap();
        encoder.finish().unwrap();
        assert!(std::fs::metadata(&gz).unwrap().len() < 10_000);
        assert_eq!(unpacked_size_hint(&gz), 300_000);
        std::fs::write(dir.join("b.raw"), [1u8; 1000]).unwrap();
        assert_eq!(unpacked_size_hint(&dir.join("b.raw")), 1000);
        let folder_total = std::fs::metadata(&gz).unwrap().len() + 1000;
        assert_eq!(unpacked_size_hint(&dir), folder_total);
        assert_eq!(unpacked_size_hint(&dir.join("missing")), 0);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
