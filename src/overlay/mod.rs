//! Overlays made elsewhere: how their geometry compares with the base's.

pub mod check;

pub use check::{compare_geometry, GeometryCheck};
