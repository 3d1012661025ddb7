//! `rasview probe`: the value at a world point.

use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ProbeArgs {
    /// An image file (NIfTI, NRRD, MetaImage) or a DICOM series (a folder or one of its files).
    pub file: PathBuf,
    /// World point in RAS mm, e.g. --ras -12.5,30,-4
    #[arg(long, allow_hyphen_values = true, value_parser = super::parse_triple)]
    pub ras: [f64; 3],
    /// Which volume of a 4D file (0 is the first).
    #[arg(long, default_value_t = 0)]
    pub volume: usize,
    /// A label table naming the values (FreeSurfer LUT, ITK-SNAP label
    /// description, Slicer .ctbl); without it, one beside FILE named like
    /// it (FILE.txt, .lut, .ctbl, .label, FILE_lut.txt) is used.
    #[arg(long, value_name = "TABLE")]
    pub lut: Option<PathBuf>,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

#[derive(Debug, Serialize)]
pub struct ProbeReport {
    pub ras: [f64; 3],
    /// Continuous voxel coordinates of the point.
    pub voxel_fractional: [f64; 3],
    /// The nearest voxel (may lie outside the grid).
    pub voxel: [i64; 3],
    pub inside: bool,
    pub value: Option<f64>,
    /// The name the file or its label table gives the value (null when
    /// none does, or the value is not a whole number).
    pub label: Option<String>,
    /// Where the nearest voxel's centre is, in RAS mm.
    pub voxel_centre_ras: [f64; 3],
    pub rgb: Option<[u8; 3]>,
    pub volume: usize,
}

pub fn run(args: &ProbeArgs) -> Result<ExitCode> {
    let v = super::load_frame_named(&args.file, args.volume, &args.series, args.lut.as_deref())?;
    let fractional = v.grid.voxel_from_world(args.ras);
    let voxel = fractional.map(|c| (c + 0.5).floor() as i64);
    let hit = v.probe(args.ras, args.volume);
    let report = ProbeReport {
        ras: args.ras,
        voxel_fractional: fractional,
        voxel,
        inside: hit.is_some(),
        value: hit.map(|(_, value)| value),
        label: hit.and_then(|(_, value)| label_name(&v.labels, value, args.volume)),
        voxel_centre_ras: v.grid.world_from_voxel.apply(voxel.map(|c| c as f64)),
        rgb: hit.and_then(|(index, _)| v.rgb_at(index, args.volume)),
        volume: args.volume,
    };
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        let [x, y, z] = args.ras;
        let [fi, fj, fk] = fractional;
        outln!("RAS ({x}, {y}, {z}) mm is voxel ({fi:.3}, {fj:.3}, {fk:.3})")?;
        match report.value {
            Some(value) => {
                let [i, j, k] = voxel;
                out!("nearest voxel [{i}, {j}, {k}] = {value}")?;
                if let Some(name) = &report.label {
                    out!(" ({name})")?;
                }
                if let Some([r, g, b]) = report.rgb {
                    out!(" (rgb {r}, {g}, {b})")?;
                }
                outln!()?;
            }
            None => outln!("outside the volume (shape {:?})", v.grid.shape)?,
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The name of a whole-number `value` on layer (volume) `t`.
fn label_name(labels: &[crate::volume::Label], value: f64, t: usize) -> Option<String> {
    if value.fract() != 0.0 || !value.is_finite() {
        return None;
    }
    labels
        .iter()
        .find(|l| l.value as f64 == value && l.layer == t)
        .map(|l| l.name.clone())
}
