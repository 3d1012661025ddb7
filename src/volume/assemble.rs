//! One `Volume` from any reader: what a format reader hands over, and the
//! NIfTI header made for it, so that outputs written as NIfTI (and every
//! part of the program that reads `Volume::header`) carry its geometry.

use super::datatype::Datatype;
use super::files::{FileRead, FileSet};
use super::format::Format;
use super::header::RawHeader;
use super::header_geometry::AffineSource;
use super::labels::Label;
use super::voxels::{Scaling, Voxels};
use super::Volume;
use crate::geometry::{Affine, Grid};

/// What a format reader found: voxels in NIfTI storage order (i fastest,
/// then j, k, then volumes), where they are, and what should be said.
#[derive(Debug)]
pub struct Parts {
    pub format: Format,
    pub source: FileSet,
    pub shape: [usize; 3],
    pub volume_count: usize,
    pub first_volume: usize,
    /// Voxel (i, j, k) to world RAS millimetres.
    pub world_from_voxel: Affine,
    /// Which field placed the voxels; [`AffineSource::Pixdim`] when the file
    /// gave spacings only (no orientation, like a NIfTI without codes).
    pub affine_source: AffineSource,
    pub scaling: Scaling,
    pub voxels: Voxels,
    pub warnings: Vec<String>,
    pub files_read: Vec<FileRead>,
    /// Named labels (a Slicer segmentation's segments); empty otherwise.
    pub labels: Vec<Label>,
}

impl Volume {
    pub fn from_parts(parts: Parts) -> Volume {
        let header = nifti_header_for(&parts);
        let oriented = parts.affine_source != AffineSource::Pixdim;
        Volume {
            format: parts.format,
            source: parts.source,
            header,
            grid: Grid::new(parts.shape, parts.world_from_voxel),
            affine_source: parts.affine_source,
            sform: oriented.then_some(parts.world_from_voxel),
            qform: None,
            volume_count: parts.volume_count,
            first_volume: parts.first_volume,
            scaling: parts.scaling,
            voxels: parts.voxels,
            warnings: parts.warnings,
            files_read: parts.files_read,
            labels: parts.labels,
        }
    }
}

/// The NIfTI-1 header an output written from this volume starts from: the
/// affine as sform (code 1, scanner) when the file oriented its voxels, and
/// the spacings alone (both codes 0) when it did not, which is how a NIfTI
/// reader then places it too.
fn nifti_header_for(parts: &Parts) -> RawHeader {
    let mut h = RawHeader::default();
    let datatype: Datatype = parts.voxels.datatype();
    h.datatype = datatype.code();
    h.bitpix = 8 * datatype.bytes_per_voxel() as i16;
    let [ni, nj, nk] = parts.shape.map(|n| n as i64);
    let ndim = if parts.volume_count > 1 { 4 } else { 3 };
    h.dim = [ndim, ni, nj, nk, parts.volume_count as i64, 1, 1, 1];
    let spacing = parts.world_from_voxel.column_lengths();
    h.pixdim[1..4].copy_from_slice(&spacing);
    h.scl_slope = parts.scaling.slope;
    h.scl_inter = parts.scaling.inter;
    if parts.affine_source != AffineSource::Pixdim {
        h.sform_code = 1;
        h.srow = *parts.world_from_voxel.rows();
    }
    h
}
