//! `rasview bench scale`: real sizes side by side in one run. The window's
//! first picture beside `rasview info` on cubes of growing size, and one
//! volume of a long 4D file beside nibabel's `dataobj` slicing, in time
//! and peak memory.

use super::bench::{make_int16_volume, peak_rss_of, python_stdout, time_command};
use crate::volume::{save, ByteOrder, RawHeader, Voxels};
use anyhow::{Context, Result};
use std::path::Path;
use std::process::{Command, ExitCode, Stdio};

/// The 4D file: an fMRI run of 600 volumes of 96x96x60 int16.
const FOUR_D_SHAPE: [usize; 3] = [96, 96, 60];
const FOUR_D_VOLUMES: usize = 600;

pub fn run(sizes: &[usize]) -> Result<ExitCode> {
    let scratch = std::env::temp_dir().join(format!("rasview-bench-scale-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = measure(sizes, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result.map(|()| ExitCode::SUCCESS)
}

fn measure(sizes: &[usize], scratch: &Path) -> Result<()> {
    let exe = std::env::current_exe()?;
    outln!("== The window's first picture beside `rasview info` (int16 .nii.gz cubes)")?;
    let display = std::env::var_os("DISPLAY").is_some();
    if !display {
        outln!("(no DISPLAY: the window is not measured; run under Xvfb for it)")?;
    }
    outln!(
        "{:<8} {:>12} {:>16} {:>12} {:>26}",
        "size",
        "info s",
        "first picture s",
        "difference",
        "longest UI ms (load/after)"
    )?;
    for &n in sizes {
        let path = scratch.join(format!("cube_{n}.nii.gz"));
        make_int16_volume(&path, n)?;
        let info = time_command(Command::new(&exe).arg("info").arg(&path))?;
        let picture: Option<WindowRun> = if display {
            first_picture_seconds(&exe, &path, scratch)?
        } else {
            None
        };
        match picture {
            Some(WindowRun {
                first_picture: Some(p),
                longest_ui_ms,
            }) => outln!(
                "{:<8} {info:>12.2} {p:>16.2} {:>12.2} {:>26}",
                format!("{n}^3"),
                p - info,
                longest_ui_ms.unwrap_or_else(|| "-".into())
            )?,
            _ => outln!(
                "{:<8} {info:>12.2} {:>16} {:>12} {:>26}",
                format!("{n}^3"),
                "-",
                "-",
                "-"
            )?,
        }
        let _ = std::fs::remove_file(&path);
    }

    outln!(
        "\n== One volume of a {}x{}x{}x{} int16 file, beside nibabel's dataobj[..., t]",
        FOUR_D_SHAPE[0],
        FOUR_D_SHAPE[1],
        FOUR_D_SHAPE[2],
        FOUR_D_VOLUMES
    )?;
    let volume_mib = (FOUR_D_SHAPE.iter().product::<usize>() * 2) as f64 / 1048576.0;
    outln!(
        "(one volume is {volume_mib:.1} MiB stored, the file {:.0} MiB)",
        volume_mib * FOUR_D_VOLUMES as f64
    )?;
    outln!(
        "{:<40} {:>9} {:>10} {:>10} {:>10}",
        "",
        "seconds",
        "peak MiB",
        "nibabel s",
        "peak MiB"
    )?;
    for gz in [true, false] {
        let path = scratch.join(if gz { "run.nii.gz" } else { "run.nii" });
        make_four_d(&path)?;
        for (what, t) in [("render --volume 10", 10), ("probe --volume 599", 599)] {
            let mut owned: Vec<std::ffi::OsString> = vec![
                what.split(' ').next().unwrap_or("probe").into(),
                path.clone().into(),
            ];
            owned.extend(["--ras", "0,0,0", "--volume"].map(Into::into));
            owned.push(t.to_string().into());
            if what.starts_with("render") {
                owned.extend(["--plane", "axial", "--out"].map(Into::into));
                owned.push(scratch.join("view.png").into());
            }
            let args: Vec<&std::ffi::OsStr> = owned.iter().map(|a| a.as_os_str()).collect();
            let seconds = time_command(Command::new(&exe).args(&args))?;
            let peak =
                peak_rss_of(&args).map_or("-".into(), |k| format!("{:.1}", k as f64 / 1024.0));
            let (nib_s, nib_peak) = match nibabel_volume(&path, t) {
                Some((s, k)) => (format!("{s:.2}"), format!("{:.1}", k as f64 / 1024.0)),
                None => ("-".into(), "-".into()),
            };
            let name = format!("{what} ({})", if gz { ".nii.gz" } else { ".nii" });
            outln!("{name:<40} {seconds:>9.2} {peak:>10} {nib_s:>10} {nib_peak:>10}")?;
        }
        let _ = std::fs::remove_file(&path);
    }
    outln!("(nibabel's times include starting python3 and importing nibabel, as rasview's include starting the process)")?;
    Ok(())
}

/// What one window run says of itself.
struct WindowRun {
    /// Seconds from the launch.
    first_picture: Option<f64>,
    /// "while loading / after the first picture", in ms.
    longest_ui_ms: Option<String>,
}

/// Opens the window on `path` in screenshot mode and times, from the
/// launch, the moment it says it drew its first picture (a line on
/// stderr): window creation counts, as it does for a user. It also says
/// how long its longest UI pass took while loading and after.
fn first_picture_seconds(exe: &Path, path: &Path, scratch: &Path) -> Result<Option<WindowRun>> {
    use std::io::BufRead;
    let launched = std::time::Instant::now();
    let mut child = Command::new(exe)
        .arg(path)
        .arg("--screenshot")
        .arg(scratch.join("window.png"))
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()?;
    let stderr = child.stderr.take().expect("stderr is piped");
    let mut run = WindowRun {
        first_picture: None,
        longest_ui_ms: None,
    };
    for line in std::io::BufReader::new(stderr).lines() {
        let line = line?;
        if line.starts_with("rasview: first picture after ") && run.first_picture.is_none() {
            run.first_picture = Some(launched.elapsed().as_secs_f64());
        }
        if let Some(rest) = line.strip_prefix("rasview: longest UI pass ") {
            // "X ms over N frames while loading, Y ms over M frames ..."
            let numbers: Vec<&str> = rest
                .split_whitespace()
                .filter(|w| w.parse::<f64>().is_ok())
                .collect();
            if let [loading, _, after, _] = numbers[..] {
                run.longest_ui_ms = Some(format!("{loading} / {after}"));
            }
        }
    }
    child.wait()?;
    Ok(Some(run))
}

/// nibabel's time (whole process) and peak memory (KiB) for one volume.
fn nibabel_volume(path: &Path, t: usize) -> Option<(f64, u64)> {
    // VmHWM, not getrusage: ru_maxrss carries the parent's peak across exec
    // (this benchmark's own, which holds the 4D file it wrote).
    let script = "import sys\nimport nibabel as nib\nimg = nib.load(sys.argv[1])\na = img.dataobj[..., int(sys.argv[2])]\nhwm = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')][0].split()[1]\nprint(float(a.mean()), hwm)\n";
    let started = std::time::Instant::now();
    let t = t.to_string();
    let text = python_stdout(script, &[path.as_os_str(), t.as_ref()])?;
    let seconds = started.elapsed().as_secs_f64();
    let peak = text.split_whitespace().nth(1)?.parse().ok()?;
    Some((seconds, peak))
}

/// A smooth blob that brightens and dims over time, with noise, so the
/// file compresses about as a real run does.
fn make_four_d(path: &Path) -> Result<()> {
    let [nx, ny, nz] = FOUR_D_SHAPE;
    let mut values = Vec::with_capacity(nx * ny * nz * FOUR_D_VOLUMES);
    let mut state: u64 = 0x2545_F491_4F6C_DD1D;
    for t in 0..FOUR_D_VOLUMES {
        let gain = 1.0 + 0.01 * (t as f64 / 10.0).sin();
        for k in 0..nz {
            for j in 0..ny {
                for i in 0..nx {
                    let r = [(i, nx), (j, ny), (k, nz)]
                        .map(|(x, n)| (x as f64 / n as f64 - 0.5) * 2.0)
                        .iter()
                        .map(|x| x * x)
                        .sum::<f64>();
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    let noise = (state % 41) as f64 - 20.0;
                    values.push((1000.0 * gain * (-3.0 * r).exp() + noise) as i16);
                }
            }
        }
    }
    let header = RawHeader {
        byte_order: ByteOrder::Little,
        sform_code: 1,
        srow: [
            [3.0, 0.1, 0.0, -140.0],
            [0.0, 2.9, 0.3, -120.0],
            [0.0, -0.2, 3.5, -80.0],
        ],
        ..RawHeader::default()
    };
    save::save(
        path,
        &header,
        &Voxels::I16(values),
        FOUR_D_SHAPE,
        FOUR_D_VOLUMES,
    )
    .context("writing the benchmark's 4D file")
}
