//! Exports on a thread of their own: hashing the inputs and writing a 256^3
//! file take seconds, and the window must go on drawing meanwhile. The job
//! works on a copy of the viewer taken at the click (volumes and frames are
//! shared, not copied), so what is exported is what was on screen then.

use super::exports;
use super::loader::PendingLoad;
use super::state::Viewer;
use std::path::PathBuf;

/// What to export.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportKind {
    Edges,
    Views,
    /// The overlay at this place in the list, on the base's grid.
    Overlay(usize),
}

/// An export running; its outcome is the status line or the error.
pub type PendingExport = PendingLoad<String>;

/// Starts exporting to `out`; `wake` repaints the window as it progresses
/// and when it is done.
pub fn start(
    kind: ExportKind,
    viewer: &Viewer,
    out: PathBuf,
    wake: impl Fn() + Send + 'static,
) -> PendingExport {
    let viewer = viewer.clone();
    PendingLoad::run("exporting", out.clone(), wake, move |report| {
        run(kind, &viewer, &out, report).map_err(|e| format!("{e:#}"))
    })
}

/// The export itself, on whatever thread calls it (the scroll benchmark
/// times it on the UI thread, as exports ran before).
pub fn run(
    kind: ExportKind,
    viewer: &Viewer,
    out: &std::path::Path,
    report: exports::Progress,
) -> anyhow::Result<String> {
    match kind {
        ExportKind::Edges => exports::export_edges_reporting(viewer, out, report),
        ExportKind::Views => exports::export_views_reporting(viewer, out, report),
        ExportKind::Overlay(index) => exports::export_overlay_reporting(viewer, index, out, report),
    }
}
