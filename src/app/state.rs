//! The viewer's state and every change the user can make to it, free of
//! egui types so that the rules are plain functions.

use crate::geometry::{Convention, Plane};
use crate::render::{DisplaySettings, ViewSpec, WindowLevel};
use crate::volume::{ValueRange, Volume};
use ndarray::Array3;
use std::path::PathBuf;
use std::sync::Arc;

/// A volume ready to draw: the file, the frame on screen as f32, its range.
/// Cheap to clone (shared frames): an export takes a copy to its thread.
#[derive(Clone)]
pub struct LoadedVolume {
    pub volume: Arc<Volume>,
    pub frame_index: usize,
    pub frame: Arc<Array3<f32>>,
    /// Red, green and blue frames for an RGB volume.
    pub colour: Option<Arc<[Array3<f32>; 3]>>,
    pub range: ValueRange,
    /// Bumped whenever the pixels could change: part of the texture key.
    pub generation: u64,
}

impl LoadedVolume {
    pub fn new(volume: Arc<Volume>, frame_index: usize, generation: u64) -> Self {
        let frame = Arc::new(volume.frame_f32(frame_index));
        let colour = crate::render::colour_frames(&volume, frame_index).map(Arc::new);
        let range = volume.frame_range(frame_index);
        LoadedVolume {
            volume,
            frame_index,
            frame,
            colour,
            range,
            generation,
        }
    }
}

/// Zoom and pan of one view (saved between runs; a missing field takes
/// its default).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ViewState {
    /// 1 shows the whole volume.
    pub zoom: f64,
    /// Shift of the view centre, in mm along screen right and screen down.
    pub pan_mm: [f64; 2],
}

impl Default for ViewState {
    fn default() -> Self {
        ViewState {
            zoom: 1.0,
            pan_mm: [0.0, 0.0],
        }
    }
}

/// What the readout shows for the cursor.
#[derive(Debug, Clone, PartialEq)]
pub struct Readout {
    pub ras: [f64; 3],
    pub voxel_fractional: [f64; 3],
    pub voxel: Option<[usize; 3]>,
    pub value: Option<f64>,
    pub rgb: Option<[u8; 3]>,
}

/// How a view maps onto its screen rectangle.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenMapping {
    /// The texture to draw: its pixels and where each is in the world.
    pub spec: ViewSpec,
    /// Screen points per mm.
    pub points_per_mm: f64,
}

/// How edges are computed and drawn.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct EdgeSettings {
    pub show: bool,
    pub params: crate::edges::EdgeParams,
    /// Slice mode follows the active view's plane.
    pub per_slice: bool,
    pub colour: [u8; 3],
    pub opacity: f32,
    pub outline: bool,
    /// Only voxels above `background` count (thresholds and edges).
    pub use_mask: bool,
    pub background: f64,
}

impl Default for EdgeSettings {
    fn default() -> Self {
        EdgeSettings {
            show: false,
            params: crate::edges::EdgeParams::default(),
            per_slice: false,
            colour: crate::render::EDGE_COLOUR,
            opacity: 0.85,
            outline: false,
            use_mask: false,
            background: 0.0,
        }
    }
}

/// The newest edge result on screen.
#[derive(Clone)]
pub struct EdgeOverlay {
    pub frame: Arc<Array3<f32>>,
    /// Bumped with every new result: part of the texture key.
    pub generation: u64,
    /// The parameters and volume it was computed for.
    pub computed_for: (u64, crate::edges::EdgeParams, Option<f64>),
    pub seconds: f64,
    pub edge_count: usize,
    pub thresholds: Option<[f32; 2]>,
    pub magnitude_histogram: Option<crate::edges::Histogram>,
    /// False while slice mode is still filling in slices away from the cursor.
    pub complete: bool,
}

/// An edge result prepared for display off the UI thread: converting a
/// 256^3 mask and counting it would otherwise stall a frame.
pub struct EdgesReady {
    pub frame: Arc<Array3<f32>>,
    pub edge_count: usize,
    pub thresholds: Option<[f32; 2]>,
    pub magnitude_histogram: Option<crate::edges::Histogram>,
}

impl EdgesReady {
    pub fn from_result(result: &crate::edges::EdgeResult) -> Self {
        EdgesReady {
            frame: Arc::new(result.to_frame()),
            edge_count: result.edge_count(),
            thresholds: result.low_abs.zip(result.high_abs).map(|(l, h)| [l, h]),
            magnitude_histogram: result.magnitude_histogram.clone(),
        }
    }
}

/// Intensity and gradient along the active view's horizontal crosshair line.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    /// Signed distance from the cursor along screen right, in mm.
    pub positions_mm: Vec<f64>,
    pub intensity: Vec<f64>,
    /// Gradient magnitude of the (unsmoothed) image, intensity per mm.
    pub gradient: Vec<f64>,
    /// Where the line crosses edge voxels, in mm.
    pub edges_mm: Vec<f64>,
}

/// Everything the window shows, apart from the textures. Cloning shares the
/// volumes and frames: an export takes a copy to its own thread.
#[derive(Clone)]
pub struct Viewer {
    pub loaded: Option<LoadedVolume>,
    pub cursor_ras: [f64; 3],
    pub display: DisplaySettings,
    pub convention: Convention,
    pub views: [ViewState; 3],
    /// The view keys act on: the last one clicked or hovered.
    pub active_plane: Plane,
    pub error: Option<String>,
    pub recent: Vec<PathBuf>,
    pub edge_settings: EdgeSettings,
    pub edges: Option<EdgeOverlay>,
    /// Overlays from files, over the base and under the edges.
    pub overlays: super::overlays::OverlayList,
    /// The volume of a 4D file asked for (the slider) while its frame is
    /// converted off the UI thread; the one on screen stays until then.
    pub wanted_frame: Option<usize>,
    /// The region of interest and how a drag draws it.
    pub roi: super::roi::RoiState,
    /// Edges the last change of the settings added and removed, while
    /// the Edges panel compares with the previous result.
    pub edge_difference: Option<super::edge_compare::ShownDifference>,
    /// Rulers (per file) and the measuring mode.
    pub measure: super::ruler::Measure,
    /// How the views share the window, and what is drawn on them.
    pub layout: super::layout::Layout,
    next_generation: u64,
}

/// Recent files kept between runs.
pub const RECENT_LIMIT: usize = 10;

impl Default for Viewer {
    fn default() -> Self {
        Viewer {
            loaded: None,
            cursor_ras: [0.0; 3],
            display: DisplaySettings::default(),
            convention: Convention::Radiological,
            views: [ViewState::default(); 3],
            active_plane: Plane::Axial,
            error: None,
            recent: Vec::new(),
            edge_settings: EdgeSettings::default(),
            edges: None,
            overlays: Default::default(),
            wanted_frame: None,
            roi: Default::default(),
            edge_difference: None,
            measure: Default::default(),
            layout: Default::default(),
            next_generation: 1,
        }
    }
}

/// A newly loaded volume made ready to show, on the loading thread: the
/// frame converted, its range and its automatic window found (whole-volume
/// passes that would otherwise stall the window when the load finishes).
pub struct ReadyVolume {
    loaded: LoadedVolume,
    auto_window: WindowLevel,
}

impl ReadyVolume {
    /// Whether the file has volumes this one does not hold (the first
    /// volume of a 4D file, read alone).
    pub fn has_more_volumes(&self) -> bool {
        let v = &self.loaded.volume;
        v.volumes_held() != (0..v.volume_count)
    }

    pub fn path(&self) -> PathBuf {
        self.loaded.volume.source.header.clone()
    }

    pub fn prepare(volume: Volume) -> Self {
        // The generation is the viewer's to give, when it takes the volume.
        let loaded = LoadedVolume::new(Arc::new(volume), 0, 0);
        let auto_window = WindowLevel::auto(&loaded.frame);
        ReadyVolume {
            loaded,
            auto_window,
        }
    }
}

pub fn plane_index(plane: Plane) -> usize {
    match plane {
        Plane::Axial => 0,
        Plane::Coronal => 1,
        Plane::Sagittal => 2,
    }
}

impl Viewer {
    /// Shows a newly loaded volume: cursor at its centre, automatic window,
    /// views reset. The previous volume is dropped only now, after the new
    /// one loaded.
    pub fn set_volume(&mut self, volume: Volume) {
        self.show_volume(ReadyVolume::prepare(volume));
    }

    /// [`Viewer::set_volume`] with a volume prepared off the UI thread.
    pub fn show_volume(&mut self, ready: ReadyVolume) {
        let ReadyVolume {
            mut loaded,
            auto_window,
        } = ready;
        loaded.generation = self.bump();
        let path = loaded.volume.source.header.clone();
        let g = &loaded.volume.grid;
        self.cursor_ras = g
            .world_from_voxel
            .apply(g.index_extent().map(|e| (e / 2.0).round()));
        self.display.window = auto_window;
        self.views = [ViewState::default(); 3];
        self.loaded = Some(loaded);
        self.edges = None;
        self.edge_difference = None;
        // Their checks were against the old base.
        self.overlays.clear();
        self.wanted_frame = None;
        self.roi.region = None;
        self.error = None;
        self.measure.switch_to(&path);
        self.remember(path);
    }

    /// Takes the whole of a 4D file whose first volume is on screen: the
    /// frame shown is the same, so window, cursor, views, edges and
    /// overlays all stay. A volume from another file (the user opened
    /// something else meanwhile) is dropped.
    pub fn complete_volume(&mut self, whole: Volume) {
        if let Some(l) = &mut self.loaded {
            let same_file = l.volume.source == whole.source;
            if same_file && whole.volumes_held().contains(&l.frame_index) {
                l.volume = Arc::new(whole);
            }
        }
    }

    /// A frame converted off the UI thread (see `wanted_frame`): shown if it
    /// is of the volume on screen and still the one wanted.
    pub fn show_frame(&mut self, mut frame: LoadedVolume) {
        let generation = self.bump();
        if let Some(l) = &mut self.loaded {
            let same_volume = Arc::ptr_eq(&l.volume, &frame.volume);
            if same_volume && self.wanted_frame == Some(frame.frame_index) {
                frame.generation = generation;
                *l = frame;
                self.wanted_frame = None;
            }
        }
    }

    /// Moves to another frame of a 4D volume, keeping window and cursor
    /// (converted here: tests, and the window's background job).
    pub fn set_frame(&mut self, t: usize) {
        let generation = self.bump();
        if let Some(l) = &mut self.loaded {
            if l.volume.volumes_held().contains(&t) && t != l.frame_index {
                *l = LoadedVolume::new(l.volume.clone(), t, generation);
            }
        }
    }

    /// The edge parameters to compute now (slice mode takes the active plane),
    /// with the background level when the mask is on.
    pub fn wanted_edges(&self) -> Option<(u64, crate::edges::EdgeParams, Option<f64>)> {
        let l = self.loaded.as_ref()?;
        if !self.edge_settings.show {
            return None;
        }
        let mut params = self.edge_settings.params;
        params.mode = if self.edge_settings.per_slice {
            crate::edges::Mode::Slices(self.active_plane)
        } else {
            crate::edges::Mode::ThreeD
        };
        let mask = self
            .edge_settings
            .use_mask
            .then_some(self.edge_settings.background);
        Some((l.generation, params, mask))
    }

    /// Takes a finished edge result for display.
    pub fn set_edges(
        &mut self,
        computed_for: (u64, crate::edges::EdgeParams, Option<f64>),
        ready: EdgesReady,
        seconds: f64,
        complete: bool,
    ) {
        let generation = self.bump();
        self.edges = Some(EdgeOverlay {
            frame: ready.frame,
            generation,
            computed_for,
            seconds,
            edge_count: ready.edge_count,
            thresholds: ready.thresholds,
            magnitude_histogram: ready.magnitude_histogram,
            complete,
        });
    }

    /// True when the edges on screen were computed for other settings.
    pub fn edges_stale(&self) -> bool {
        match (&self.edges, self.wanted_edges()) {
            (Some(e), Some(wanted)) => e.computed_for != wanted,
            _ => false,
        }
    }

    fn bump(&mut self) -> u64 {
        self.next_generation += 1;
        self.next_generation
    }

    fn remember(&mut self, path: PathBuf) {
        let path = std::fs::canonicalize(&path).unwrap_or(path);
        self.recent.retain(|p| p != &path);
        self.recent.insert(0, path);
        self.recent.truncate(RECENT_LIMIT);
    }

    /// The distance one slice step moves along a plane's normal: the spacing
    /// of the voxel axis closest to that normal.
    pub fn slice_step_mm(&self, plane: Plane) -> f64 {
        let Some(l) = &self.loaded else { return 1.0 };
        let grid = &l.volume.grid;
        grid.spacing_mm()[grid.slice_axis(plane)]
    }

    /// Steps the cursor `slices` slices along a plane's normal (positive is
    /// towards S, A or R), staying inside the volume's box.
    pub fn step(&mut self, plane: Plane, slices: i32) {
        let n = plane.normal_axis();
        let step = self.slice_step_mm(plane);
        let mut next = self.cursor_ras;
        next[n] += step * slices as f64;
        if self.inside_box(next) {
            self.cursor_ras = next;
        }
    }

    pub(crate) fn inside_box(&self, world: [f64; 3]) -> bool {
        let Some(l) = &self.loaded else { return false };
        let g = &l.volume.grid;
        let v = g.voxel_from_world(world);
        (0..3).all(|a| v[a] >= -0.5 && v[a] <= g.shape[a] as f64 - 0.5)
    }

    /// The base picture of a plane: whole volume at the finest voxel spacing.
    pub fn base_spec(&self, plane: Plane) -> Option<ViewSpec> {
        let l = self.loaded.as_ref()?;
        Some(ViewSpec::fit_volume(
            &l.volume.grid,
            plane,
            self.convention,
            self.cursor_ras,
        ))
    }

    /// How a plane is drawn into a screen rectangle of `size_points`
    /// (logical points). The texture keeps the base picture's pixel grid
    /// (zoomed in, finer by the zoom factor), and grows symmetrically to
    /// cover the rectangle, so at zoom 1 its pixels are exactly those
    /// `rasview render` writes.
    pub fn screen_mapping(&self, plane: Plane, size_points: [f64; 2]) -> Option<ScreenMapping> {
        let base = self.base_spec(plane)?;
        let view = self.views[plane_index(plane)];
        let extent_mm = [
            base.width as f64 * base.pixel_mm,
            base.height as f64 * base.pixel_mm,
        ];
        let fit = (size_points[0] / extent_mm[0])
            .min(size_points[1] / extent_mm[1])
            .max(1e-6);
        let points_per_mm = fit * view.zoom;
        let refine = view.zoom.max(1.0).round();
        let pixel_mm = base.pixel_mm / refine;
        let axes = plane.screen_axes(self.convention);
        let mut spec = base;
        spec.pixel_mm = pixel_mm;
        spec.centre_ras = [0, 1, 2].map(|a| {
            base.centre_ras[a] + view.pan_mm[0] * axes.right[a] + view.pan_mm[1] * axes.down[a]
        });
        let cover = |points: f64, base_px: usize| {
            let base_px = base_px * refine as usize;
            let needed = (points / points_per_mm / pixel_mm).ceil() as usize + 2;
            let grow = needed.saturating_sub(base_px).div_ceil(2);
            (base_px + 2 * grow).clamp(1, 4096)
        };
        spec.width = cover(size_points[0], base.width);
        spec.height = cover(size_points[1], base.height);
        Some(ScreenMapping {
            spec,
            points_per_mm,
        })
    }

    /// The world point under a screen offset (points from the rectangle's
    /// centre), on the plane through the cursor.
    pub fn world_at(
        &self,
        plane: Plane,
        mapping: &ScreenMapping,
        offset_points: [f64; 2],
    ) -> [f64; 3] {
        let axes = plane.screen_axes(self.convention);
        let n = plane.normal_axis();
        let mut centre = mapping.spec.centre_ras;
        centre[n] = self.cursor_ras[n];
        let mm = offset_points.map(|o| o / mapping.points_per_mm);
        [0, 1, 2].map(|a| centre[a] + mm[0] * axes.right[a] + mm[1] * axes.down[a])
    }

    /// Where a world point appears, in points from the rectangle's centre.
    pub fn screen_offset_of(
        &self,
        plane: Plane,
        mapping: &ScreenMapping,
        world: [f64; 3],
    ) -> [f64; 2] {
        let axes = plane.screen_axes(self.convention);
        let d = [0, 1, 2].map(|a| world[a] - mapping.spec.centre_ras[a]);
        let along =
            |dir: [f64; 3]| (d[0] * dir[0] + d[1] * dir[1] + d[2] * dir[2]) * mapping.points_per_mm;
        [along(axes.right), along(axes.down)]
    }

    /// Moves the cursor to a point clicked in a view (within the volume's box).
    pub fn click(&mut self, plane: Plane, mapping: &ScreenMapping, offset_points: [f64; 2]) {
        let world = self.world_at(plane, mapping, offset_points);
        if self.inside_box(world) {
            self.cursor_ras = world;
        }
        self.active_plane = plane;
    }

    /// Zooms a view by `factor` keeping the point under `offset_points` fixed.
    pub fn zoom(
        &mut self,
        plane: Plane,
        mapping: &ScreenMapping,
        offset_points: [f64; 2],
        factor: f64,
    ) {
        let v = &mut self.views[plane_index(plane)];
        let new_zoom = (v.zoom * factor).clamp(0.25, 64.0);
        let real = new_zoom / v.zoom;
        // The point under the pointer stays put: pan moves by the offset in
        // mm times (1 - 1 / real).
        for (axis, offset) in offset_points.iter().enumerate() {
            v.pan_mm[axis] += offset / mapping.points_per_mm * (1.0 - 1.0 / real);
        }
        v.zoom = new_zoom;
    }

    /// Pans a view by a screen drag.
    pub fn pan(&mut self, plane: Plane, mapping: &ScreenMapping, drag_points: [f64; 2]) {
        let v = &mut self.views[plane_index(plane)];
        for (axis, drag) in drag_points.iter().enumerate() {
            v.pan_mm[axis] -= drag / mapping.points_per_mm;
        }
    }

    pub fn reset_views(&mut self) {
        self.views = [ViewState::default(); 3];
    }

    /// Right-drag window/level: horizontal changes the width, vertical the
    /// centre, by a fraction of the value range per point (as in ITK-SNAP).
    pub fn drag_window(&mut self, drag_points: [f64; 2]) {
        let span = self
            .loaded
            .as_ref()
            .filter(|l| l.range.has_values())
            .map_or(1.0, |l| (l.range.max - l.range.min).max(1e-6));
        let per_point = span / 400.0;
        let w = &mut self.display.window;
        w.window = (w.window + drag_points[0] * per_point).max(span * 1e-4);
        w.level -= drag_points[1] * per_point;
    }

    pub fn auto_window(&mut self) {
        if let Some(l) = &self.loaded {
            self.display.window = WindowLevel::auto(&l.frame);
        }
    }

    /// The profile along the active view's horizontal crosshair line, at
    /// half the finest voxel spacing, across the whole volume.
    pub fn profile(&self) -> Option<Profile> {
        use crate::geometry::sample::sample_at;
        let l = self.loaded.as_ref()?;
        let grid = &l.volume.grid;
        let dir = self.active_plane.screen_axes(self.convention).right;
        let finest = grid.spacing_mm().into_iter().fold(f64::INFINITY, f64::min);
        let extent = grid.index_extent();
        let reach = [0, 1, 2]
            .map(|a| extent[a] * grid.spacing_mm()[a])
            .iter()
            .map(|x| x * x)
            .sum::<f64>()
            .sqrt();
        let step = finest / 2.0;
        let count = (2.0 * reach / step) as i64;
        let mut profile = Profile {
            positions_mm: Vec::new(),
            intensity: Vec::new(),
            gradient: Vec::new(),
            edges_mm: Vec::new(),
        };
        let at = |t: f64| [0, 1, 2].map(|a| self.cursor_ras[a] + t * dir[a]);
        for n in -count / 2..=count / 2 {
            let t = n as f64 * step;
            let p = at(t);
            let value = sample_at(&l.frame, grid, p);
            if value.is_nan() {
                continue;
            }
            let g: f64 = (0..3)
                .map(|a| {
                    let mut plus = p;
                    let mut minus = p;
                    plus[a] += finest;
                    minus[a] -= finest;
                    let (f, b) = (
                        sample_at(&l.frame, grid, plus),
                        sample_at(&l.frame, grid, minus),
                    );
                    if f.is_nan() || b.is_nan() {
                        0.0
                    } else {
                        ((f - b) as f64 / (2.0 * finest)).powi(2)
                    }
                })
                .sum::<f64>()
                .sqrt();
            profile.positions_mm.push(t);
            profile.intensity.push(value as f64);
            profile.gradient.push(g);
            if let (Some(e), Some(voxel)) = (&self.edges, grid.nearest_voxel(p)) {
                if e.frame[voxel] != 0.0
                    && profile
                        .edges_mm
                        .last()
                        .is_none_or(|&last| t - last > step * 1.5)
                {
                    profile.edges_mm.push(t);
                }
            }
        }
        Some(profile)
    }

    /// Values under the cursor.
    pub fn readout(&self) -> Option<Readout> {
        let l = self.loaded.as_ref()?;
        let g = &l.volume.grid;
        let voxel = g.nearest_voxel(self.cursor_ras);
        Some(Readout {
            ras: self.cursor_ras,
            voxel_fractional: g.voxel_from_world(self.cursor_ras),
            voxel,
            value: voxel.map(|v| l.volume.value_at(v, l.frame_index)),
            rgb: voxel.and_then(|v| l.volume.rgb_at(v, l.frame_index)),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::{Affine, Grid};
    use crate::volume::{files::FileSet, AffineSource, RawHeader, Scaling, Voxels};

    fn cube() -> Volume {
        let n = 20;
        Volume {
            format: crate::volume::Format::Nifti,
            source: FileSet {
                header: PathBuf::from("cube.nii"),
                image: PathBuf::from("cube.nii"),
            },
            header: RawHeader::default(),
            grid: Grid::new([n, n, n], Affine::scaling([1.0, 1.0, 2.0]).unwrap()),
            affine_source: AffineSource::Sform,
            sform: None,
            qform: None,
            volume_count: 1,
            first_volume: 0,
            scaling: Scaling::IDENTITY,
            voxels: Voxels::U8((0..n * n * n).map(|v| (v % 251) as u8).collect()),
            warnings: vec![],
            files_read: Vec::new(),
            labels: Vec::new(),
        }
    }

    #[test]
    fn stepping_moves_one_voxel_along_the_normal_and_stops_at_the_edge() {
        let mut v = Viewer::default();
        v.set_volume(cube());
        let start = v.cursor_ras;
        v.step(Plane::Axial, 1);
        assert_eq!(v.cursor_ras[2] - start[2], 2.0, "z spacing is 2 mm");
        v.step(Plane::Sagittal, -3);
        assert_eq!(v.cursor_ras[0] - start[0], -3.0);
        for _ in 0..100 {
            v.step(Plane::Axial, 1);
        }
        assert_eq!(v.cursor_ras[2], 38.0, "the last slice centre");
    }

    #[test]
    fn click_and_screen_offsets_are_inverse() {
        let mut v = Viewer::default();
        v.set_volume(cube());
        let m = v.screen_mapping(Plane::Coronal, [400.0, 300.0]).unwrap();
        v.click(Plane::Coronal, &m, [-30.0, 12.5]);
        let back = v.screen_offset_of(Plane::Coronal, &m, v.cursor_ras);
        assert!((back[0] + 30.0).abs() < 1e-9 && (back[1] - 12.5).abs() < 1e-9);
        // Radiological: left of centre on screen is the patient's right (+x).
        assert!(v.cursor_ras[0] > 9.5);
    }

    #[test]
    fn zoom_keeps_the_point_under_the_pointer() {
        let mut v = Viewer::default();
        v.set_volume(cube());
        let before = v.screen_mapping(Plane::Axial, [300.0, 300.0]).unwrap();
        let world = v.world_at(Plane::Axial, &before, [40.0, -25.0]);
        v.zoom(Plane::Axial, &before, [40.0, -25.0], 2.5);
        let after = v.screen_mapping(Plane::Axial, [300.0, 300.0]).unwrap();
        let again = v.world_at(Plane::Axial, &after, [40.0, -25.0]);
        assert!(crate::geometry::affine::distance(world, again) < 1e-9);
    }

    #[test]
    fn unzoomed_texture_has_the_cli_pixel_grid() {
        let mut v = Viewer::default();
        v.set_volume(cube());
        let base = v.base_spec(Plane::Sagittal).unwrap();
        let m = v.screen_mapping(Plane::Sagittal, [500.0, 200.0]).unwrap();
        assert_eq!(m.spec.pixel_mm, base.pixel_mm);
        let shift = [
            (m.spec.width - base.width) / 2,
            (m.spec.height - base.height) / 2,
        ];
        let a = base.world_from_pixel().apply([3.0, 4.0, 0.0]);
        let b =
            m.spec
                .world_from_pixel()
                .apply([3.0 + shift[0] as f64, 4.0 + shift[1] as f64, 0.0]);
        assert!(crate::geometry::affine::distance(a, b) < 1e-9);
    }
}
