//! The command line: subcommands over the same library functions the window uses.

/// `println!` that returns the error instead of panicking: a closed output
/// pipe (`rasview info --json | head -1`) comes back to [`run`] as an error,
/// which ends the program quietly.
macro_rules! outln {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        writeln!(std::io::stdout().lock(), $($arg)*)
    }};
}

/// `print!` that returns the error instead of panicking (see `outln!`).
macro_rules! out {
    ($($arg:tt)*) => {{
        use std::io::Write as _;
        write!(std::io::stdout().lock(), $($arg)*)
    }};
}

mod bench;
mod bench_dicom;
mod bench_edges;
mod bench_qc;
mod bench_scale;
mod check;
pub mod edges;
mod import_npy;
mod info;
mod mosaic;
mod probe;
mod qc;
mod render;
mod resample;
mod stats;
mod timecourse;

use clap::{Parser, Subcommand};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code for a failure that is not a usage error.
pub const EXIT_FAILURE: u8 = 1;
/// Exit code for bad usage (clap uses the same).
pub const EXIT_USAGE: u8 = 2;

#[derive(Debug, Parser)]
#[command(
    name = "rasview",
    version,
    about = "A viewer for medical volumes (NIfTI, NRRD, MetaImage, DICOM) that makes geometry mistakes impossible to miss",
    args_conflicts_with_subcommands = true
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Open this file in the window (default: the bundled sample).
    pub file: Option<PathBuf>,
    /// Open the window, save a screenshot once the volume is drawn, and exit.
    #[arg(long, value_name = "OUT.png")]
    pub screenshot: Option<PathBuf>,
    /// Open the window, scroll the axial view for this many frames, print
    /// the frame times and exit (a benchmark of the real window).
    #[arg(long, value_name = "FRAMES")]
    pub scroll_benchmark: Option<usize>,
    /// With --scroll-benchmark: keep exports (edges, overlays, views) running
    /// in the background and print the frame times during them.
    #[arg(long, requires = "scroll_benchmark")]
    pub benchmark_exports: bool,
    /// Open the window with edges shown (Canny, 3D, default settings).
    #[arg(long)]
    pub edges: bool,
    /// Add this image as an overlay over FILE, checked against it (repeatable).
    #[arg(long, value_name = "OVERLAY")]
    pub overlay: Vec<PathBuf>,
}

/// How to open the window.
#[derive(Debug, Clone, Default)]
pub struct WindowRequest {
    pub file: Option<PathBuf>,
    pub screenshot: Option<PathBuf>,
    pub scroll_benchmark: Option<usize>,
    pub benchmark_exports: bool,
    pub edges: bool,
    pub overlays: Vec<PathBuf>,
}

/// What the command line asked for.
pub enum Request {
    /// A subcommand ran and finished with this code.
    Done(ExitCode),
    /// No subcommand: open the window.
    Window(WindowRequest),
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Shape, datatype, voxel size, world_from_voxel and its source, orientation, warnings.
    Info(info::InfoArgs),
    /// The voxel nearest a world point (RAS mm) and its value.
    Probe(probe::ProbeArgs),
    /// Edge detection (Canny in mm, gradient magnitude, difference of Gaussians) to an image on the input's grid (NIfTI, NRRD or MetaImage by the --out name).
    Edges(edges::EdgesArgs),
    /// Does OVERLAY sit on BASE's grid? Differences in words; exit 0 aligned, 3 not.
    Check(check::CheckArgs),
    /// Draw one view (axial, coronal or sagittal) to a PNG, with its world_from_pixel beside it.
    Render(render::RenderArgs),
    /// A PNG mosaic of evenly spaced slices, one row per plane, for QC reports; geometry and provenance beside it.
    Mosaic(mosaic::MosaicArgs),
    /// Write a NumPy .npy array (3D, or a 2D slice of a chosen plane) as an image (NIfTI, NRRD or MetaImage) on a base volume's grid.
    ImportNpy(import_npy::ImportNpyArgs),
    /// Write OVERLAY (any grid) on the base's grid with the base's header geometry.
    Resample(resample::ResampleArgs),
    /// The value at a world point (RAS mm) in every volume of a 4D file.
    Timecourse(timecourse::TimecourseArgs),
    /// Voxel count, volume in mm^3, mean, SD, min and max inside a sphere (voxels by their centres).
    Stats(stats::StatsArgs),
    /// A dataset in one report: each volume's mosaic with edges and facts, each (base, overlay) pair's check verdict, as OUT/index.html and OUT/qc.json. Exit 1 if an entry failed, 3 if a pair is not aligned.
    Qc(qc::QcArgs),
    /// Measure loading speed and memory beside gzip and nibabel.
    Bench(bench::BenchArgs),
}

/// Parses the command line and runs a subcommand, or says to open the window.
pub fn run_from_args() -> Request {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => Request::Done(run(command)),
        None => Request::Window(WindowRequest {
            file: cli.file,
            screenshot: cli.screenshot,
            scroll_benchmark: cli.scroll_benchmark,
            benchmark_exports: cli.benchmark_exports,
            edges: cli.edges,
            overlays: cli.overlay,
        }),
    }
}

pub fn run(command: Command) -> ExitCode {
    let result = match command {
        Command::Info(args) => info::run(&args),
        Command::Probe(args) => probe::run(&args),
        Command::Render(args) => render::run(&args),
        Command::Mosaic(args) => mosaic::run(&args),
        Command::Edges(args) => edges::run(&args),
        Command::Check(args) => check::run(&args),
        Command::ImportNpy(args) => import_npy::run(&args),
        Command::Resample(args) => resample::run(&args),
        Command::Bench(args) => bench::run(&args),
        Command::Timecourse(args) => timecourse::run(&args),
        Command::Stats(args) => stats::run(&args),
        Command::Qc(args) => qc::run(&args),
    };
    // Every command, for the benchmarks that measure its memory.
    info::report_peak_memory_if_asked();
    match result {
        Ok(code) => code,
        // The reader has gone (`| head`): nobody is left to tell, and
        // stopping is what was asked for, so end quietly, as ripgrep does.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("rasview: {e:#}");
            ExitCode::from(EXIT_FAILURE)
        }
    }
}

pub(crate) fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// `--series`: which DICOM series of a folder to read. The one home of the
/// option, flattened into every command that loads an input.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct SeriesArg {
    /// Of a DICOM folder holding several series, the one to read: its
    /// SeriesInstanceUID or SeriesNumber (`rasview info FOLDER` lists them).
    /// Applies to every DICOM input; other formats ignore it.
    #[arg(long, value_name = "UID-or-number")]
    pub series: Option<String>,
}

impl SeriesArg {
    pub fn options(&self) -> crate::volume::LoadOptions {
        crate::volume::LoadOptions {
            series: self.series.clone(),
            ..crate::volume::LoadOptions::default()
        }
    }

    /// Loads an input (every frame of it).
    pub fn load(&self, path: &std::path::Path) -> anyhow::Result<crate::volume::Volume> {
        Ok(crate::volume::load_with(path, &self.options())?)
    }
}

/// Loads frame `t` of a file, and only it: a 4D file is read up to the end
/// of that volume (compressed) or from where it starts (uncompressed).
pub fn load_frame_of(
    path: &std::path::Path,
    t: usize,
    series: &SeriesArg,
) -> anyhow::Result<crate::volume::Volume> {
    load_frame_named(path, t, series, None)
}

/// As [`load_frame_of`], its values named by the label table `lut` (else
/// by one found beside the file).
pub fn load_frame_named(
    path: &std::path::Path,
    t: usize,
    series: &SeriesArg,
    lut: Option<&std::path::Path>,
) -> anyhow::Result<crate::volume::Volume> {
    use crate::volume::LoadError;
    let options = crate::volume::LoadOptions {
        only_volume: Some(t),
        label_table: lut.map(std::path::Path::to_path_buf),
        ..series.options()
    };
    match crate::volume::load_with(path, &options) {
        Err(LoadError::NoSuchVolume { count, .. }) => anyhow::bail!(
            "--volume {t} is past the last volume ({} of {count} in {})",
            count - 1,
            path.display()
        ),
        other => Ok(other?),
    }
}

/// Parses "X,Y,Z" (negative values welcome) into a point.
pub fn parse_triple(text: &str) -> Result<[f64; 3], String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).collect();
    if parts.len() != 3 {
        return Err(format!(
            "expected three comma-separated numbers like -12.5,30,-4, got \"{text}\""
        ));
    }
    let mut out = [0.0; 3];
    for (o, p) in out.iter_mut().zip(&parts) {
        *o = p
            .parse::<f64>()
            .map_err(|_| format!("\"{p}\" is not a number in \"{text}\""))?;
        if !o.is_finite() {
            return Err(format!("\"{p}\" is not a finite coordinate"));
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn triples_accept_negatives_and_reject_junk() {
        assert_eq!(parse_triple("-12.5,30,-4"), Ok([-12.5, 30.0, -4.0]));
        assert_eq!(parse_triple(" 1, 2 ,3"), Ok([1.0, 2.0, 3.0]));
        assert!(parse_triple("1,2").is_err());
        assert!(parse_triple("1,x,3").is_err());
        assert!(parse_triple("1,nan,3").is_err());
    }
}
