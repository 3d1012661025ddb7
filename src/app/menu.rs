//! The menu bar and the status bar, and what the files chosen in a dialog
//! (or typed when none can be shown) start: a load, overlays, an import, an
//! export in the background.

use super::export_job::{self, ExportKind};
use super::file_dialog::Purpose;
use super::window::RasviewApp;
use std::path::PathBuf;

impl RasviewApp {
    pub(super) fn menu_bar(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        egui::MenuBar::new().ui(ui, |ui| {
            ui.menu_button("File", |ui| {
                let base_format = self.base_format();
                for (label, purpose) in [
                    ("Open...", Purpose::Open),
                    ("Open DICOM folder...", Purpose::OpenFolder),
                    ("Add overlay...", Purpose::AddOverlay),
                    ("Import NumPy array...", Purpose::ImportNpy),
                    ("Export edges...", Purpose::ExportEdges(base_format)),
                    ("Export views as PNG...", Purpose::ExportViews),
                ] {
                    if matches!(purpose, Purpose::ExportEdges(_)) {
                        ui.separator();
                    }
                    if ui.button(label).clicked() {
                        ui.close();
                        self.ask_file(purpose);
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
                ui.separator();
                let active = self.viewer.active_plane;
                super::layout::menu(ui, &mut self.viewer.layout, active);
            });
        });
    }

    /// The open base's format: exports are written in it by default (NIfTI
    /// for a DICOM series, which is read, not written).
    pub(super) fn base_format(&self) -> crate::volume::Format {
        self.viewer
            .loaded
            .as_ref()
            .map_or(crate::volume::Format::Nifti, |l| l.volume.format)
    }

    /// Opens a file dialog without waiting for it.
    pub(super) fn ask_file(&mut self, purpose: Purpose) {
        let wake = self.repaint_waker();
        // The open volume's folder: overlays and exports usually sit beside it.
        let folder = self.viewer.loaded.as_ref().and_then(|l| {
            match l.volume.source.header.parent()? {
                // A file named without a folder is in the working directory.
                p if p.as_os_str().is_empty() => std::env::current_dir().ok(),
                p => std::path::absolute(p).ok(),
            }
        });
        self.dialogs.ask(purpose, folder, wake);
    }

    /// Takes a dialog's answer, if one has come.
    pub(super) fn poll_dialogs(&mut self, ctx: &egui::Context) {
        if let Some((purpose, paths)) = self.dialogs.poll() {
            self.chosen(purpose, paths);
        }
        if self.dialogs.is_open() {
            // The dialog's thread wakes the window; this is a fallback.
            ctx.request_repaint_after(std::time::Duration::from_millis(250));
        }
    }

    /// Acts on files chosen in a dialog or typed in the path field.
    pub(super) fn chosen(&mut self, purpose: Purpose, paths: Vec<PathBuf>) {
        let Some(first) = paths.first().cloned() else {
            return;
        };
        let kind = match purpose {
            Purpose::Open | Purpose::OpenFolder => return self.load_in_background(first),
            Purpose::AddOverlay => {
                for path in paths {
                    self.start_overlay(path);
                }
                return;
            }
            Purpose::ImportNpy => return self.import_npy(first),
            Purpose::LabelTable(index) => return self.use_label_table(index, &first),
            Purpose::ExportEdges(_) => ExportKind::Edges,
            Purpose::ExportViews => ExportKind::Views,
            Purpose::ExportOverlay(index, _) => ExportKind::Overlay(index),
        };
        self.start_export(kind, first);
    }

    /// Starts an export on its own thread, with a copy of what is on screen.
    pub fn start_export(&mut self, kind: ExportKind, out: PathBuf) {
        let wake = self.repaint_waker();
        self.background
            .exports
            .push(export_job::start(kind, &self.viewer, out, wake));
    }

    /// True while an export runs.
    pub fn is_exporting(&self) -> bool {
        !self.background.exports.is_empty()
    }

    /// Takes finished exports: success in the status bar, failure where
    /// load errors go (named file, cause).
    pub(super) fn poll_exports(&mut self) {
        let mut still = Vec::new();
        for pending in std::mem::take(&mut self.background.exports) {
            match pending.poll() {
                None => still.push(pending),
                Some(Ok(message)) => self.status = Some(message),
                Some(Err(e)) => self.viewer.error = Some(format!("export failed: {e}")),
            }
        }
        self.background.exports = still;
    }

    pub(super) fn status_bar(&mut self, ui: &mut egui::Ui) {
        ui.horizontal(|ui| {
            let load = self
                .background
                .load
                .as_ref()
                .map(|p| ("Loading", &p.path, p.progress()));
            let rest = self
                .background
                .rest
                .as_ref()
                .map(|p| ("Loading the other volumes of", &p.path, p.progress()));
            if let Some((what, path, progress)) = load.or(rest) {
                ui.label(format!("{what} {}", path.display()));
                ui.add(
                    egui::ProgressBar::new(progress)
                        .desired_width(200.0)
                        .show_percentage(),
                );
            } else if let Some(e) = self.background.exports.first() {
                ui.label(format!("Exporting {}", e.path.display()));
                ui.add(
                    egui::ProgressBar::new(e.progress())
                        .desired_width(200.0)
                        .show_percentage(),
                );
            } else if !self.background.overlays.is_empty() {
                ui.spinner();
                ui.label(format!(
                    "Checking {} overlay(s) against the base",
                    self.background.overlays.len()
                ));
            } else if self.dialogs.is_open() {
                ui.label("A file dialog is open");
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
}
