//! `rasview stats`: voxel count, volume, mean, SD, min and max inside a
//! sphere, voxels counted by their centres (the window's ROI statistics).

use crate::geometry::Region;
use anyhow::{bail, Result};
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct StatsArgs {
    /// An image file (NIfTI, NRRD, MetaImage) or a DICOM series (a folder or one of its files).
    pub file: PathBuf,
    /// Centre in RAS mm and radius in mm, e.g. --sphere -12.5,30,-4,5
    #[arg(long, allow_hyphen_values = true, value_parser = parse_sphere, value_name = "X,Y,Z,R")]
    pub sphere: [f64; 4],
    /// Which volume of a 4D file (0 is the first).
    #[arg(long, default_value_t = 0)]
    pub volume: usize,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

#[derive(Debug, Serialize)]
struct StatsReport {
    region: Region,
    volume: usize,
    #[serde(flatten)]
    stats: crate::volume::RegionStats,
}

pub fn run(args: &StatsArgs) -> Result<ExitCode> {
    let [x, y, z, r] = args.sphere;
    let v = super::load_frame_of(&args.file, args.volume, &args.series)?;
    let centre = [x, y, z];
    if v.grid.nearest_voxel(centre).is_none() {
        let [i, j, k] = v.grid.voxel_from_world(centre);
        bail!(
            "--sphere centre {x},{y},{z} is outside the volume (voxel {i:.1}, {j:.1}, {k:.1}; shape {:?}) in {}",
            v.grid.shape,
            args.file.display()
        );
    }
    let region = Region::Sphere {
        centre_ras: centre,
        radius_mm: r,
    };
    let t = args.volume;
    let stats = crate::volume::region_stats(&v.grid, &region, |voxel| v.value_at(voxel, t));
    let report = StatsReport {
        region,
        volume: t,
        stats,
    };
    if args.json {
        outln!("{}", serde_json::to_string(&report)?)?;
    } else {
        let s = &report.stats;
        let show = |value: Option<f64>| value.map_or("-".to_string(), |v| format!("{v}"));
        outln!("sphere at RAS ({x}, {y}, {z}) mm, radius {r} mm, volume {t}")?;
        outln!("voxels     {}", s.voxels)?;
        outln!("volume_mm3 {}", s.volume_mm3)?;
        outln!("mean       {}", show(s.mean))?;
        outln!("sd         {}", show(s.sd))?;
        outln!("min        {}", show(s.min))?;
        outln!("max        {}", show(s.max))?;
        outln!("nonzero    {}", s.nonzero)?;
    }
    Ok(ExitCode::SUCCESS)
}

/// Parses "X,Y,Z,R": a centre in RAS mm and a positive radius in mm.
fn parse_sphere(text: &str) -> Result<[f64; 4], String> {
    let Some((centre, radius)) = text.rsplit_once(',') else {
        return Err(format!(
            "expected X,Y,Z,R (centre in RAS mm, radius in mm) like 0,-10,5,8, got \"{text}\""
        ));
    };
    let [x, y, z] = super::parse_triple(centre)
        .map_err(|e| format!("the centre of --sphere \"{text}\": {e}"))?;
    let r: f64 = radius
        .trim()
        .parse()
        .map_err(|_| format!("the radius \"{radius}\" of --sphere \"{text}\" is not a number"))?;
    if !(r.is_finite() && r > 0.0) {
        return Err(format!(
            "the radius of --sphere \"{text}\" must be a positive number of mm, got {r}"
        ));
    }
    Ok([x, y, z, r])
}

#[cfg(test)]
mod tests {
    use super::parse_sphere;

    #[test]
    fn spheres_take_a_centre_and_a_positive_radius() {
        assert_eq!(parse_sphere("-1,2.5,-3,4"), Ok([-1.0, 2.5, -3.0, 4.0]));
        assert!(parse_sphere("1,2,3").unwrap_err().contains("centre"));
        assert!(parse_sphere("1,2,3,-4").unwrap_err().contains("positive"));
        assert!(parse_sphere("1,2,3,0").unwrap_err().contains("positive"));
        assert!(parse_sphere("1,2,3,r").unwrap_err().contains("radius"));
    }
}
