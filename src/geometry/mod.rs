//! Coordinate spaces: the affine type, voxel grids in world space, orientation
//! codes and letters, the three view planes, and sampling a volume at world points.
//!
//! World space is RAS+ millimetres (x to the patient's Right, y Anterior,
//! z Superior), as in NIfTI, nibabel and 3D Slicer.

pub mod affine;
pub mod grid;
pub mod orientation;
pub mod plane;
pub mod region;
pub mod ruler;
pub mod sample;

pub use affine::{Affine, AffineError};
pub use grid::Grid;
pub use plane::{Convention, Plane};
pub use region::{Region, ShapeKind, SliceShape};
pub use ruler::Ruler;
pub use sample::Interpolation;
