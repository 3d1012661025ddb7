//! What the window saves: the edge result and any overlay as NIfTI on the
//! base's grid with the base's geometry, and the three views as PNG with
//! letters, crosshair and scale bar. Each beside a JSON sidecar with the
//! parameters, the inputs' SHA-256 and the version; every file is written
//! to a temporary name and renamed, and no input is ever written over.
//!
//! Each export reads only a [`Viewer`], which clones cheaply (shared
//! volumes): the window runs them on a thread of their own with a copy
//! taken at the click (see `export_job`), each `*_reporting` function
//! reporting its progress as a fraction as it goes.

use super::state::Viewer;
use crate::export::{
    compact_voxels, header_like, input_records, json_sidecar_path, refuse_to_overwrite,
    sample_onto_reporting, InputRecord, Sidecar,
};
use crate::geometry::{Interpolation, Plane};
use crate::render::{self, scale_bar, FrameSource};
use crate::volume::save::{self, Staged};
use crate::volume::{storage_order, Volume, Voxels};
use anyhow::{anyhow, Context, Result};
use serde::Serialize;
use std::path::Path;

#[derive(Serialize)]
struct ExportRecord<'a> {
    base: Vec<InputRecord>,
    overlay: Option<Vec<InputRecord>>,
    what: String,
    parameters: serde_json::Value,
    output: String,
    output_datatype: Option<&'static str>,
    views: Option<&'a [ViewRecord]>,
    /// The rulers drawn on the views: ends in RAS mm and length.
    #[serde(skip_serializing_if = "Option::is_none")]
    rulers: Option<Vec<RulerRecord>>,
}

#[derive(Serialize)]
struct RulerRecord {
    a_ras: [f64; 3],
    b_ras: [f64; 3],
    length_mm: f64,
}

#[derive(Serialize)]
struct ViewRecord {
    plane: Plane,
    png: String,
    width: usize,
    height: usize,
    /// Maps the centre of pixel (column, row, 0, 1) to RAS mm.
    world_from_pixel: [[f64; 4]; 4],
    pixel_mm: f64,
    scale_bar: Option<scale_bar::ScaleBar>,
    /// Where each ruler was drawn on this picture.
    rulers: Vec<render::RulerInView>,
}

/// Where an export reports how far it has come (0 to 1).
pub type Progress<'a> = &'a dyn Fn(f32);

/// Every volume the window has read: nothing may be written over them.
fn inputs(viewer: &Viewer) -> Vec<&Volume> {
    let base = viewer.loaded.iter().map(|l| l.volume.as_ref());
    base.chain(viewer.overlays.items.iter().map(|o| o.volume.as_ref()))
        .collect()
}

fn base_of(viewer: &Viewer) -> Result<&Volume> {
    viewer
        .loaded
        .as_ref()
        .map(|l| l.volume.as_ref())
        .ok_or_else(|| anyhow!("no volume is open"))
}

/// Saves the edges on screen as a uint8 mask (float32 for gradient
/// magnitude) carrying the base's header geometry.
pub fn export_edges(viewer: &Viewer, out: &Path) -> Result<String> {
    export_edges_reporting(viewer, out, &|_| {})
}

/// [`export_edges`], reporting progress.
pub fn export_edges_reporting(viewer: &Viewer, out: &Path, report: Progress) -> Result<String> {
    let base = base_of(viewer)?;
    let edges = viewer
        .edges
        .as_ref()
        .ok_or_else(|| anyhow!("there are no edges to export: tick Show edges first"))?;
    refuse_both(out, &inputs(viewer))?;
    let params = viewer.edge_settings.params;
    let values = storage_order(&edges.frame).into_owned();
    let voxels = match params.detector {
        crate::edges::Detector::Gradient => Voxels::F32(values),
        _ => Voxels::U8(values.iter().map(|&v| (v != 0.0) as u8).collect()),
    };
    report(0.1);
    let staged = stage_on_base(
        out,
        base,
        &voxels,
        &format!(
            "rasview edges {:?} sigma {} mm",
            params.detector, params.sigma_mm
        ),
    )?;
    // Hashing the base's files for the sidecar is the rest.
    report(0.5);
    let sidecar = json_sidecar_path(out);
    Sidecar::new(
        "window: export edges",
        ExportRecord {
            base: input_records(base)?,
            overlay: None,
            what: format!(
                "{} edge voxels; thresholds used {:?} intensity/mm",
                edges.edge_count, edges.thresholds
            ),
            parameters: serde_json::json!({
                "edges": params,
                "per_slice_plane": viewer.edge_settings.per_slice.then(|| viewer.active_plane.name()),
                "background": viewer.edge_settings.use_mask.then_some(viewer.edge_settings.background),
            }),
            output: out.display().to_string(),
            output_datatype: Some(voxels.datatype().name()),
            views: None,
            rulers: None,
        },
    )
    .write_with(&sidecar, staged)?;
    Ok(format!("saved {} and {}", out.display(), sidecar.display()))
}

/// Saves overlay `index` resampled onto the base's grid (nearest for masks
/// and labels, the overlay's own interpolation for maps) with the base's
/// header geometry.
pub fn export_overlay(viewer: &Viewer, index: usize, out: &Path) -> Result<String> {
    export_overlay_reporting(viewer, index, out, &|_| {})
}

/// [`export_overlay`], reporting progress.
pub fn export_overlay_reporting(
    viewer: &Viewer,
    index: usize,
    out: &Path,
    report: Progress,
) -> Result<String> {
    let base = base_of(viewer)?;
    let overlay = viewer
        .overlays
        .items
        .get(index)
        .ok_or_else(|| anyhow!("no overlay number {index}"))?;
    refuse_both(out, &inputs(viewer))?;
    let interpolation = match overlay.style {
        render::LayerStyle::Map { .. } => overlay.interpolation,
        _ => Interpolation::Nearest,
    };
    // Sampling is most of the time before the write.
    let values = sample_onto_reporting(
        &overlay.frame,
        &overlay.volume.grid,
        &base.grid,
        interpolation,
        &|done| report(0.3 * done),
    );
    let voxels = compact_voxels(values);
    report(0.3);
    let staged = stage_on_base(
        out,
        base,
        &voxels,
        &format!("rasview overlay {} on base grid", overlay.name),
    )?;
    // Hashing both inputs' files for the sidecar is the rest.
    report(0.6);
    let sidecar = json_sidecar_path(out);
    Sidecar::new(
        "window: export overlay on the base grid",
        ExportRecord {
            base: input_records(base)?,
            overlay: Some(input_records(&overlay.volume)?),
            what: format!(
                "{} ({}) sampled at every base voxel centre through both affines; check: {}",
                overlay.name,
                overlay.kind,
                overlay.verdict()
            ),
            parameters: serde_json::json!({ "interpolation": interpolation }),
            output: out.display().to_string(),
            output_datatype: Some(voxels.datatype().name()),
            views: None,
            rulers: None,
        },
    )
    .write_with(&sidecar, staged)?;
    Ok(format!("saved {} and {}", out.display(), sidecar.display()))
}

/// Saves the three views through the cursor as `STEM_axial.png` and so on
/// (whole volume at the finest voxel spacing, as `rasview render` draws
/// it), with letters, crosshair and scale bar, and one sidecar `STEM.json`.
pub fn export_views(viewer: &Viewer, out: &Path) -> Result<String> {
    export_views_reporting(viewer, out, &|_| {})
}

/// [`export_views`], reporting progress.
pub fn export_views_reporting(viewer: &Viewer, out: &Path, report: Progress) -> Result<String> {
    let loaded = viewer
        .loaded
        .as_ref()
        .ok_or_else(|| anyhow!("no volume is open"))?;
    let stem = out
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let stem = stem.strip_suffix(".png").unwrap_or(&stem).to_string();
    let png_of = |plane: Plane| out.with_file_name(format!("{stem}_{}.png", plane.name()));
    let json_path = out.with_file_name(format!("{stem}.json"));
    // Every name is checked before anything is written.
    let inputs = inputs(viewer);
    for path in Plane::ALL.map(png_of).iter().chain([&json_path]) {
        refuse_to_overwrite(path, &inputs)?;
    }
    let source = match &loaded.colour {
        Some(c) => FrameSource::Colour(c),
        None => FrameSource::Scalar(&loaded.frame),
    };
    let mut layers = viewer.overlays.layers();
    let shown_edges = viewer.edges.as_ref().filter(|_| viewer.edge_settings.show);
    if let Some(e) = shown_edges {
        let s = &viewer.edge_settings;
        layers.push(render::OverlayLayer {
            outline: s.outline,
            ..render::OverlayLayer::mask(&e.frame, &loaded.volume.grid, s.colour, s.opacity)
        });
    }
    layers.extend(super::edge_compare::layers(viewer, &loaded.volume.grid));
    let mut records = Vec::new();
    let mut pictures = Vec::new();
    for plane in Plane::ALL {
        let spec = viewer
            .base_spec(plane)
            .ok_or_else(|| anyhow!("no volume is open"))?;
        let mut view = render::render_view_pixels(
            &source,
            &loaded.volume.grid,
            &spec,
            &viewer.display,
            &layers,
        );
        view.image
            .draw_crosshair(spec.pixel_from_world(viewer.cursor_ras), [0, 255, 0, 255]);
        render::draw_edge_letters(&mut view.image, &spec);
        let bar = scale_bar::draw_scale_bar(&mut view.image, spec.pixel_mm);
        let rulers = render::draw_rulers(
            &mut view.image,
            &spec,
            viewer.measure.rulers(),
            viewer.slice_step_mm(plane),
        );
        let png = png_of(plane);
        records.push(ViewRecord {
            plane,
            png: png.display().to_string(),
            width: spec.width,
            height: spec.height,
            world_from_pixel: view.world_from_pixel.matrix(),
            pixel_mm: spec.pixel_mm,
            scale_bar: bar,
            rulers,
        });
        pictures.push((png, view.image));
        report(0.15 * pictures.len() as f32);
    }
    let mut staged = Vec::new();
    for (png, image) in &pictures {
        staged.push(
            image
                .stage_png(png)
                .with_context(|| format!("writing {}", png.display()))?,
        );
    }
    report(0.5);
    let overlays: Vec<InputRecord> = viewer
        .overlays
        .items
        .iter()
        .filter(|o| o.visible)
        .map(|o| input_records(&o.volume))
        .collect::<Result<Vec<_>>>()?
        .into_iter()
        .flatten()
        .collect();
    Sidecar::new(
        "window: export views",
        ExportRecord {
            base: input_records(&loaded.volume)?,
            overlay: (!overlays.is_empty()).then_some(overlays),
            what: "axial, coronal and sagittal views through the cursor".into(),
            parameters: serde_json::json!({
                "cursor_ras": viewer.cursor_ras,
                "display": viewer.display,
                "convention": viewer.convention,
                "volume": loaded.frame_index,
                "edges": shown_edges.map(|_| viewer.edge_settings.params),
            }),
            output: json_path.display().to_string(),
            output_datatype: None,
            views: Some(&records),
            rulers: Some(
                viewer
                    .measure
                    .rulers()
                    .iter()
                    .map(|r| RulerRecord {
                        a_ras: r.a_ras,
                        b_ras: r.b_ras,
                        length_mm: r.length_mm(),
                    })
                    .collect(),
            ),
        },
    )
    .write_with(&json_path, staged)?;
    Ok(format!(
        "saved {} pictures and {}",
        pictures.len(),
        json_path.display()
    ))
}

/// Writes one frame on the base's grid with the base's header geometry.
/// The output under a temporary name, to be put in place with its sidecar.
fn stage_on_base(
    out: &Path,
    base: &Volume,
    voxels: &Voxels,
    description: &str,
) -> Result<Vec<Staged>> {
    let header = header_like(&base.header, description);
    Ok(save::stage_image(out, &header, &base.grid, voxels, 1)?)
}

/// Refuses an output, or its sidecar, that is one of the inputs.
fn refuse_both(out: &Path, inputs: &[&Volume]) -> Result<()> {
    refuse_to_overwrite(out, inputs)?;
    refuse_to_overwrite(&json_sidecar_path(out), inputs)
}
