//! `rasview mosaic`: evenly spaced slices of each plane in one PNG, one row
//! per plane (like FSL's slicer or MRIcroGL's mosaic), for QC reports. Every
//! tile is a plane in world space drawn through the same render path as the
//! window, so an oblique volume's tiles are true world slices; the sidecar
//! says where every pixel of every tile is.

use super::render::{self, DisplayArgs, LayerArgs, Scene, SceneReport};
use crate::export::Sidecar;
use crate::geometry::plane::letter_towards;
use crate::geometry::Plane;
use crate::geometry::{Affine, Grid};
use crate::render::scale_bar::{self, ScaleBar};
use crate::render::{draw_edge_letters, RgbaImage, ViewSpec};
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct MosaicArgs {
    /// An image file (NIfTI, NRRD, MetaImage) or a DICOM series (a folder or one of its files).
    pub file: PathBuf,
    /// The planes, one row each, top to bottom (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',', default_values_t = Plane::ALL)]
    pub planes: Vec<Plane>,
    /// Slices per plane: the centres of N equal slabs of the volume's world
    /// extent along the plane's normal.
    #[arg(long, default_value_t = 6)]
    pub slices: usize,
    #[command(flatten)]
    pub display: DisplayArgs,
    #[command(flatten)]
    pub layers: LayerArgs,
    /// Size of a pixel in mm (default: the finest voxel spacing).
    #[arg(long, conflicts_with = "tile_px")]
    pub pixel_mm: Option<f64>,
    /// Side of each square tile in pixels; the pixel size follows from the
    /// volume's largest world extent.
    #[arg(long)]
    pub tile_px: Option<usize>,
    /// Black space between the tiles and around them, in pixels.
    #[arg(long, default_value_t = 4)]
    pub gutter_px: usize,
    /// The PNG to write; its geometry and provenance go to the same name with .json.
    #[arg(long)]
    pub out: PathBuf,
}

/// How slice positions are chosen, for the sidecar.
const SLICE_RULE: &str = "along each plane's normal, the centres of N equal slabs of the \
    world box of the voxel centres: lo + (i + 0.5) (hi - lo) / N; the other two coordinates \
    are the box's centre";

/// The largest tile side accepted, in pixels.
const MAX_TILE_PX: usize = 2048;
/// The largest mosaic side accepted, in pixels.
const MAX_MOSAIC_PX: usize = 16384;

/// The sidecar of a mosaic.
#[derive(Debug, Serialize)]
pub struct MosaicReport {
    width: usize,
    height: usize,
    pixel_mm: f64,
    tile_px: usize,
    gutter_px: usize,
    planes: Vec<Plane>,
    slices: usize,
    slice_positions: &'static str,
    /// Lowest and highest RAS corner of the world box of the voxel centres.
    box_ras: [[f64; 3]; 2],
    scale_bar: Option<ScaleBar>,
    tiles: Vec<TileReport>,
    #[serde(flatten)]
    pub scene: SceneReport,
}

/// One tile: which slice it shows and where its pixels are in the world.
#[derive(Debug, Serialize)]
struct TileReport {
    plane: Plane,
    row: usize,
    column: usize,
    /// The world axis the slice holds constant: "x", "y" or "z".
    axis: &'static str,
    /// The slice's world coordinate along `axis`, in mm.
    position_mm: f64,
    /// The text drawn on the tile, e.g. "S 12.5".
    label: String,
    /// Left column, top row, width and height in the mosaic.
    rect_px: [usize; 4],
    /// Maps the centre of mosaic pixel (column, row, 0, 1) inside `rect_px`
    /// to RAS mm; the third column steps along the normal by one pixel.
    world_from_pixel: [[f64; 4]; 4],
}

/// Which slices a mosaic shows and how big: the part of [`MosaicArgs`]
/// that `rasview qc` shares.
#[derive(Debug, Clone, Serialize)]
pub struct MosaicLayout {
    pub planes: Vec<Plane>,
    pub slices: usize,
    pub pixel_mm: Option<f64>,
    pub tile_px: Option<usize>,
    pub gutter_px: usize,
}

impl MosaicLayout {
    /// Refuses counts and sizes out of range, before anything is loaded.
    pub fn check(&self) -> Result<()> {
        if self.planes.is_empty() || self.slices == 0 || self.slices > 100 {
            bail!("--planes needs at least one plane and --slices a count from 1 to 100");
        }
        if self.gutter_px > 64 {
            bail!("--gutter-px {} is over 64", self.gutter_px);
        }
        if let Some(t) = self.tile_px.filter(|t| !(16..=MAX_TILE_PX).contains(t)) {
            bail!("--tile-px {t} is not from 16 to {MAX_TILE_PX}");
        }
        Ok(())
    }
}

pub fn run(args: &MosaicArgs) -> Result<ExitCode> {
    let layout = MosaicLayout {
        planes: args.planes.clone(),
        slices: args.slices,
        pixel_mm: args.pixel_mm,
        tile_px: args.tile_px,
        gutter_px: args.gutter_px,
    };
    layout.check()?;
    let json_path = crate::export::json_sidecar_path(&args.out);
    let scene = Scene::load(
        &args.file,
        &args.display,
        &args.layers,
        &[&args.out, &json_path],
    )?;
    let (mosaic, report) = draw(&scene, &layout)?;
    render::write_png_and_sidecar(
        &mosaic,
        &args.out,
        &json_path,
        &Sidecar::new("mosaic", report),
    )?;
    Ok(ExitCode::SUCCESS)
}

/// Draws the mosaic of `scene`, and the record of where its pixels are
/// (`layout` checked already: [`MosaicLayout::check`]).
pub fn draw(scene: &Scene, layout: &MosaicLayout) -> Result<(RgbaImage, MosaicReport)> {
    let grid = &scene.volume.grid;
    let (lo, hi) = world_box(grid);
    let centre = [0, 1, 2].map(|a| (lo[a] + hi[a]) / 2.0);
    let (pixel_mm, tile) = tile_size(grid, lo, hi, layout.pixel_mm, layout.tile_px)?;
    let gutter = layout.gutter_px;
    let text_scale = if tile >= 200 { 2 } else { 1 };
    let width = gutter + layout.slices * (tile + gutter);
    let tiles_height = gutter + layout.planes.len() * (tile + gutter);
    let height = tiles_height + scale_bar::footprint_height(text_scale);
    if width > MAX_MOSAIC_PX || height > MAX_MOSAIC_PX {
        bail!("the mosaic would be {width}x{height} pixels, over {MAX_MOSAIC_PX}: ask for fewer --slices or a smaller --tile-px");
    }

    let mut mosaic = RgbaImage::new(width, height, [0, 0, 0, 255]);
    let mut tiles = Vec::new();
    for (row, &plane) in layout.planes.iter().enumerate() {
        let axis = plane.normal_axis();
        let positions = slice_positions(lo[axis], hi[axis], layout.slices);
        for (column, &position_mm) in positions.iter().enumerate() {
            let mut cursor_ras = centre;
            cursor_ras[axis] = position_mm;
            let spec = ViewSpec {
                plane,
                convention: scene.convention,
                cursor_ras,
                centre_ras: centre,
                pixel_mm,
                width: tile,
                height: tile,
            };
            let mut view = scene.render(&spec);
            draw_edge_letters(&mut view.image, &spec);
            let label = position_label(plane, position_mm);
            let margin = 3 * text_scale;
            view.image
                .draw_text(&label, margin, margin, text_scale, [255, 255, 255, 255]);
            let (left, top) = (
                gutter + column * (tile + gutter),
                gutter + row * (tile + gutter),
            );
            mosaic.blit(&view.image, left, top);
            tiles.push(TileReport {
                plane,
                row,
                column,
                axis: ["x", "y", "z"][axis],
                position_mm,
                label,
                rect_px: [left, top, tile, tile],
                world_from_pixel: shifted(&view.world_from_pixel, left, top)?.matrix(),
            });
        }
    }
    // In the strip below the tiles, sized against one tile, right-aligned with the last column.
    let scale_bar = scale_bar::draw_scale_bar_at(
        &mut mosaic,
        pixel_mm,
        tile,
        [width - gutter, height],
        text_scale,
    );
    let report = MosaicReport {
        width,
        height,
        pixel_mm,
        tile_px: tile,
        gutter_px: gutter,
        planes: layout.planes.clone(),
        slices: layout.slices,
        slice_positions: SLICE_RULE,
        box_ras: [lo, hi],
        scale_bar,
        tiles,
        scene: scene.report()?,
    };
    Ok((mosaic, report))
}

/// The lowest and highest RAS corner of the box around the voxel centres.
fn world_box(grid: &Grid) -> ([f64; 3], [f64; 3]) {
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for w in grid.world_corners() {
        for a in 0..3 {
            lo[a] = lo[a].min(w[a]);
            hi[a] = hi[a].max(w[a]);
        }
    }
    (lo, hi)
}

/// Pixel size and square tile side: the tile shows the box's largest
/// extent, so every plane is drawn at the same scale and one scale bar
/// serves them all.
fn tile_size(
    grid: &Grid,
    lo: [f64; 3],
    hi: [f64; 3],
    pixel_mm: Option<f64>,
    tile_px: Option<usize>,
) -> Result<(f64, usize)> {
    let side_mm = (0..3).map(|a| hi[a] - lo[a]).fold(0.0, f64::max);
    let finest = grid.spacing_mm().into_iter().fold(f64::INFINITY, f64::min);
    if let Some(t) = tile_px {
        let pixel_mm = if side_mm > 0.0 {
            side_mm / (t - 1) as f64
        } else {
            finest
        };
        return Ok((pixel_mm, t));
    }
    let pixel_mm = pixel_mm.unwrap_or(finest);
    if !(pixel_mm > 0.0 && pixel_mm.is_finite()) {
        bail!("--pixel-mm {pixel_mm} is not a positive size");
    }
    // One pixel more than the extent, so both edge voxels' centres are inside.
    let tile = (side_mm / pixel_mm).round() + 1.0;
    if tile > MAX_TILE_PX as f64 {
        bail!("tiles would be {tile} pixels wide at {pixel_mm} mm, over {MAX_TILE_PX}: give a larger --pixel-mm or a --tile-px");
    }
    Ok((pixel_mm, (tile as usize).max(16)))
}

/// The centres of `n` equal slabs of [lo, hi]: evenly spaced, and never on
/// the outermost voxels, which often hold nothing.
fn slice_positions(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    (0..n)
        .map(|i| lo + (i as f64 + 0.5) * (hi - lo) / n as f64)
        .collect()
}

/// "S 12.5", "I 30.0", "R 4.0": the side of the origin the slice is on, and
/// its distance from the origin's plane, in mm.
fn position_label(plane: Plane, position_mm: f64) -> String {
    let mut towards = [0.0; 3];
    towards[plane.normal_axis()] = if position_mm < 0.0 { -1.0 } else { 1.0 };
    format!("{} {:.1}", letter_towards(towards), position_mm.abs())
}

/// A tile's `world_from_pixel` for the mosaic's pixels, the tile's top-left
/// corner being at mosaic pixel (left, top).
fn shifted(tile_world_from_pixel: &Affine, left: usize, top: usize) -> Result<Affine> {
    let rows = tile_world_from_pixel
        .rows()
        .map(|[a, b, c, t]| [a, b, c, t - a * left as f64 - b * top as f64]);
    Ok(Affine::from_rows(rows)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slices_are_slab_centres_inside_the_extent() {
        let p = slice_positions(-10.0, 50.0, 6);
        assert_eq!(p, vec![-5.0, 5.0, 15.0, 25.0, 35.0, 45.0]);
        assert_eq!(slice_positions(0.0, 8.0, 1), vec![4.0]);
    }

    #[test]
    fn labels_name_the_side_of_the_origin() {
        assert_eq!(position_label(Plane::Axial, 12.5), "S 12.5");
        assert_eq!(position_label(Plane::Axial, -30.0), "I 30.0");
        assert_eq!(position_label(Plane::Coronal, -4.04), "P 4.0");
        assert_eq!(position_label(Plane::Sagittal, 7.0), "R 7.0");
    }

    #[test]
    fn shifted_tiles_map_mosaic_pixels_to_the_same_world_points() {
        let tile = Affine::from_rows([
            [-0.5, 0.0, 0.0, 40.0],
            [0.0, 0.0, 0.5, 3.0],
            [0.0, -0.5, 0.0, 60.0],
        ])
        .unwrap();
        let in_mosaic = shifted(&tile, 130, 24).unwrap();
        for (c, r) in [(0.0, 0.0), (7.0, 3.0), (99.0, 99.0)] {
            let a = tile.apply([c, r, 0.0]);
            let b = in_mosaic.apply([c + 130.0, r + 24.0, 0.0]);
            assert!(crate::geometry::affine::distance(a, b) < 1e-12);
        }
    }

    #[test]
    fn tiles_cover_the_largest_extent_at_the_finest_spacing() {
        let grid = Grid::new([10, 20, 5], Affine::scaling([2.0, 1.0, 3.0]).unwrap());
        let (lo, hi) = world_box(&grid);
        assert_eq!((lo, hi), ([0.0; 3], [18.0, 19.0, 12.0]));
        assert_eq!(tile_size(&grid, lo, hi, None, None).unwrap(), (1.0, 20));
        let (mm, t) = tile_size(&grid, lo, hi, None, Some(39)).unwrap();
        assert_eq!((mm, t), (0.5, 39));
        assert!(tile_size(&grid, lo, hi, Some(0.0), None).is_err());
        assert!(tile_size(&grid, lo, hi, Some(0.001), None).is_err());
    }
}
