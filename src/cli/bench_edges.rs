//! `rasview bench edges`: rasview's Canny beside SimpleITK (3D), OpenCV and
//! scikit-image (2D) on the same data, in one run, plus the agreement of
//! the edge maps (boundary F-score with one voxel of tolerance).

use crate::edges::{self, Control, EdgeMap, EdgeParams, Mode, Phase, ThresholdKind};
use crate::geometry::Plane;
use crate::volume::{self, save, Voxels};
use anyhow::Result;
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

/// The peers, in Python: each prints "name seconds" lines; thresholds are
/// passed as absolute gradient magnitudes so all tools cut at the same
/// strength. The agreement part writes nothing, it prints F-scores.
const PEERS: &str = r#"
import sys, time, json
import numpy as np
mode, path, low, high, repeat = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4]), int(sys.argv[5])
def best(f):
    b = 1e9
    for _ in range(repeat):
        t = time.perf_counter(); out = f(); b = min(b, time.perf_counter() - t)
    return b, out
def fscore(a, b):
    from scipy.ndimage import binary_dilation
    st = np.ones((3,) * a.ndim, bool)
    p = (a & binary_dilation(b, st)).sum() / max(a.sum(), 1)
    r = (b & binary_dilation(a, st)).sum() / max(b.sum(), 1)
    return 2 * p * r / max(p + r, 1e-12), p, r
if mode == "3d":
    try:
        import SimpleITK as sitk
        img = sitk.Cast(sitk.ReadImage(path), sitk.sitkFloat32)
        f = sitk.CannyEdgeDetectionImageFilter()
        f.SetVariance(1.0); f.SetLowerThreshold(low); f.SetUpperThreshold(high)
        secs, out = best(lambda: f.Execute(img))
        print("SimpleITK CannyEdgeDetectionImageFilter (variance 1 mm^2)", secs)
        if len(sys.argv) > 6:
            import nibabel as nib
            ours = np.asanyarray(nib.load(sys.argv[6]).dataobj) > 0
            theirs = np.transpose(sitk.GetArrayFromImage(out) > 0, (2, 1, 0))
            fs, p, r = fscore(ours, theirs)
            print("agreement F=%.3f precision=%.3f recall=%.3f rasview=%d SimpleITK=%d" % (fs, p, r, ours.sum(), theirs.sum()))
    except ImportError:
        print("SimpleITK missing")
else:
    img = np.load(path)
    try:
        import cv2
        def blur():
            u8 = cv2.normalize(img, None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)
            return cv2.GaussianBlur(u8, (0, 0), 1.0)
        def run(low, high):
            return cv2.Canny(blur(), low, high)
        print("OpenCV GaussianBlur + Canny (uint8, thresholds 50 / 100)", best(lambda: run(50, 100))[0])
        # The same selectivity as rasview's default: thresholds at the 0.8
        # and 0.9 quantiles of OpenCV's own non-zero gradient (L1 Sobel of
        # the blurred slice), found before the clock starts.
        blurred = blur()
        l1 = np.abs(cv2.Sobel(blurred, cv2.CV_32F, 1, 0)) + np.abs(cv2.Sobel(blurred, cv2.CV_32F, 0, 1))
        lo, hi = np.quantile(l1[l1 > 0], [0.8, 0.9])
        print("OpenCV GaussianBlur + Canny (uint8, thresholds at quantiles 0.8 / 0.9: %.0f / %.0f)" % (lo, hi), best(lambda: run(lo, hi))[0])
    except ImportError:
        print("OpenCV missing")
    try:
        from skimage.feature import canny
        secs, out = best(lambda: canny(img, sigma=1.0, low_threshold=0.8, high_threshold=0.9, use_quantiles=True))
        print("scikit-image canny (sigma 1)", secs)
        if len(sys.argv) > 6:
            ours = np.load(sys.argv[6]) > 0
            fs, p, r = fscore(ours, out)
            print("agreement F=%.3f precision=%.3f recall=%.3f rasview=%d scikit-image=%d" % (fs, p, r, ours.sum(), out.sum()))
    except ImportError:
        print("scikit-image missing")
"#;

pub fn run(n: usize, file: Option<&Path>, repeat: usize) -> Result<ExitCode> {
    let scratch = std::env::temp_dir().join(format!("rasview-bench-edges-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let cube = scratch.join(format!("cube_{n}.nii.gz"));
    make_float_volume(&cube, n)?;
    outln!("== 3D Canny, sigma 1 mm, on a {n}^3 float32 volume (1 mm voxels)")?;
    compare_3d(&cube, repeat, &scratch, false)?;
    if let Some(f) = file {
        outln!("\n== 3D Canny, sigma 1 mm, on {}", f.display())?;
        compare_3d(f, repeat, &scratch, true)?;
    }
    outln!("\n== 2D Canny, sigma 1 mm, on a 512x512 slice")?;
    compare_2d(file, repeat, &scratch)?;
    let _ = std::fs::remove_dir_all(&scratch);
    Ok(ExitCode::SUCCESS)
}

fn compare_3d(path: &Path, repeat: usize, scratch: &Path, agreement: bool) -> Result<()> {
    let v = volume::load(path)?;
    let params = EdgeParams::default();
    let mut seconds = f64::INFINITY;
    let mut result = None;
    for _ in 0..repeat {
        let t = Instant::now();
        let r = edges::detect_volume(&v, 0, &params, None, &Control::none())
            .map_err(|_| anyhow::anyhow!("cancelled"))?;
        seconds = seconds.min(t.elapsed().as_secs_f64());
        result = Some(r);
    }
    let Some(result) = result else {
        anyhow::bail!("bench edges needs at least one run (repeat = {repeat})");
    };
    let (low, high) = (
        result.low_abs.unwrap_or(0.0),
        result.high_abs.unwrap_or(0.0),
    );
    outln!(
        "{:<60} {:>8.3} s  ({} edge voxels, thresholds {low:.2} / {high:.2} per mm)",
        format!("rasview ({} threads)", rayon::current_num_threads()),
        seconds,
        result.edge_count()
    )?;
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()?
        .install(|| {
            let t = Instant::now();
            let _ = edges::detect_volume(&v, 0, &params, None, &Control::none());
            t.elapsed().as_secs_f64()
        });
    outln!("{:<60} {:>8.3} s", "rasview (1 thread)", one_thread)?;
    outln!("  {}", cancel_latency(&v, &params, seconds)?)?;
    // Slice mode as the window runs it: the cursor's slice first.
    let values = v.frame_values(0);
    let n = v.grid.shape[2];
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&s| (s.abs_diff(n / 2), s));
    let slice_params = EdgeParams {
        mode: Mode::Slices(Plane::Axial),
        ..EdgeParams::default()
    };
    let started = Instant::now();
    let mut first = None;
    let _ = edges::detect_slices(
        &values,
        v.grid.shape,
        v.grid.spacing_mm(),
        2,
        &slice_params,
        None,
        &Control::none(),
        &order,
        &mut |_| {
            first.get_or_insert(started.elapsed().as_secs_f64());
        },
    );
    outln!(
        "rasview per-slice mode: the cursor's {}x{} slice after {:.1} ms, all {n} slices after {:.3} s",
        v.grid.shape[0],
        v.grid.shape[1],
        first.unwrap_or(f64::NAN) * 1e3,
        started.elapsed().as_secs_f64()
    )?;
    let ours_path = scratch.join("ours.nii.gz");
    if let EdgeMap::Mask(m) = &result.map {
        save::save(
            &ours_path,
            &v.header,
            &Voxels::U8(m.clone()),
            v.grid.shape,
            1,
        )?;
    }
    let mut args = vec![
        "3d".to_string(),
        path.display().to_string(),
        low.to_string(),
        high.to_string(),
        repeat.to_string(),
    ];
    if agreement {
        args.push(ours_path.display().to_string());
    }
    let peers = python(&args);
    print_peers(&peers, seconds)?;
    if let Some(peak) = peak_rss_kib(path) {
        let float_mib = (v.frame_len() * 4) as f64 / 1048576.0;
        outln!(
            "peak resident memory of `rasview edges` on it: {:.1} MiB; `rasview info`: {:.1} MiB; extra {:.1} MiB = {:.2}x the float32 volume ({float_mib:.1} MiB)",
            peak.0 as f64 / 1024.0,
            peak.1 as f64 / 1024.0,
            (peak.0 as f64 - peak.1 as f64) / 1024.0,
            (peak.0 as f64 - peak.1 as f64) / 1024.0 / float_mib
        )?;
    }
    Ok(())
}

fn compare_2d(file: Option<&Path>, repeat: usize, scratch: &Path) -> Result<()> {
    // A few milliseconds each: the best of at least 30 runs, for every tool
    // alike, so one scheduling hiccup does not decide the figure.
    let repeat_2d = repeat.max(30);
    // A real slice when a file is given (resampled to 512x512 by nearest), else a synthetic one.
    let n = 512;
    let slice: Vec<f32> = match file {
        Some(f) => {
            let v = volume::load(f)?;
            let frame = v.frame_f32(0);
            let [nx, ny, nz] = v.grid.shape;
            (0..n * n)
                .map(|p| frame[[(p % n) * nx / n, (p / n) * ny / n, nz / 2]])
                .collect()
        }
        None => (0..n * n)
            .map(|p| {
                let (x, y) = ((p % n) as f32 - 256.0, (p / n) as f32 - 256.0);
                if x * x / 1.7 + y * y < 200.0 * 200.0 {
                    500.0 + 80.0 * (x * 0.05).sin()
                } else {
                    20.0
                }
            })
            .collect(),
    };
    // As `rasview edges` runs: no plot.
    let params = EdgeParams {
        mode: Mode::Slices(Plane::Axial),
        thresholds: ThresholdKind::Quantile,
        plot_histogram: false,
        ..EdgeParams::default()
    };
    let threads = rayon::current_num_threads();
    // The window also plots the gradient's histogram, from the same passes.
    let plotted = EdgeParams {
        plot_histogram: true,
        ..params
    };
    // OpenCV is handed its thresholds (the matched ones are found before its
    // clock starts): rasview likewise, at the values its quantiles give, as
    // `rasview edges --thresholds absolute` runs.
    let probe = edges::detect(
        &slice,
        [n, n, 1],
        [1.0; 3],
        Some(2),
        &params,
        None,
        &Control::none(),
    )
    .map_err(|_| anyhow::anyhow!("cancelled"))?;
    let given = EdgeParams {
        thresholds: ThresholdKind::Absolute,
        low: probe.low_abs.unwrap_or(f32::INFINITY) as f64,
        high: probe.high_abs.unwrap_or(f32::INFINITY) as f64,
        ..params
    };
    let [quantile_run, plotted_run, given_run] =
        time_2d(&slice, n, [params, plotted, given], repeat_2d)?;
    let lines = [
        (
            format!("rasview ({threads} threads, quantile thresholds)"),
            &quantile_run,
        ),
        (
            format!("rasview ({threads} threads, quantiles and the window's plot)"),
            &plotted_run,
        ),
        (
            format!(
                "rasview ({threads} threads, given thresholds {:.2} / {:.2})",
                given.low, given.high
            ),
            &given_run,
        ),
    ];
    for (name, run) in lines {
        outln!(
            "{name:<60} {:>9.5} s  ({} edge pixels)",
            run.seconds,
            run.edges()
        )?;
        outln!("  {}", phase_breakdown(&run.phase_ends))?;
    }
    outln!(
        "  the three masks are {}",
        if given_run.mask == quantile_run.mask && plotted_run.mask == quantile_run.mask {
            "the same"
        } else {
            "NOT the same"
        }
    )?;
    let mask = quantile_run.mask;
    let npy = scratch.join("slice.npy");
    let ours = scratch.join("ours.npy");
    write_npy_f32(&npy, n, &slice)?;
    write_npy_f32(
        &ours,
        n,
        &mask.iter().map(|&m| m as f32).collect::<Vec<_>>(),
    )?;
    let peers = python(&[
        "2d".into(),
        npy.display().to_string(),
        "0".into(),
        "0".into(),
        repeat_2d.to_string(),
        ours.display().to_string(),
    ]);
    // OpenCV beside both; scikit-image, which finds its quantiles itself,
    // beside rasview with quantiles.
    print_peers_by(&peers, |name| {
        if name.starts_with("OpenCV") {
            vec![
                ("given thresholds", given_run.seconds),
                ("quantiles", quantile_run.seconds),
            ]
        } else {
            vec![("", quantile_run.seconds)]
        }
    })?;
    Ok(())
}

/// How long a run takes to stop after it goes stale, at a quarter, half
/// and three quarters of its usual time: what Cancel costs in the window.
fn cancel_latency(v: &volume::Volume, params: &EdgeParams, run_seconds: f64) -> Result<String> {
    use std::sync::atomic::AtomicBool;
    let mut parts = Vec::new();
    for fraction in [0.25, 0.5, 0.75] {
        let stale = AtomicBool::new(false);
        let control = Control {
            is_stale: &|| stale.load(Ordering::Relaxed),
            progress: &|_, _| {},
        };
        let after = std::time::Duration::from_secs_f64(run_seconds * fraction);
        let stopped = std::thread::scope(|scope| {
            let run = scope.spawn(|| edges::detect_volume(v, 0, params, None, &control));
            std::thread::sleep(after);
            stale.store(true, Ordering::Relaxed);
            let t = Instant::now();
            let outcome = run.join();
            (t.elapsed().as_secs_f64(), matches!(outcome, Ok(Err(_))))
        });
        parts.push(format!(
            "{:.0}%: {:.0} ms{}",
            fraction * 100.0,
            stopped.0 * 1e3,
            if stopped.1 { "" } else { " (had finished)" }
        ));
    }
    Ok(format!(
        "time from Cancel to idle cores, cancelled at {}",
        parts.join(", ")
    ))
}

/// The fastest of `repeat` 2D runs of one setting, when each of its
/// phases ended, and its mask.
struct Run2d {
    seconds: f64,
    phase_ends: [u64; Phase::CANNY.len()],
    mask: Vec<u8>,
}

impl Run2d {
    fn edges(&self) -> usize {
        self.mask.iter().filter(|&&m| m != 0).count()
    }
}

/// Times each setting `repeat` times, taking turns, so that a slow spell
/// of the machine falls on all of them alike.
fn time_2d<const K: usize>(
    slice: &[f32],
    n: usize,
    settings: [EdgeParams; K],
    repeat: usize,
) -> Result<[Run2d; K]> {
    let mut runs = settings.map(|_| Run2d {
        seconds: f64::INFINITY,
        phase_ends: [0; Phase::CANNY.len()],
        mask: Vec::new(),
    });
    for _ in 0..repeat {
        for (params, run) in settings.iter().zip(&mut runs) {
            // Each run also records when each phase ends, from the
            // detector's own progress marks (six relaxed stores a run).
            let ends: [AtomicU64; Phase::CANNY.len()] = Default::default();
            let t = Instant::now();
            let progress = |phase: Phase, _| {
                if let Some(p) = Phase::CANNY.iter().position(|&q| q == phase) {
                    ends[p].store(t.elapsed().as_nanos() as u64, Ordering::Relaxed);
                }
            };
            let control = Control {
                is_stale: &|| false,
                progress: &progress,
            };
            let r = edges::detect(slice, [n, n, 1], [1.0; 3], Some(2), params, None, &control)
                .map_err(|_| anyhow::anyhow!("cancelled"))?;
            let elapsed = t.elapsed().as_secs_f64();
            if elapsed < run.seconds {
                run.seconds = elapsed;
                run.phase_ends = ends.map(AtomicU64::into_inner);
            }
            if let EdgeMap::Mask(m) = r.map {
                run.mask = m;
            }
        }
    }
    Ok(runs)
}

/// The time of each phase in ms, from when each phase ended (ns).
fn phase_breakdown(ends: &[u64; Phase::CANNY.len()]) -> String {
    let parts: Vec<String> = Phase::CANNY
        .iter()
        .enumerate()
        .map(|(p, phase)| {
            let begin = if p == 0 { 0 } else { ends[p - 1] };
            format!(
                "{} {:.2}",
                phase.name(),
                ends[p].saturating_sub(begin) as f64 / 1e6
            )
        })
        .collect();
    format!("phases of its fastest run, ms: {}", parts.join(", "))
}

fn print_peers(lines: &[String], ours: f64) -> std::io::Result<()> {
    print_peers_by(lines, |_| vec![("", ours)])
}

/// As [`print_peers`], each peer beside the rasview figures `ours` names
/// for it (each with a label, or none).
fn print_peers_by(
    lines: &[String],
    ours: impl Fn(&str) -> Vec<(&'static str, f64)>,
) -> std::io::Result<()> {
    if lines.is_empty() {
        outln!("(no peers: python3 with SimpleITK / OpenCV / scikit-image not found)")?;
    }
    for line in lines {
        match line
            .rsplit_once(' ')
            .and_then(|(name, s)| s.parse::<f64>().ok().map(|s| (name, s)))
        {
            Some((name, theirs)) => {
                let parts: Vec<String> = ours(name)
                    .into_iter()
                    .map(|(label, ours)| {
                        let words = if theirs >= ours {
                            format!("rasview is {:.1}x faster", theirs / ours)
                        } else {
                            format!("rasview takes {:.1}x as long", ours / theirs)
                        };
                        if label.is_empty() {
                            words
                        } else {
                            format!("{label}: {words}")
                        }
                    })
                    .collect();
                outln!("{name:<60} {theirs:>9.5} s  ({})", parts.join("; "))?;
            }
            None => outln!("{line}")?,
        }
    }
    Ok(())
}

fn python(args: &[String]) -> Vec<String> {
    let out = Command::new("python3")
        .arg("-c")
        .arg(PEERS)
        .args(args)
        .stderr(Stdio::inherit())
        .output();
    match out {
        Ok(o) if o.status.success() => String::from_utf8_lossy(&o.stdout)
            .lines()
            .map(str::to_string)
            .collect(),
        _ => Vec::new(),
    }
}

/// Peak RSS (KiB) of `rasview edges FILE` and of `rasview info FILE`.
fn peak_rss_kib(path: &Path) -> Option<(u64, u64)> {
    let out_dir = std::env::temp_dir().join(format!("rasview-bench-rss-{}", std::process::id()));
    std::fs::create_dir_all(&out_dir).ok()?;
    let peak = super::bench::peak_rss_of;
    let out = out_dir.join("e.nii");
    let edges = peak(&[
        "edges".as_ref(),
        path.as_os_str(),
        "--out".as_ref(),
        out.as_os_str(),
    ]);
    let info = peak(&["info".as_ref(), path.as_os_str()]);
    let _ = std::fs::remove_dir_all(&out_dir);
    Some((edges?, info?))
}

/// A float32 cube with spheres, a slab and noise: edges of several strengths.
fn make_float_volume(path: &Path, n: usize) -> Result<()> {
    let mut values = Vec::with_capacity(n * n * n);
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    let c = n as f64 / 2.0;
    for k in 0..n {
        for j in 0..n {
            for i in 0..n {
                let (x, y, z) = (i as f64 - c, j as f64 - c, k as f64 - c);
                let r = (x * x + y * y / 0.8 + z * z / 0.9).sqrt();
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                let noise = (state % 1000) as f64 / 1000.0 * 20.0 - 10.0;
                let mut v = if r < 0.4 * n as f64 { 300.0 } else { 50.0 };
                if (x - 0.1 * c).powi(2) + y * y + (z + 0.2 * c).powi(2) < (0.15 * c).powi(2) {
                    v += 200.0;
                }
                values.push((v + noise) as f32);
            }
        }
    }
    let header = crate::volume::RawHeader {
        sform_code: 1,
        srow: [
            [1.0, 0.0, 0.0, -c],
            [0.0, 1.0, 0.0, -c],
            [0.0, 0.0, 1.0, -c],
        ],
        ..Default::default()
    };
    save::save(path, &header, &Voxels::F32(values), [n, n, n], 1)?;
    Ok(())
}

/// A 2D float32 array in NumPy's .npy format (C order, rows of `n`).
fn write_npy_f32(path: &Path, n: usize, values: &[f32]) -> Result<()> {
    let rows = values.len() / n;
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {n}), }}");
    while (10 + header.len() + 1) % 64 != 0 {
        header.push(' ');
    }
    header.push('\n');
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend_from_slice(&(header.len() as u16).to_le_bytes());
    bytes.extend_from_slice(header.as_bytes());
    for v in values {
        bytes.extend_from_slice(&v.to_le_bytes());
    }
    std::fs::write(path, bytes)?;
    Ok(())
}
