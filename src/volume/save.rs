//! Writing images, always to a temporary name first: NIfTI here (`.nii`,
//! `.nii.gz`, or a `.hdr`/`.img` pair, NIfTI-1 or NIfTI-2, either byte
//! order), and the other formats through [`stage_image`].
//!
//! Written here rather than with the `nifti` crate's writer, which can neither
//! choose the byte order nor write NIfTI-2, and which drops part of a dotted
//! file name (`sub-01.T1w.nii.gz` becomes `sub-01.nii.gz`).

use super::format::Format;
use super::header::{NiftiVersion, RawHeader};
use super::voxels::Voxels;
use crate::geometry::Grid;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use thiserror::Error;

#[derive(Debug, Error)]
pub enum SaveError {
    // `error`, not `source`: the message already carries it, and a chained
    // source would print it twice.
    #[error("cannot write {}: {}{error})", path.display(), advice(error))]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("rasview does not write {format} ({}); name the output .nii.gz, .nrrd or .mha", path.display())]
    Unsupported { path: PathBuf, format: &'static str },
    #[error("{voxels} voxels do not fill a {shape:?} x {volumes} grid, writing {}", path.display())]
    WrongLength {
        path: PathBuf,
        voxels: usize,
        shape: [usize; 3],
        volumes: usize,
    },
}

/// The cause in a user's words, before the system's own message; in every
/// case the partial file has been removed and any old file is untouched.
fn advice(error: &std::io::Error) -> &'static str {
    use std::io::ErrorKind;
    match error.kind() {
        ErrorKind::PermissionDenied | ErrorKind::ReadOnlyFilesystem => {
            "the folder is not writable; nothing was written ("
        }
        ErrorKind::StorageFull | ErrorKind::QuotaExceeded | ErrorKind::FileTooLarge => {
            "the disk is full (or a size limit was hit); the partial file was removed ("
        }
        ErrorKind::NotFound => "the folder does not exist (",
        ErrorKind::NotADirectory => "part of the path is a file, not a folder (",
        _ => "(",
    }
}

/// Writes `voxels` with `header`'s geometry and byte order. The layout
/// follows the name: `.hdr` (or `.hdr.gz`) writes a pair, anything else a
/// single file; a name ending in `.gz` is compressed. dim, datatype, bitpix,
/// vox_offset and magic are set from the data and the layout.
pub fn save(
    path: &Path,
    header: &RawHeader,
    voxels: &Voxels,
    shape: [usize; 3],
    volume_count: usize,
) -> Result<(), SaveError> {
    commit_together(stage_nifti(path, header, voxels, shape, volume_count)?)
}

/// Stages an image in the format its name asks for (see
/// [`Format::of_output`]): NIfTI with `header` (dims, datatype and layout
/// set from the data), NRRD or MetaImage with `grid`'s geometry. Put in
/// place with [`commit_together`], beside its sidecar.
pub fn stage_image(
    path: &Path,
    header: &RawHeader,
    grid: &Grid,
    voxels: &Voxels,
    volume_count: usize,
) -> Result<Vec<Staged>, SaveError> {
    match Format::of_output(path) {
        Format::Nifti => stage_nifti(path, header, voxels, grid.shape, volume_count),
        Format::Nrrd => {
            check_length(path, voxels, grid.shape, volume_count)?;
            let descrip = header.descrip.split(|&b| b == 0).next().unwrap_or_default();
            let content = String::from_utf8_lossy(descrip);
            super::nrrd::stage_nrrd(path, grid, voxels, volume_count, &content)
        }
        Format::MetaImage => super::metaimage::stage_metaimage(path, grid, voxels, volume_count),
        other => Err(SaveError::Unsupported {
            path: path.to_path_buf(),
            format: other.name(),
        }),
    }
}

/// As [`save`], but written under temporary names only: the caller adds
/// what must appear with it (a sidecar) and puts all in place with
/// [`commit_together`].
pub fn stage_nifti(
    path: &Path,
    header: &RawHeader,
    voxels: &Voxels,
    shape: [usize; 3],
    volume_count: usize,
) -> Result<Vec<Staged>, SaveError> {
    check_length(path, voxels, shape, volume_count)?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let gz = name.ends_with(".gz");
    let base = name.strip_suffix(".gz").unwrap_or(&name);
    let pair_stem = base.strip_suffix(".hdr");

    let mut h = header.clone();
    let datatype = voxels.datatype();
    h.datatype = datatype.code();
    h.bitpix = 8 * datatype.bytes_per_voxel() as i16;
    let ndim = if volume_count > 1 { 4 } else { 3 };
    h.dim = [
        ndim,
        shape[0] as i64,
        shape[1] as i64,
        shape[2] as i64,
        volume_count as i64,
        1,
        1,
        1,
    ];
    let single = pair_stem.is_none();
    h.magic = match (h.version, single) {
        (NiftiVersion::One, true) => *b"n+1\0\0\0\0\0",
        (NiftiVersion::One, false) => *b"ni1\0\0\0\0\0",
        (NiftiVersion::Two, true) => *b"n+2\0\r\n\x1a\n",
        (NiftiVersion::Two, false) => *b"ni2\0\r\n\x1a\n",
    };
    h.vox_offset = if single {
        (h.version.header_len() + 4) as f64
    } else {
        0.0
    };
    let header_bytes = h.encode();
    let data = voxels.to_bytes(h.byte_order);

    match pair_stem {
        None => Ok(vec![stage(path, gz, &[&header_bytes, &data])?]),
        Some(stem) => {
            let image = path.with_file_name(format!("{stem}.img{}", if gz { ".gz" } else { "" }));
            Ok(vec![
                stage(&image, gz, &[&data])?,
                stage(path, gz, &[&header_bytes])?,
            ])
        }
    }
}

fn check_length(
    path: &Path,
    voxels: &Voxels,
    shape: [usize; 3],
    volume_count: usize,
) -> Result<(), SaveError> {
    if voxels.len() != shape.iter().product::<usize>() * volume_count {
        return Err(SaveError::WrongLength {
            path: path.to_path_buf(),
            voxels: voxels.len(),
            shape,
            volumes: volume_count,
        });
    }
    Ok(())
}

/// Writes the parts to a temporary name in the target's folder (one name per
/// write), renames it over the target and syncs the folder: a reader never
/// sees half a file, a failure leaves the old file as it was, and once this
/// returns the new file survives a crash.
pub fn write_atomically(path: &Path, gzip: bool, parts: &[&[u8]]) -> Result<(), SaveError> {
    commit_together(vec![stage(path, gzip, parts)?])
}

/// A file written in full under a temporary name beside its target, not
/// yet in place. Dropped without [`commit_together`], it is removed.
#[derive(Debug)]
pub struct Staged {
    temporary: PathBuf,
    target: PathBuf,
    committed: bool,
}

impl Staged {
    pub fn target(&self) -> &Path {
        &self.target
    }
}

impl Drop for Staged {
    fn drop(&mut self) {
        if !self.committed {
            let _ = std::fs::remove_file(&self.temporary);
        }
    }
}

/// Writes the parts (gzipped if asked) to a temporary name beside `path`
/// and syncs it; a failure (a full disk) removes the partial file.
pub fn stage(path: &Path, gzip: bool, parts: &[&[u8]]) -> Result<Staged, SaveError> {
    let staged = Staged {
        temporary: temporary_name(path),
        target: path.to_path_buf(),
        committed: false,
    };
    let result = (|| {
        let file = std::fs::File::create(&staged.temporary)?;
        let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
        if gzip {
            let mut enc = GzEncoder::new(&mut out, Compression::fast());
            for p in parts {
                enc.write_all(p)?;
            }
            enc.finish()?;
        } else {
            for p in parts {
                out.write_all(p)?;
            }
        }
        let file = out.into_inner().map_err(|e| e.into_error())?;
        file.sync_all()
    })();
    result.map(|()| staged).map_err(|error| SaveError::Io {
        path: path.to_path_buf(),
        error,
    })
}

/// Puts staged files in place as one: an image and its sidecar appear
/// together or not at all. The renames happen under a lock on the folder,
/// so two writers of the same names cannot interleave them (one run's
/// image beside another's sidecar); when a rename fails, the files this
/// call already put in place are removed again.
pub fn commit_together(mut staged: Vec<Staged>) -> Result<(), SaveError> {
    let Some(first) = staged.first() else {
        return Ok(());
    };
    let first_target = first.target.clone();
    let folder = folder_of(&first_target).to_path_buf();
    let io_err = |path: &Path| {
        let path = path.to_path_buf();
        move |error| SaveError::Io { path, error }
    };
    let lock = lock_folder(&folder).map_err(io_err(&first_target))?;
    let mut placed: Vec<PathBuf> = Vec::new();
    for s in &mut staged {
        if let Err(error) = std::fs::rename(&s.temporary, &s.target) {
            for p in &placed {
                let _ = std::fs::remove_file(p);
            }
            return Err(SaveError::Io {
                path: s.target.clone(),
                error,
            });
        }
        s.committed = true;
        placed.push(s.target.clone());
    }
    drop(lock);
    sync_folder(&folder).map_err(io_err(&first_target))
}

fn folder_of(path: &Path) -> &Path {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    }
}

/// An exclusive lock on the folder itself (flock on its descriptor), held
/// while renaming: every rasview writing into that folder takes turns.
#[cfg(unix)]
fn lock_folder(folder: &Path) -> std::io::Result<std::fs::File> {
    let handle = std::fs::File::open(folder)?;
    handle.lock()?;
    Ok(handle)
}

/// Elsewhere a folder cannot be opened as a file; the renames go unlocked.
#[cfg(not(unix))]
fn lock_folder(_: &Path) -> std::io::Result<()> {
    Ok(())
}

/// A name beside `path` that no other write uses: the process id keeps
/// processes apart, the counter keeps apart the writes of one process (two
/// threads exporting to the same target at once).
fn temporary_name(path: &Path) -> PathBuf {
    static WRITES: AtomicU64 = AtomicU64::new(0);
    let write = WRITES.fetch_add(1, Ordering::Relaxed);
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(
        ".{name}.rasview-partial-{}-{write}",
        std::process::id()
    ))
}

/// A rename lives in the folder's entry, not in the file: until the folder
/// is synced, a crash can leave the old file, or none, under the target's
/// name although the write reported success.
#[cfg(unix)]
fn sync_folder(folder: &Path) -> std::io::Result<()> {
    std::fs::File::open(folder)?.sync_all()
}

/// Elsewhere a folder cannot be opened as a file; the rename is all there is.
#[cfg(not(unix))]
fn sync_folder(_: &Path) -> std::io::Result<()> {
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("rasview-save-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    /// Two threads of one process writing the same target never share a
    /// temporary name.
    #[test]
    fn temporary_names_are_unique_per_write_across_threads() {
        let target = Path::new("/some/folder/out.nii.gz");
        let names: Vec<PathBuf> = (0..2)
            .map(|_| std::thread::spawn(move || temporary_name(target)))
            .collect::<Vec<_>>()
            .into_iter()
            .map(|t| t.join().unwrap())
            .collect();
        assert_ne!(names[0], names[1]);
        for name in &names {
            assert_eq!(name.parent(), target.parent(), "beside the target");
        }
    }

    /// Threads racing to write one target each finish their write; the
    /// file left is one whole write, and no temporary file stays behind.
    #[test]
    fn concurrent_writes_to_one_target_each_succeed_whole() {
        let dir = scratch("race");
        let target = dir.join("out.json");
        let threads: Vec<_> = (0..4u8)
            .map(|t| {
                let target = target.clone();
                std::thread::spawn(move || {
                    let body = vec![b'a' + t; 64 * 1024];
                    for _ in 0..25 {
                        write_atomically(&target, false, &[&body]).unwrap();
                    }
                })
            })
            .collect();
        for t in threads {
            t.join().unwrap();
        }
        let written = std::fs::read(&target).unwrap();
        assert_eq!(written.len(), 64 * 1024);
        assert!(written.iter().all(|&b| b == written[0]), "one whole write");
        let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
        assert_eq!(left.len(), 1, "only the target remains");
        let _ = std::fs::remove_dir_all(&dir);
    }
}
