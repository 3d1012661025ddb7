//! `rasview resample OVERLAY --like BASE --out OUT`: an overlay made on any
//! grid, written on the base's grid with the base's header geometry (the
//! "clone the input volume's geometry" fix in one step), so every tool
//! opens it aligned; with the overlay check's verdict in the sidecar.

use crate::export::{
    compact_voxels, header_like, input_records, json_sidecar_path, refuse_to_overwrite,
    sample_onto, InputRecord, Sidecar,
};
use crate::geometry::Interpolation;
use crate::overlay::{check_overlay, EdgeReference, OverlayReport};
use crate::render::suggest_style;
use crate::volume::{self, save, storage_order};
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ResampleArgs {
    /// The overlay: an image in any format rasview reads, on any grid.
    pub overlay: PathBuf,
    /// The base whose grid and geometry the output takes.
    #[arg(long)]
    pub like: PathBuf,
    /// Sampling: nearest for masks and labels, linear for float maps
    /// (default: from the overlay's values).
    #[arg(long, value_enum)]
    pub interpolation: Option<Interpolation>,
    /// The image to write: NIfTI, NRRD (.nrrd) or MetaImage (.mha, .mhd) by the name; OUT.json beside it.
    #[arg(long)]
    pub out: PathBuf,
}

#[derive(Serialize)]
struct ResampleRecord {
    base: Vec<InputRecord>,
    overlay: Vec<InputRecord>,
    interpolation: Interpolation,
    overlay_kind: &'static str,
    check: OverlayReport,
    output: String,
    output_datatype: &'static str,
}

pub fn run(args: &ResampleArgs) -> Result<ExitCode> {
    let base = volume::load(&args.like)?;
    let overlay = volume::load(&args.overlay)?;
    let sidecar_path = json_sidecar_path(&args.out);
    for out in [&args.out, &sidecar_path] {
        refuse_to_overwrite(out, &[&base, &overlay])?;
    }
    let frame = overlay.frame_f32(0);
    let suggested = suggest_style(&overlay, &frame, 0);
    let interpolation = args.interpolation.unwrap_or(suggested.interpolation);
    let check = check_overlay(
        &base,
        &overlay,
        &storage_order(&frame),
        EdgeReference::of(&base).as_ref(),
    );
    if !check.aligned {
        eprintln!(
            "rasview: note: {} is not aligned with {}; it is resampled where its header puts it:",
            args.overlay.display(),
            args.like.display()
        );
        for f in &check.findings {
            eprintln!("  - {f}");
        }
    }
    let values = sample_onto(&frame, &overlay.grid, &base.grid, interpolation);
    let voxels = compact_voxels(values);
    let header = header_like(
        &base.header,
        &format!("rasview resample onto {}", base.grid.axcodes()),
    );
    let record = ResampleRecord {
        base: input_records(&base)?,
        overlay: input_records(&overlay)?,
        interpolation,
        overlay_kind: suggested.kind,
        check,
        output: args.out.display().to_string(),
        output_datatype: voxels.datatype().name(),
    };
    let image = save::stage_image(&args.out, &header, &base.grid, &voxels, 1)?;
    Sidecar::new("resample", record).write_with(&sidecar_path, image)?;
    Ok(ExitCode::SUCCESS)
}
