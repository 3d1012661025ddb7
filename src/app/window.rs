//! The window: its state and each frame: panels, views and the info
//! quadrant, dropped files and keys. Loading is in `loads`, the menus and
//! status line in `menu`, the Edges panel in `edge_panel`, the screenshot
//! and benchmarks in `automation`, exports in `export_job`, file dialogs in
//! `file_dialog`, the intensity histogram in `histogram`.

use super::automation::{Automation, ScreenshotPlan, ScrollBenchmark};
use super::edge_panel::EdgePanel;
use super::file_dialog::FileDialogs;
use super::histogram::IntensityHistogram;
use super::loads::Background;
use super::npy_import::NpyImport;
use super::overlay_panel::{self, OverlayAction};
use super::panels;
use super::settings::{Persisted, STORAGE_KEY};
use super::state::Viewer;
use super::textures::ViewTextures;
use super::view_panel::{self, ViewInput};
use std::path::PathBuf;
use std::sync::atomic::AtomicU8;
use std::sync::Arc;

pub struct RasviewApp {
    pub viewer: Viewer,
    pub textures: ViewTextures,
    inputs: [ViewInput; 3],
    /// Loads, overlay checks and exports running on other threads.
    pub(super) background: Background,
    pub edge_panel: EdgePanel,
    histogram: IntensityHistogram,
    /// The file dialog open now, or the path field offered instead.
    pub dialogs: FileDialogs,
    /// The NumPy import dialog, while open.
    pub npy_import: Option<NpyImport>,
    pub(super) automation: Automation,
    /// The process exit code in screenshot mode (0 written, 1 failed).
    pub exit_code: Arc<AtomicU8>,
    pub(super) last_frame_ms: f32,
    /// The outcome of the last export, shown in the status bar.
    pub status: Option<String>,
    /// Wakes the window from background threads.
    pub(super) waker: Option<egui::Context>,
    /// Time-course plots of 4D volumes, Play, and 4D overlays' frames.
    pub time_course: super::time_course::TimeCourseTool,
    /// ROI statistics being computed, and the last ones.
    pub roi_job: super::roi::RoiJob,
    /// The Go to field.
    pub goto: super::goto::GoTo,
    /// The keyboard help sheet is open.
    pub help_open: bool,
}

impl RasviewApp {
    pub fn new(persisted: Option<Persisted>) -> Self {
        let mut viewer = Viewer::default();
        if let Some(p) = persisted {
            viewer.recent = p.recent;
            viewer.display = p.display;
            viewer.convention = p.convention;
            viewer.views = p.views;
            viewer.layout = p.layout;
            viewer.measure.restore(p.rulers);
        }
        RasviewApp {
            viewer,
            textures: ViewTextures::default(),
            inputs: Default::default(),
            background: Background::default(),
            edge_panel: EdgePanel::default(),
            histogram: IntensityHistogram::default(),
            dialogs: FileDialogs::default(),
            npy_import: None,
            automation: Automation::default(),
            exit_code: Arc::new(AtomicU8::new(0)),
            last_frame_ms: 0.0,
            status: None,
            waker: None,
            time_course: Default::default(),
            roi_job: Default::default(),
            goto: Default::default(),
            help_open: false,
        }
    }

    pub fn persisted(&self) -> Persisted {
        Persisted {
            recent: self.viewer.recent.clone(),
            display: self.viewer.display,
            convention: self.viewer.convention,
            views: self.viewer.views,
            layout: self.viewer.layout,
            rulers: self.viewer.measure.saved(),
        }
    }

    /// `launched`: when the run began ("first picture after" counts from
    /// there, the file's load and the window's creation included).
    pub fn with_screenshot(mut self, out: PathBuf, launched: std::time::Instant) -> Self {
        self.automation.screenshot = Some(ScreenshotPlan::new(out, launched));
        self
    }

    /// Scrolls for `frames` frames and prints their times; with `exports`,
    /// while exports run (see [`ScrollBenchmark::new`]).
    pub fn with_scroll_benchmark(mut self, frames: usize, exports: bool) -> Self {
        self.automation.scroll_benchmark = Some(ScrollBenchmark::new(frames, exports));
        self
    }

    /// Complete edge results delivered so far (a test counts them).
    pub fn edge_results(&self) -> u64 {
        self.edge_panel.results
    }

    /// True while an edge computation runs or waits.
    pub fn edges_busy(&self) -> bool {
        self.edge_panel.busy()
    }

    /// Repaints the window from a background thread, once a window context
    /// is known (tests without one poll instead).
    pub(super) fn repaint_waker(&self) -> impl Fn() + Send + 'static {
        let waker = self.waker.clone();
        move || {
            if let Some(ctx) = &waker {
                ctx.request_repaint();
            }
        }
    }

    /// The whole window's contents. eframe calls it every frame; egui_kittest
    /// tests call it without a GPU.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let started = std::time::Instant::now();
        let ctx = ui.ctx().clone();
        if self.waker.is_none() {
            self.waker = Some(ctx.clone());
        }
        self.poll_load();
        self.drive_frame_switch();
        self.drive_time_course(&ctx);
        self.drive_roi();
        self.poll_overlays();
        self.poll_exports();
        self.poll_dialogs(&ctx);
        self.edge_panel.drive(&mut self.viewer, &ctx);
        let wake = self.repaint_waker();
        self.histogram.update(self.viewer.loaded.as_ref(), wake);
        self.handle_dropped_files(&ctx);
        self.handle_shortcuts(&ctx);

        egui::Panel::top("menu").show(ui, |ui| self.menu_bar(ui));
        egui::Panel::bottom("status").show(ui, |ui| self.status_bar(ui));
        if self.viewer.overlays.misaligned().next().is_some() {
            egui::Panel::top("overlay banner")
                .show(ui, |ui| overlay_panel::banner(ui, &self.viewer.overlays));
        }
        // The View menu hides it; dragging its edge in or out does too.
        let mut side_panel = self.viewer.layout.side_panel;
        egui::Panel::left("controls")
            .resizable(true)
            .default_size(270.0)
            .show_collapsible(ui, &mut side_panel, |ui| {
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
                    super::goto::panel(ui, &mut self.viewer, &mut self.goto);
                    ui.separator();
                    self.edge_panel.show(ui, &mut self.viewer);
                    ui.separator();
                    super::ruler::panel(ui, &mut self.viewer);
                    ui.separator();
                    super::roi::panel(ui, &mut self.viewer, &self.roi_job);
                    ui.separator();
                    match overlay_panel::list(ui, &mut self.viewer.overlays) {
                        Some(OverlayAction::Export(index)) => self.ask_file(
                            super::file_dialog::Purpose::ExportOverlay(index, self.base_format()),
                        ),
                        Some(OverlayAction::LabelTable(index)) => {
                            self.ask_file(super::file_dialog::Purpose::LabelTable(index))
                        }
                        None => {}
                    }
                    ui.separator();
                    panels::file_facts(ui, &self.viewer);
                });
            });
        self.viewer.layout.side_panel = side_panel;
        egui::CentralPanel::no_frame().show(ui, |ui| self.views(ui));
        self.npy_dialog(&ctx);
        self.series_dialog(&ctx);
        self.help_sheet(&ctx);
        if let Some((purpose, paths)) = self.dialogs.show_field(&ctx) {
            self.chosen(purpose, paths);
        }
        self.last_frame_ms = started.elapsed().as_secs_f32() * 1e3;
        self.screenshot_step(&ctx);
        self.scroll_benchmark_step(&ctx);
    }

    /// True while the intensity histogram of the frame on screen is counted.
    pub fn histogram_pending(&self) -> bool {
        self.histogram.is_counting()
    }

    fn views(&mut self, ui: &mut egui::Ui) {
        let (views, plots) = self.viewer.layout.rects(ui.max_rect());
        for (plane, rect) in views {
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
        let Some(info) = plots.map(|r| r.shrink(8.0)) else {
            return;
        };
        let mut child = ui.new_child(egui::UiBuilder::new().max_rect(info));
        egui::ScrollArea::vertical()
            .id_salt("info quadrant")
            .show(&mut child, |ui| {
                panels::readout(ui, &self.viewer);
                self.time_course.show(ui, &mut self.viewer);
                panels::profile(ui, &self.viewer);
                if self.viewer.edge_settings.show {
                    panels::gradient_histogram(ui, &self.viewer);
                }
                let Some(l) = &self.viewer.loaded else { return };
                ui.separator();
                match self.histogram.of(l.generation) {
                    Some(h) => panels::intensity_histogram(ui, &self.viewer, h),
                    // No spinner: it would repaint on every frame; the
                    // counting thread wakes the window when it is done.
                    None if self.histogram.is_counting() => {
                        ui.label("Intensity histogram: counting...");
                    }
                    None => {}
                }
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
}

impl eframe::App for RasviewApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        if self.automation.is_active() {
            return; // test runs leave the user's settings alone
        }
        if let Ok(json) = serde_json::to_string(&self.persisted()) {
            storage.set_string(STORAGE_KEY, json);
        }
    }
}
