//! `rasview timecourse`: the value at a world point in every volume of a 4D file.

use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct TimecourseArgs {
    /// An image file (NIfTI, NRRD, MetaImage) or a DICOM series (a folder or one of its files).
    pub file: PathBuf,
    /// World point in RAS mm, e.g. --ras -12.5,30,-4; the voxel nearest it is read.
    #[arg(long, allow_hyphen_values = true, value_parser = super::parse_triple)]
    pub ras: [f64; 3],
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

#[derive(Debug, Serialize)]
struct TimecourseReport {
    ras: [f64; 3],
    voxel: [usize; 3],
    /// Where that voxel's centre is, in RAS mm.
    voxel_centre_ras: [f64; 3],
    volumes: usize,
    /// One value per volume, the first volume first.
    values: Vec<f64>,
}

pub fn run(args: &TimecourseArgs) -> Result<ExitCode> {
    let v = args.series.load(&args.file)?;
    let Some(course) = crate::volume::time_course(&v, args.ras) else {
        let [x, y, z] = args.ras;
        let [i, j, k] = v.grid.voxel_from_world(args.ras);
        bail!(
            "--ras {x},{y},{z} is outside the volume (voxel {i:.1}, {j:.1}, {k:.1}; shape {:?}) in {}",
            v.grid.shape,
            args.file.display()
        );
    };
    let report = TimecourseReport {
        ras: args.ras,
        voxel: course.voxel,
        voxel_centre_ras: v.grid.world_from_index(course.voxel),
        volumes: course.values.len(),
        values: course.values,
    };
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        let [i, j, k] = report.voxel;
        let [x, y, z] = report.voxel_centre_ras;
        outln!(
            "voxel [{i}, {j}, {k}] (centre at RAS {x:.3}, {y:.3}, {z:.3} mm), {} volumes:",
            report.volumes
        )?;
        for value in &report.values {
            outln!("{value}")?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
