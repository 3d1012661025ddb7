//! MetaImage (`.mha`, and `.mhd` with its data files), as ITK reads and
//! writes it.
//!
//! The header is text: every field is checked (header), the voxels' size
//! is worked out and held against the memory limit (layout), the data
//! files are found and held against their sizes on disk (sources), all
//! before one voxel byte is allocated; then the voxels are read (read,
//! with zlib through zlib) and placed in the world (geometry, which holds
//! the trap this format is known for: TransformMatrix is read by columns).

mod element;
mod geometry;
mod header;
mod layout;
mod read;
mod sources;
mod write;
mod zlib;

pub use write::stage_metaimage;

use crate::volume::assemble::Parts;
use crate::volume::error::LoadError;
use crate::volume::files::{self, FileSet};
use crate::volume::format::Format;
use crate::volume::header::ByteOrder;
use crate::volume::header_geometry::AffineSource;
use crate::volume::load::LoadOptions;
use crate::volume::voxels::Scaling;
use crate::volume::Volume;
use header::{DataFileSpec, MetaHeader};
use layout::Layout;
use std::path::Path;

/// Loads a `.mha` or `.mhd` (with its data files).
pub fn load(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Fn(f32),
) -> Result<Volume, LoadError> {
    if std::fs::metadata(path)
        .map_err(|e| LoadError::io(path, e))?
        .is_dir()
    {
        return Err(LoadError::IsDirectory {
            path: path.to_path_buf(),
        });
    }
    let mut opened = files::open_plain(path)?;
    let text = header::read_fields(path, &mut opened.reader)?;
    let h = MetaHeader::parse(path, &text.fields)?;
    let layout = Layout::check(path, &h, options)?;
    let mut header_len = text.len;
    let list = match h.data_file {
        DataFileSpec::List { file_dims } => {
            // The files cover whole trailing dimensions, so each holds an
            // equal share of the data.
            let count = sources::list_count(&h, file_dims);
            header::read_list_lines(path, &mut opened.reader, count as usize, &mut header_len)?
        }
        _ => Vec::new(),
    };
    let data_files = sources::data_files(path, &h, &layout, &list, header_len)?;
    let (world_from_voxel, geometry_warnings) = geometry::world_from_voxel(path, &h)?;
    let data = read::read_data(path, opened, header_len, &h, &layout, &data_files, progress)?;

    let mut warnings = h.warnings.clone();
    warnings.extend(geometry_warnings);
    warnings.extend(data.warnings);
    if layout.split_channels > 1 {
        warnings.push(format!(
            "ElementNumberOfChannels = {}: each channel is shown as one volume",
            layout.split_channels
        ));
    }
    let mut volume = Volume::from_parts(Parts {
        format: Format::MetaImage,
        source: FileSet {
            header: path.to_path_buf(),
            image: data_files
                .first()
                .map_or_else(|| path.to_path_buf(), |f| f.path.clone()),
        },
        shape: layout.shape,
        volume_count: layout.volume_count,
        first_volume: layout.first_volume,
        world_from_voxel,
        affine_source: AffineSource::MetaImageTransform,
        scaling: Scaling::IDENTITY,
        voxels: data.voxels,
        warnings,
        files_read: data.files_read,
        labels: Vec::new(),
    });
    // What `info` reports is the file's byte order.
    volume.header.byte_order = if h.msb {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    Ok(volume)
}
