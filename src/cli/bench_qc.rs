//! `rasview bench qc`: one `rasview qc` run over N copies (symlinks) of a
//! volume, beside the same pictures and verdicts made by separate
//! processes, one per command per entry (`mosaic` and `info` for a volume,
//! `mosaic --overlay` and `check` for a pair), as a shell loop or a
//! scheduler without rasview's help would run them, as many at once as qc
//! runs entries. Memory: the qc run's peak beside one entry's.

use super::info::PEAK_MEMORY_ENV;
use anyhow::{bail, Context, Result};
use std::ffi::{OsStr, OsString};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

pub fn run(file: &Path, copies: usize) -> Result<ExitCode> {
    if copies == 0 {
        bail!("--copies must be at least 1");
    }
    let file =
        std::fs::canonicalize(file).with_context(|| format!("finding {}", file.display()))?;
    let scratch = std::env::temp_dir().join(format!("rasview-bench-qc-{}", std::process::id()));
    std::fs::create_dir_all(&scratch)?;
    let result = measure(&file, copies, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    result.map(|()| ExitCode::SUCCESS)
}

/// Wall seconds and the largest peak RSS (KiB) of one or more processes.
struct Measured {
    seconds: f64,
    peak_kib: u64,
}

fn measure(file: &Path, copies: usize, scratch: &Path) -> Result<()> {
    let jobs = std::thread::available_parallelism().map_or(2, |n| n.get());
    let name = file
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let edges = scratch.join("edges.nii.gz");
    let made = Command::new(std::env::current_exe()?)
        .args([
            OsStr::new("edges"),
            file.as_os_str(),
            OsStr::new("--out"),
            edges.as_os_str(),
        ])
        .output()?;
    if !made.status.success() {
        bail!(
            "rasview edges {}: {}",
            file.display(),
            String::from_utf8_lossy(&made.stderr)
        );
    }
    let mut volumes = Vec::new();
    let mut pairs = String::new();
    for i in 0..copies {
        let copy = scratch.join(format!("copy_{i:03}_{name}"));
        std::os::unix::fs::symlink(file, &copy)?;
        let mask = scratch.join(format!("edges_{i:03}.nii.gz"));
        std::os::unix::fs::symlink(&edges, &mask)?;
        pairs.push_str(&format!("{}\t{}\n", copy.display(), mask.display()));
        volumes.push((copy, mask));
    }
    let tsv = scratch.join("pairs.tsv");
    std::fs::write(&tsv, pairs)?;
    let out = |n: &str| scratch.join(n);

    let qc_volumes = |dir: &Path| {
        let mut args: Vec<OsString> = vec!["qc".into()];
        args.extend(volumes.iter().map(|(c, _)| c.clone().into_os_string()));
        args.extend(["--out".into(), dir.as_os_str().to_owned()]);
        args
    };
    let one = run_processes(
        vec![vec![
            "qc".into(),
            volumes[0].0.clone().into(),
            "--out".into(),
            out("qc_one").into(),
        ]],
        1,
    )?;
    let qc_v = run_processes(vec![qc_volumes(&out("qc_volumes"))], 1)?;
    let rerun = run_processes(vec![qc_volumes(&out("qc_volumes"))], 1)?;
    let separate_v = run_processes(
        volumes
            .iter()
            .enumerate()
            .flat_map(|(i, (copy, _))| {
                let png = out(&format!("mosaic_{i:03}.png"));
                [
                    args(
                        &["mosaic"],
                        &[copy],
                        &["--edges", "--tile-px", "192", "--out"],
                        &[&png],
                    ),
                    args(&["info", "--json"], &[copy], &[], &[]),
                ]
            })
            .collect(),
        jobs,
    )?;
    let qc_p = run_processes(
        vec![vec![
            "qc".into(),
            "--pairs".into(),
            tsv.clone().into(),
            "--out".into(),
            out("qc_pairs").into(),
        ]],
        1,
    )?;
    let separate_p = run_processes(
        volumes
            .iter()
            .enumerate()
            .flat_map(|(i, (copy, mask))| {
                let png = out(&format!("pair_{i:03}.png"));
                let mut mosaic = args(
                    &["mosaic"],
                    &[copy],
                    &["--overlay-as", "auto", "--tile-px", "192", "--overlay"],
                    &[mask],
                );
                mosaic.extend(["--out".into(), png.into_os_string()]);
                [mosaic, args(&["check", "--json"], &[copy, mask], &[], &[])]
            })
            .collect(),
        jobs,
    )?;

    let per = |m: &Measured| m.seconds / copies as f64;
    let mib = |kib: u64| kib as f64 / 1024.0;
    println!(
        "rasview bench qc: {copies} entries, each {} (symlinks), {jobs} at once",
        file.display()
    );
    println!(
        "{:<58} {:>8} {:>10} {:>9}",
        "", "wall s", "s/entry", "peak MiB"
    );
    let row = |label: &str, m: &Measured| {
        println!(
            "{:<58} {:>8.2} {:>10.3} {:>9.0}",
            label,
            m.seconds,
            per(m),
            mib(m.peak_kib)
        )
    };
    row("rasview qc, volumes (mosaic with edges, facts)", &qc_v);
    row("  separate: mosaic --edges + info per entry", &separate_v);
    row("rasview qc, pairs (check, overlay drawn)", &qc_p);
    row(
        "  separate: mosaic --overlay + check per entry",
        &separate_p,
    );
    row("rasview qc re-run, volumes (all reused)", &rerun);
    println!(
        "{:<58} {:>8.2} {:>10} {:>9.0}",
        "rasview qc, one volume entry",
        one.seconds,
        "",
        mib(one.peak_kib)
    );
    println!(
        "qc is {:.2}x faster per volume entry and {:.2}x per pair than separate processes; its peak memory over {copies} entries is {:.2}x one entry's",
        per(&separate_v) / per(&qc_v),
        per(&separate_p) / per(&qc_p),
        qc_v.peak_kib as f64 / one.peak_kib.max(1) as f64
    );
    Ok(())
}

fn args(first: &[&str], paths: &[&PathBuf], more: &[&str], tail: &[&PathBuf]) -> Vec<OsString> {
    first
        .iter()
        .map(OsString::from)
        .chain(paths.iter().map(|p| p.as_os_str().to_owned()))
        .chain(more.iter().map(OsString::from))
        .chain(tail.iter().map(|p| p.as_os_str().to_owned()))
        .collect()
}

/// Runs this binary once per argument list, `jobs` at a time, in order;
/// the wall time of all, and the largest peak RSS any reported.
fn run_processes(commands: Vec<Vec<OsString>>, jobs: usize) -> Result<Measured> {
    let exe = std::env::current_exe()?;
    let next = AtomicUsize::new(0);
    let peak = AtomicUsize::new(0);
    let failure: Mutex<Option<String>> = Mutex::new(None);
    let started = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..jobs.max(1) {
            s.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::SeqCst);
                let Some(command) = commands.get(i) else {
                    break;
                };
                let out = Command::new(&exe)
                    .args(command)
                    .env(PEAK_MEMORY_ENV, "1")
                    .stdout(Stdio::null())
                    .output();
                match out {
                    Ok(out) => {
                        let text = String::from_utf8_lossy(&out.stderr);
                        let kib = text
                            .lines()
                            .find_map(|l| l.strip_prefix("peak_rss "))
                            .and_then(|l| l.split_whitespace().next()?.parse::<usize>().ok());
                        peak.fetch_max(kib.unwrap_or(0), Ordering::SeqCst);
                        // qc exits 0 here (all aligned); check exits 3 when not aligned, not here.
                        if !out.status.success() {
                            *failure.lock().unwrap() = Some(format!("{command:?}: {text}"));
                        }
                    }
                    Err(e) => *failure.lock().unwrap() = Some(format!("{command:?}: {e}")),
                }
            });
        }
    });
    if let Some(f) = failure.into_inner().unwrap() {
        bail!("a benchmark process failed: {f}");
    }
    Ok(Measured {
        seconds: started.elapsed().as_secs_f64(),
        peak_kib: peak.load(Ordering::SeqCst) as u64,
    })
}
