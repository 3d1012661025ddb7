//! The overlay list (visibility, order, style, opacity) and the banner that
//! names any overlay whose check failed.

use super::overlays::OverlayList;
use crate::render::{Colormap, LayerStyle, WindowLevel};
use egui::{Color32, RichText};

/// What the user asked for in the list that the window must do.
pub enum OverlayAction {
    /// Save this overlay resampled onto the base's grid, with its geometry.
    Export(usize),
    /// Choose a label table (names and colours) for this overlay.
    LabelTable(usize),
}

const WARNING_RED: Color32 = Color32::from_rgb(255, 110, 110);
const ALIGNED_GREEN: Color32 = Color32::from_rgb(120, 220, 120);

/// A red banner per misaligned overlay, with every finding a click away.
/// Shown above the views, so a misplaced overlay cannot go unnoticed.
pub fn banner(ui: &mut egui::Ui, overlays: &OverlayList) {
    for overlay in overlays.misaligned() {
        egui::Frame::new()
            .fill(Color32::from_rgb(90, 20, 20))
            .inner_margin(6.0)
            .show(ui, |ui| {
                ui.label(
                    RichText::new(overlay.verdict())
                        .color(Color32::WHITE)
                        .strong(),
                );
                ui.collapsing("Why", |ui| {
                    for f in &overlay.report.findings {
                        ui.label(RichText::new(format!("- {f}")).color(Color32::WHITE));
                    }
                });
            });
    }
}

/// The list of overlays with their controls; the last is drawn on top.
pub fn list(ui: &mut egui::Ui, overlays: &mut OverlayList) -> Option<OverlayAction> {
    ui.heading("Overlays");
    if overlays.items.is_empty() {
        ui.label("File > Add overlay, or drop a file with Shift held.");
        return None;
    }
    let mut action = None;
    let (mut remove, mut raise, mut lower) = (None, None, None);
    let mut changed = false;
    let count = overlays.items.len();
    for (index, overlay) in overlays.items.iter_mut().enumerate().rev() {
        ui.push_id(index, |ui| {
            ui.horizontal(|ui| {
                changed |= ui
                    .checkbox(&mut overlay.visible, RichText::new(&overlay.name).strong())
                    .on_hover_text("Show or hide")
                    .changed();
                ui.label(format!("({})", overlay.kind));
            });
            let (text, colour) = if overlay.report.aligned {
                (
                    if overlay.report.same_grid {
                        "aligned: same grid".to_string()
                    } else {
                        "aligned: another grid, placed by both headers".to_string()
                    },
                    ALIGNED_GREEN,
                )
            } else {
                ("NOT aligned (see the banner)".to_string(), WARNING_RED)
            };
            ui.label(RichText::new(text).color(colour));
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(index + 1 < count, egui::Button::new("Up"))
                    .on_hover_text("Draw above the next overlay")
                    .clicked()
                {
                    raise = Some(index);
                }
                if ui
                    .add_enabled(index > 0, egui::Button::new("Down"))
                    .clicked()
                {
                    lower = Some(index);
                }
                if ui.button("Remove").clicked() {
                    remove = Some(index);
                }
                if ui
                    .button("Export...")
                    .on_hover_text("Save on the base's grid, with the base's geometry")
                    .clicked()
                {
                    action = Some(OverlayAction::Export(index));
                }
            });
            changed |= ui
                .add(egui::Slider::new(&mut overlay.opacity, 0.0..=1.0).text("Opacity"))
                .changed();
            match &mut overlay.style {
                LayerStyle::Mask(colour) => {
                    ui.horizontal(|ui| {
                        changed |= ui.color_edit_button_srgb(colour).changed();
                        changed |= ui.checkbox(&mut overlay.outline, "outline").changed();
                        if table_button(ui) {
                            action = Some(OverlayAction::LabelTable(index));
                        }
                    });
                }
                LayerStyle::Labels => {
                    ui.horizontal(|ui| {
                        changed |= ui.checkbox(&mut overlay.outline, "outline").changed();
                        if table_button(ui) {
                            action = Some(OverlayAction::LabelTable(index));
                        }
                    });
                    changed |= super::label_list::show(ui, overlay);
                }
                LayerStyle::Map { colormap, window } => {
                    changed |= map_controls(ui, colormap, window);
                }
            }
            ui.separator();
        });
    }
    if let Some(i) = remove {
        overlays.remove(i);
    } else if let Some(i) = raise {
        overlays.raise(i);
    } else if let Some(i) = lower {
        overlays.lower(i);
    } else if changed {
        overlays.touch();
    }
    action
}

/// The button that opens the file dialog for a label table.
fn table_button(ui: &mut egui::Ui) -> bool {
    ui.button("Label table...")
        .on_hover_text(
            "Names and colours from a FreeSurfer, ITK-SNAP or Slicer table \
             (found beside the file when named like it)",
        )
        .clicked()
}

/// Colormap and window of a float map; values below the window are hidden.
fn map_controls(ui: &mut egui::Ui, colormap: &mut Colormap, window: &mut WindowLevel) -> bool {
    let mut changed = false;
    egui::ComboBox::from_label("Map colours")
        .selected_text(colormap.name())
        .show_ui(ui, |ui| {
            for c in Colormap::ALL {
                changed |= ui.selectable_value(colormap, c, c.name()).changed();
            }
        });
    let (mut low, mut high) = (window.low(), window.high());
    let speed = (window.window / 200.0).max(1e-6);
    ui.horizontal(|ui| {
        // Labelled for screen readers (and kittest's accessibility check).
        let from = ui.label("show from");
        changed |= ui
            .add(egui::DragValue::new(&mut low).speed(speed))
            .labelled_by(from.id)
            .changed();
        let to = ui.label("to");
        changed |= ui
            .add(egui::DragValue::new(&mut high).speed(speed))
            .labelled_by(to.id)
            .changed();
    });
    if changed && high > low {
        *window = WindowLevel::from_range(low, high);
    }
    changed
}
