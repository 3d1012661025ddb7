//! The Edges panel and the background worker behind it: every change of
//! the settings starts a computation at once, a newer one makes the running
//! one stale, and only the newest result is drawn.

use super::edge_job::{self, EdgeJob, EdgeKey, EdgeOutcome};
use super::state::Viewer;
use super::worker::Worker;
use crate::edges::{Detector, ThresholdKind};

/// The edge worker (started on first use) and what it was last asked for.
#[derive(Default)]
pub struct EdgePanel {
    worker: Option<Worker<EdgeJob, EdgeOutcome>>,
    requested: Option<EdgeKey>,
    /// Complete results delivered by the worker (a test counts them).
    pub results: u64,
    /// The last run was cancelled and nothing has been asked since: the
    /// panel says so, with "Show edges" unticked to match what is drawn.
    cancelled: bool,
    /// "Compare with previous": what the last change added and removed.
    compare: super::edge_compare::EdgeCompare,
}

impl EdgePanel {
    /// Starts a computation when the wanted edges changed, and takes the
    /// newest result. Never waits: the worker wakes the window.
    pub fn drive(&mut self, viewer: &mut Viewer, ctx: &egui::Context) {
        let wanted = viewer.wanted_edges();
        if wanted.is_some() && wanted != self.requested {
            if self.worker.is_none() {
                let repaint = ctx.clone();
                match Worker::start("rasview-edges", edge_job::run, move || {
                    repaint.request_repaint()
                }) {
                    Ok(w) => self.worker = Some(w),
                    Err(e) => viewer.error = Some(format!("could not start the edge worker: {e}")),
                }
            }
            if let (Some(worker), Some(l), Some(key)) = (&mut self.worker, &viewer.loaded, wanted) {
                worker.submit(EdgeJob {
                    volume: l.volume.clone(),
                    frame: l.frame_index,
                    key,
                    cursor_ras: viewer.cursor_ras,
                });
                self.requested = Some(key);
                self.cancelled = false;
            }
        }
        if let Some(worker) = &self.worker {
            if let Some((_, outcome)) = worker.poll() {
                viewer.set_edges(
                    outcome.key,
                    outcome.ready,
                    outcome.seconds,
                    outcome.complete,
                );
                if outcome.complete {
                    self.results += 1;
                    self.compare.on_result(viewer, ctx);
                }
            }
            self.compare.poll(viewer);
            if worker.is_busy() || self.compare.busy() {
                // Keep the progress bar moving.
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            }
        }
    }

    /// True while an edge computation runs or waits.
    pub fn busy(&self) -> bool {
        self.worker.as_ref().is_some_and(|w| w.is_busy())
    }

    /// The settings, progress with Cancel, and what the last result found.
    pub fn show(&mut self, ui: &mut egui::Ui, viewer: &mut Viewer) {
        ui.heading("Edges");
        let range = viewer
            .loaded
            .as_ref()
            .map_or((0.0, 1.0), |l| (l.range.min, l.range.max));
        let s = &mut viewer.edge_settings;
        ui.checkbox(&mut s.show, "Show edges");
        if !s.show {
            if self.cancelled {
                ui.label("Cancelled: tick Show edges to compute again.");
            }
            return;
        }
        settings(ui, s, range);
        if self.busy() {
            let progress = self.worker.as_ref().map_or(0.0, |w| w.progress());
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(progress)
                        .desired_width(140.0)
                        .show_percentage(),
                );
                if ui.button("Cancel").clicked() {
                    if let Some(w) = &mut self.worker {
                        w.cancel();
                    }
                    // Nothing new will be drawn: the checkbox says so, and
                    // ticking it again asks afresh.
                    viewer.edge_settings.show = false;
                    self.requested = None;
                    self.cancelled = true;
                }
            });
        }
        if let Some(e) = &viewer.edges {
            let stale = if viewer.edges_stale() {
                " (stale: recomputing)"
            } else {
                ""
            };
            ui.label(format!(
                "{} edge voxels in {:.0} ms{stale}",
                e.edge_count,
                e.seconds * 1e3
            ));
            if let Some([l, h]) = e.thresholds {
                ui.label(format!("thresholds {l:.2} / {h:.2} intensity per mm"));
            }
        }
        self.compare.show(ui, viewer);
    }
}

/// Detector, mode, sigma, thresholds, mask and drawing; `(lo, hi)` is the
/// volume's value range, for the mask level.
fn settings(ui: &mut egui::Ui, s: &mut super::state::EdgeSettings, (lo, hi): (f64, f64)) {
    egui::ComboBox::from_label("Detector")
        .selected_text(format!("{:?}", s.params.detector))
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut s.params.detector, Detector::Canny, "Canny");
            ui.selectable_value(&mut s.params.detector, Detector::Gradient, "Gradient");
            ui.selectable_value(&mut s.params.detector, Detector::Dog, "Dog");
        });
    ui.horizontal(|ui| {
        ui.radio_value(&mut s.per_slice, false, "3D");
        ui.radio_value(&mut s.per_slice, true, "per slice (active view)");
    });
    ui.add(egui::Slider::new(&mut s.params.sigma_mm, 0.0..=6.0).text("Sigma mm"));
    if s.params.detector == Detector::Dog {
        ui.add(egui::Slider::new(&mut s.params.sigma2_mm, 0.1..=10.0).text("Sigma 2 mm"));
    }
    ui.horizontal(|ui| {
        ui.radio_value(
            &mut s.params.thresholds,
            ThresholdKind::Quantile,
            "quantile",
        );
        ui.radio_value(
            &mut s.params.thresholds,
            ThresholdKind::Absolute,
            "intensity/mm",
        );
    });
    let range = match s.params.thresholds {
        ThresholdKind::Quantile => 0.0..=1.0,
        ThresholdKind::Absolute => 0.0..=1000.0,
    };
    ui.add(egui::Slider::new(&mut s.params.low, range.clone()).text("Low"));
    ui.add(egui::Slider::new(&mut s.params.high, range).text("High"));
    ui.horizontal(|ui| {
        let label = ui.checkbox(&mut s.use_mask, "mask: only above");
        ui.add_enabled(
            s.use_mask,
            egui::DragValue::new(&mut s.background)
                .range(lo..=hi)
                .speed((hi - lo) / 500.0),
        )
        .labelled_by(label.id);
    });
    ui.add(egui::Slider::new(&mut s.opacity, 0.0..=1.0).text("Opacity"));
    ui.horizontal(|ui| {
        ui.color_edit_button_srgb(&mut s.colour);
        ui.checkbox(&mut s.outline, "outline");
    });
}
