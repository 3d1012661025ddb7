//! How the viewing area is shared: 2x2 (three views and the plots), one
//! row of three views over the plots, or a single view; any view can be
//! maximised (double click, or F) and restored. Also whether the side
//! panel, the plots, the crosshair and the orientation letters show. Saved
//! with the settings; every field defaults on its own.

use super::settings::or_default;
use crate::geometry::Plane;
use egui::{Rect, Vec2};

/// The arrangement of the views.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Arrangement {
    /// Axial and coronal above, sagittal and the plots below.
    #[default]
    Grid,
    /// Axial, coronal and sagittal side by side, the plots below.
    Row,
    /// One view (`Layout::single`), the plots beside it.
    Single,
}

impl Arrangement {
    pub const ALL: [Arrangement; 3] = [Arrangement::Grid, Arrangement::Row, Arrangement::Single];

    pub fn name(self) -> &'static str {
        match self {
            Arrangement::Grid => "2x2",
            Arrangement::Row => "One row of three",
            Arrangement::Single => "Single view",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Layout {
    #[serde(deserialize_with = "or_default")]
    pub arrangement: Arrangement,
    /// The view a single-view arrangement shows.
    #[serde(deserialize_with = "plane_or_axial")]
    pub single: Plane,
    /// A view filling the whole area, whatever the arrangement.
    #[serde(deserialize_with = "or_default")]
    pub maximised: Option<Plane>,
    #[serde(deserialize_with = "or_true")]
    pub side_panel: bool,
    #[serde(deserialize_with = "or_true")]
    pub plots: bool,
    #[serde(deserialize_with = "or_true")]
    pub crosshair: bool,
    #[serde(deserialize_with = "or_true")]
    pub letters: bool,
}

impl Default for Layout {
    fn default() -> Self {
        Layout {
            arrangement: Arrangement::Grid,
            single: Plane::Axial,
            maximised: None,
            side_panel: true,
            plots: true,
            crosshair: true,
            letters: true,
        }
    }
}

fn plane_or_axial<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Plane, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(serde_json::from_value(value).unwrap_or(Plane::Axial))
}

/// A flag that is on unless saved off.
fn or_true<'de, D: serde::Deserializer<'de>>(d: D) -> Result<bool, D::Error> {
    let value = <serde_json::Value as serde::Deserialize>::deserialize(d)?;
    Ok(value.as_bool().unwrap_or(true))
}

impl Layout {
    /// Maximises `plane`, or restores the arrangement if it is the one
    /// maximised.
    pub fn toggle_maximise(&mut self, plane: Plane) {
        self.maximised = if self.maximised == Some(plane) {
            None
        } else {
            Some(plane)
        };
    }

    /// Chooses an arrangement (restoring a maximised view); a single view
    /// shows `active`.
    pub fn arrange(&mut self, arrangement: Arrangement, active: Plane) {
        self.arrangement = arrangement;
        self.maximised = None;
        if arrangement == Arrangement::Single {
            self.single = active;
        }
    }

    /// The rectangle of each view shown, and of the plots when shown.
    pub fn rects(&self, area: Rect) -> (Vec<(Plane, Rect)>, Option<Rect>) {
        let gap = 2.0;
        if let Some(plane) = self.maximised {
            return (vec![(plane, area)], None);
        }
        match self.arrangement {
            Arrangement::Grid => {
                let half = Vec2::new((area.width() - gap) / 2.0, (area.height() - gap) / 2.0);
                let cell = |col: f32, row: f32| {
                    Rect::from_min_size(
                        area.min + Vec2::new(col * (half.x + gap), row * (half.y + gap)),
                        half,
                    )
                };
                let views = vec![
                    (Plane::Axial, cell(0.0, 0.0)),
                    (Plane::Coronal, cell(1.0, 0.0)),
                    (Plane::Sagittal, cell(0.0, 1.0)),
                ];
                (views, self.plots.then(|| cell(1.0, 1.0)))
            }
            Arrangement::Row => {
                let plots_h = if self.plots {
                    (area.height() * 0.35).max(120.0).min(area.height() / 2.0)
                } else {
                    0.0
                };
                let views_h = area.height() - plots_h - if self.plots { gap } else { 0.0 };
                let w = (area.width() - 2.0 * gap) / 3.0;
                let views = Plane::ALL
                    .iter()
                    .enumerate()
                    .map(|(i, &p)| {
                        let min = area.min + Vec2::new(i as f32 * (w + gap), 0.0);
                        (p, Rect::from_min_size(min, Vec2::new(w, views_h)))
                    })
                    .collect();
                let plots = self.plots.then(|| {
                    Rect::from_min_max(area.min + Vec2::new(0.0, views_h + gap), area.max)
                });
                (views, plots)
            }
            Arrangement::Single => {
                let plots_w = if self.plots {
                    (area.width() * 0.3).clamp(200.0_f32.min(area.width() / 2.0), 420.0)
                } else {
                    0.0
                };
                let view_w = area.width() - plots_w - if self.plots { gap } else { 0.0 };
                let view = Rect::from_min_size(area.min, Vec2::new(view_w, area.height()));
                let plots = self
                    .plots
                    .then(|| Rect::from_min_max(area.min + Vec2::new(view_w + gap, 0.0), area.max));
                (vec![(self.single, view)], plots)
            }
        }
    }
}

/// The View menu's layout entries.
pub fn menu(ui: &mut egui::Ui, layout: &mut Layout, active: Plane) {
    for a in Arrangement::ALL {
        let chosen = layout.arrangement == a && layout.maximised.is_none();
        if ui.radio(chosen, a.name()).clicked() {
            layout.arrange(a, active);
            ui.close();
        }
    }
    let mut maximised = layout.maximised.is_some();
    if ui
        .checkbox(&mut maximised, "Maximise the active view (F, double click)")
        .clicked()
    {
        layout.toggle_maximise(layout.maximised.unwrap_or(active));
    }
    ui.separator();
    ui.checkbox(&mut layout.side_panel, "Side panel");
    ui.checkbox(&mut layout.plots, "Plots");
    ui.checkbox(&mut layout.crosshair, "Crosshair");
    ui.checkbox(&mut layout.letters, "Orientation letters");
}

#[cfg(test)]
mod tests {
    use super::*;
    use egui::Pos2;

    #[test]
    fn arrangements_tile_the_area_without_overlap() {
        let area = Rect::from_min_max(Pos2::new(10.0, 20.0), Pos2::new(1010.0, 720.0));
        for a in Arrangement::ALL {
            let mut layout = Layout::default();
            layout.arrange(a, Plane::Coronal);
            let (views, plots) = layout.rects(area);
            let mut all: Vec<Rect> = views.iter().map(|v| v.1).collect();
            all.extend(plots);
            for (i, r) in all.iter().enumerate() {
                assert!(area.contains_rect(*r), "{a:?}: {r:?}");
                for s in &all[i + 1..] {
                    assert!(!r.intersects(s.shrink(0.5)), "{a:?}: {r:?} {s:?}");
                }
            }
            let expected = if a == Arrangement::Single { 1 } else { 3 };
            assert_eq!(views.len(), expected);
        }
        let mut layout = Layout::default();
        layout.arrange(Arrangement::Single, Plane::Sagittal);
        assert_eq!(layout.rects(area).0[0].0, Plane::Sagittal);
        layout.toggle_maximise(Plane::Axial);
        assert_eq!(layout.rects(area), (vec![(Plane::Axial, area)], None));
        layout.toggle_maximise(Plane::Axial);
        assert_eq!(layout.rects(area).0[0].0, Plane::Sagittal);
    }

    #[test]
    fn a_layout_missing_or_with_bad_fields_keeps_the_rest() {
        let l: Layout = serde_json::from_str(
            r#"{"arrangement": "hexagonal", "single": "coronal", "plots": false, "letters": 3}"#,
        )
        .unwrap();
        assert_eq!(l.arrangement, Arrangement::Grid);
        assert_eq!(l.single, Plane::Coronal);
        assert!(!l.plots);
        assert!(l.letters && l.crosshair && l.side_panel);
    }
}
