//! Which files of a folder are DICOM images: every file is looked at (names
//! say nothing in DICOM: IM0001, 17106, no extension), the headers are read
//! in parallel up to PixelData, and what is not an image is passed over
//! with the reason.

use super::header::{self, FileHeader, Found};
use crate::volume::error::LoadError;
use rayon::prelude::*;
use std::io::Read;
use std::path::{Path, PathBuf};

/// What the user pointed at: a folder, or one file of a series.
pub struct Target {
    pub folder: PathBuf,
    /// The file named, when one was: only its series is read.
    pub file: Option<PathBuf>,
}

impl Target {
    pub fn of(path: &Path) -> Result<Target, LoadError> {
        let meta = std::fs::metadata(path).map_err(|e| LoadError::io(path, e))?;
        if meta.is_dir() {
            return Ok(Target {
                folder: path.to_path_buf(),
                file: None,
            });
        }
        let folder = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
            _ => PathBuf::from("."),
        };
        Ok(Target {
            folder,
            file: Some(path.to_path_buf()),
        })
    }
}

/// The images found, and the files passed over with why.
pub struct Scan {
    pub images: Vec<FileHeader>,
    pub passed_over: Vec<(PathBuf, String)>,
    /// Subfolders (not read: a series lives in one folder).
    pub subfolders: Vec<PathBuf>,
}

/// Reads the headers of every file directly in the folder, in parallel.
pub fn scan(target: &Target) -> Result<Scan, LoadError> {
    let folder = &target.folder;
    let mut files = Vec::new();
    let mut subfolders = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|e| LoadError::io(folder, e))?;
    for entry in entries {
        let entry = entry.map_err(|e| LoadError::io(folder, e))?;
        let path = entry.path();
        let kind = entry.file_type().map_err(|e| LoadError::io(&path, e))?;
        // Follow symbolic links: series are often linked into place.
        if kind.is_dir() || (kind.is_symlink() && path.is_dir()) {
            subfolders.push(path);
        } else {
            files.push(path);
        }
    }
    // Sorted only so that messages come out the same on every run; the
    // slices are stacked by position, never by this order.
    files.sort();
    subfolders.sort();
    if let Some(named) = &target.file {
        if !files.iter().any(|f| same_file(f, named)) {
            files.push(named.clone());
        }
    }
    let results: Vec<Result<Result<FileHeader, String>, LoadError>> =
        files.par_iter().map(|path| read_one(path)).collect();
    let mut images = Vec::new();
    let mut passed_over = Vec::new();
    for (path, result) in files.into_iter().zip(results) {
        match result? {
            Ok(h) => images.push(h),
            Err(why) => passed_over.push((path, why)),
        }
    }
    Ok(Scan {
        images,
        passed_over,
        subfolders,
    })
}

fn same_file(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(x), Ok(y)) => x == y,
        _ => a == b,
    }
}

/// The header of one file; `Ok(Err(why))` for a file that is not a DICOM
/// image, an error for a DICOM file that cannot be read.
fn read_one(path: &Path) -> Result<Result<FileHeader, String>, LoadError> {
    if path
        .file_name()
        .is_some_and(|n| n.to_string_lossy().eq_ignore_ascii_case("DICOMDIR"))
    {
        return Ok(Err("a DICOMDIR".into()));
    }
    let mut file = std::fs::File::open(path).map_err(|e| LoadError::io(path, e))?;
    let mut start = [0u8; 132];
    let got = crate::volume::files::read_up_to(&mut file, &mut start)
        .map_err(|e| LoadError::io(path, e))?;
    // Part 10 files only: 128 bytes of preamble, then "DICM". Files
    // without it (old ACR-NEMA dumps, raw data sets) carry no transfer
    // syntax to read them by.
    if got < 132 || &start[128..132] != b"DICM" {
        return Ok(Err("not DICOM (no \"DICM\" at byte 128)".into()));
    }
    let reader = std::io::Cursor::new(start).chain(file);
    let obj = dicom_object::OpenFileOptions::new()
        .read_until(header::PIXEL_DATA)
        .from_reader(std::io::BufReader::with_capacity(1 << 16, reader))
        .map_err(|e| {
            LoadError::bad_field(path, "header", "", format!("cannot be read as DICOM ({e})"))
        })?;
    Ok(match header::read(path, &obj)? {
        Found::Image(h) => Ok(*h),
        Found::NotAnImage(what) => Err(format!("DICOM without an image ({what})")),
    })
}
