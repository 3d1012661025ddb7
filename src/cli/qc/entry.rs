//! One entry of a QC run: load, check (pairs), draw the mosaic and its
//! thumbnail, record the facts. The same code as `info`, `check` and
//! `mosaic`, run in-process so each file is read once.

use super::budget::MemoryBudget;
use super::record::{EntryRecord, Facts, Subject};
use crate::cli::info::InfoReport;
use crate::cli::mosaic::{self, MosaicLayout};
use crate::cli::render::{self, DisplayArgs, LayerArgs, OverlayAs, Scene};
use crate::cli::SeriesArg;
use crate::export::{json_sidecar_path, refuse_to_overwrite, InputRecord, Sidecar};
use crate::geometry::{Convention, Interpolation, Plane};
use crate::overlay::{check_overlay, EdgeReference};
use crate::render::Colormap;
use crate::volume::Volume;
use anyhow::{Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// The options every entry of a run shares; part of each entry's key, so
/// changing one redoes the entries.
#[derive(Debug, Clone, Serialize)]
pub struct Settings {
    pub slices: usize,
    pub tile_px: usize,
    pub sigma_mm: f64,
    pub series: Option<String>,
}

impl Settings {
    /// The mosaic every entry draws: 3 planes, `slices` tiles each.
    pub fn layout(&self) -> MosaicLayout {
        MosaicLayout {
            planes: Plane::ALL.to_vec(),
            slices: self.slices,
            pixel_mm: None,
            tile_px: Some(self.tile_px),
            gutter_px: 4,
        }
    }

    /// What is drawn over the image: a volume shows its own edges; a pair
    /// shows the overlay's outline or edges, which the base's own would hide.
    pub fn layers(&self, pair: bool) -> LayerArgs {
        LayerArgs {
            edges: !pair,
            sigma_mm: self.sigma_mm,
            edges_mode: crate::cli::edges::ModeArg::ThreeD,
            overlay: None,
            overlay_as: OverlayAs::Auto,
            overlay_opacity: 0.85,
        }
    }
}

/// Bytes of working memory per voxel of frame 0 beyond the stored voxels:
/// the float frame, the 3D Canny's smoothed copy, gradients and masks, the
/// edge map drawn over it. Measured by peak RSS on the 1 mm T1 (6.05 M
/// float32 voxels): a volume entry peaks at 112 MiB, about 14 bytes per
/// voxel beyond its 23 MiB of voxels and the 8 MiB process; the T1 over
/// itself (its edges drawn, the check's Canny of the base) at 182 MiB,
/// about 12 per voxel of each. Rounded up to leave room.
pub const WORK_BYTES_PER_VOXEL: u64 = 24;

/// The thumbnail's width in pixels.
const THUMBNAIL_WIDTH: usize = 480;

/// The entry's files under the report folder, relative to it.
pub struct EntryFiles {
    pub folder: PathBuf,
    pub png: String,
    pub sidecar: String,
    pub thumbnail: String,
    pub record: String,
}

impl EntryFiles {
    pub fn of(id: &str) -> Self {
        let folder = format!("entries/{id}");
        EntryFiles {
            folder: PathBuf::from(&folder),
            png: format!("{folder}/mosaic.png"),
            sidecar: format!("{folder}/mosaic.json"),
            thumbnail: format!("{folder}/thumbnail.png"),
            record: format!("{folder}/entry.json"),
        }
    }
}

/// Does the entry, never failing: an error becomes a failed record.
pub fn run_entry(
    id: &str,
    subject: &Subject,
    settings: &Settings,
    key: &str,
    out: &Path,
    budget: &MemoryBudget,
) -> EntryRecord {
    let started = Instant::now();
    let files = EntryFiles::of(id);
    let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        draw_entry(subject, settings, out, &files, budget)
    }));
    let outcome = match outcome {
        Ok(result) => result,
        Err(panic) => Err(anyhow::anyhow!(
            "rasview failed inside (a bug, please report it): {}",
            panic_text(&panic)
        )),
    };
    let mut record = EntryRecord {
        id: id.to_string(),
        name: subject.name(),
        subject: subject.clone(),
        ok: false,
        aligned: None,
        verdict: super::record::Verdict::Failed,
        error: None,
        findings: Vec::new(),
        warnings: Vec::new(),
        facts: Vec::new(),
        png: None,
        sidecar: None,
        thumbnail: None,
        seconds: 0.0,
        reused: false,
        key: key.to_string(),
        files_read: Vec::new(),
        reserved_mib: None,
    };
    match outcome {
        Ok(done) => {
            record.ok = true;
            record.aligned = done.aligned;
            record.findings = done.findings;
            record.warnings = done.warnings;
            record.facts = done.facts;
            record.files_read = done.files_read;
            record.reserved_mib = Some(done.reserved_mib);
            record.png = Some(files.png);
            record.sidecar = Some(files.sidecar);
            record.thumbnail = Some(files.thumbnail);
        }
        Err(e) => record.error = Some(format!("{e:#}")),
    }
    record.verdict = EntryRecord::verdict_of(record.ok, record.aligned, &record.warnings);
    record.seconds = started.elapsed().as_secs_f64();
    record
}

/// What a finished entry found.
struct Done {
    aligned: Option<bool>,
    findings: Vec<String>,
    warnings: Vec<String>,
    facts: Vec<Facts>,
    files_read: Vec<InputRecord>,
    reserved_mib: u64,
}

fn draw_entry(
    subject: &Subject,
    settings: &Settings,
    out: &Path,
    files: &EntryFiles,
    budget: &MemoryBudget,
) -> Result<Done> {
    let paths = subject.paths();
    let hint: u64 = paths
        .iter()
        .map(|p| crate::volume::unpacked_size_hint(p))
        .sum();
    // Before the header is read, the file's unpacked size stands for its
    // voxels; the real need replaces it once they are loaded.
    let mut reservation = budget.acquire(hint.saturating_mul(3));
    // A DICOM folder's series: the entry's own, else the run's --series.
    let series = SeriesArg {
        series: match subject {
            Subject::Volume {
                series: Some(uid), ..
            } => Some(uid.clone()),
            _ => settings.series.clone(),
        },
    };
    // Frame 0 only: a 600-volume fMRI is checked by its first volume.
    let volumes = paths
        .iter()
        .map(|p| crate::cli::load_frame_of(p, 0, &series))
        .collect::<Result<Vec<Volume>>>()?;
    reservation.resize(volumes.iter().map(memory_need).sum());
    let reserved_mib = reservation.bytes() >> 20;

    let png = out.join(&files.png);
    let sidecar = out.join(&files.sidecar);
    let thumbnail = out.join(&files.thumbnail);
    let inputs: Vec<&Volume> = volumes.iter().collect();
    for path in [&png, &sidecar, &thumbnail] {
        refuse_to_overwrite(path, &inputs)?;
    }
    let facts: Vec<Facts> = volumes.iter().map(facts_of).collect();
    let mut volumes = volumes.into_iter();
    let base = volumes.next().context("an entry without a file")?;
    let overlay = volumes.next();
    let mut warnings = Vec::new();
    let (aligned, findings) = match &overlay {
        None => {
            warnings.extend(base.warnings.iter().cloned());
            (None, Vec::new())
        }
        Some(overlay) => {
            warnings.extend(base.warnings.iter().map(|w| format!("base: {w}")));
            warnings.extend(overlay.warnings.iter().map(|w| format!("overlay: {w}")));
            let reference = EdgeReference::of(&base);
            let check = check_overlay(&base, overlay, &overlay.frame_values(0), reference.as_ref());
            let findings = check.findings.iter().map(|f| f.to_string()).collect();
            (Some(check.aligned), findings)
        }
    };

    let display = DisplayArgs {
        window: None,
        level: None,
        convention: Convention::Radiological,
        interpolation: Interpolation::Nearest,
        colormap: Colormap::Grey,
        volume: 0,
        series,
    };
    let layers = settings.layers(overlay.is_some());
    let scene = Scene::new(base, overlay, paths[0], &display, &layers)?;
    let (image, report) = mosaic::draw(&scene, &settings.layout())?;
    let files_read = report
        .scene
        .input
        .iter()
        .chain(report.scene.overlay.iter().flatten())
        .cloned()
        .collect();
    std::fs::create_dir_all(out.join(&files.folder))
        .with_context(|| format!("creating {}", out.join(&files.folder).display()))?;
    debug_assert_eq!(json_sidecar_path(&png), sidecar);
    render::write_png_and_sidecar(&image, &png, &sidecar, &Sidecar::new("qc", report))?;
    image
        .downscaled_to_width(THUMBNAIL_WIDTH)
        .save_png(&thumbnail)
        .with_context(|| format!("writing {}", thumbnail.display()))?;
    Ok(Done {
        aligned,
        findings,
        warnings,
        facts,
        files_read,
        reserved_mib,
    })
}

/// The bytes a loaded volume holds, and what its edges and drawing will add.
fn memory_need(volume: &Volume) -> u64 {
    let stored = volume.voxels.len() as u64 * volume.datatype().bytes_per_voxel() as u64;
    stored + volume.frame_len() as u64 * WORK_BYTES_PER_VOXEL
}

fn facts_of(volume: &Volume) -> Facts {
    let info = InfoReport::of(volume);
    Facts {
        path: info.path,
        format: info.format.to_string(),
        shape: info.shape,
        datatype: info.datatype.to_string(),
        spacing_mm: info.spacing_mm,
        axcodes: info.axcodes,
        oblique: info.oblique,
        obliquity_deg: info.obliquity_deg,
        affine_source: info.affine_source.to_string(),
        value_range: info.value_range,
    }
}

fn panic_text(panic: &Box<dyn std::any::Any + Send>) -> String {
    panic
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".to_string())
}
