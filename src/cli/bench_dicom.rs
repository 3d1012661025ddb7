//! `rasview bench load --file DIR` on a DICOM series: rasview's load beside
//! SimpleITK's ImageSeriesReader and pydicom + numpy stacking, each sorting
//! the slices by position and applying the rescale, on the same folder.

use super::bench::{best_of, python_stdout, time_command};
use crate::volume;
use anyhow::Result;
use std::path::Path;
use std::process::{Command, ExitCode};
use std::time::Instant;

/// SimpleITK: list the series' files sorted by position (GDCM), read them.
const SITK: &str = "import sys, time, SimpleITK as sitk
best = 1e9
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    r = sitk.ImageSeriesReader()
    r.SetFileNames(r.GetGDCMSeriesFileNames(sys.argv[1]))
    img = r.Execute()
    best = min(best, time.perf_counter() - t)
print(best)
";

/// pydicom + numpy: read every file, sort by position along the normal,
/// stack, rescale (what a hand-written Python loader does).
const PYDICOM: &str = "import sys, os, time, numpy as np, pydicom
best = 1e9
for _ in range(int(sys.argv[2])):
    t = time.perf_counter()
    ds = [pydicom.dcmread(os.path.join(sys.argv[1], f)) for f in os.listdir(sys.argv[1])]
    o = np.array(ds[0].ImageOrientationPatient, float)
    n = np.cross(o[:3], o[3:])
    ds.sort(key=lambda d: float(np.dot(n, np.array(d.ImagePositionPatient, float))))
    v = np.stack([d.pixel_array for d in ds]).astype(np.float32)
    v = v * float(ds[0].RescaleSlope) + float(ds[0].RescaleIntercept)
    best = min(best, time.perf_counter() - t)
print(best)
";

pub fn run(folder: &Path, repeat: usize) -> Result<ExitCode> {
    let loaded = volume::load(folder)?;
    let files = loaded.files_read.len();
    let bytes: u64 = loaded
        .files_read
        .iter()
        .filter_map(|f| std::fs::metadata(&f.path).ok())
        .map(|m| m.len())
        .sum();
    outln!(
        "DICOM series {} ({files} files, {:.1} MiB, {:?} {}, {} threads)",
        folder.display(),
        bytes as f64 / 1048576.0,
        loaded.grid.shape,
        loaded.datatype().name(),
        rayon::current_num_threads()
    )?;
    drop(loaded);

    let ours = best_of(repeat, || {
        let t = Instant::now();
        let v = volume::load(folder)?;
        std::hint::black_box(&v);
        Ok(t.elapsed().as_secs_f64())
    })?;
    let ours_f32 = best_of(repeat, || {
        let t = Instant::now();
        let v = volume::load(folder)?;
        std::hint::black_box(v.frame_f32(0));
        Ok(t.elapsed().as_secs_f64())
    })?;
    let exe = std::env::current_exe()?;
    let info = best_of(repeat, || {
        time_command(Command::new(&exe).arg("info").arg(folder))
    })?;
    let peer = |script: &str| -> Option<f64> {
        let r = repeat.to_string();
        python_stdout(script, &[folder.as_os_str(), r.as_ref()])?
            .trim()
            .parse()
            .ok()
    };
    let sitk = peer(SITK);
    let pydicom = peer(PYDICOM);

    outln!()?;
    outln!(
        "{:<52} {:>9}  {:>13}",
        "loader (best of the runs)",
        "seconds",
        "vs SimpleITK"
    )?;
    let row = |name: &str, s: f64| {
        let ratio = sitk
            .map(|g| format!("{:.2}x", s / g))
            .unwrap_or_else(|| "-".into());
        outln!("{name:<52} {s:>9.3}  {ratio:>13}")
    };
    match sitk {
        Some(s) => row("SimpleITK ImageSeriesReader (GDCM sort + read)", s)?,
        None => outln!(
            "{:<52} {:>9}",
            "SimpleITK (python3 with SimpleITK not found)",
            "-"
        )?,
    }
    row("rasview load (in process, stored type, hashed)", ours)?;
    row("rasview load + float32 frame (in process)", ours_f32)?;
    row("rasview info DIR (whole process)", info)?;
    match pydicom {
        Some(p) => {
            row("pydicom + numpy (read, sort, stack, rescale)", p)?;
            outln!(
                "\nrasview load is {:.2}x SimpleITK's time (goal: at most 1.5x) and {:.1}x faster than pydicom + numpy (goal: at least 2x)",
                sitk.map_or(f64::NAN, |s| ours / s),
                p / ours
            )?;
        }
        None => outln!(
            "{:<52} {:>9}",
            "pydicom (python3 with pydicom not found)",
            "-"
        )?,
    }
    Ok(ExitCode::SUCCESS)
}
