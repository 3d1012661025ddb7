//! `rasview bench load`: loading speed and memory, beside gzip and nibabel,
//! measured in one run on the same file.

use crate::volume::{self, save, ByteOrder, RawHeader, Voxels};
use anyhow::{Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct BenchArgs {
    #[command(subcommand)]
    pub what: BenchWhat,
}

#[derive(Debug, clap::Subcommand)]
pub enum BenchWhat {
    /// Load an int16 .nii.gz made for the purpose (or FILE) and compare;
    /// FILE may be a DICOM folder, compared with SimpleITK and pydicom.
    Load {
        /// Edge length of the cube made when no file is given.
        #[arg(long, default_value_t = 256)]
        size: usize,
        /// Measure this file (or DICOM series folder) instead of making one.
        #[arg(long)]
        file: Option<PathBuf>,
        /// Timed repetitions; the best is reported.
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// 3D and 2D Canny beside SimpleITK, OpenCV and scikit-image (when python3 has them).
    Edges {
        /// Edge length of the cube made for the 3D run.
        #[arg(long, default_value_t = 256)]
        size: usize,
        /// Also run on this real file (3D) and report agreement with SimpleITK.
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long, default_value_t = 3)]
        repeat: usize,
    },
    /// Real sizes: the window's first picture beside `rasview info` on
    /// growing cubes, and one volume of a 600-volume 4D file beside nibabel.
    Scale {
        /// Edge lengths of the cubes.
        #[arg(long, value_delimiter = ',', default_value = "256,384,512")]
        sizes: Vec<usize>,
    },
    /// `rasview qc` over COPIES symlinks of FILE (volumes, then pairs with
    /// its edge map) beside separate `mosaic`, `info` and `check` processes.
    Qc {
        /// A volume, e.g. a 1 mm T1.
        file: PathBuf,
        #[arg(long, default_value_t = 100)]
        copies: usize,
    },
    /// Reslice and colour one 512x512 view of an oblique 256^3 volume.
    Render {
        #[arg(long, default_value_t = 256)]
        size: usize,
        /// Views rendered; the median and best are reported.
        #[arg(long, default_value_t = 60)]
        repeat: usize,
    },
}

pub fn run(args: &BenchArgs) -> Result<ExitCode> {
    match &args.what {
        BenchWhat::Load { size, file, repeat } => {
            bench_load(*size, file.as_deref(), (*repeat).max(1))
        }
        BenchWhat::Render { size, repeat } => bench_render(*size, (*repeat).max(1)),
        BenchWhat::Scale { sizes } => super::bench_scale::run(sizes),
        BenchWhat::Qc { file, copies } => super::bench_qc::run(file, *copies),
        BenchWhat::Edges { size, file, repeat } => {
            super::bench_edges::run(*size, file.as_deref(), (*repeat).max(1))
        }
    }
}

fn bench_load(size: usize, file: Option<&Path>, repeat: usize) -> Result<ExitCode> {
    if let Some(folder) = file.filter(|f| f.is_dir()) {
        return super::bench_dicom::run(folder, repeat);
    }
    let scratch = std::env::temp_dir().join(format!("rasview-bench-{}", std::process::id()));
    let path = match file {
        Some(f) => f.to_path_buf(),
        None => {
            std::fs::create_dir_all(&scratch)?;
            let p = scratch.join(format!("bench_{size}.nii.gz"));
            make_int16_volume(&p, size)?;
            p
        }
    };
    let disk = std::fs::metadata(&path)?.len();
    let loaded = volume::load(&path)?;
    let float_bytes = loaded.frame_len() * loaded.volume_count * 4;
    outln!(
        "file {} ({:.1} MiB on disk, {:?} {}, float32 volume {:.1} MiB)",
        path.display(),
        mib(disk),
        loaded.grid.shape,
        loaded.datatype().name(),
        mib(float_bytes as u64)
    )?;
    drop(loaded);

    let ours = best_of(repeat, || {
        let t = Instant::now();
        let v = volume::load(&path)?;
        std::hint::black_box(&v);
        Ok(t.elapsed().as_secs_f64())
    })?;
    let ours_f32 = best_of(repeat, || {
        let t = Instant::now();
        let v = volume::load(&path)?;
        std::hint::black_box(v.frame_f32(0));
        Ok(t.elapsed().as_secs_f64())
    })?;
    let exe = std::env::current_exe()?;
    let info_process = best_of(repeat, || {
        time_command(Command::new(&exe).arg("info").arg(&path))
    })?;
    let gzip = best_of(repeat, || {
        time_command(
            Command::new("sh")
                .arg("-c")
                .arg("gzip -dc \"$0\" > /dev/null")
                .arg(&path),
        )
    })
    .ok();
    let nibabel = nibabel_seconds(&path, repeat);

    outln!()?;
    outln!("{:<48} {:>9}  {:>12}", "loader", "seconds", "vs gzip -dc")?;
    let row = |name: &str, s: f64| {
        let ratio = gzip
            .map(|g| format!("{:.2}x", s / g))
            .unwrap_or_else(|| "-".into());
        outln!("{name:<48} {s:>9.3}  {ratio:>12}")
    };
    if let Some(g) = gzip {
        row("gzip -dc FILE > /dev/null", g)?;
    } else {
        outln!("{:<48} {:>9}", "gzip -dc (not found)", "-")?;
    }
    row("rasview load (in process, stored type)", ours)?;
    row("rasview load + float32 frame (in process)", ours_f32)?;
    row("rasview info FILE (whole process)", info_process)?;
    match nibabel {
        Some(n) => {
            row("nibabel load + get_fdata(float32)", n)?;
            outln!(
                "\nrasview load + float32 is {:.1}x faster than nibabel; rasview info is {:.2}x gzip -dc",
                n / ours_f32,
                gzip.map(|g| info_process / g).unwrap_or(f64::NAN)
            )?;
        }
        None => outln!(
            "{:<48} {:>9}",
            "nibabel (python3 with nibabel not found)",
            "-"
        )?,
    }

    match peak_rss_of(&["info".as_ref(), path.as_os_str()]) {
        Some(kib) => {
            let limit = 1.5 * float_bytes as f64 + 30.0 * 1048576.0;
            outln!(
                "\npeak resident memory of `rasview info`: {:.1} MiB (budget 1.5 x float32 volume + 30 MiB = {:.1} MiB)",
                kib as f64 / 1024.0,
                limit / 1048576.0
            )?;
        }
        None => outln!("\npeak resident memory: not measurable here (no /proc)")?,
    }
    if file.is_none() {
        let _ = std::fs::remove_dir_all(&scratch);
    }
    Ok(ExitCode::SUCCESS)
}

fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}

pub(super) fn best_of(repeat: usize, mut f: impl FnMut() -> Result<f64>) -> Result<f64> {
    let mut best = f64::INFINITY;
    for _ in 0..repeat {
        best = best.min(f()?);
    }
    Ok(best)
}

pub(super) fn time_command(cmd: &mut Command) -> Result<f64> {
    let t = Instant::now();
    let status = cmd.stdout(Stdio::null()).stderr(Stdio::null()).status()?;
    let elapsed = t.elapsed().as_secs_f64();
    anyhow::ensure!(status.success(), "{cmd:?} failed with {status}");
    Ok(elapsed)
}

fn nibabel_seconds(path: &Path, repeat: usize) -> Option<f64> {
    let script = "import sys, time\nimport numpy as np, nibabel as nib\nbest = 1e9\nfor _ in range(int(sys.argv[2])):\n    t = time.perf_counter()\n    d = nib.load(sys.argv[1]).get_fdata(dtype=np.float32)\n    best = min(best, time.perf_counter() - t)\nprint(best)\n";
    let repeat = repeat.to_string();
    python_stdout(script, &[path.as_os_str(), repeat.as_ref()])?
        .trim()
        .parse()
        .ok()
}

/// What `python3 -c SCRIPT ARGS...` prints, or `None` where python3 or the
/// modules it imports are missing: the peers of a benchmark are optional.
pub(super) fn python_stdout(script: &str, args: &[&std::ffi::OsStr]) -> Option<String> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(script)
        .args(args)
        .stderr(Stdio::null())
        .output()
        .ok()?;
    out.status
        .success()
        .then(|| String::from_utf8_lossy(&out.stdout).into_owned())
}

/// Peak resident memory (KiB) of running this binary with `args`, as the
/// child reports it at exit (see `info::PEAK_MEMORY_ENV`).
pub(super) fn peak_rss_of(args: &[&std::ffi::OsStr]) -> Option<u64> {
    let exe = std::env::current_exe().ok()?;
    let out = Command::new(exe)
        .args(args)
        .env(super::info::PEAK_MEMORY_ENV, "1")
        .stdout(Stdio::null())
        .output()
        .ok()?;
    let text = String::from_utf8_lossy(&out.stderr);
    let line = text.lines().find(|l| l.starts_with("peak_rss "))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// A head-like int16 cube: a smooth ellipsoid of tissue with texture and
/// noise, so it compresses about as well as a real scan does.
pub(super) fn make_int16_volume(path: &Path, n: usize) -> Result<()> {
    let mut values = Vec::with_capacity(n * n * n);
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let c = n as f64 / 2.0;
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                let (x, y, z) = ((i as f64 - c) / c, (j as f64 - c) / c, (k as f64 - c) / c);
                let r = (x * x / 0.7 + y * y / 0.9 + z * z / 0.8).sqrt();
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state % 17) as f64 - 8.0;
                let tissue = if r < 1.0 {
                    600.0 + 300.0 * (8.0 * x).sin() * (6.0 * y).cos()
                } else {
                    0.0
                };
                values.push((tissue + noise).round() as i16);
            }
        }
    }
    let header = RawHeader {
        byte_order: ByteOrder::Little,
        sform_code: 1,
        qform_code: 1,
        srow: [
            [1.0, 0.0, 0.0, -c],
            [0.0, 1.0, 0.0, -c],
            [0.0, 0.0, 1.0, -c],
        ],
        qoffset: [-c, -c, -c],
        ..RawHeader::default()
    };
    save::save(path, &header, &Voxels::I16(values), [n, n, n], 1)
        .context("writing the benchmark volume")
}

/// Reslicing and colouring on one core, the work a cursor move costs per view.
fn bench_render(n: usize, repeat: usize) -> Result<ExitCode> {
    use crate::geometry::{Affine, Grid};
    use crate::geometry::{Convention, Interpolation, Plane};
    use crate::render::{self, Colormap, DisplaySettings, FrameSource, ViewSpec, WindowLevel};
    use ndarray::{Array3, ShapeBuilder};

    let c = n as f64 / 2.0;
    let frame = Array3::from_shape_fn((n, n, n).f(), |(i, j, k)| {
        let (x, y, z) = (i as f64 - c, j as f64 - c, k as f64 - c);
        (((x * 0.1).sin() + (y * 0.07).cos()) * 100.0 + z) as f32
    });
    // 4 degrees about x and 9 about z, 1 mm voxels: a typical oblique scan.
    let (a, b) = (4f64.to_radians(), 9f64.to_radians());
    let r = [
        [b.cos(), -b.sin() * a.cos(), b.sin() * a.sin()],
        [b.sin(), b.cos() * a.cos(), -b.cos() * a.sin()],
        [0.0, a.sin(), a.cos()],
    ];
    let world_from_voxel =
        Affine::from_rows([0, 1, 2].map(|row| [r[row][0], r[row][1], r[row][2], -c]))?;
    let grid = Grid::new([n, n, n], world_from_voxel);
    outln!("{n}^3 float32 volume, oblique (4 and 9 degrees), one 512x512 view, {repeat} runs per row, one thread")?;
    outln!(
        "{:<10} {:<8} {:>10} {:>10}",
        "plane",
        "interp",
        "median ms",
        "best ms"
    )?;
    for interpolation in [Interpolation::Nearest, Interpolation::Linear] {
        let settings = DisplaySettings {
            window: WindowLevel::from_range(-200.0, 200.0),
            colormap: Colormap::Grey,
            interpolation,
        };
        for plane in Plane::ALL {
            let mut spec = ViewSpec::fit_volume(&grid, plane, Convention::Radiological, [0.0; 3]);
            spec.width = 512;
            spec.height = 512;
            spec.pixel_mm = n as f64 / 512.0;
            let mut times = Vec::with_capacity(repeat);
            for run in 0..repeat {
                // Move the cursor each time, as scrolling does.
                spec.cursor_ras = [run as f64 * 0.5 - 15.0; 3];
                let t = Instant::now();
                let view = render::render_view_pixels(
                    &FrameSource::Scalar(&frame),
                    &grid,
                    &spec,
                    &settings,
                    &[],
                );
                std::hint::black_box(&view.image.pixels);
                times.push(t.elapsed().as_secs_f64() * 1e3);
            }
            times.sort_by(f64::total_cmp);
            outln!(
                "{:<10} {:<8} {:>10.2} {:>10.2}",
                plane.name(),
                format!("{interpolation:?}").to_lowercase(),
                times[times.len() / 2],
                times[0]
            )?;
        }
    }
    outln!("target: at most 3 ms per view (linear)")?;
    Ok(ExitCode::SUCCESS)
}
