//! `rasview check BASE OVERLAY`: whether an overlay sits on the base's grid,
//! and if not, how its geometry differs, in words. Exit 0 aligned, 3 not.

use crate::overlay::{check_overlay, EdgeReference};
use anyhow::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when the overlay does not sit on the base.
pub const EXIT_MISALIGNED: u8 = 3;

#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    pub base: PathBuf,
    pub overlay: PathBuf,
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

pub fn run(args: &CheckArgs) -> Result<ExitCode> {
    let base = args.series.load(&args.base)?;
    let overlay = args.series.load(&args.overlay)?;
    let reference = EdgeReference::of(&base);
    let check = check_overlay(
        &base,
        &overlay,
        &overlay.frame_values(0),
        reference.as_ref(),
    );
    if args.json {
        outln!("{}", serde_json::to_string(&check)?)?;
    } else {
        outln!(
            "{}: {}",
            args.overlay.display(),
            if check.aligned {
                "aligned with the base"
            } else {
                "NOT aligned with the base"
            }
        )?;
        for f in &check.findings {
            outln!("  - {f}")?;
        }
    }
    Ok(if check.aligned {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(EXIT_MISALIGNED)
    })
}
