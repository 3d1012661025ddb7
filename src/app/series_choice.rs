//! The choice among the DICOM series of a folder: the window lists them
//! (number, description, modality, slices, size) and loads the one picked,
//! as `--series` does on the command line.

use super::window::RasviewApp;

impl RasviewApp {
    /// The series offered for a choice, while the dialog shows.
    pub fn offered_series(&self) -> &[crate::volume::dicom::SeriesSummary] {
        self.background
            .series_choice
            .as_ref()
            .map_or(&[], |c| c.series.as_slice())
    }

    pub(super) fn series_dialog(&mut self, ctx: &egui::Context) {
        let Some(choice) = &self.background.series_choice else {
            return;
        };
        let mut picked = None;
        let mut cancel = false;
        egui::Window::new("Choose a DICOM series")
            .collapsible(false)
            .anchor(egui::Align2::CENTER_CENTER, egui::Vec2::ZERO)
            .show(ctx, |ui| {
                ui.label(format!(
                    "{} holds {} series:",
                    choice.path.display(),
                    choice.series.len()
                ));
                for s in &choice.series {
                    let number = s
                        .series_number
                        .map_or_else(|| "-".to_string(), |n| n.to_string());
                    let [ni, nj, nk] = s.shape;
                    let text = format!(
                        "#{number}  {}  ({}, {} slices, {ni} x {nj} x {nk}{})",
                        if s.series_description.is_empty() {
                            "(no description)"
                        } else {
                            &s.series_description
                        },
                        s.modality,
                        s.slices,
                        if s.volumes > 1 {
                            format!(", {} volumes", s.volumes)
                        } else {
                            String::new()
                        }
                    );
                    if ui.button(text).on_hover_text(&s.series_uid).clicked() {
                        picked = Some(s.series_uid.clone());
                    }
                }
                if ui.button("Cancel").clicked() {
                    cancel = true;
                }
            });
        if let Some(uid) = picked {
            let path = choice.path.clone();
            self.load_series_in_background(path, Some(uid));
        } else if cancel {
            self.background.series_choice = None;
        }
    }
}
