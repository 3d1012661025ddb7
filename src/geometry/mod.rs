//! Coordinate spaces: the affine type, voxel grids in world space, orientation codes.
//!
//! World space is RAS+ millimetres (x to the patient's Right, y Anterior,
//! z Superior), as in NIfTI, nibabel and 3D Slicer.

pub mod affine;
pub mod grid;
pub mod orientation;

pub use affine::{Affine, AffineError};
pub use grid::Grid;
