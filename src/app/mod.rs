//! The window (egui only). The picture in each view comes from
//! `render::render_view`, the same function `rasview render` uses.

mod automation;
mod edge_compare;
mod edge_job;
mod edge_panel;
pub mod export_job;
pub mod exports;
pub mod file_dialog;
mod goto;
mod histogram;
mod label_list;
mod label_tables;
pub mod layout;
mod loader;
mod loads;
mod menu;
mod npy_import;
mod overlay_panel;
pub mod overlays;
mod panels;
pub mod roi;
pub mod ruler;
mod series_choice;
pub mod settings;
mod shortcuts;
pub mod state;
mod textures;
pub mod time_course;
mod view_panel;
mod window;
pub mod worker;

pub use settings::{Persisted, STORAGE_KEY};
pub use window::RasviewApp;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::Ordering;

/// What the window is opened with. `main.rs` makes it from the command line,
/// so the window never depends on the CLI's types.
#[derive(Debug, Default)]
pub struct StartUp {
    /// The base volume; the bundled sample when `None`.
    pub file: Option<PathBuf>,
    /// Save a screenshot here once the volume is drawn, then exit.
    pub screenshot: Option<PathBuf>,
    /// Scroll the axial view for this many frames, print frame times, exit.
    pub scroll_benchmark: Option<usize>,
    /// With `scroll_benchmark`: keep exports running in the background
    /// and report the frame times during them.
    pub benchmark_exports: bool,
    /// Start with the edges shown.
    pub edges: bool,
    pub overlays: Vec<PathBuf>,
}

/// Opens the window on `file` (or the bundled sample), optionally taking a
/// screenshot and exiting.
pub fn run(request: StartUp) -> ExitCode {
    let launched = std::time::Instant::now();
    let file = request.file.unwrap_or_else(bundled_sample);
    let screenshot = request.screenshot;
    let scroll_benchmark = request.scroll_benchmark;
    let benchmark_exports = request.benchmark_exports;
    let show_edges = request.edges;
    let overlays = request.overlays;
    // Test and benchmark runs leave the user's settings alone.
    let screenshot_mode = screenshot.is_some() || scroll_benchmark.is_some();
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("rasview")
            .with_inner_size([1400.0, 900.0])
            .with_drag_and_drop(true),
        persist_window: !screenshot_mode,
        ..Default::default()
    };
    let exit_code = std::sync::Arc::new(std::sync::atomic::AtomicU8::new(0));
    let app_exit = exit_code.clone();
    // The file starts loading now, while the window and its GL context are
    // made (a few tenths of a second that would otherwise come before it);
    // the load wakes the window once there is one to wake.
    let window_context = std::sync::Arc::new(std::sync::OnceLock::<egui::Context>::new());
    let early_wake = window_context.clone();
    let first_load = loads::start_load(file, None, move || {
        if let Some(ctx) = early_wake.get() {
            ctx.request_repaint();
        }
    });
    let result = eframe::run_native(
        "rasview",
        options,
        Box::new(move |cc| {
            let persisted = if screenshot_mode {
                None
            } else {
                cc.storage
                    .and_then(|s| s.get_string(STORAGE_KEY))
                    .and_then(|json| Persisted::from_json(&json))
            };
            let mut app = RasviewApp::new(persisted);
            if let Some(out) = screenshot {
                app = app.with_screenshot(out, launched);
            }
            if let Some(frames) = scroll_benchmark {
                app = app.with_scroll_benchmark(frames, benchmark_exports);
            }
            app.exit_code = app_exit;
            if show_edges {
                app.viewer.edge_settings.show = true;
            }
            let _ = window_context.set(cc.egui_ctx.clone());
            app.waker = Some(cc.egui_ctx.clone());
            app.background.load = Some(first_load);
            for overlay in overlays {
                app.add_overlay(overlay, &cc.egui_ctx);
            }
            Ok(Box::new(app))
        }),
    );
    if let Err(e) = result {
        eprintln!("rasview: could not open a window: {e}");
        return ExitCode::FAILURE;
    }
    ExitCode::from(exit_code.load(Ordering::Acquire))
}

/// The sample `rasview` opens without a file: assets/highres.nii.gz of the
/// source tree it was built from when that is there (a checkout), else the
/// copy carried in the binary, written once to the user's cache folder: an
/// installed binary has no source tree beside it.
pub fn bundled_sample() -> PathBuf {
    let built_in = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("assets/highres.nii.gz");
    if built_in.exists() {
        return built_in;
    }
    // Failing that (no writable cache), the window says it cannot read the
    // path it was given, as for any missing file.
    sample_in(&cache_folder()).unwrap_or_else(|_| PathBuf::from("assets/highres.nii.gz"))
}

/// The bundled sample's bytes (2.3 MB; licence in assets/README.md).
const SAMPLE: &[u8] = include_bytes!("../../assets/highres.nii.gz");

/// `$XDG_CACHE_HOME/rasview`, `~/.cache/rasview`, or the temporary folder's.
fn cache_folder() -> PathBuf {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cache")))
        .unwrap_or_else(std::env::temp_dir);
    base.join("rasview")
}

/// The sample in `folder`, written there (atomically) unless a copy of the
/// same length already is.
fn sample_in(folder: &std::path::Path) -> std::io::Result<PathBuf> {
    let path = folder.join("highres.nii.gz");
    let present = std::fs::metadata(&path).is_ok_and(|m| m.len() == SAMPLE.len() as u64);
    if !present {
        std::fs::create_dir_all(folder)?;
        crate::volume::save::write_atomically(&path, false, &[SAMPLE])
            .map_err(|e| std::io::Error::other(e.to_string()))?;
    }
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_sample_carried_in_the_binary_is_written_once_and_loads() {
        let folder = std::env::temp_dir().join(format!("rasview-sample-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&folder);
        let path = sample_in(&folder).unwrap();
        let volume = crate::volume::load(&path).unwrap();
        assert_eq!(volume.grid.shape, [176, 211, 163]);
        let first = std::fs::metadata(&path).unwrap().modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        assert_eq!(sample_in(&folder).unwrap(), path);
        // Not written again.
        assert_eq!(std::fs::metadata(&path).unwrap().modified().unwrap(), first);
        std::fs::remove_dir_all(&folder).unwrap();
    }
}
