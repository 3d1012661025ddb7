//! Reading a NIfTI volume: header checks first, then a capped, streamed read
//! of exactly the bytes the header declares.
//!
//! The voxels are read here, not by the `nifti` crate: it reads from byte 352
//! whatever vox_offset says, and its streamed reader allocates whatever size
//! the header claims, so a 4 KB file can abort the process.

use super::datatype::Datatype;
use super::error::LoadError;
use super::files::{self, FileSet};
use super::format::Format;
use super::header::{NiftiVersion, RawHeader};
use super::header_geometry::geometry_from_header;
use super::voxels::{Scaling, Voxels};
use super::Volume;
use crate::geometry::Grid;
use std::io::Read;
use std::path::Path;

/// Limits a load must respect.
#[derive(Debug, Clone, PartialEq)]
pub struct LoadOptions {
    /// Largest voxel buffer, in bytes, a header may ask for.
    pub memory_limit_bytes: u64,
    /// Read only this volume of a 4D file: a compressed file is inflated up
    /// to its end and no further, an uncompressed one is read from where it
    /// starts. The memory limit then applies to that volume alone.
    pub only_volume: Option<usize>,
    /// Of a folder (or file) holding several DICOM series, the one to read:
    /// its SeriesInstanceUID or its SeriesNumber. Other formats ignore it.
    pub series: Option<String>,
    /// A label table (FreeSurfer, ITK-SNAP, Slicer) naming the values, used
    /// instead of one found beside the file; a bad one is an error.
    pub label_table: Option<std::path::PathBuf>,
}

impl Default for LoadOptions {
    /// Three quarters of physical memory: a volume must leave room for the
    /// float frame and the view textures built from it.
    fn default() -> Self {
        let total = physical_memory_bytes().unwrap_or(8 << 30);
        Self {
            memory_limit_bytes: total / 4 * 3,
            only_volume: None,
            series: None,
            label_table: None,
        }
    }
}

fn physical_memory_bytes() -> Option<u64> {
    let meminfo = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = meminfo.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Loads a volume with the default limits.
pub fn load(path: &Path) -> Result<Volume, LoadError> {
    load_with(path, &LoadOptions::default())
}

/// Loads any format rasview reads (see [`Format::of_path`]).
pub fn load_with(path: &Path, options: &LoadOptions) -> Result<Volume, LoadError> {
    load_reporting(path, options, &|_| {})
}

/// As [`load_with`], calling `progress` with the fraction of voxel bytes read
/// so far (for a progress bar while a big file loads off the UI thread).
pub fn load_reporting(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Fn(f32),
) -> Result<Volume, LoadError> {
    let mut volume = match Format::of_path(path) {
        Format::Nifti => load_nifti(path, options, progress),
        Format::Nrrd => super::nrrd::load(path, options, progress),
        Format::MetaImage => super::metaimage::load(path, options, progress),
        Format::Dicom => super::dicom::load(path, options, progress),
    }?;
    name_labels(&mut volume, options)?;
    Ok(volume)
}

/// Names the volume's values from the label table asked for, or from one
/// found beside the file (see [`super::label_table::names_beside`]). One
/// found beside it with a bad line costs a warning, not the volume: the
/// user did not ask for it.
fn name_labels(volume: &mut Volume, options: &LoadOptions) -> Result<(), LoadError> {
    let table = match &options.label_table {
        Some(path) => Some(super::label_table::read_label_table(path)?),
        // A DICOM series is a folder: nothing is "named like it".
        None if volume.format == Format::Dicom => None,
        None => match super::label_table::find_beside(&volume.source.header) {
            None => None,
            Some(Ok(table)) => Some(table),
            Some(Err(e)) => {
                volume
                    .warnings
                    .push(format!("the label table beside it was not used: {e}"));
                None
            }
        },
    };
    if let Some(table) = table {
        table.apply_to(&mut volume.labels);
        volume.warnings.extend(table.warnings);
    }
    Ok(())
}

/// Loads `.nii`, `.nii.gz` or a `.hdr`/`.img` pair (either half may be gzipped).
fn load_nifti(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Fn(f32),
) -> Result<Volume, LoadError> {
    let files = files::resolve(path)?;
    let mut opened = files::open(&files.header)?;
    let header = read_header(&files.header, &mut opened)?;
    let plan = DataPlan::check(&files, header, options)?;
    let header_len = plan.header.version.header_len() as u64;

    let (voxels, files_read) = if files.is_pair() {
        let mut image = files::open(&files.image)?;
        check_disk_size(&files.image, &image, &plan)?;
        if plan.seek_past_other_volumes(&image) {
            image = files::open_at(&files.image, plan.offset)?;
        } else {
            skip(&files.image, &mut image, plan.offset)?;
        }
        let voxels = read_voxels(&files.image, &mut image, &plan, progress)?;
        let image_read = plan.finish(image)?;
        (voxels, vec![opened.finish()?, image_read])
    } else {
        check_disk_size(&files.header, &opened, &plan)?;
        if plan.seek_past_other_volumes(&opened) {
            let mut image = files::open_at(&files.header, plan.offset)?;
            let voxels = read_voxels(&files.header, &mut image, &plan, progress)?;
            (voxels, vec![opened.finish_partial()?])
        } else {
            skip(&files.header, &mut opened, plan.offset - header_len)?;
            let voxels = read_voxels(&files.header, &mut opened, &plan, progress)?;
            (voxels, vec![plan.finish(opened)?])
        }
    };

    let geometry = geometry_from_header(&plan.header, plan.shape)
        .map_err(|e| LoadError::bad_field(&files.header, e.field, e.value, e.problem))?;
    let mut warnings = plan.warnings;
    warnings.extend(geometry.warnings);
    Ok(Volume {
        format: Format::Nifti,
        source: files,
        header: plan.header,
        grid: Grid::new(plan.shape, geometry.world_from_voxel),
        affine_source: geometry.source,
        sform: geometry.sform,
        qform: geometry.qform,
        volume_count: plan.volume_count,
        first_volume: plan.first_volume,
        scaling: plan.scaling,
        voxels,
        warnings,
        files_read,
        labels: Vec::new(),
    })
}

fn read_header(path: &Path, opened: &mut files::OpenedFile) -> Result<RawHeader, LoadError> {
    let mut buf = [0u8; 540];
    let got = files::read_up_to(&mut opened.reader, &mut buf[..4])
        .map_err(|e| files::stream_error(path, opened.gzipped, e))?;
    if got < 4 {
        return Err(LoadError::Truncated {
            path: path.to_path_buf(),
            detail: format!("{got} bytes, too short for any NIfTI header"),
        });
    }
    let (version, _) = RawHeader::detect([buf[0], buf[1], buf[2], buf[3]])
        .map_err(|e| LoadError::bad_field(path, e.field, e.value, e.problem))?;
    let len = version.header_len();
    let got = 4 + files::read_up_to(&mut opened.reader, &mut buf[4..len])
        .map_err(|e| files::stream_error(path, opened.gzipped, e))?;
    if got < len {
        return Err(LoadError::Truncated {
            path: path.to_path_buf(),
            detail: format!("{} header needs {len} bytes, found {got}", version.name()),
        });
    }
    RawHeader::parse(&buf[..len])
        .map_err(|e| LoadError::bad_field(path, e.field, e.value, e.problem))
}

/// What the header says to read, once every field has been checked.
struct DataPlan {
    header: RawHeader,
    datatype: Datatype,
    shape: [usize; 3],
    volume_count: usize,
    /// The first volume read, and how many: all of them unless one was asked for.
    first_volume: usize,
    volumes_read: usize,
    /// Voxels to read (`volumes_read` frames).
    voxel_count: usize,
    byte_count: u64,
    /// Where the voxels start in the image file.
    offset: u64,
    scaling: Scaling,
    warnings: Vec<String>,
}

impl DataPlan {
    fn check(
        files: &FileSet,
        mut header: RawHeader,
        options: &LoadOptions,
    ) -> Result<Self, LoadError> {
        let path = files.header.as_path();
        let mut warnings = Vec::new();

        if !header.has_valid_magic() {
            if files.is_pair() && header.version == NiftiVersion::One {
                warnings.push(format!(
                    "magic = \"{}\" is not NIfTI's: read as an ANALYZE 7.5 header, with no orientation",
                    header.magic_text()
                ));
                header.qform_code = 0;
                header.sform_code = 0;
            } else {
                let expected = match header.version {
                    NiftiVersion::One => "\"n+1\" or \"ni1\"",
                    NiftiVersion::Two => "\"n+2\" or \"ni2\" followed by \\0\\r\\n\\032\\n",
                };
                return Err(LoadError::bad_field(
                    path,
                    "magic",
                    format!("\"{}\"", header.magic_text()),
                    format!("is not {expected}"),
                ));
            }
        } else if header.magic_says_single_file() == files.is_pair() {
            warnings.push(format!(
                "magic = \"{}\" does not match the file layout ({}); the layout on disk was used",
                header.magic_text(),
                if files.is_pair() {
                    "a .hdr/.img pair"
                } else {
                    "a single file"
                }
            ));
        }

        let (shape, volume_count, voxel_count) = check_dims(path, &header, options)?;
        let (first_volume, volumes_read, voxel_count) = match options.only_volume {
            None => (0, volume_count, voxel_count),
            Some(t) if t < volume_count => (t, 1, voxel_count / volume_count),
            Some(t) => {
                return Err(LoadError::NoSuchVolume {
                    path: path.to_path_buf(),
                    asked: t,
                    count: volume_count,
                })
            }
        };

        let datatype =
            Datatype::from_code(header.datatype).map_err(|u| LoadError::UnsupportedDatatype {
                path: path.to_path_buf(),
                code: u.code,
                name: u.standard_name(),
            })?;
        let bits = 8 * datatype.bytes_per_voxel() as i16;
        if header.bitpix != bits {
            warnings.push(format!(
                "bitpix = {} disagrees with datatype {} ({} bits); the datatype was used",
                header.bitpix,
                datatype.name(),
                bits
            ));
        }
        let byte_count = voxel_count as u64 * datatype.bytes_per_voxel() as u64;
        if byte_count > options.memory_limit_bytes {
            return Err(too_large(path, &header, byte_count as u128, options));
        }

        // The volumes before the one asked for are passed over.
        let offset =
            check_offset(files, &header, &mut warnings)? + first_volume as u64 * byte_count;
        let scaling = check_scaling(path, &header, datatype, &mut warnings)?;

        Ok(Self {
            header,
            datatype,
            shape,
            volume_count,
            first_volume,
            volumes_read,
            voxel_count,
            byte_count,
            offset,
            scaling,
            warnings,
        })
    }
}

fn check_dims(
    path: &Path,
    h: &RawHeader,
    options: &LoadOptions,
) -> Result<([usize; 3], usize, usize), LoadError> {
    let ndim = h.dim[0];
    if !(1..=7).contains(&ndim) {
        return Err(LoadError::bad_field(
            path,
            "dim[0]",
            ndim,
            "is not a number of dimensions (1 to 7)",
        ));
    }
    let ndim = ndim as usize;
    let mut sizes = [1u64; 7];
    for axis in 1..=ndim {
        let d = h.dim[axis];
        if d < 1 {
            return Err(LoadError::bad_field(
                path,
                format!("dim[{axis}]"),
                d,
                "is not a valid size (each used dimension must be at least 1)",
            ));
        }
        sizes[axis - 1] = d as u64;
    }
    // u128 cannot overflow: seven factors below 2^63 would, but any product
    // past the memory limit is refused before it grows further.
    let mut count: u128 = 1;
    for (axis, s) in sizes.into_iter().enumerate() {
        count *= s as u128;
        // With one volume asked for, only it must fit in memory; the file's
        // whole size need only be a size (the first three axes are below
        // the limit, so with one more factor below 2^63 this stays in u128).
        let limit = if options.only_volume.is_some() && axis >= 3 {
            u64::MAX as u128
        } else {
            options.memory_limit_bytes as u128
        };
        if count > limit {
            return Err(too_large(path, h, count, options));
        }
    }
    let shape = [sizes[0] as usize, sizes[1] as usize, sizes[2] as usize];
    let volume_count = sizes[3..].iter().product::<u64>() as usize;
    Ok((shape, volume_count, count as usize))
}

fn too_large(path: &Path, h: &RawHeader, declared: u128, options: &LoadOptions) -> LoadError {
    let bytes_per_voxel = Datatype::from_code(h.datatype)
        .map(|d| d.bytes_per_voxel())
        .unwrap_or(1) as u128;
    let used = (h.dim[0].clamp(1, 7)) as usize;
    let shape = h.dim[1..=used]
        .iter()
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join("x");
    LoadError::TooLarge {
        path: path.to_path_buf(),
        shape,
        declared_bytes: declared.saturating_mul(bytes_per_voxel).max(declared),
        limit_bytes: options.memory_limit_bytes,
    }
}

fn check_offset(
    files: &FileSet,
    h: &RawHeader,
    warnings: &mut Vec<String>,
) -> Result<u64, LoadError> {
    let path = files.header.as_path();
    let v = h.vox_offset;
    if !v.is_finite() || v < 0.0 || v.fract() != 0.0 || v > 1e15 {
        return Err(LoadError::bad_field(
            path,
            "vox_offset",
            v,
            "is not a byte position (a whole number, at least 0)",
        ));
    }
    let offset = v as u64;
    if files.is_pair() {
        return Ok(offset);
    }
    let minimum = h.version.header_len() as u64 + 4;
    if offset == 0 {
        warnings.push(format!(
            "vox_offset = 0 in a single-file NIfTI; the voxels were read from byte {minimum}, right after the header"
        ));
        return Ok(minimum);
    }
    if offset < minimum {
        return Err(LoadError::bad_field(
            path,
            "vox_offset",
            v,
            format!("points inside the header (voxels start at byte {minimum} or later)"),
        ));
    }
    Ok(offset)
}

fn check_scaling(
    path: &Path,
    h: &RawHeader,
    datatype: Datatype,
    warnings: &mut Vec<String>,
) -> Result<Scaling, LoadError> {
    if datatype == Datatype::Rgb24 {
        return Ok(Scaling::IDENTITY);
    }
    let slope = h.scl_slope;
    // The standard: slope 0 means "no scaling". NaN and infinite slopes are
    // treated the same way, as nibabel does, but said out loud.
    if slope == 0.0 {
        return Ok(Scaling::IDENTITY);
    }
    if !slope.is_finite() {
        warnings.push(format!(
            "scl_slope = {slope} is not finite; values are shown unscaled"
        ));
        return Ok(Scaling::IDENTITY);
    }
    if !h.scl_inter.is_finite() {
        return Err(LoadError::bad_field(
            path,
            "scl_inter",
            h.scl_inter,
            format!("is not finite while scl_slope = {slope} asks for scaling"),
        ));
    }
    Ok(Scaling {
        slope,
        inter: h.scl_inter,
    })
}

/// An uncompressed file must hold every declared byte; checking before
/// allocating turns a lying header into an error instead of a huge buffer.
fn check_disk_size(
    path: &Path,
    opened: &files::OpenedFile,
    plan: &DataPlan,
) -> Result<(), LoadError> {
    let needed = plan.offset + plan.byte_count;
    if !opened.gzipped && opened.disk_len < needed {
        return Err(LoadError::Truncated {
            path: path.to_path_buf(),
            detail: format!(
                "the header declares {} bytes of voxels from byte {}, but the file has {} bytes",
                plan.byte_count, plan.offset, opened.disk_len
            ),
        });
    }
    Ok(())
}

impl DataPlan {
    /// Whether to open the file again at the voxels instead of reading up
    /// to them: only for one volume of an uncompressed file, where reading
    /// past the volumes before it would cost their bytes for nothing.
    fn seek_past_other_volumes(&self, opened: &files::OpenedFile) -> bool {
        !opened.gzipped && self.first_volume > 0
    }

    /// Ends the read of the voxels' file: checked to its end (gzip trailer,
    /// hash of every byte) when the read reached the last volume; otherwise
    /// only checked for changes while it was read.
    fn finish(&self, opened: files::OpenedFile) -> Result<files::FileRead, LoadError> {
        if self.first_volume + self.volumes_read == self.volume_count {
            opened.finish()
        } else {
            opened.finish_partial()
        }
    }
}

/// Skips `count` bytes (extensions, padding) before the voxels.
fn skip(path: &Path, opened: &mut files::OpenedFile, count: u64) -> Result<(), LoadError> {
    let skipped = std::io::copy(&mut (&mut opened.reader).take(count), &mut std::io::sink())
        .map_err(|e| files::stream_error(path, opened.gzipped, e))?;
    if skipped < count {
        return Err(LoadError::Truncated {
            path: path.to_path_buf(),
            detail: format!("the voxels should start at byte {count} past the header, but the data ends {skipped} bytes in"),
        });
    }
    Ok(())
}

/// Bytes per read: a multiple of every voxel size (1, 2, 3, 4, 8) so that no
/// voxel straddles two chunks.
const CHUNK_BYTES: usize = 24 * 43_690;

fn read_voxels(
    path: &Path,
    opened: &mut files::OpenedFile,
    plan: &DataPlan,
    progress: &dyn Fn(f32),
) -> Result<Voxels, LoadError> {
    let mut voxels =
        Voxels::try_with_capacity(plan.datatype, plan.voxel_count).ok_or_else(|| {
            LoadError::OutOfMemory {
                path: path.to_path_buf(),
                shape: format!("{:?} x {} volumes", plan.shape, plan.volumes_read),
                bytes: plan.byte_count as u128,
            }
        })?;
    let mut chunk = vec![0u8; CHUNK_BYTES.min(plan.byte_count as usize).max(1)];
    let mut remaining = plan.byte_count;
    while remaining > 0 {
        let want = (remaining as usize).min(chunk.len());
        let got = files::read_up_to(&mut opened.reader, &mut chunk[..want])
            .map_err(|e| files::stream_error(path, opened.gzipped, e))?;
        if got < want {
            let read = plan.byte_count - remaining + got as u64;
            return Err(LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "the header declares {} bytes of voxels, the {}data holds {read}",
                    plan.byte_count,
                    if opened.gzipped { "decompressed " } else { "" }
                ),
            });
        }
        voxels.extend_from_bytes(&chunk[..got], plan.header.byte_order);
        remaining -= got as u64;
        progress(1.0 - remaining as f32 / plan.byte_count as f32);
    }
    Ok(voxels)
}
