//! ROI statistics in the window: a rectangle or ellipse dragged on a view
//! (on the slice shown, in world space) or a sphere around the cursor; voxel
//! count, volume, mean, SD, min and max of the base and of each overlay
//! (marked voxels per mm^3 for masks and edges), computed off the UI thread
//! by the library function `rasview stats` uses, listed in a panel and
//! drawn on the views.

use super::loader::PendingLoad;
use super::state::{ScreenMapping, Viewer};
use super::window::RasviewApp;
use crate::geometry::{Grid, Plane, Region, ShapeKind, SliceShape};
use crate::volume::{region_stats, RegionStats};
use egui::{Color32, Pos2, Rect, Stroke, Vec2};
use ndarray::Array3;
use std::sync::Arc;

const ROI_COLOUR: Color32 = Color32::from_rgb(255, 90, 220);
/// A drag shorter than this (points, both ways) is a click: it moves the cursor.
const CLICK_POINTS: f64 = 3.0;

/// What a left drag on a view draws.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoiMode {
    /// Left drag moves the cursor, as always.
    #[default]
    Off,
    Draw(ShapeKind),
}

/// The region and how it is being drawn (plain state, in the viewer).
#[derive(Debug, Clone, PartialEq)]
pub struct RoiState {
    pub mode: RoiMode,
    pub region: Option<Region>,
    /// The radius "Sphere at cursor" uses.
    pub sphere_radius_mm: f64,
    drag: Option<Drag>,
}

impl Default for RoiState {
    fn default() -> Self {
        RoiState {
            mode: RoiMode::Off,
            region: None,
            sphere_radius_mm: 5.0,
            drag: None,
        }
    }
}

/// A drag in progress: where it started (in the world, so the corner stays
/// put if the view moves under it, and in points from the view's centre),
/// where it is now, and the region before it (kept if it was a click).
#[derive(Debug, Clone, Copy, PartialEq)]
struct Drag {
    plane: Plane,
    from_world: [f64; 3],
    from: [f64; 2],
    to: [f64; 2],
    before: Option<Region>,
}

/// One layer's statistics in the region.
#[derive(Debug, Clone, PartialEq)]
pub struct RoiRow {
    pub name: String,
    pub layer: Layer,
    pub stats: RegionStats,
}

/// What a row measures: density is what matters for a mask or edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layer {
    Base,
    Overlay { mask: bool },
    Edges,
}

/// What the statistics on screen were computed for: the region and the
/// generations of the frames measured.
#[derive(Debug, Clone, PartialEq)]
pub struct RoiKey {
    region: Region,
    base: u64,
    overlays: u64,
    edges: Option<u64>,
}

/// The statistics being computed and the last ones computed.
#[derive(Default)]
pub struct RoiJob {
    pending: Option<(RoiKey, PendingLoad<Vec<RoiRow>>)>,
    pub result: Option<(RoiKey, Vec<RoiRow>)>,
}

impl RoiJob {
    /// The rows on screen, if they are of the region and frames shown now.
    pub fn rows_for(&self, viewer: &Viewer) -> Option<&[RoiRow]> {
        let key = wanted_key(viewer)?;
        self.result
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, rows)| rows.as_slice())
    }
}

fn wanted_key(viewer: &Viewer) -> Option<RoiKey> {
    let region = viewer.roi.region?;
    let l = viewer.loaded.as_ref()?;
    Some(RoiKey {
        region,
        base: l.generation,
        overlays: viewer.overlays.revision,
        edges: viewer.edges.as_ref().map(|e| e.generation),
    })
}

/// The statistics of every layer (run off the UI thread).
fn measure(region: Region, layers: Vec<(String, Layer, Grid, Arc<Array3<f32>>)>) -> Vec<RoiRow> {
    layers
        .into_iter()
        .map(|(name, layer, grid, frame)| RoiRow {
            name,
            layer,
            stats: region_stats(&grid, &region, |v| frame[v] as f64),
        })
        .collect()
}

impl RasviewApp {
    /// Each frame: takes finished statistics and starts them again when
    /// the region or a frame measured changed (one run at a time; the
    /// newest wish is taken up when it ends).
    pub fn drive_roi(&mut self) {
        if let Some((key, pending)) = &self.roi_job.pending {
            match pending.poll() {
                None => return,
                Some(Ok(rows)) => self.roi_job.result = Some((key.clone(), rows)),
                Some(Err(message)) => self.viewer.error = Some(message),
            }
            self.roi_job.pending = None;
        }
        let Some(key) = wanted_key(&self.viewer) else {
            return;
        };
        if self.roi_job.result.as_ref().is_some_and(|(k, _)| *k == key) {
            return;
        }
        let Some(l) = &self.viewer.loaded else { return };
        let base_name = file_name(&l.volume.source.header);
        let mut layers = vec![(base_name, Layer::Base, l.volume.grid, l.frame.clone())];
        for o in &self.viewer.overlays.items {
            let mask = o.kind == "mask";
            layers.push((
                o.name.clone(),
                Layer::Overlay { mask },
                o.volume.grid,
                o.frame.clone(),
            ));
        }
        if let Some(e) = &self.viewer.edges {
            layers.push(("edges".into(), Layer::Edges, l.volume.grid, e.frame.clone()));
        }
        let region = key.region;
        let path = l.volume.source.header.clone();
        let pending = PendingLoad::run("measuring", path, self.repaint_waker(), move |_| {
            Ok(measure(region, layers))
        });
        self.roi_job.pending = Some((key, pending));
    }

    /// Waits for the statistics of the region shown (tests).
    pub fn finish_roi(&mut self) {
        while self.roi_job.pending.is_some() || self.roi_job.rows_for(&self.viewer).is_none() {
            if self.viewer.roi.region.is_none() {
                return;
            }
            self.drive_roi();
            std::thread::sleep(std::time::Duration::from_millis(2));
        }
    }
}

/// Takes a left drag on a view when a shape is being drawn: the shape
/// follows the pointer on the slice shown; a drag too short to be one is
/// a click and moves the cursor. Returns whether it took the pointer.
pub fn handle_pointer(
    ui: &egui::Ui,
    response: &egui::Response,
    rect: Rect,
    plane: Plane,
    viewer: &mut Viewer,
    mapping: &ScreenMapping,
) -> bool {
    let RoiMode::Draw(kind) = viewer.roi.mode else {
        return false;
    };
    let offset_of = |p: Pos2| {
        [
            (p.x - rect.center().x) as f64,
            (p.y - rect.center().y) as f64,
        ]
    };
    let down = response.is_pointer_button_down_on() && ui.input(|i| i.pointer.primary_down());
    if down {
        let Some(now) = response.interact_pointer_pos() else {
            return true;
        };
        let origin = ui.input(|i| i.pointer.press_origin()).unwrap_or(now);
        let before = viewer.roi.region;
        let from_world = viewer.world_at(plane, mapping, offset_of(origin));
        let drag = viewer.roi.drag.get_or_insert(Drag {
            plane,
            from_world,
            from: offset_of(origin),
            to: offset_of(origin),
            before,
        });
        if drag.plane != plane {
            return true;
        }
        drag.to = offset_of(now);
        let (corner_a, to) = (drag.from_world, drag.to);
        viewer.roi.region = Some(Region::Slice(SliceShape {
            kind,
            plane,
            position_mm: viewer.cursor_ras[plane.normal_axis()],
            corner_a,
            corner_b: viewer.world_at(plane, mapping, to),
        }));
        viewer.active_plane = plane;
        return true;
    }
    match viewer.roi.drag {
        Some(drag) if drag.plane == plane => {
            viewer.roi.drag = None;
            let short = (0..2).all(|a| (drag.to[a] - drag.from[a]).abs() < CLICK_POINTS);
            if short {
                viewer.roi.region = drag.before;
                viewer.click(plane, mapping, drag.from);
            }
            true
        }
        _ => false,
    }
}

/// Draws the region on a view: a sphere as its circle on the view's plane,
/// a slice shape on the view of its plane (faint off its slice).
pub fn draw(
    painter: &egui::Painter,
    rect: Rect,
    plane: Plane,
    viewer: &Viewer,
    mapping: &ScreenMapping,
) {
    let Some(region) = viewer.roi.region else {
        return;
    };
    let to_screen = |world: [f64; 3]| {
        let o = viewer.screen_offset_of(plane, mapping, world);
        rect.center() + Vec2::new(o[0] as f32, o[1] as f32)
    };
    let n = plane.normal_axis();
    let ppm = mapping.points_per_mm as f32;
    match region {
        Region::Sphere {
            centre_ras,
            radius_mm,
        } => {
            let d = viewer.cursor_ras[n] - centre_ras[n];
            if d.abs() >= radius_mm {
                return;
            }
            let mut on_plane = centre_ras;
            on_plane[n] = viewer.cursor_ras[n];
            let r = (radius_mm * radius_mm - d * d).sqrt() as f32 * ppm;
            painter.circle_stroke(to_screen(on_plane), r, Stroke::new(1.5, ROI_COLOUR));
        }
        Region::Slice(shape) if shape.plane == plane => {
            let on_slice = viewer.loaded.as_ref().is_some_and(|l| {
                (viewer.cursor_ras[n] - shape.position_mm).abs()
                    < 0.5 * shape.thickness_mm(&l.volume.grid)
            });
            let colour = if on_slice {
                ROI_COLOUR
            } else {
                ROI_COLOUR.gamma_multiply(0.35)
            };
            let screen = Rect::from_two_pos(to_screen(shape.corner_a), to_screen(shape.corner_b));
            let stroke = Stroke::new(1.5, colour);
            match shape.kind {
                ShapeKind::Rectangle => {
                    painter.rect_stroke(screen, 0.0, stroke, egui::StrokeKind::Middle);
                }
                ShapeKind::Ellipse => {
                    painter.add(egui::Shape::ellipse_stroke(
                        screen.center(),
                        screen.size() / 2.0,
                        stroke,
                    ));
                }
            }
        }
        Region::Slice(_) => {}
    }
}

/// The ROI section of the side panel: how to draw, and the statistics.
pub fn panel(ui: &mut egui::Ui, viewer: &mut Viewer, job: &RoiJob) {
    ui.heading("ROI statistics");
    if viewer.loaded.is_none() {
        return;
    }
    let roi = &mut viewer.roi;
    // No row here may be wider than the panel: a wider one widens the panel
    // and moves the views under a drag.
    ui.horizontal_wrapped(|ui| {
        ui.label("Drag draws");
        ui.selectable_value(&mut roi.mode, RoiMode::Off, "nothing");
        ui.selectable_value(
            &mut roi.mode,
            RoiMode::Draw(ShapeKind::Rectangle),
            "rectangle",
        );
        ui.selectable_value(&mut roi.mode, RoiMode::Draw(ShapeKind::Ellipse), "ellipse");
    });
    if roi.mode != RoiMode::Off {
        ui.small("Left drag on a view draws on its slice; Shift+drag pans.");
    }
    ui.horizontal(|ui| {
        let sphere = ui.button("Sphere at cursor").clicked();
        let radius = ui.add(
            egui::DragValue::new(&mut roi.sphere_radius_mm)
                .range(0.1..=500.0)
                .speed(0.1)
                .suffix(" mm"),
        );
        if sphere {
            roi.region = Some(Region::Sphere {
                centre_ras: viewer.cursor_ras,
                radius_mm: roi.sphere_radius_mm,
            });
        } else if radius.changed() {
            if let Some(Region::Sphere { radius_mm, .. }) = &mut roi.region {
                *radius_mm = roi.sphere_radius_mm;
            }
        }
    });
    let Some(region) = viewer.roi.region else {
        return;
    };
    ui.label(describe(&region));
    if ui.button("Clear ROI").clicked() {
        viewer.roi.region = None;
    }
    let Some(rows) = job.rows_for(viewer) else {
        ui.label("measuring...");
        return;
    };
    for row in rows {
        show_row(ui, row);
    }
}

fn show_row(ui: &mut egui::Ui, row: &RoiRow) {
    let s = &row.stats;
    ui.label(egui::RichText::new(&row.name).strong());
    ui.label(format!("{} voxels, {:.1} mm^3", s.voxels, s.volume_mm3));
    match row.layer {
        Layer::Edges | Layer::Overlay { mask: true } => {
            let what = if row.layer == Layer::Edges {
                "edge voxels"
            } else {
                "marked voxels"
            };
            let density = s.nonzero_per_mm3().unwrap_or(0.0);
            ui.label(format!("{what} {} ({density:.4} per mm^3)", s.nonzero));
            // The mean of a 0/1 map is its density again; min 0, max 1.
            return;
        }
        _ => {}
    }
    if let (Some(mean), Some(sd), Some(min), Some(max)) = (s.mean, s.sd, s.min, s.max) {
        ui.label(format!("mean {mean:.4}, SD {sd:.4}"));
        ui.label(format!("min {min}, max {max}"));
    }
}

/// The region in words, for the panel.
pub fn describe(region: &Region) -> String {
    match region {
        Region::Sphere {
            centre_ras: c,
            radius_mm,
        } => format!(
            "sphere r {radius_mm} mm at {:.1}, {:.1}, {:.1}",
            c[0], c[1], c[2]
        ),
        Region::Slice(s) => {
            let [[u0, u1], [v0, v1]] = s.bounds();
            let kind = match s.kind {
                ShapeKind::Rectangle => "rectangle",
                ShapeKind::Ellipse => "ellipse",
            };
            format!(
                "{kind} {:.1} x {:.1} mm on {} {:.1}",
                u1 - u0,
                v1 - v0,
                s.plane.name(),
                s.position_mm
            )
        }
    }
}

fn file_name(path: &std::path::Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default()
}
