//! The window: menus, the three views and the info quadrant, loading,
//! drag and drop, persistence, and the screenshot mode tests use.

use super::exports;
use super::loader::{load_job, PendingLoad};
use super::npy_import::{self, ImportChoice, NpyImport};
use super::overlay_panel::{self, OverlayAction};
use super::overlays::ForeignOverlay;
use super::panels;
use super::state::Viewer;
use super::textures::ViewTextures;
use super::view_panel::{self, ViewInput};
use crate::geometry::{Convention, Plane};
use crate::render::DisplaySettings;
use egui::{Key, Rect, Vec2};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU8, Ordering};
use std::sync::Arc;

/// What survives between runs (eframe persistence).
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
pub struct Persisted {
    pub recent: Vec<PathBuf>,
    pub display: DisplaySettings,
    pub convention: Convention,
    pub views: [super::state::ViewState; 3],
}

pub const STORAGE_KEY: &str = "rasview";

/// Taking a screenshot once the volume is on screen, then closing.
pub struct ScreenshotPlan {
    pub out: PathBuf,
    requested: bool,
    done: Arc<AtomicBool>,
    frames_with_volume: u32,
}

/// Scrolling the axial view one slice per frame, timing each frame.
pub struct ScrollBenchmark {
    frames: usize,
    direction: i32,
    ui_ms: Vec<f32>,
    interval_ms: Vec<f32>,
    last: Option<std::time::Instant>,
    /// Frames drawn while the edge worker was computing.
    busy_frames: usize,
}

use super::edge_job::{self, EdgeJob, EdgeKey, EdgeOutcome};

pub struct RasviewApp {
    pub viewer: Viewer,
    pub textures: ViewTextures,
    inputs: [ViewInput; 3],
    pending: Option<PendingLoad>,
    screenshot: Option<ScreenshotPlan>,
    /// The process exit code in screenshot mode (0 written, 1 failed).
    pub exit_code: Arc<AtomicU8>,
    histogram: Option<(u64, Vec<f64>, (f64, f64))>,
    last_frame_ms: f32,
    scroll_benchmark: Option<ScrollBenchmark>,
    edge_worker: Option<super::worker::Worker<EdgeJob, EdgeOutcome>>,
    edges_requested: Option<EdgeKey>,
    /// Results delivered by the worker (a test counts them).
    pub edge_results: u64,
    /// Overlays loading and being checked, each on its own thread.
    pending_overlays: Vec<PendingLoad<ForeignOverlay>>,
    /// Overlays asked for before the base has loaded (command line).
    queued_overlays: Vec<PathBuf>,
    /// The outcome of the last export, shown in the status bar.
    pub status: Option<String>,
    /// Wakes the window from background threads started without a context at hand.
    waker: Option<egui::Context>,
    /// The NumPy import dialog, while open.
    pub npy_import: Option<NpyImport>,
}

impl RasviewApp {
    pub fn new(persisted: Option<Persisted>) -> Self {
        let mut viewer = Viewer::default();
        if let Some(p) = persisted {
            viewer.recent = p.recent;
            viewer.display = p.display;
            viewer.convention = p.convention;
            viewer.views = p.views;
        }
        RasviewApp {
            viewer,
            textures: ViewTextures::default(),
            inputs: Default::default(),
            pending: None,
            screenshot: None,
            exit_code: Arc::new(AtomicU8::new(0)),
            histogram: None,
            last_frame_ms: 0.0,
            scroll_benchmark: None,
            edge_worker: None,
            edges_requested: None,
            edge_results: 0,
            pending_overlays: Vec::new(),
            queued_overlays: Vec::new(),
            status: None,
            waker: None,
            npy_import: None,
        }
    }

    pub fn persisted(&self) -> Persisted {
        Persisted {
            recent: self.viewer.recent.clone(),
            display: self.viewer.display,
            convention: self.viewer.convention,
            views: self.viewer.views,
        }
    }

    pub fn with_screenshot(mut self, out: PathBuf) -> Self {
        self.screenshot = Some(ScreenshotPlan {
            out,
            requested: false,
            done: Arc::new(AtomicBool::new(false)),
            frames_with_volume: 0,
        });
        self
    }

    pub fn with_scroll_benchmark(mut self, frames: usize) -> Self {
        self.scroll_benchmark = Some(ScrollBenchmark {
            frames,
            direction: 1,
            ui_ms: Vec::with_capacity(frames),
            interval_ms: Vec::with_capacity(frames),
            last: None,
            busy_frames: 0,
        });
        self
    }

    /// Starts loading a file in the background; the current volume stays on
    /// screen until the new one has loaded, and stays if it fails.
    pub fn open(&mut self, path: PathBuf, ctx: &egui::Context) {
        self.waker = Some(ctx.clone());
        let ctx = ctx.clone();
        self.pending = Some(PendingLoad::start(path, move || ctx.request_repaint()));
    }

    /// Loads a file before returning (tests and the first file of a run
    /// in screenshot mode use the same path as the background load).
    pub fn open_now(&mut self, path: PathBuf) {
        let pending = PendingLoad::start(path, || {});
        loop {
            if let Some(result) = pending.poll() {
                self.finish_load(result);
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    pub fn is_loading(&self) -> bool {
        self.pending.is_some() || !self.pending_overlays.is_empty()
    }

    /// Loads a file as an overlay over the current base and checks it
    /// against the base (geometry, then content) on a background thread.
    /// Before any base has loaded, the overlay waits for it.
    pub fn add_overlay(&mut self, path: PathBuf, ctx: &egui::Context) {
        self.waker = Some(ctx.clone());
        self.start_overlay(path);
    }

    /// As [`RasviewApp::add_overlay`], returning once it is on screen (tests).
    pub fn add_overlay_now(&mut self, path: PathBuf) {
        self.start_overlay(path);
        while !self.pending_overlays.is_empty() {
            self.poll_overlays();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    fn start_overlay(&mut self, path: PathBuf) {
        if self.viewer.loaded.is_none() {
            self.queued_overlays.push(path);
            return;
        }
        self.prepare_overlay(path.clone(), load_job(path));
    }

    /// Adds a volume made in memory (an imported array) as an overlay,
    /// checked on a background thread like a file.
    pub fn add_overlay_volume(&mut self, volume: crate::volume::Volume) {
        let path = volume.source.header.clone();
        self.prepare_overlay(path, move |_| Ok(volume));
    }

    /// Repaints the window from a background thread, once a window context
    /// is known (tests without one poll instead).
    fn repaint_waker(&self) -> impl Fn() + Send + 'static {
        let waker = self.waker.clone();
        move || {
            if let Some(ctx) = &waker {
                ctx.request_repaint();
            }
        }
    }

    /// Gets a volume with `get` on a background thread, then checks it
    /// against the current base there and prepares it for drawing.
    fn prepare_overlay(
        &mut self,
        path: PathBuf,
        get: impl FnOnce(&dyn Fn(f32)) -> Result<crate::volume::Volume, String> + Send + 'static,
    ) {
        let Some(base) = self.viewer.loaded.as_ref().map(|l| l.volume.clone()) else {
            return;
        };
        let nth_mask = self.viewer.overlays.mask_count() + self.pending_overlays.len();
        let name = file_name(&path);
        let wake = self.repaint_waker();
        self.pending_overlays
            .push(PendingLoad::run(path, wake, move |report| {
                let volume = get(report)?;
                let reference = crate::overlay::EdgeReference::of(&base);
                Ok(ForeignOverlay::prepare(
                    name,
                    volume,
                    &base,
                    reference.as_ref(),
                    nth_mask,
                ))
            }));
    }

    /// Opens the import dialog for a .npy file over the current base.
    pub fn import_npy(&mut self, path: PathBuf) {
        let Some(base) = self.viewer.loaded.as_ref().map(|l| l.volume.clone()) else {
            self.viewer.error = Some("open a base volume before importing an array".into());
            return;
        };
        match crate::npy::read_npy(&path) {
            Ok(array) => {
                self.npy_import = Some(NpyImport::new(
                    path,
                    array,
                    &base,
                    self.viewer.active_plane,
                    self.viewer.cursor_ras,
                ))
            }
            Err(e) => self.viewer.error = Some(e.to_string()),
        }
    }

    fn npy_dialog(&mut self, ctx: &egui::Context) {
        let (Some(import), Some(base)) = (
            self.npy_import.as_mut(),
            self.viewer.loaded.as_ref().map(|l| l.volume.clone()),
        ) else {
            return;
        };
        match npy_import::show(ctx, import, &base, self.viewer.cursor_ras) {
            ImportChoice::Keep => {}
            ImportChoice::Cancel => self.npy_import = None,
            ImportChoice::Add(volume) => {
                self.npy_import = None;
                self.add_overlay_volume(*volume);
            }
        }
    }

    fn poll_overlays(&mut self) {
        let mut still = Vec::new();
        for pending in std::mem::take(&mut self.pending_overlays) {
            match pending.poll() {
                None => still.push(pending),
                Some(Ok(overlay)) => self.viewer.overlays.add(overlay),
                Some(Err(message)) => {
                    self.viewer.error = Some(format!("overlay: {message}"));
                }
            }
        }
        self.pending_overlays = still;
    }

    fn finish_load(&mut self, result: Result<crate::volume::Volume, String>) {
        match result {
            Ok(volume) => {
                let views = self.viewer.views;
                let keep_views = self.viewer.loaded.is_none();
                self.viewer.set_volume(volume);
                if keep_views {
                    // The first volume of a run takes the remembered layout.
                    self.viewer.views = views;
                }
                for path in std::mem::take(&mut self.queued_overlays) {
                    self.start_overlay(path);
                }
            }
            Err(message) => {
                // The message names the file already (LoadError's contract).
                self.viewer.error = Some(message);
            }
        }
    }

    fn poll_load(&mut self) {
        if let Some(pending) = &self.pending {
            if let Some(result) = pending.poll() {
                self.pending = None;
                self.finish_load(result);
            }
        }
    }

    /// The whole window's contents. eframe calls it every frame; egui_kittest
    /// tests call it without a GPU.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = std::time::Instant::now();
        let ctx = ui.ctx().clone();
        self.poll_load();
        self.poll_overlays();
        self.drive_edges(&ctx);
        self.handle_dropped_files(&ctx);
        self.handle_keys(&ctx);

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        if self.viewer.overlays.misaligned().next().is_some() {
            egui::Panel::top("overlay banner")
                .show(ui, |ui| overlay_panel::banner(ui, &self.viewer.overlays));
        }
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(270.0)
            .show(ui, |ui| {
                egui::ScrollArea::vertical().show(ui, |ui| {
                    if let Some(error) = &self.viewer.error {
                        ui.colored_label(
                            egui::Color32::from_rgb(255, 110, 110),
                            format!("Could not open: {error}"),
                        );
                        if ui.button("Dismiss").clicked() {
                            self.viewer.error = None;
                        }
                        ui.separator();
                    }
                    panels::controls(ui, &mut self.viewer);
                    ui.separator();
                    self.edge_controls(ui);
                    ui.separator();
                    if let Some(OverlayAction::Export(index)) =
                        overlay_panel::list(ui, &mut self.viewer.overlays)
                    {
                        self.export_overlay_dialog(index);
                    }
                    ui.separator();
                    panels::file_facts(ui, &self.viewer);
                });
            });
        egui::CentralPanel::no_frame().show(ui, |ui| self.views(ui));
        self.npy_dialog(&ctx);
        self.last_frame_ms = started.elapsed().as_secs_f32() * 1e3;
        self.screenshot_step(&ctx);
        self.scroll_benchmark_step(&ctx);
    }

    fn scroll_benchmark_step(&mut self, ctx: &egui::Context) {
        let Some(bench) = &mut self.scroll_benchmark else {
            return;
        };
        if self.viewer.loaded.is_none() {
            if self.pending.is_none() {
                self.exit_code.store(1, Ordering::Release);
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            ctx.request_repaint();
            return;
        }
        let now = std::time::Instant::now();
        if let Some(last) = bench.last {
            bench.interval_ms.push((now - last).as_secs_f32() * 1e3);
            bench.ui_ms.push(self.last_frame_ms);
        }
        bench.last = Some(now);
        if bench.ui_ms.len() >= bench.frames {
            let stats = |v: &mut Vec<f32>| {
                v.sort_by(f32::total_cmp);
                (v[v.len() / 2], v[v.len() * 95 / 100], v[v.len() - 1])
            };
            let (ui50, ui95, uimax) = stats(&mut bench.ui_ms);
            let (in50, in95, inmax) = stats(&mut bench.interval_ms);
            println!(
                "scrolling the axial view one slice per frame, {} frames ({} of them while edges were being computed)",
                bench.frames, bench.busy_frames
            );
            println!("ui pass (reslice the axial view + layout): median {ui50:.2} ms, p95 {ui95:.2} ms, max {uimax:.2} ms");
            println!("frame interval (ui + paint + present):       median {in50:.2} ms, p95 {in95:.2} ms, max {inmax:.2} ms");
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            self.scroll_benchmark = None;
            return;
        }
        // With edges on, keep a computation running: a new sigma every 40
        // frames, so the frames measured are frames during edge work.
        if self.viewer.edge_settings.show && bench.ui_ms.len() % 40 == 0 {
            let p = &mut self.viewer.edge_settings.params;
            p.sigma_mm = if p.sigma_mm == 1.0 { 1.05 } else { 1.0 };
        }
        if self.edge_worker.as_ref().is_some_and(|w| w.is_busy()) {
            bench.busy_frames += 1;
        }
        // Bounce between the first and last slice.
        let before = self.viewer.cursor_ras;
        self.viewer.step(Plane::Axial, bench.direction);
        if self.viewer.cursor_ras == before {
            bench.direction = -bench.direction;
            self.viewer.step(Plane::Axial, bench.direction);
        }
        ctx.request_repaint();
    }

    fn views(&mut self, ui: &mut egui::Ui) {
        let area = ui.max_rect();
        let gap = 2.0;
        let half = Vec2::new((area.width() - gap) / 2.0, (area.height() - gap) / 2.0);
        let cell = |col: f32, row: f32| {
            Rect::from_min_size(
                area.min + Vec2::new(col * (half.x + gap), row * (half.y + gap)),
                half,
            )
        };
        for (plane, rect) in [
            (Plane::Axial, cell(0.0, 0.0)),
            (Plane::Coronal, cell(1.0, 0.0)),
            (Plane::Sagittal, cell(0.0, 1.0)),
        ] {
            let index = super::state::plane_index(plane);
            view_panel::show(
                ui,
                rect,
                plane,
                &mut self.viewer,
                &mut self.textures,
                &mut self.inputs[index],
            );
        }
        let info = cell(1.0, 1.0).shrink(8.0);
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(info));
        self.update_histogram();
        egui::ScrollArea::vertical()
            .id_salt("info quadrant")
            .show(&mut child, |ui| {
                panels::readout(ui, &self.viewer);
                panels::profile(ui, &self.viewer);
                if self.viewer.edge_settings.show {
                    panels::gradient_histogram(ui, &self.viewer);
                }
                if let Some((_, bins, edges)) = &self.histogram {
                    ui.separator();
                    ui.label("Intensity histogram (window in orange)");
                    panels::histogram(ui, &self.viewer, bins, *edges);
                }
            });
    }

    /// Starts a computation when the wanted edges changed, and takes the
    /// newest result. Never waits: the worker wakes the window.
    fn drive_edges(&mut self, ctx: &egui::Context) {
        let wanted = self.viewer.wanted_edges();
        if wanted.is_some() && wanted != self.edges_requested {
            if self.edge_worker.is_none() {
                let repaint = ctx.clone();
                let worker =
                    super::worker::Worker::start("rasview-edges", edge_job::run, move || {
                        repaint.request_repaint()
                    });
                match worker {
                    Ok(w) => self.edge_worker = Some(w),
                    Err(e) => {
                        self.viewer.error = Some(format!("could not start the edge worker: {e}"))
                    }
                }
            }
            if let (Some(worker), Some(l), Some(key)) =
                (&mut self.edge_worker, &self.viewer.loaded, wanted)
            {
                worker.submit(EdgeJob {
                    volume: l.volume.clone(),
                    frame: l.frame_index,
                    key,
                    cursor_ras: self.viewer.cursor_ras,
                });
                self.edges_requested = Some(key);
            }
        }
        if let Some(worker) = &self.edge_worker {
            if let Some((_, outcome)) = worker.poll() {
                self.viewer.set_edges(
                    outcome.key,
                    outcome.ready,
                    outcome.seconds,
                    outcome.complete,
                );
                if outcome.complete {
                    self.edge_results += 1;
                }
            }
            if worker.is_busy() {
                // Keep the progress bar moving.
                ctx.request_repaint_after(std::time::Duration::from_millis(50));
            }
        }
    }

    /// True while an edge computation runs or waits.
    pub fn edges_busy(&self) -> bool {
        self.edge_worker.as_ref().is_some_and(|w| w.is_busy())
    }

    fn edge_controls(&mut self, ui: &mut egui::Ui) {
        use crate::edges::{Detector, ThresholdKind};
        ui.heading("Edges");
        let s = &mut self.viewer.edge_settings;
        ui.checkbox(&mut s.show, "Show edges");
        if !s.show {
            return;
        }
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
        let (lo, hi) = self
            .viewer
            .loaded
            .as_ref()
            .map_or((0.0, 1.0), |l| (l.range.min, l.range.max));
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
        let busy = self.edges_busy();
        if busy {
            let progress = self.edge_worker.as_ref().map_or(0.0, |w| w.progress());
            ui.horizontal(|ui| {
                ui.add(
                    egui::ProgressBar::new(progress)
                        .desired_width(140.0)
                        .show_percentage(),
                );
                if ui.button("Cancel").clicked() {
                    if let Some(w) = &mut self.edge_worker {
                        w.cancel();
                    }
                }
            });
        }
        if let Some(e) = &self.viewer.edges {
            let stale = if self.viewer.edges_stale() {
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
    }

    fn update_histogram(&mut self) {
        let Some(l) = &self.viewer.loaded else { return };
        if self
            .histogram
            .as_ref()
            .is_some_and(|(g, _, _)| *g == l.generation)
            || !l.range.has_values()
        {
            return;
        }
        let (lo, hi) = (l.range.min, l.range.max.max(l.range.min + 1e-6));
        let mut bins = vec![0.0; 128];
        let scale = bins.len() as f64 / (hi - lo);
        for &v in l.frame.iter() {
            if v.is_finite() {
                let b = (((v as f64 - lo) * scale) as usize).min(bins.len() - 1);
                bins[b] += 1.0;
            }
        }
        self.histogram = Some((l.generation, bins, (lo, hi)));
    }

    fn menu_bar(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                if ui.button("Open...").clicked() {
                    ui.close();
                    let picked = rfd::FileDialog::new()
                        .add_filter("NIfTI", &["nii", "gz", "hdr", "img"])
                        .pick_file();
                    if let Some(path) = picked {
                        self.open(path, &ctx);
                    }
                }
                if ui.button("Add overlay...").clicked() {
                    ui.close();
                    let picked = rfd::FileDialog::new()
                        .add_filter("NIfTI", &["nii", "gz", "hdr", "img"])
                        .pick_files();
                    for path in picked.unwrap_or_default() {
                        self.add_overlay(path, &ctx);
                    }
                }
                if ui.button("Import NumPy array...").clicked() {
                    ui.close();
                    let picked = rfd::FileDialog::new()
                        .add_filter("NumPy", &["npy"])
                        .pick_file();
                    if let Some(path) = picked {
                        self.import_npy(path);
                    }
                }
                ui.separator();
                if ui.button("Export edges as NIfTI...").clicked() {
                    ui.close();
                    if let Some(out) = save_dialog("edges.nii.gz", "NIfTI", &["nii", "gz"]) {
                        self.report(exports::export_edges(&self.viewer, &out));
                    }
                }
                if ui.button("Export views as PNG...").clicked() {
                    ui.close();
                    if let Some(out) = save_dialog("views.png", "PNG", &["png"]) {
                        self.report(exports::export_views(&self.viewer, &out));
                    }
                }
                ui.separator();
                ui.menu_button("Open recent", |ui| {
                    if self.viewer.recent.is_empty() {
                        ui.label("(none yet)");
                    }
                    for path in self.viewer.recent.clone() {
                        if ui.button(path.display().to_string()).clicked() {
                            ui.close();
                            self.open(path, &ctx);
                        }
                    }
                });
                if ui.button("Quit").clicked() {
                    ctx.send_viewport_cmd(egui::ViewportCommand::Close);
                }
            });
            ui.menu_button("View", |ui| {
                if ui.button("Reset views").clicked() {
                    self.viewer.reset_views();
                    ui.close();
                }
            });
        });
    }

    fn export_overlay_dialog(&mut self, index: usize) {
        if let Some(out) = save_dialog("overlay_on_base.nii.gz", "NIfTI", &["nii", "gz"]) {
            self.report(exports::export_overlay(&self.viewer, index, &out));
        }
    }

    /// An export's outcome: success in the status bar, failure where load
    /// errors go (named file, cause).
    fn report(&mut self, outcome: anyhow::Result<String>) {
        match outcome {
            Ok(message) => self.status = Some(message),
            Err(e) => self.viewer.error = Some(format!("export failed: {e:#}")),
        }
    }

    fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            if let Some(p) = &self.pending {
                ui.label(format!("Loading {}", p.path.display()));
                ui.add(
                    egui::ProgressBar::new(p.progress())
                        .desired_width(200.0)
                        .show_percentage(),
                );
            } else if !self.pending_overlays.is_empty() {
                ui.spinner();
                ui.label(format!(
                    "Checking {} overlay(s) against the base",
                    self.pending_overlays.len()
                ));
            } else if let Some(status) = &self.status {
                ui.label(status);
            } else if let Some(l) = &self.viewer.loaded {
                ui.label(l.volume.source.header.display().to_string());
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(format!("ui {:.1} ms", self.last_frame_ms));
            });
        });
    }

    /// A dropped file opens as the base (a .npy opens the import dialog);
    /// with Shift held, every dropped file is added as an overlay instead.
    fn handle_dropped_files(&mut self, ctx: &egui::Context) {
        let (dropped, as_overlay) = ctx.input(|i| (i.raw.dropped_files.clone(), i.modifiers.shift));
        if as_overlay {
            for file in dropped {
                let path = file.path().to_path_buf();
                if !path.as_os_str().is_empty() {
                    self.add_overlay(path, ctx);
                }
            }
            return;
        }
        if let Some(path) = dropped
            .first()
            .map(|f| f.path().to_path_buf())
            .filter(|p| !p.as_os_str().is_empty())
        {
            if path.extension().is_some_and(|e| e == "npy") {
                self.import_npy(path);
                return;
            }
            self.open(path, ctx);
        }
    }

    fn handle_keys(&mut self, ctx: &egui::Context) {
        if ctx.egui_wants_keyboard_input() {
            return;
        }
        let plane = self.viewer.active_plane;
        let (up, down, home) = ctx.input(|i| {
            (
                i.num_presses(Key::PageUp) + i.num_presses(Key::ArrowUp),
                i.num_presses(Key::PageDown) + i.num_presses(Key::ArrowDown),
                i.key_pressed(Key::Home),
            )
        });
        let steps = up as i32 - down as i32;
        if steps != 0 {
            self.viewer.step(plane, steps);
        }
        if home {
            self.viewer.reset_views();
        }
    }

    fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(plan) = &mut self.screenshot else {
            return;
        };
        if plan.done.load(Ordering::Acquire) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if self.viewer.loaded.is_none() {
            if self.pending.is_none() {
                // Nothing to wait for: the load failed.
                eprintln!(
                    "rasview: no volume to take a screenshot of: {}",
                    self.viewer.error.clone().unwrap_or_default()
                );
                self.exit_code.store(1, Ordering::Release);
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            ctx.request_repaint();
            return;
        }
        let edges_pending = self.viewer.edge_settings.show
            && (self.viewer.edges.is_none()
                || self.viewer.edges_stale()
                || self.edge_worker.as_ref().is_some_and(|w| w.is_busy()));
        let overlays_pending =
            !self.pending_overlays.is_empty() || !self.queued_overlays.is_empty();
        if edges_pending || overlays_pending {
            ctx.request_repaint();
            return;
        }
        plan.frames_with_volume += 1;
        // A few frames so that layout and textures have settled.
        if plan.frames_with_volume >= 3 && !plan.requested {
            plan.requested = true;
            let out = plan.out.clone();
            let done = plan.done.clone();
            let exit_code = self.exit_code.clone();
            let repaint = ctx.clone();
            ctx.request_screenshot(move |image| {
                let rgba = crate::render::RgbaImage {
                    width: image.size[0],
                    height: image.size[1],
                    pixels: image.pixels.iter().map(|c| c.to_array()).collect(),
                };
                if let Err(e) = rgba.save_png(&out) {
                    eprintln!("rasview: {e}");
                    exit_code.store(1, Ordering::Release);
                }
                done.store(true, Ordering::Release);
                repaint.request_repaint();
            });
        }
        ctx.request_repaint();
    }
}

impl eframe::App for RasviewApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.screenshot.is_some() {
            return; // test runs leave the user's settings alone
        }
        if let Ok(json) = serde_json::to_string(&self.persisted()) {
            storage.set_string(STORAGE_KEY, json);
        }
    }
}

/// A save dialog that starts at `name`.
fn save_dialog(name: &str, filter: &str, extensions: &[&str]) -> Option<PathBuf> {
    rfd::FileDialog::new()
        .set_file_name(name)
        .add_filter(filter, extensions)
        .save_file()
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
