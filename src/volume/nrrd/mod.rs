//! NRRD (`.nrrd`, detached `.nhdr`, Slicer's `.seg.nrrd`): the header read
//! and checked field by field, the size checked against the files and the
//! memory limit, then the data read into voxels in NIfTI storage order
//! with a RAS affine.
//!
//! - `header`: the header's lines, split into fields and key/value pairs;
//! - `spec`: type, sizes, encoding, byte order, data files and skips;
//! - `geometry`: spatial and other axes, and the affine (space to RAS);
//! - `data`: reading raw, gzip and ascii data from one or many files;
//! - `reorder`: non-spatial axes after i, j, k (a colour axis first);
//! - `segments`: a segmentation's names, colours and values;
//! - `write`: `.nrrd` outputs.

mod data;
mod geometry;
mod header;
mod reorder;
mod segments;
mod spec;
mod write;

pub use write::stage_nrrd;

use super::assemble::Parts;
use super::datatype::Datatype;
use super::error::LoadError;
use super::files::{self, FileSet};
use super::format::Format;
use super::load::LoadOptions;
use super::voxels::{Scaling, Voxels};
use super::Volume;
use data::{Piece, Sink};
use spec::{DataFiles, DataSpec};
use std::io::Read;
use std::path::Path;

pub(crate) fn load(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Fn(f32),
) -> Result<Volume, LoadError> {
    let mut opened = files::open_plain(path)?;
    let (text, after_header) = header::read(path, &mut opened)?;
    let spec = DataSpec::of(path, &text)?;
    let placement = geometry::place(path, &text, &spec)?;
    let layout = &placement.layout;
    let mut warnings = placement.warnings.clone();

    // The voxel type the bytes are read as: colour is read as bytes and
    // interleaved afterwards.
    let read_type = if layout.rgb_axis.is_some() {
        Datatype::U8
    } else {
        spec.datatype
    };
    let bpe = read_type.bytes_per_voxel() as u128;
    let total = spec
        .sizes
        .iter()
        .fold(1u128, |n, &s| n.saturating_mul(s as u128));
    let too_large = |elements: u128| LoadError::TooLarge {
        path: path.to_path_buf(),
        shape: format!("sizes {}", data::sizes_text(&spec)),
        declared_bytes: elements.saturating_mul(bpe),
        limit_bytes: options.memory_limit_bytes,
    };
    // Past this no file could hold the data (and u64 offsets would wrap).
    if total.saturating_mul(bpe) > u64::MAX as u128 / 2 {
        return Err(too_large(total));
    }
    let total = total as u64;
    let volume_count = layout.volume_count(&spec.sizes);
    let frame = total / volume_count.max(1) as u64;
    let order = layout.storage_order();
    let in_order = order.iter().enumerate().all(|(n, &a)| n == a);

    // One volume is read alone where it is contiguous in the file (the
    // volumes are the slowest axes); otherwise all is read and one kept.
    let (first_volume, range) = match options.only_volume {
        None => (0, 0..total),
        Some(t) if t < volume_count => {
            let t64 = t as u64;
            (
                t,
                if in_order {
                    t64 * frame..(t64 + 1) * frame
                } else {
                    0..total
                },
            )
        }
        Some(t) => {
            return Err(LoadError::NoSuchVolume {
                path: path.to_path_buf(),
                asked: t,
                count: volume_count,
            })
        }
    };
    let held = (range.end - range.start) as u128;
    if held * bpe > options.memory_limit_bytes as u128 {
        return Err(too_large(held));
    }

    // Which files hold the data, and how much each.
    let header_len = text.data_offset.unwrap_or(0);
    let mut files_read = Vec::new();
    let (paths, mut header_file) = match &spec.files {
        DataFiles::Attached => {
            if text.data_offset.is_none() {
                return Err(LoadError::Truncated {
                    path: path.to_path_buf(),
                    detail: "the header names no data file and has no blank line after it, \
                             so there is no data"
                        .into(),
                });
            }
            // The data is read from the same stream, starting with the
            // bytes read past the header.
            let rest = std::mem::replace(&mut opened.reader, Box::new(std::io::empty()));
            opened.reader = Box::new(std::io::Cursor::new(after_header).chain(rest));
            (vec![path.to_path_buf()], Some(opened))
        }
        DataFiles::Detached(paths) => {
            // The header file is read to its end (and hashed) now.
            files_read.push(opened.finish()?);
            (paths.clone(), None)
        }
    };
    let attached = header_file.is_some();
    let piece_elements = total / paths.len() as u64;
    let pieces: Vec<usize> = (0..paths.len())
        .filter(|&p| {
            let (lo, hi) = (p as u64 * piece_elements, (p as u64 + 1) * piece_elements);
            lo < range.end && hi > range.start
        })
        .collect();
    let to_check: Vec<_> = pieces
        .iter()
        .map(|&p| (paths[p].clone(), attached))
        .collect();
    data::check_files(
        &spec,
        read_type,
        path,
        header_len,
        &to_check,
        piece_elements,
    )?;

    let voxels = Voxels::try_with_capacity(read_type, held as usize).ok_or_else(|| {
        LoadError::OutOfMemory {
            path: path.to_path_buf(),
            shape: format!("sizes {}", data::sizes_text(&spec)),
            bytes: held * bpe,
        }
    })?;
    let mut sink = Sink::new(voxels, spec.byte_order, held as u64, progress);
    for p in pieces {
        let lo = p as u64 * piece_elements;
        let local = range.start.max(lo) - lo..range.end.min(lo + piece_elements) - lo;
        let piece = Piece {
            path: paths[p].clone(),
            attached: header_file.take().map(|f| (f, header_len)),
        };
        files_read.push(data::read_piece(
            piece,
            &spec,
            read_type,
            local,
            piece_elements,
            &mut sink,
            &mut warnings,
        )?);
    }

    let mut voxels = sink.voxels;
    if !in_order {
        let sizes: Vec<usize> = spec.sizes.iter().map(|&s| s as usize).collect();
        let keep = options
            .only_volume
            .map(|t| t * frame as usize..(t + 1) * frame as usize);
        voxels = reorder::permute_voxels(&voxels, &sizes, &order, keep);
    }
    if let (Some(_), Voxels::U8(bytes)) = (layout.rgb_axis, &voxels) {
        voxels = Voxels::Rgb24(bytes.chunks_exact(3).map(|c| [c[0], c[1], c[2]]).collect());
    }

    let (labels, label_warnings) = segments::labels(&text.key_values, volume_count);
    warnings.extend(label_warnings);
    let image = paths.first().cloned().unwrap_or_else(|| path.to_path_buf());
    let mut volume = Volume::from_parts(Parts {
        format: Format::Nrrd,
        source: FileSet {
            header: path.to_path_buf(),
            image,
        },
        shape: layout.shape(&spec.sizes),
        volume_count,
        first_volume,
        world_from_voxel: placement.world_from_voxel,
        affine_source: placement.source,
        scaling: Scaling::IDENTITY,
        voxels,
        warnings,
        files_read,
        labels,
    });
    volume.header.byte_order = spec.byte_order;
    Ok(volume)
}
