//! rasview: a viewer for medical volumes that makes geometry mistakes impossible to miss.
//!
//! The domain half (geometry, volume, cli) never touches egui; the window
//! lives behind the `gui` feature.

#[cfg(feature = "gui")]
pub mod app;
pub mod cli;
pub mod edges;
pub mod export;
pub mod geometry;
pub mod npy;
pub mod overlay;
pub mod render;
pub mod volume;
pub mod words;
