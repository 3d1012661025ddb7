//! The measuring mode: two clicks make a ruler, in one view or across
//! views (the second after moving slices). Rulers are kept per file (by its
//! canonical path) and saved with the settings, listed with their ends in
//! RAS, drawn in every view (solid on their slice, dashed and faded as a
//! projection elsewhere) and in the views PNG export. The geometry (length,
//! on which slice, where the label goes) is `geometry::ruler`'s.

use super::state::{ScreenMapping, Viewer};
use crate::geometry::ruler::{dashes, label_box_within};
use crate::geometry::{Plane, Ruler};
use egui::{Align2, Color32, FontId, Pos2, Rect, Stroke, Vec2};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Rulers of every file seen, the one on screen, and the measuring mode.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Measure {
    /// Clicks in a view place ruler ends instead of moving the cursor.
    pub active: bool,
    /// The first end of a ruler being made.
    pub pending: Option<[f64; 3]>,
    file: Option<PathBuf>,
    by_file: BTreeMap<PathBuf, Vec<Ruler>>,
}

impl Measure {
    /// The rulers of the volume on screen.
    pub fn rulers(&self) -> &[Ruler] {
        self.file
            .as_ref()
            .and_then(|f| self.by_file.get(f))
            .map_or(&[], |r| r.as_slice())
    }

    /// Shows another file's rulers (those saved for it, if any).
    pub fn switch_to(&mut self, path: &Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.file = Some(path);
        self.pending = None;
    }

    /// Takes one end: the first waits, the second makes a ruler (returned).
    /// A second click on the first end (a double click) makes none.
    pub fn add_point(&mut self, world: [f64; 3]) -> Option<Ruler> {
        let Some(a_ras) = self.pending.take() else {
            self.pending = Some(world);
            return None;
        };
        let ruler = Ruler {
            a_ras,
            b_ras: world,
        };
        if ruler.length_mm() < 1e-6 {
            self.pending = Some(a_ras);
            return None;
        }
        let file = self.file.clone()?;
        self.by_file.entry(file).or_default().push(ruler);
        Some(ruler)
    }

    pub fn delete(&mut self, index: usize) {
        if let Some(rulers) = self.file.as_ref().and_then(|f| self.by_file.get_mut(f)) {
            if index < rulers.len() {
                rulers.remove(index);
            }
        }
        self.by_file.retain(|_, r| !r.is_empty());
    }

    pub fn clear(&mut self) {
        if let Some(f) = &self.file {
            self.by_file.remove(f);
        }
        self.pending = None;
    }

    pub fn toggle(&mut self) {
        self.active = !self.active;
        self.pending = None;
    }

    /// What is saved between runs: every file's rulers.
    pub fn saved(&self) -> BTreeMap<PathBuf, Vec<Ruler>> {
        self.by_file.clone()
    }

    /// Takes the rulers saved by an earlier run.
    pub fn restore(&mut self, saved: BTreeMap<PathBuf, Vec<Ruler>>) {
        self.by_file = saved;
        self.by_file.retain(|_, r| !r.is_empty());
    }
}

impl Viewer {
    /// A click in measuring mode: the world point under it (on the view's
    /// plane through the cursor) becomes a ruler end, and the cursor goes
    /// there so the other views show slices through it.
    pub fn measure_click(&mut self, plane: Plane, mapping: &ScreenMapping, offset: [f64; 2]) {
        let world = self.world_at(plane, mapping, offset);
        self.active_plane = plane;
        if !self.inside_box(world) {
            return;
        }
        self.cursor_ras = world;
        self.measure.add_point(world);
    }
}

const RULER: Color32 = Color32::from_rgb(
    crate::render::RULER_COLOUR[0],
    crate::render::RULER_COLOUR[1],
    crate::render::RULER_COLOUR[2],
);

/// Draws the rulers (and the one being made, to the pointer) in a view.
pub fn draw_in_view(
    painter: &egui::Painter,
    rect: Rect,
    plane: Plane,
    viewer: &Viewer,
    mapping: &ScreenMapping,
    hover: Option<Pos2>,
) {
    let to_screen = |world: [f64; 3]| {
        let o = viewer.screen_offset_of(plane, mapping, world);
        rect.center() + Vec2::new(o[0] as f32, o[1] as f32)
    };
    let n = plane.normal_axis();
    let slice_mm = viewer.slice_step_mm(plane);
    let mut shown: Vec<(Ruler, bool)> = viewer
        .measure
        .rulers()
        .iter()
        .map(|r| (*r, r.on_slice(n, viewer.cursor_ras[n], slice_mm)))
        .collect();
    if let (Some(a_ras), Some(p)) = (viewer.measure.pending, hover) {
        if rect.contains(p) {
            let offset = [
                (p.x - rect.center().x) as f64,
                (p.y - rect.center().y) as f64,
            ];
            let b_ras = viewer.world_at(plane, mapping, offset);
            shown.push((Ruler { a_ras, b_ras }, true));
        } else {
            painter.circle_filled(to_screen(a_ras), 3.0, RULER);
        }
    }
    for (ruler, on_slice) in shown {
        let (a, b) = (to_screen(ruler.a_ras), to_screen(ruler.b_ras));
        let colour = if on_slice {
            RULER
        } else {
            RULER.gamma_multiply(0.55)
        };
        let stroke = Stroke::new(1.5, colour);
        if on_slice {
            painter.line_segment([a, b], stroke);
        } else {
            let pieces = dashes([a.x as f64, a.y as f64], [b.x as f64, b.y as f64], 6.0, 4.0);
            for [p, q] in pieces {
                painter.line_segment(
                    [
                        Pos2::new(p[0] as f32, p[1] as f32),
                        Pos2::new(q[0] as f32, q[1] as f32),
                    ],
                    stroke,
                );
            }
        }
        for end in [a, b] {
            painter.circle_stroke(end, 3.0, stroke);
        }
        let galley = painter.layout_no_wrap(ruler.label(), FontId::proportional(13.0), colour);
        let size = galley.size() + Vec2::splat(4.0);
        let label = label_box_within(
            [a.x as f64, a.y as f64],
            [b.x as f64, b.y as f64],
            [size.x as f64, size.y as f64],
            6.0,
            [rect.left() as f64, rect.top() as f64],
            [rect.right() as f64, rect.bottom() as f64],
        );
        let centre = Pos2::new(label.centre[0] as f32, label.centre[1] as f32);
        painter.rect_filled(
            Rect::from_center_size(centre, size),
            2.0,
            Color32::from_black_alpha(160),
        );
        painter.galley(centre - galley.size() / 2.0, galley, colour);
    }
    if viewer.measure.active {
        painter.text(
            rect.right_top() + Vec2::new(-6.0, 6.0),
            Align2::RIGHT_TOP,
            if viewer.measure.pending.is_some() {
                "measuring: click the second end"
            } else {
                "measuring: click the first end"
            },
            FontId::proportional(12.0),
            RULER,
        );
    }
}

/// The Rulers section of the side panel: the mode, and each ruler with its
/// length and ends in RAS, deletable.
pub fn panel(ui: &mut egui::Ui, viewer: &mut Viewer) {
    ui.heading("Rulers");
    let mut active = viewer.measure.active;
    if ui
        .checkbox(&mut active, "Measure (M): click two points")
        .changed()
    {
        viewer.measure.toggle();
    }
    let fmt = |p: [f64; 3]| format!("({:.1}, {:.1}, {:.1})", p[0], p[1], p[2]);
    let mut delete = None;
    for (i, r) in viewer.measure.rulers().iter().enumerate() {
        ui.horizontal(|ui| {
            ui.label(format!("{}: {}", i + 1, r.label()));
            if ui.small_button("Delete").clicked() {
                delete = Some(i);
            }
        });
        ui.label(format!("   {} to {} RAS mm", fmt(r.a_ras), fmt(r.b_ras)));
    }
    if let Some(i) = delete {
        viewer.measure.delete(i);
    }
    if viewer.measure.rulers().len() > 1 && ui.button("Delete all rulers").clicked() {
        viewer.measure.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rulers_belong_to_their_file() {
        let mut m = Measure::default();
        m.switch_to(Path::new("/no/such/a.nii"));
        assert_eq!(m.add_point([0.0; 3]), None);
        assert_eq!(m.add_point([0.0; 3]), None, "a double click makes none");
        let r = m.add_point([3.0, 4.0, 0.0]).expect("a ruler");
        assert_eq!(r.length_mm(), 5.0);
        m.switch_to(Path::new("/no/such/b.nii"));
        assert!(m.rulers().is_empty());
        m.switch_to(Path::new("/no/such/a.nii"));
        assert_eq!(m.rulers(), &[r]);
        m.delete(0);
        assert!(m.saved().is_empty(), "no empty lists are kept");
    }
}
