//! `rasview qc`: a whole dataset in one report. Every volume gets a mosaic
//! with its edges and its `info` facts; every (base, overlay) pair gets the
//! `check` verdict in words and the overlay's outline or edges over the
//! base. Entries run in parallel within a memory budget; one that fails is
//! reported and the run goes on; unchanged entries are reused. The result
//! is `OUT/index.html` (a static page) and `OUT/qc.json` (the same facts as
//! data). `--collect` joins the reports of many runs into one.

mod budget;
mod collect;
mod entry;
mod page;
mod progress;
mod record;
mod reuse;

use super::check::EXIT_MISALIGNED;
use super::EXIT_FAILURE;
use anyhow::{bail, Context, Result};
use budget::MemoryBudget;
use entry::{EntryFiles, Settings};
use record::{EntryRecord, Report, Subject};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct QcArgs {
    /// Volumes (NIfTI, NRRD, MetaImage, DICOM folders), one entry each.
    pub inputs: Vec<PathBuf>,
    /// A tab-separated file of BASE<TAB>OVERLAY pairs, one a line; blank
    /// lines, lines starting with # and a `base<TAB>overlay` heading are
    /// skipped; relative paths are from the file's folder.
    #[arg(long, value_name = "PAIRS.tsv")]
    pub pairs: Option<PathBuf>,
    /// One (base, overlay) pair; repeatable.
    #[arg(long, num_args = 2, value_names = ["BASE", "OVERLAY"])]
    pub pair: Vec<PathBuf>,
    /// Join the reports in these folders (each written by rasview qc) into one at --out.
    #[arg(long, num_args = 1.., value_name = "DIR", conflicts_with_all = ["inputs", "pairs", "pair"])]
    pub collect: Vec<PathBuf>,
    /// The report's folder: index.html, qc.json and entries/.
    #[arg(long)]
    pub out: PathBuf,
    /// Entries run at once (default: one per core).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Memory the running entries may use together, in MiB (default: half
    /// the memory available). An entry larger than it runs alone.
    #[arg(long, value_name = "MiB")]
    pub memory_mib: Option<u64>,
    /// Slices per plane in each mosaic.
    #[arg(long, default_value_t = 6)]
    pub slices: usize,
    /// Side of each mosaic tile in pixels.
    #[arg(long, default_value_t = 192)]
    pub tile_px: usize,
    /// Gaussian sigma in mm of the Canny edges drawn.
    #[arg(long, default_value_t = 1.0)]
    pub sigma_mm: f64,
    /// Redo every entry, even those whose inputs and options are unchanged.
    #[arg(long)]
    pub force: bool,
    /// Exit 0 once the report is written, whatever its verdicts (for
    /// workflow engines, which discard a failed job's outputs); the
    /// verdicts stay in qc.json.
    #[arg(long)]
    pub exit_zero: bool,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

pub fn run(args: &QcArgs) -> Result<ExitCode> {
    let started = Instant::now();
    prepare_out(&args.out)?;
    let (entries, memory) = if args.collect.is_empty() {
        let (entries, memory) = run_entries(args)?;
        (entries, Some(memory))
    } else {
        (collect::collect(&args.collect, &args.out)?, None)
    };
    let report = Report::of(entries, memory);
    write_report(&args.out, &report)?;
    let summary = &report.summary;
    outln!(
        "{}{} in {:.1} s; report: {}",
        summary.words(),
        if summary.reused > 0 {
            format!(" ({} reused)", summary.reused)
        } else {
            String::new()
        },
        started.elapsed().as_secs_f64(),
        args.out.join("index.html").display()
    )?;
    Ok(if args.exit_zero {
        ExitCode::SUCCESS
    } else if summary.failed > 0 {
        ExitCode::from(EXIT_FAILURE)
    } else if summary.not_aligned > 0 {
        ExitCode::from(EXIT_MISALIGNED)
    } else {
        ExitCode::SUCCESS
    })
}

/// Makes the folder, and refuses one whose index.html rasview did not write.
fn prepare_out(out: &Path) -> Result<()> {
    if out.join("index.html").exists() && !out.join("qc.json").exists() {
        bail!(
            "{} holds an index.html without a qc.json: not a rasview qc report, so it is not replaced; choose another --out",
            out.display()
        );
    }
    std::fs::create_dir_all(out).with_context(|| format!("creating {}", out.display()))
}

fn run_entries(args: &QcArgs) -> Result<(Vec<EntryRecord>, record::MemoryUse)> {
    let subjects = subjects_of(args)?;
    let settings = Settings {
        slices: args.slices,
        tile_px: args.tile_px,
        sigma_mm: args.sigma_mm,
        series: args.series.series.clone(),
    };
    // The same checks `mosaic` makes, once for the run, before any entry.
    settings.layout().check()?;
    super::render::check_layer_args(&settings.layers(true), true)?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(2, |n| n.get()))
        .clamp(1, 64);
    let budget = MemoryBudget::new(match args.memory_mib {
        Some(0) => bail!("--memory-mib must be more than 0"),
        Some(mib) => mib.saturating_mul(1 << 20),
        None => default_budget_bytes(),
    });

    let progress = progress::Progress::new(subjects.len());
    let next = AtomicUsize::new(0);
    let records: Mutex<Vec<Option<EntryRecord>>> = Mutex::new(vec![None; subjects.len()]);
    let worker = || loop {
        let i = next.fetch_add(1, Ordering::SeqCst);
        let Some((id, subject)) = subjects.get(i) else {
            break;
        };
        let key = reuse::key_of(subject, &settings);
        // --force: not even the hashing of the inputs that reuse needs.
        let earlier = (!args.force)
            .then(|| reuse::reusable(&args.out, id, &key))
            .flatten();
        let record = match earlier {
            Some(record) => record,
            None => {
                let record = entry::run_entry(id, subject, &settings, &key, &args.out, &budget);
                if !record.ok {
                    remove_old_pictures(&args.out, id);
                }
                if let Err(e) = write_entry_record(&args.out, &record) {
                    eprintln!("rasview: {e:#}");
                }
                record
            }
        };
        progress.finished(&record);
        records.lock().unwrap_or_else(|p| p.into_inner())[i] = Some(record);
    };
    std::thread::scope(|s| {
        for _ in 0..jobs.min(subjects.len()) {
            s.spawn(worker);
        }
    });
    progress.finish();
    eprintln!(
        "rasview qc: {jobs} job{} at once; at most {} MiB of the {} MiB memory budget reserved at once",
        if jobs == 1 { "" } else { "s" },
        budget.peak() >> 20,
        budget.capacity() >> 20
    );
    let memory = record::MemoryUse {
        jobs,
        budget_mib: budget.capacity() >> 20,
        peak_reserved_mib: budget.peak() >> 20,
    };
    let records = records
        .into_inner()
        .unwrap_or_else(|p| p.into_inner())
        .into_iter()
        .flatten()
        .collect();
    Ok((records, memory))
}

/// Every entry asked for, with its id; the same entry given twice runs once.
fn subjects_of(args: &QcArgs) -> Result<Vec<(String, Subject)>> {
    let mut subjects: Vec<Subject> = args
        .inputs
        .iter()
        .flat_map(|p| volumes_of(p, args.series.series.is_some()))
        .collect();
    subjects.extend(args.pair.chunks(2).map(|p| Subject::Pair {
        base: p[0].clone(),
        overlay: p[1].clone(),
    }));
    if let Some(tsv) = &args.pairs {
        subjects.extend(read_pairs(tsv)?);
    }
    if subjects.is_empty() {
        bail!("nothing to check: give volumes, --pair BASE OVERLAY, --pairs PAIRS.tsv or --collect DIR");
    }
    let mut seen = std::collections::HashSet::new();
    Ok(subjects
        .into_iter()
        .map(|s| (reuse::id_of(&s), s))
        .filter(|(id, _)| seen.insert(id.clone()))
        .collect())
}

/// The entries of one input: a DICOM folder (or file) holding several
/// series gives one per series, as `rasview info` reports them, unless
/// `--series` chose one; anything else is one entry (a bad one fails there).
fn volumes_of(input: &Path, series_chosen: bool) -> Vec<Subject> {
    let one = || {
        vec![Subject::Volume {
            input: input.to_path_buf(),
            series: None,
        }]
    };
    if series_chosen || crate::volume::Format::of_path(input) != crate::volume::Format::Dicom {
        return one();
    }
    match crate::volume::dicom::list_series(input) {
        Ok(all) if all.len() > 1 => all
            .into_iter()
            .map(|s| Subject::Volume {
                input: input.to_path_buf(),
                series: Some(s.series_uid),
            })
            .collect(),
        _ => one(),
    }
}

/// The pairs of a PAIRS.tsv; a line that is not two fields is named.
fn read_pairs(tsv: &Path) -> Result<Vec<Subject>> {
    let text = std::fs::read_to_string(tsv)
        .with_context(|| format!("reading --pairs {}", tsv.display()))?;
    let folder = tsv.parent().unwrap_or(Path::new(""));
    let mut pairs = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.trim_end_matches('\r');
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let fields: Vec<&str> = line.split('\t').map(str::trim).collect();
        if n == 0 && fields.len() == 2 && fields[0].eq_ignore_ascii_case("base") {
            continue;
        }
        if fields.len() != 2 || fields.iter().any(|f| f.is_empty()) {
            bail!(
                "{} line {}: expected BASE<TAB>OVERLAY, found {} field{}: \"{line}\"",
                tsv.display(),
                n + 1,
                fields.len(),
                if fields.len() == 1 { "" } else { "s" }
            );
        }
        pairs.push(Subject::Pair {
            base: folder.join(fields[0]),
            overlay: folder.join(fields[1]),
        });
    }
    Ok(pairs)
}

/// Half the memory available now (MemAvailable), else 4 GiB.
fn default_budget_bytes() -> u64 {
    let available = std::fs::read_to_string("/proc/meminfo").ok().and_then(|m| {
        let line = m.lines().find(|l| l.starts_with("MemAvailable:"))?;
        line.split_whitespace().nth(1)?.parse::<u64>().ok()
    });
    available.map_or(4 << 30, |kib| kib * 1024 / 2)
}

/// A picture of an entry's earlier, successful run must not outlive it
/// once the entry fails: the files it showed are not the files now there.
fn remove_old_pictures(out: &Path, id: &str) {
    let files = EntryFiles::of(id);
    for file in [&files.png, &files.sidecar, &files.thumbnail] {
        let _ = std::fs::remove_file(out.join(file));
    }
}

fn write_entry_record(out: &Path, record: &EntryRecord) -> Result<()> {
    let files = EntryFiles::of(&record.id);
    let folder = out.join(&files.folder);
    std::fs::create_dir_all(&folder).with_context(|| format!("creating {}", folder.display()))?;
    let json = serde_json::to_vec_pretty(record)?;
    let path = out.join(&files.record);
    let staged = crate::volume::save::stage(&path, false, &[&json])
        .with_context(|| format!("writing {}", path.display()))?;
    Ok(crate::volume::save::commit_together(vec![staged])?)
}

/// qc.json, then index.html, each through a temporary name.
fn write_report(out: &Path, report: &Report) -> Result<()> {
    let json = serde_json::to_vec_pretty(report)?;
    let html = page::page(report);
    let staged = vec![
        crate::volume::save::stage(&out.join("qc.json"), false, &[&json])?,
        crate::volume::save::stage(&out.join("index.html"), false, &[html.as_bytes()])?,
    ];
    crate::volume::save::commit_together(staged)
        .with_context(|| format!("writing the report in {}", out.display()))
}
