//! The labels present in a label overlay: a colour swatch, the value and
//! name, the voxel count and a visibility toggle each.

use super::overlays::ForeignOverlay;
use egui::{Color32, RichText};

/// Above this many labels the list scrolls on its own.
const ROWS_BEFORE_SCROLLING: usize = 12;

/// Shows the list; true when a label was hidden or shown.
pub fn show(ui: &mut egui::Ui, overlay: &mut ForeignOverlay) -> bool {
    let present = overlay.present_labels();
    if present.is_empty() {
        ui.label("no labels in this overlay");
        return false;
    }
    let named = present.iter().filter(|l| l.name.is_some()).count();
    let mut changed = false;
    egui::CollapsingHeader::new(format!("{} labels present ({named} named)", present.len()))
        .id_salt("present labels")
        .default_open(true)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                for (text, hide) in [("Show all", false), ("Hide all", true)] {
                    if ui.small_button(text).clicked() {
                        for l in &present {
                            overlay.set_hidden(l.value, hide);
                        }
                        changed = true;
                    }
                }
            });
            let mut rows = |ui: &mut egui::Ui| {
                egui::Grid::new("label rows")
                    .num_columns(3)
                    .spacing([6.0, 2.0])
                    .show(ui, |ui| {
                        for l in &present {
                            let [r, g, b] = l.colour;
                            let (rect, _) = ui
                                .allocate_exact_size(egui::vec2(12.0, 12.0), egui::Sense::hover());
                            ui.painter()
                                .rect_filled(rect, 2.0, Color32::from_rgb(r, g, b));
                            let name = match &l.name {
                                Some(n) => RichText::new(format!("{} {n}", l.value)),
                                None => RichText::new(format!("{} unnamed", l.value)).weak(),
                            };
                            let mut shown = !l.hidden;
                            if ui
                                .checkbox(&mut shown, name)
                                .on_hover_text("Draw this label or not")
                                .changed()
                            {
                                overlay.set_hidden(l.value, !shown);
                                changed = true;
                            }
                            ui.label(format!("{} vox", crate::words::thousands(l.count)));
                            ui.end_row();
                        }
                    });
            };
            if present.len() > ROWS_BEFORE_SCROLLING {
                egui::ScrollArea::vertical()
                    .id_salt("label rows scroll")
                    .max_height(260.0)
                    .show(ui, rows);
            } else {
                rows(ui);
            }
        });
    changed
}
