//! The window driving itself, for tests and benchmarks: a screenshot once
//! the volume (and any edges and overlays) is on screen, and the scroll
//! benchmark, which steps the axial view one slice per frame and times the
//! frames, optionally while edges compute or exports run.

/// Prints a benchmark line; a closed pipe (`| head`) is not an error here.
macro_rules! say {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        let _ = writeln!(std::io::stdout(), $($arg)*);
    }};
}

use super::export_job::{self, ExportKind};
use super::window::RasviewApp;
use crate::geometry::Plane;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Instant;

/// What the window does by itself; both may be asked for at once.
#[derive(Default)]
pub struct Automation {
    pub screenshot: Option<ScreenshotPlan>,
    pub scroll_benchmark: Option<ScrollBenchmark>,
}

impl Automation {
    /// True in a test or benchmark run (they leave the user's settings alone).
    pub fn is_active(&self) -> bool {
        self.screenshot.is_some() || self.scroll_benchmark.is_some()
    }
}

/// Taking a screenshot once the volume is on screen, then closing.
pub struct ScreenshotPlan {
    out: PathBuf,
    requested: bool,
    done: Arc<AtomicBool>,
    frames_with_volume: u32,
    /// The first picture has been reported.
    drawn: bool,
    /// The longest UI pass (ms) and the frame count, while the volume
    /// loads (after the very first frame, which builds the fonts) and
    /// from its first picture to the screenshot.
    longest_ui_ms: [f32; 2],
    frames: [u32; 2],
    /// When the run began: "first picture after" is measured from here (a
    /// benchmark compares it with `rasview info`).
    started: Instant,
}

impl ScreenshotPlan {
    pub fn new(out: PathBuf, started: Instant) -> Self {
        ScreenshotPlan {
            out,
            requested: false,
            done: Arc::new(AtomicBool::new(false)),
            frames_with_volume: 0,
            drawn: false,
            longest_ui_ms: [0.0; 2],
            frames: [0; 2],
            started,
        }
    }
}

/// One frame's times.
struct FrameTime {
    ui_ms: f32,
    interval_ms: f32,
    edges_busy: bool,
    exporting: bool,
}

/// Scrolling the axial view one slice per frame, timing each frame.
pub struct ScrollBenchmark {
    frames: usize,
    direction: i32,
    times: Vec<FrameTime>,
    last: Option<Instant>,
    /// Keep exports running into this folder, and time frames during them.
    exports: Option<ExportBench>,
}

/// Exports for the benchmark: first each once on the UI thread (as the
/// window ran them before), then again and again in the background.
struct ExportBench {
    dir: PathBuf,
    kinds: Vec<ExportKind>,
    started: usize,
    finished: usize,
    /// Each kind's time on the UI thread: the frame it froze.
    blocking_ms: Vec<(ExportKind, f32)>,
}

impl ScrollBenchmark {
    /// `exports`: also keep exporting (edges when shown, every overlay, the
    /// views) into a temporary folder while scrolling.
    pub fn new(frames: usize, exports: bool) -> Self {
        ScrollBenchmark {
            frames,
            direction: 1,
            times: Vec::with_capacity(frames),
            last: None,
            exports: exports.then(|| ExportBench {
                dir: std::env::temp_dir()
                    .join(format!("rasview-export-bench-{}", std::process::id())),
                kinds: Vec::new(),
                started: 0,
                finished: 0,
                blocking_ms: Vec::new(),
            }),
        }
    }
}

/// Median, 95th percentile and maximum of `v` (empty gives zeros).
fn stats(mut v: Vec<f32>) -> (f32, f32, f32) {
    if v.is_empty() {
        return (0.0, 0.0, 0.0);
    }
    v.sort_by(f32::total_cmp);
    (v[v.len() / 2], v[v.len() * 95 / 100], v[v.len() - 1])
}

fn print_times(label: &str, times: &[&FrameTime]) {
    let (ui50, ui95, uimax) = stats(times.iter().map(|t| t.ui_ms).collect());
    let (in50, in95, inmax) = stats(times.iter().map(|t| t.interval_ms).collect());
    say!("{label}, {} frames:", times.len());
    say!("  ui pass (reslice the axial view + layout): median {ui50:.2} ms, p95 {ui95:.2} ms, max {uimax:.2} ms");
    say!("  frame interval (ui + paint + present):       median {in50:.2} ms, p95 {in95:.2} ms, max {inmax:.2} ms");
}

impl RasviewApp {
    /// One step of the scroll benchmark, after the frame's UI pass.
    pub(super) fn scroll_benchmark_step(&mut self, ctx: &egui::Context) {
        let Some(mut bench) = self.automation.scroll_benchmark.take() else {
            return;
        };
        if self.viewer.loaded.is_none() {
            if self.background.load.is_none() {
                self.exit_code.store(1, Ordering::Release);
                ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            }
            self.automation.scroll_benchmark = Some(bench);
            ctx.request_repaint();
            return;
        }
        let overlays =
            !self.background.overlays.is_empty() || !self.background.queued_overlays.is_empty();
        let first_edges = bench.exports.is_some()
            && self.viewer.edge_settings.show
            && self.viewer.edges.is_none();
        if overlays || first_edges {
            // What the exports export must be there first.
            self.automation.scroll_benchmark = Some(bench);
            ctx.request_repaint();
            return;
        }
        let now = Instant::now();
        if let Some(last) = bench.last {
            bench.times.push(FrameTime {
                ui_ms: self.last_frame_ms,
                interval_ms: (now - last).as_secs_f32() * 1e3,
                edges_busy: self.edge_panel.busy(),
                exporting: !self.background.exports.is_empty(),
            });
        }
        bench.last = Some(now);
        if bench.times.len() >= bench.frames {
            bench.report();
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        // With edges on, keep a computation running: a new sigma every 40
        // frames, so the frames measured are frames during edge work.
        if self.viewer.edge_settings.show && bench.times.len() % 40 == 0 {
            let p = &mut self.viewer.edge_settings.params;
            p.sigma_mm = if p.sigma_mm == 1.0 { 1.05 } else { 1.0 };
        }
        if bench.exports.is_some() {
            self.keep_exporting(&mut bench);
        }
        // Bounce between the first and last slice.
        let before = self.viewer.cursor_ras;
        self.viewer.step(Plane::Axial, bench.direction);
        if self.viewer.cursor_ras == before {
            bench.direction = -bench.direction;
            self.viewer.step(Plane::Axial, bench.direction);
        }
        self.automation.scroll_benchmark = Some(bench);
        ctx.request_repaint();
    }

    /// Starts the next export when none runs; the first time, times each
    /// kind on the UI thread instead (the frame it freezes is the figure
    /// to compare with).
    fn keep_exporting(&mut self, bench: &mut ScrollBenchmark) {
        let Some(exports) = &mut bench.exports else {
            return;
        };
        if exports.kinds.is_empty() {
            if let Err(e) = std::fs::create_dir_all(&exports.dir) {
                eprintln!("rasview: {}: {e}", exports.dir.display());
                bench.exports = None;
                return;
            }
            if self.viewer.edges.is_some() && self.viewer.edge_settings.show {
                exports.kinds.push(ExportKind::Edges);
            }
            let overlays = self.viewer.overlays.items.len();
            exports.kinds.extend((0..overlays).map(ExportKind::Overlay));
            exports.kinds.push(ExportKind::Views);
            for &kind in &exports.kinds {
                let out = export_path(&exports.dir, kind, 0);
                let started = Instant::now();
                if let Err(e) = export_job::run(kind, &self.viewer, &out, &|_| {}) {
                    eprintln!("rasview: export for the benchmark failed: {e:#}");
                }
                exports
                    .blocking_ms
                    .push((kind, started.elapsed().as_secs_f32() * 1e3));
            }
            // That frame's time is the exports': leave it out of the rest.
            bench.last = None;
            return;
        }
        if self.background.exports.is_empty() {
            let kind = exports.kinds[exports.started % exports.kinds.len()];
            exports.started += 1;
            let out = export_path(&exports.dir, kind, exports.started);
            let wake = self.repaint_waker();
            self.background
                .exports
                .push(export_job::start(kind, &self.viewer, out, wake));
        }
        exports.finished = exports.started - self.background.exports.len();
    }
}

/// A name in the benchmark's folder for the `n`th export of `kind`.
fn export_path(dir: &std::path::Path, kind: ExportKind, n: usize) -> PathBuf {
    dir.join(match kind {
        ExportKind::Edges => format!("edges_{n}.nii.gz"),
        ExportKind::Views => format!("views_{n}.png"),
        ExportKind::Overlay(i) => format!("overlay{i}_{n}.nii.gz"),
    })
}

impl ScrollBenchmark {
    fn report(&self) {
        let edges = self.times.iter().filter(|t| t.edges_busy).count();
        say!(
            "scrolling the axial view one slice per frame, {} frames ({edges} of them while edges were being computed)",
            self.frames
        );
        print_times("all frames", &self.times.iter().collect::<Vec<_>>());
        if let Some(exports) = &self.exports {
            for (kind, ms) in &exports.blocking_ms {
                say!("export {kind:?} on the UI thread (as before): one frame of {ms:.0} ms");
            }
            let during: Vec<&FrameTime> = self.times.iter().filter(|t| t.exporting).collect();
            print_times(
                &format!(
                    "frames while an export ran in the background ({} exports finished)",
                    exports.finished
                ),
                &during,
            );
            let _ = std::fs::remove_dir_all(&exports.dir);
        }
    }
}

impl RasviewApp {
    /// One step of the screenshot mode, after the frame's UI pass.
    pub(super) fn screenshot_step(&mut self, ctx: &egui::Context) {
        let Some(plan) = self.automation.screenshot.as_mut() else {
            return;
        };
        let phase = usize::from(plan.drawn);
        if plan.frames[phase] > 0 || phase == 1 {
            plan.longest_ui_ms[phase] = plan.longest_ui_ms[phase].max(self.last_frame_ms);
        }
        plan.frames[phase] += 1;
        if self
            .automation
            .screenshot
            .as_ref()
            .is_some_and(|p| p.done.load(Ordering::Acquire))
        {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
            return;
        }
        if self.viewer.loaded.is_none() {
            if self.background.load.is_none() {
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
        if let Some(plan) = self.automation.screenshot.as_mut().filter(|p| !p.drawn) {
            // This frame drew the views for the first time.
            plan.drawn = true;
            eprintln!(
                "rasview: first picture after {:.2} s",
                plan.started.elapsed().as_secs_f64()
            );
        }
        if self.waits_for_background_work() {
            ctx.request_repaint();
            return;
        }
        let exit_code = self.exit_code.clone();
        let Some(plan) = &mut self.automation.screenshot else {
            return;
        };
        plan.frames_with_volume += 1;
        // A few frames so that layout and textures have settled.
        if plan.frames_with_volume >= 3 && !plan.requested {
            plan.requested = true;
            eprintln!(
                "rasview: longest UI pass {:.1} ms over {} frames while loading, {:.1} ms over {} frames from the first picture on",
                plan.longest_ui_ms[0],
                plan.frames[0].saturating_sub(1),
                plan.longest_ui_ms[1],
                plan.frames[1]
            );
            let out = plan.out.clone();
            let done = plan.done.clone();
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

    /// True while edges that are shown, overlays asked for, or the
    /// intensity histogram are still on their way.
    fn waits_for_background_work(&self) -> bool {
        let edges = self.viewer.edge_settings.show
            && (self.viewer.edges.is_none() || self.viewer.edges_stale() || self.edge_panel.busy());
        let overlays =
            !self.background.overlays.is_empty() || !self.background.queued_overlays.is_empty();
        edges || overlays || self.histogram_pending()
    }
}
