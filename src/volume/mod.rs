//! Volumes: voxels, where they are in the world, and what the header said.

pub(crate) mod assemble;
pub(crate) mod datatype;
pub mod dicom;
pub(crate) mod error;
pub(crate) mod files;
pub(crate) mod format;
pub(crate) mod header;
pub(crate) mod header_geometry;
pub(crate) mod label_table;
pub(crate) mod labels;
pub mod load;
pub(crate) mod metaimage;
pub(crate) mod name_pattern;
pub(crate) mod nrrd;
pub mod region_stats;
pub mod save;
pub mod time_course;
pub(crate) mod voxels;

pub use assemble::Parts;
pub use datatype::Datatype;
pub use error::LoadError;
pub use files::{unpacked_size_hint, FileRead, FileSet};
pub use format::Format;
pub use header::{ByteOrder, NiftiVersion, RawHeader};
pub use header_geometry::AffineSource;
pub use label_table::{
    find_beside as find_label_table_beside, names_beside as label_table_names_beside,
    read_label_table, LabelTable, LabelTableError, TableKind,
};
pub use labels::Label;
pub use load::{load, load_reporting, load_with, LoadOptions};
pub use region_stats::{region_stats, RegionStats};
pub use time_course::{time_course, TimeCourse};
pub use voxels::{Scaling, ValueRange, Voxels};

use crate::geometry::{Affine, Grid};
use ndarray::Array3;

/// A loaded image, whatever its format: every frame of it, with its geometry.
#[derive(Debug, Clone)]
pub struct Volume {
    pub format: Format,
    /// The file the user named (for a DICOM series, its folder) and the one
    /// that holds the voxels.
    pub source: FileSet,
    /// The NIfTI header as read (ANALYZE headers with their codes cleared),
    /// or, for another format, the one made for it (see `assemble`).
    pub header: RawHeader,
    /// The spatial grid every frame shares.
    pub grid: Grid,
    pub affine_source: AffineSource,
    pub sform: Option<Affine>,
    pub qform: Option<Affine>,
    /// Frames along dimensions 4 to 7 (1 for a 3D image), in the file.
    pub volume_count: usize,
    /// The file's volume that `voxels` start with: 0 unless one volume was
    /// asked for ([`LoadOptions::only_volume`]), which is then all they hold.
    /// Frame indices (`t`) are the file's; only the held ones may be asked.
    pub first_volume: usize,
    pub scaling: Scaling,
    pub voxels: Voxels,
    /// Things a careful user should know, in words.
    pub warnings: Vec<String>,
    /// Each file as it was read, hashed on the way: what a sidecar names.
    /// Empty for a volume made here (an imported array on a base's grid),
    /// whose source files are hashed when an output is written.
    pub files_read: Vec<FileRead>,
    /// Names and colours of label values, when the file gives them.
    pub labels: Vec<Label>,
}

impl Volume {
    pub fn datatype(&self) -> Datatype {
        self.voxels.datatype()
    }

    /// Number of voxels in one 3D frame.
    pub fn frame_len(&self) -> usize {
        self.grid.voxel_count()
    }

    /// The file's volumes held in `voxels`.
    pub fn volumes_held(&self) -> std::ops::Range<usize> {
        let held = self.voxels.len() / self.frame_len().max(1);
        self.first_volume..self.first_volume + held
    }

    /// Where frame `t` (the file's index) starts in `voxels`.
    #[inline]
    fn frame_start(&self, t: usize) -> usize {
        debug_assert!(self.volumes_held().contains(&t), "volume {t} is not held");
        (t - self.first_volume) * self.frame_len()
    }

    /// Linear index of voxel `(i, j, k)` of frame `t` in `voxels`.
    #[inline]
    pub fn linear_index(&self, voxel: [usize; 3], t: usize) -> usize {
        let [ni, nj, _] = self.grid.shape;
        self.frame_start(t) + voxel[0] + ni * (voxel[1] + nj * voxel[2])
    }

    /// The real value of a voxel (scaling applied; luminance for colour).
    pub fn value_at(&self, voxel: [usize; 3], t: usize) -> f64 {
        let stored = self.voxels.stored_f64(self.linear_index(voxel, t));
        if self.datatype() == Datatype::Rgb24 {
            stored
        } else {
            self.scaling.apply(stored)
        }
    }

    /// The colour of a voxel of an RGB volume.
    pub fn rgb_at(&self, voxel: [usize; 3], t: usize) -> Option<[u8; 3]> {
        self.voxels.rgb(self.linear_index(voxel, t))
    }

    /// One 3D frame as f32 in Fortran (i fastest) order, scaling applied.
    pub fn frame_f32(&self, t: usize) -> Array3<f32> {
        self.voxels
            .frame_f32(self.frame_start(t), self.grid.shape, self.scaling)
    }

    /// One frame's real values in storage order (i fastest): borrowed where
    /// the file already holds unscaled float32, so the largest array in play
    /// is not copied; converted otherwise.
    pub fn frame_values(&self, t: usize) -> std::borrow::Cow<'_, [f32]> {
        let (start, len) = (self.frame_start(t), self.frame_len());
        match &self.voxels {
            Voxels::F32(v) if self.scaling.is_identity() => {
                std::borrow::Cow::Borrowed(&v[start..start + len])
            }
            _ => std::borrow::Cow::Owned(self.frame_f32(t).into_raw_vec_and_offset().0),
        }
    }

    /// As [`Volume::frame_values`], handing over the voxels themselves when
    /// they are that frame's unscaled float32 values: the caller (a 3D edge
    /// run from the command line) then holds one copy of the volume, not
    /// two. When this frame is all it holds, `voxels` is left empty.
    pub fn take_frame_values(&mut self, t: usize) -> Vec<f32> {
        let only_this_frame = self.volumes_held() == (t..t + 1);
        match &mut self.voxels {
            Voxels::F32(v) if self.scaling.is_identity() && only_this_frame => std::mem::take(v),
            _ => {
                let values = self.frame_values(t).into_owned();
                if only_this_frame {
                    // The stored voxels (int16, say) are those values too.
                    if let Some(empty) = Voxels::try_with_capacity(self.datatype(), 0) {
                        self.voxels = empty;
                    }
                }
                values
            }
        }
    }

    /// The range of finite values of one frame.
    pub fn frame_range(&self, t: usize) -> ValueRange {
        self.voxels
            .range(self.frame_start(t), self.frame_len(), self.scaling)
    }

    /// The voxel nearest a world point and its value in frame `t`, if inside.
    pub fn probe(&self, world_ras: [f64; 3], t: usize) -> Option<([usize; 3], f64)> {
        let voxel = self.grid.nearest_voxel(world_ras)?;
        Some((voxel, self.value_at(voxel, t)))
    }
}

/// An (i, j, k) frame's values in NIfTI storage order (i fastest): borrowed
/// from a Fortran-ordered array (what [`Volume::frame_f32`] makes), copied
/// from any other layout.
pub fn storage_order(frame: &Array3<f32>) -> std::borrow::Cow<'_, [f32]> {
    // Transposed, a Fortran-ordered array is a standard one: then its
    // memory order is the storage order.
    if frame.t().is_standard_layout() {
        if let Some(values) = frame.as_slice_memory_order() {
            return std::borrow::Cow::Borrowed(values);
        }
    }
    std::borrow::Cow::Owned(frame.t().iter().copied().collect())
}
