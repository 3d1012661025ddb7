//! `rasview edges`: an edge map written as NIfTI on the input's own grid,
//! with a sidecar that records how it was made.

use crate::edges::{self, Control, Detector, EdgeMap, EdgeParams, Mode, ThresholdKind};
use crate::export::{
    header_like, input_records, json_sidecar_path, refuse_to_overwrite, InputRecord, Sidecar,
};
use crate::geometry::Plane;
use crate::volume::{save, RawHeader, Volume, Voxels};
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ModeArg {
    #[value(name = "3d")]
    ThreeD,
    Axial,
    Coronal,
    Sagittal,
}

impl ModeArg {
    pub fn mode(self) -> Mode {
        match self {
            ModeArg::ThreeD => Mode::ThreeD,
            ModeArg::Axial => Mode::Slices(Plane::Axial),
            ModeArg::Coronal => Mode::Slices(Plane::Coronal),
            ModeArg::Sagittal => Mode::Slices(Plane::Sagittal),
        }
    }
}

#[derive(Debug, clap::Args)]
pub struct EdgesArgs {
    /// An image file (NIfTI, NRRD, MetaImage) or a DICOM series (a folder or one of its files).
    pub file: PathBuf,
    /// The edge map to write: NIfTI (.nii, .nii.gz, .hdr), NRRD (.nrrd) or MetaImage (.mha, .mhd) by the name; EDGES.json is written beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// Volumetric, or slice by slice along a world plane.
    #[arg(long, value_enum, default_value_t = ModeArg::ThreeD)]
    pub mode: ModeArg,
    #[arg(long, value_enum, default_value_t = Detector::Canny)]
    pub detector: Detector,
    /// Gaussian sigma in mm.
    #[arg(long, default_value_t = 1.0)]
    pub sigma_mm: f64,
    /// The wider sigma of the difference of Gaussians, in mm.
    #[arg(long, default_value_t = 1.6)]
    pub sigma2_mm: f64,
    /// Low threshold: a quantile (0 to 1) or, with --thresholds absolute, intensity per mm.
    #[arg(long, default_value_t = 0.8)]
    pub low: f64,
    /// High threshold, same units as --low.
    #[arg(long, default_value_t = 0.9)]
    pub high: f64,
    #[arg(long, value_enum, default_value_t = ThresholdKind::Quantile)]
    pub thresholds: ThresholdKind,
    /// Which volume of a 4D file.
    #[arg(long, default_value_t = 0)]
    pub volume: usize,
    /// Only voxels where this image is non-zero count (any grid: sampled at each voxel's world point).
    #[arg(long)]
    pub mask: Option<PathBuf>,
    /// Only voxels whose value is above this level count (background excluded).
    #[arg(long, allow_hyphen_values = true)]
    pub background: Option<f64>,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

#[derive(Debug, Serialize)]
struct EdgesRecord {
    input: Vec<InputRecord>,
    mask: Option<Vec<InputRecord>>,
    volume: usize,
    background: Option<f64>,
    params: EdgeParams,
    thresholds_used: Option<[f32; 2]>,
    slices: Option<String>,
    edge_voxels: Option<usize>,
    output: String,
    output_datatype: &'static str,
    seconds: f64,
}

pub fn run(args: &EdgesArgs) -> Result<ExitCode> {
    let mut v = super::load_frame_of(&args.file, args.volume, &args.series)?;
    refuse_to_overwrite(&args.out, &[&v])?;
    let sidecar_path = json_sidecar_path(&args.out);
    refuse_to_overwrite(&sidecar_path, &[&v])?;
    let params = EdgeParams {
        detector: args.detector,
        mode: args.mode.mode(),
        sigma_mm: args.sigma_mm,
        sigma2_mm: args.sigma2_mm,
        thresholds: args.thresholds,
        low: args.low,
        high: args.high,
        // Nothing here draws it.
        plot_histogram: false,
        ..EdgeParams::default()
    };
    check_params(&params)?;
    let mask_volume = args
        .mask
        .as_ref()
        .map(|m| args.series.load(m))
        .transpose()?;
    let mut considered = mask_volume.as_ref().map(|m| mask_on_grid(m, &v));
    if let Some(level) = args.background {
        let values = v.frame_values(args.volume);
        let above = values.iter().map(|&x| x as f64 > level);
        considered = Some(match considered {
            Some(c) => c.iter().zip(above).map(|(&c, a)| c && a).collect(),
            None => above.collect(),
        });
    }

    let started = Instant::now();
    // Handed over, the input is freed once smoothed: one float32 volume
    // less at the run's peak.
    let values = v.take_frame_values(args.volume);
    let result = edges::detect_values(
        values,
        &v.grid,
        &params,
        considered.as_deref(),
        &Control::none(),
    )
    .map_err(|_| anyhow::anyhow!("the edge computation was cancelled"))?;
    let seconds = started.elapsed().as_secs_f64();

    let edge_voxels = matches!(result.map, EdgeMap::Mask(_)).then(|| result.edge_count());
    let (low_abs, high_abs, slice_axis) = (result.low_abs, result.high_abs, result.slice_axis);
    let voxels = match result.map {
        EdgeMap::Mask(m) => Voxels::U8(m),
        EdgeMap::Magnitude(g) => Voxels::F32(g),
    };
    let header = output_header(&v.header, &params);

    let slices = slice_axis.map(|axis| {
        let plane = match params.mode {
            Mode::Slices(p) => p.name(),
            Mode::ThreeD => "3d",
        };
        let letters = v.grid.axcodes();
        format!(
            "{plane} slices: 2D edges within each slice across voxel axis {} ({}), the axis closest to the {plane} normal; thresholds resolved per slice{}",
            ["i", "j", "k"][axis],
            letters.chars().nth(axis).unwrap_or('?'),
            if v.grid.is_oblique() {
                format!("; the volume is oblique by {:.2} degrees, so slices are tilted by up to that much", v.grid.obliquity_degrees())
            } else {
                String::new()
            }
        )
    });
    let record = EdgesRecord {
        input: input_records(&v)?,
        mask: match &mask_volume {
            Some(m) => Some(input_records(m)?),
            None => None,
        },
        volume: args.volume,
        background: args.background,
        params,
        // In slice mode each slice resolves its own quantile thresholds.
        thresholds_used: if slice_axis.is_some() {
            None
        } else {
            low_abs
                .zip(high_abs)
                .map(|(l, h)| [l, h])
                .or(high_abs.map(|h| [h, h]))
        },
        slices,
        edge_voxels,
        output: args.out.display().to_string(),
        output_datatype: voxels.datatype().name(),
        seconds,
    };
    let edge_voxels = record.edge_voxels;
    let image = save::stage_image(&args.out, &header, &v.grid, &voxels, 1)?;
    Sidecar::new("edges", record).write_with(&sidecar_path, image)?;
    if let Some(count) = edge_voxels {
        eprintln!(
            "{count} edge voxels in {seconds:.2} s -> {}",
            args.out.display()
        );
    }
    Ok(ExitCode::SUCCESS)
}

fn check_params(p: &EdgeParams) -> Result<()> {
    if !(p.sigma_mm >= 0.0 && p.sigma_mm.is_finite()) {
        bail!("--sigma-mm must be a finite number, at least 0");
    }
    if p.detector == Detector::Dog && (p.sigma2_mm <= p.sigma_mm || p.sigma2_mm.is_nan()) {
        bail!(
            "--sigma2-mm ({}) must be larger than --sigma-mm ({}) for a difference of Gaussians",
            p.sigma2_mm,
            p.sigma_mm
        );
    }
    if p.thresholds == ThresholdKind::Quantile
        && !((0.0..=1.0).contains(&p.low) && (0.0..=1.0).contains(&p.high))
    {
        bail!("quantile thresholds --low and --high must lie between 0 and 1");
    }
    if !(p.low.is_finite() && p.high.is_finite()) {
        bail!("--low and --high must be finite");
    }
    Ok(())
}

fn output_header(input: &RawHeader, params: &EdgeParams) -> RawHeader {
    header_like(
        input,
        &format!(
            "rasview edges {:?} sigma {} mm",
            params.detector, params.sigma_mm
        ),
    )
}

/// A mask from any grid, sampled at each voxel centre of `base` through
/// both affines (nearest): non-zero counts.
fn mask_on_grid(mask: &Volume, base: &Volume) -> Vec<bool> {
    let [nx, ny, nz] = base.grid.shape;
    let mut out = Vec::with_capacity(nx * ny * nz);
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let world = base.grid.world_from_index([i, j, k]);
                out.push(
                    mask.probe(world, 0)
                        .is_some_and(|(_, v)| v != 0.0 && !v.is_nan()),
                );
            }
        }
    }
    out
}
