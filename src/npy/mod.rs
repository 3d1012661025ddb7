//! NumPy `.npy` arrays imported onto a base volume's grid.
//!
//! `read` parses the file (any numeric dtype, C or Fortran order, format
//! 1.0 to 3.0) into values in logical C order; `place` puts them on the
//! base's voxel grid, in NIfTI order, as a 3D volume (axis order ijk or
//! kji) or as one slice of a plane, and says in words what it did.

pub(crate) mod place;
pub(crate) mod read;

pub use place::{
    place_slice, place_volume, suggest_order, Order, Placed, PlacementError, SliceOptions,
    SliceTarget, Transpose,
};
pub use read::{parse_npy, read_npy, shape_text, NpyArray, NpyError};
