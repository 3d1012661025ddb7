//! Every integration test in one binary: one link of the whole program
//! (with the window) instead of one per file, which is most of a clean
//! `cargo test` build's time after the dependencies (see README). Each
//! module is what used to be its own file under tests/.

mod app_harness;
mod bad_input;
mod check;
mod cli;
mod common;
mod dicom;
mod edges;
mod forum;
mod headless_build;
mod integrity;
mod label_tables;
mod label_window;
mod metaimage;
mod metaimage_bad;
mod mosaic;
mod nifti_space;
mod npy;
mod nrrd;
mod nrrd_bad;
mod oracle;
mod overlay_window;
mod phantoms;
mod qc;
mod render;
mod resample;
mod roi_stats;
mod time_course;
mod viewer_tools;
mod window_screenshot;
mod write_failures;
