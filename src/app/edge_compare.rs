//! "Compare with previous" in the Edges panel: while it is on, the last two
//! complete edge results are kept, and their difference (edges added by the last change,
//! edges removed) is counted on a worker thread and drawn in two colours
//! over the edges, so a change of sigma or threshold is seen, not guessed.

use super::state::Viewer;
use super::worker::{JobContext, Worker};
use crate::edges::compare::{difference, EdgeDifference};
use crate::geometry::Grid;
use crate::render::OverlayLayer;
use ndarray::Array3;
use std::sync::Arc;

/// Edges the last change added: blue, apart from the red edges, the green
/// crosshair and the orange rulers.
pub const ADDED_COLOUR: [u8; 3] = [40, 150, 255];
/// Edges the last change removed: magenta.
pub const REMOVED_COLOUR: [u8; 3] = [255, 40, 255];

/// A difference on screen, for the edge result it compares.
#[derive(Clone)]
pub struct ShownDifference {
    pub difference: Arc<EdgeDifference>,
    /// The generation of the edge result it ends at: part of the texture key.
    pub edge_generation: u64,
}

struct Job {
    previous: Arc<Array3<f32>>,
    current: Arc<Array3<f32>>,
    edge_generation: u64,
}

type Outcome = (Option<EdgeDifference>, u64);

fn run(job: Job, _ctx: &JobContext<Outcome>) -> Option<Outcome> {
    Some((difference(&job.previous, &job.current), job.edge_generation))
}

/// The toggle, the last two complete results, and the worker.
#[derive(Default)]
pub struct EdgeCompare {
    pub on: bool,
    /// (volume generation, frame) of the complete result before the last
    /// (kept only while comparing), and (volume generation, edge
    /// generation, frame) of the last.
    previous: Option<(u64, Arc<Array3<f32>>)>,
    current: Option<(u64, u64, Arc<Array3<f32>>)>,
    worker: Option<Worker<Job, Outcome>>,
}

impl EdgeCompare {
    /// Takes note of a complete edge result just shown, and starts the
    /// difference with the one before when comparing.
    pub fn on_result(&mut self, viewer: &mut Viewer, ctx: &egui::Context) {
        let Some(e) = &viewer.edges else { return };
        let volume = e.computed_for.0;
        if self
            .current
            .as_ref()
            .is_some_and(|c| Arc::ptr_eq(&c.2, &e.frame))
        {
            return;
        }
        let last = self.current.take();
        // Only while comparing: a 512^3 result is half a gigabyte as f32.
        self.previous = last.filter(|_| self.on).map(|(v, _, f)| (v, f));
        self.current = Some((volume, e.generation, e.frame.clone()));
        self.start(viewer, ctx);
    }

    fn start(&mut self, viewer: &mut Viewer, ctx: &egui::Context) {
        viewer.edge_difference = None;
        if !self.on {
            self.previous = None;
            return;
        }
        let (Some((pv, previous)), Some((cv, edge_generation, current))) =
            (&self.previous, &self.current)
        else {
            return;
        };
        if pv != cv {
            return; // another volume or frame: nothing compares
        }
        if self.worker.is_none() {
            let repaint = ctx.clone();
            match Worker::start("rasview-edge-compare", run, move || {
                repaint.request_repaint()
            }) {
                Ok(w) => self.worker = Some(w),
                Err(e) => {
                    viewer.error = Some(format!("could not start the comparison: {e}"));
                    return;
                }
            }
        }
        if let Some(w) = &mut self.worker {
            w.submit(Job {
                previous: previous.clone(),
                current: current.clone(),
                edge_generation: *edge_generation,
            });
        }
    }

    /// Takes a finished difference if it still belongs to the edges shown.
    pub fn poll(&mut self, viewer: &mut Viewer) {
        let Some(w) = &self.worker else { return };
        if let Some((_, (Some(d), edge_generation))) = w.poll() {
            let current = viewer.edges.as_ref().map(|e| e.generation);
            if self.on && current == Some(edge_generation) {
                viewer.edge_difference = Some(ShownDifference {
                    difference: Arc::new(d),
                    edge_generation,
                });
            }
        }
    }

    pub fn busy(&self) -> bool {
        self.worker.as_ref().is_some_and(|w| w.is_busy())
    }

    /// The toggle and the counts, in the Edges panel.
    pub fn show(&mut self, ui: &mut egui::Ui, viewer: &mut Viewer) {
        if viewer.edge_settings.params.detector == crate::edges::Detector::Gradient {
            ui.label("Compare with previous: for edge masks (Canny, Dog), not gradient maps.");
            return;
        }
        if ui
            .checkbox(&mut self.on, "Compare with previous")
            .on_hover_text("edges the last change added and removed, in two colours")
            .changed()
        {
            let ctx = ui.ctx().clone();
            self.start(viewer, &ctx);
        }
        if !self.on {
            return;
        }
        match &viewer.edge_difference {
            Some(shown) => {
                ui.horizontal(|ui| {
                    swatch(ui, ADDED_COLOUR);
                    ui.label("added");
                    swatch(ui, REMOVED_COLOUR);
                    ui.label("removed");
                });
                ui.label(shown.difference.summary());
            }
            None if self.busy() => {
                ui.label("comparing...");
            }
            None => {
                ui.label("change a setting to see what it adds and removes");
            }
        }
    }
}

fn swatch(ui: &mut egui::Ui, [r, g, b]: [u8; 3]) {
    let (rect, _) = ui.allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
    ui.painter()
        .rect_filled(rect, 2.0, egui::Color32::from_rgb(r, g, b));
}

/// The added and removed edges as layers over the edges, when shown.
pub fn layers<'a>(viewer: &'a Viewer, grid: &'a Grid) -> Vec<OverlayLayer<'a>> {
    let (Some(shown), true) = (&viewer.edge_difference, viewer.edge_settings.show) else {
        return Vec::new();
    };
    let opacity = viewer.edge_settings.opacity.max(0.85);
    vec![
        OverlayLayer::mask(&shown.difference.removed, grid, REMOVED_COLOUR, opacity),
        OverlayLayer::mask(&shown.difference.added, grid, ADDED_COLOUR, opacity),
    ]
}
