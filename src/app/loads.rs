//! What the window loads in the background: the base volume (made ready
//! to show on its loading thread), overlays (each checked against the base
//! on its own thread), and NumPy arrays through the import dialog.

use super::export_job::PendingExport;
use super::loader::{load_job, load_job_with, PendingLoad};
use super::npy_import::{self, ImportChoice, NpyImport};
use super::overlays::ForeignOverlay;
use super::state::{LoadedVolume, ReadyVolume};
use super::window::RasviewApp;
use crate::volume::{self, LoadError, LoadOptions};
use std::path::PathBuf;

/// Work running on other threads for the window; each piece wakes the
/// window when it has news and is taken up by the next frame.
#[derive(Default)]
pub struct Background {
    /// The base volume loading (and made ready to show), if one is: for a
    /// 4D file, its first volume alone.
    pub load: Option<PendingLoad<Opened>>,
    /// The rest of a 4D base, read whole behind its first volume on screen.
    pub rest: Option<PendingLoad<crate::volume::Volume>>,
    /// Overlays loading and being checked, each on its own thread.
    pub overlays: Vec<PendingLoad<Vec<ForeignOverlay>>>,
    /// Overlays asked for before the base has loaded (command line).
    pub queued_overlays: Vec<PathBuf>,
    /// Exports running, each on its own thread.
    pub exports: Vec<PendingExport>,
    /// A frame of the 4D base being converted for the volume slider.
    pub frame: Option<PendingLoad<LoadedVolume>>,
    /// A folder of several DICOM series, waiting for the user's choice.
    pub series_choice: Option<SeriesChoice>,
    /// The DICOM series the base load reads (the rest of a 4D one too).
    pub series: Option<String>,
}

/// What a load found: a volume to show, or several DICOM series to
/// choose from (listed without reading any voxel).
pub enum Opened {
    Ready(ReadyVolume),
    ChooseSeries(SeriesChoice),
}

/// The series of a folder, offered in a dialog.
pub struct SeriesChoice {
    pub path: PathBuf,
    pub series: Vec<crate::volume::dicom::SeriesSummary>,
}

impl RasviewApp {
    /// Starts loading a file in the background; the current volume stays on
    /// screen until the new one has loaded, and stays if it fails.
    pub fn open(&mut self, path: PathBuf, ctx: &egui::Context) {
        self.waker = Some(ctx.clone());
        self.load_in_background(path);
    }

    /// [`RasviewApp::open`] with the context the window was last drawn in.
    pub(super) fn load_in_background(&mut self, path: PathBuf) {
        self.load_series_in_background(path, None);
    }

    /// Loads one DICOM series of a folder (`None`: the only one, or ask).
    pub fn load_series_in_background(&mut self, path: PathBuf, series: Option<String>) {
        self.background.series_choice = None;
        self.background.series = series.clone();
        self.background.load = Some(start_load(path, series, self.repaint_waker()));
    }

    /// Loads a file before returning (tests and the first file of a run
    /// in screenshot mode use the same path as the background load).
    pub fn open_now(&mut self, path: PathBuf) {
        self.background.load = Some(start_load(path, None, || {}));
        self.finish_loading();
    }

    /// Waits for the base load running (tests).
    pub fn finish_loading(&mut self) {
        while self.background.load.is_some() || self.background.rest.is_some() {
            self.poll_load();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    pub fn is_loading(&self) -> bool {
        self.background.load.is_some()
            || self.background.rest.is_some()
            || !self.background.overlays.is_empty()
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
        while !self.background.overlays.is_empty() {
            self.poll_overlays();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }

    pub(super) fn start_overlay(&mut self, path: PathBuf) {
        if self.viewer.loaded.is_none() {
            self.background.queued_overlays.push(path);
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
        let nth_mask = self.viewer.overlays.mask_count() + self.background.overlays.len();
        let name = file_name(&path);
        let wake = self.repaint_waker();
        self.background
            .overlays
            .push(PendingLoad::run("loading", path, wake, move |report| {
                let volume = get(report)?;
                let reference = crate::overlay::EdgeReference::of(&base);
                Ok(ForeignOverlay::prepare_layers(
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

    pub(super) fn npy_dialog(&mut self, ctx: &egui::Context) {
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

    pub(super) fn poll_overlays(&mut self) {
        let mut still = Vec::new();
        for pending in std::mem::take(&mut self.background.overlays) {
            match pending.poll() {
                None => still.push(pending),
                Some(Ok(overlays)) => {
                    for overlay in overlays {
                        self.viewer.overlays.add(overlay);
                    }
                }
                Some(Err(message)) => {
                    self.viewer.error = Some(format!("overlay: {message}"));
                }
            }
        }
        self.background.overlays = still;
    }

    fn finish_load(&mut self, result: Result<Opened, String>) {
        match result {
            Ok(Opened::ChooseSeries(choice)) => self.background.series_choice = Some(choice),
            Ok(Opened::Ready(ready)) => {
                let views = self.viewer.views;
                let keep_views = self.viewer.loaded.is_none();
                let rest = ready.has_more_volumes().then(|| ready.path());
                self.viewer.show_volume(ready);
                // A 4D file: its first volume is on screen; the rest follows.
                let series = self.background.series.clone();
                self.background.rest = rest.map(|path| {
                    PendingLoad::run(
                        "loading",
                        path.clone(),
                        self.repaint_waker(),
                        load_job_with(
                            path,
                            LoadOptions {
                                series,
                                ..LoadOptions::default()
                            },
                        ),
                    )
                });
                if keep_views {
                    // The first volume of a run takes the remembered layout.
                    self.viewer.views = views;
                }
                for path in std::mem::take(&mut self.background.queued_overlays) {
                    self.start_overlay(path);
                }
            }
            Err(message) => {
                // The message names the file already (LoadError's contract).
                self.viewer.error = Some(message);
            }
        }
    }

    /// Converts the frame the volume slider asks for on a thread of its own
    /// (one at a time: a newer wish is taken up when it finishes) and shows
    /// it once made.
    pub fn drive_frame_switch(&mut self) {
        if let Some(pending) = &self.background.frame {
            match pending.poll() {
                None => return,
                Some(Ok(frame)) => self.viewer.show_frame(frame),
                Some(Err(message)) => self.viewer.error = Some(message),
            }
            self.background.frame = None;
        }
        let Some(t) = self.viewer.wanted_frame else {
            return;
        };
        let Some(l) = &self.viewer.loaded else {
            return;
        };
        if !l.volume.volumes_held().contains(&t) {
            self.viewer.wanted_frame = None;
            return;
        }
        let volume = l.volume.clone();
        let path = volume.source.header.clone();
        self.background.frame = Some(PendingLoad::run(
            "converting",
            path,
            self.repaint_waker(),
            move |_| Ok(LoadedVolume::new(volume, t, 0)),
        ));
    }

    pub(super) fn poll_load(&mut self) {
        if let Some(pending) = &self.background.load {
            if let Some(result) = pending.poll() {
                self.background.load = None;
                self.finish_load(result);
            }
        }
        if let Some(pending) = &self.background.rest {
            if let Some(result) = pending.poll() {
                let path = pending.path.clone();
                self.background.rest = None;
                match result {
                    Ok(whole) => self.viewer.complete_volume(whole),
                    Err(message) => {
                        self.viewer.error = Some(format!(
                            "only the first volume of {} is shown: {message}",
                            path.display()
                        ))
                    }
                }
            }
        }
    }
}

/// Loads `path` (its first volume; of a DICOM folder, `series`) on a
/// thread of its own and makes it ready to show there. A folder of several
/// series with none chosen lists them for the user instead.
pub(super) fn start_load(
    path: PathBuf,
    series: Option<String>,
    wake: impl Fn() + Send + 'static,
) -> PendingLoad<Opened> {
    let options = LoadOptions {
        only_volume: Some(0),
        series,
        ..LoadOptions::default()
    };
    PendingLoad::run(
        "loading",
        path.clone(),
        wake,
        move |report| match volume::load_reporting(&path, &options, report) {
            Ok(v) => Ok(Opened::Ready(ReadyVolume::prepare(v))),
            Err(LoadError::SeveralSeries { .. }) => volume::dicom::list_series(&path)
                .map(|series| Opened::ChooseSeries(SeriesChoice { path, series }))
                .map_err(|e| e.to_string()),
            Err(e) => Err(e.to_string()),
        },
    )
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
