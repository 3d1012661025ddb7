//! `rasview info`: what a file is and where it sits in the world.

use crate::volume::dicom::SeriesSummary;
use crate::volume::{self, Format, Volume};
use anyhow::Result;
use serde::Serialize;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct InfoArgs {
    /// Image files (NIfTI, NRRD, MetaImage) or DICOM series (a folder or one of its files).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// One JSON object per file, one per line.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub series: super::SeriesArg,
}

/// A label table beside the file (see `volume::label_table_names_beside`).
#[derive(Debug, Serialize)]
pub struct LabelTableFound {
    pub path: String,
    pub kind: crate::volume::TableKind,
}

/// Labels listed one per line in the text report; `--json` lists all.
const LABEL_LINES: usize = 50;

/// What `info --json` prints for one file.
#[derive(Debug, Serialize)]
pub struct InfoReport {
    pub path: String,
    /// NIfTI-1, NIfTI-2, ANALYZE 7.5, NRRD, MetaImage or DICOM.
    pub format: &'static str,
    pub byte_order: &'static str,
    /// The header's dimensions, as nibabel gives `shape`.
    pub shape: Vec<usize>,
    pub volumes: usize,
    pub datatype: &'static str,
    pub datatype_code: i16,
    pub spacing_mm: [f64; 3],
    pub world_from_voxel: [[f64; 4]; 4],
    pub affine_source: &'static str,
    pub sform_code: i32,
    pub qform_code: i32,
    pub axcodes: String,
    pub oblique: bool,
    pub obliquity_deg: f64,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub scaling_applied: bool,
    pub value_range: Option<[f64; 2]>,
    pub non_finite_voxels: usize,
    pub warnings: Vec<String>,
    /// Named labels (a Slicer segmentation's segments).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<crate::volume::Label>,
    /// The label table found beside the file that named them, and its kind.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub label_table: Option<LabelTableFound>,
    /// For a DICOM series: which one (a folder may hold several).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_uid: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_number: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub series_description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modality: Option<String>,
    /// Images stacked (all volumes of a 4D series).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub slices: Option<usize>,
}

impl InfoReport {
    pub fn of(v: &Volume) -> Self {
        let range = v.frame_range(0);
        let ndim = v.header.dim[0].clamp(1, 7) as usize;
        InfoReport {
            path: v.source.header.display().to_string(),
            format: match v.format {
                Format::Nifti => v.header.version.name(),
                other => other.name(),
            },
            byte_order: v.header.byte_order.name(),
            shape: v.header.dim[1..=ndim].iter().map(|&d| d as usize).collect(),
            volumes: v.volume_count,
            datatype: v.datatype().name(),
            datatype_code: v.datatype().code(),
            spacing_mm: v.grid.spacing_mm(),
            world_from_voxel: v.grid.world_from_voxel.matrix(),
            affine_source: v.affine_source.name(),
            sform_code: v.header.sform_code,
            qform_code: v.header.qform_code,
            axcodes: v.grid.axcodes(),
            oblique: v.grid.is_oblique(),
            obliquity_deg: v.grid.obliquity_degrees(),
            scl_slope: v.header.scl_slope,
            scl_inter: v.header.scl_inter,
            scaling_applied: !v.scaling.is_identity(),
            value_range: range.has_values().then_some([range.min, range.max]),
            non_finite_voxels: range.non_finite,
            warnings: v.warnings.clone(),
            labels: v.labels.clone(),
            label_table: (v.format != Format::Dicom)
                .then(|| volume::find_label_table_beside(&v.source.header))
                .flatten()
                .and_then(Result::ok)
                .map(|t| LabelTableFound {
                    path: t.path.display().to_string(),
                    kind: t.kind,
                }),
            series_uid: None,
            series_number: None,
            series_description: None,
            modality: None,
            slices: None,
        }
    }

    /// The report of one series of a DICOM folder.
    pub fn of_series(v: &Volume, s: &SeriesSummary) -> Self {
        InfoReport {
            series_uid: Some(s.series_uid.clone()),
            series_number: s.series_number,
            series_description: Some(s.series_description.clone()),
            modality: Some(s.modality.clone()),
            slices: Some(s.slices),
            ..Self::of(v)
        }
    }

    fn print_text(&self) -> std::io::Result<()> {
        outln!("{}", self.path)?;
        if self.format == Format::Dicom.name() {
            // Its byte order is each file's transfer syntax, not one fact.
            outln!("  format        {}", self.format)?;
        } else {
            outln!("  format        {} ({})", self.format, self.byte_order)?;
        }
        if let Some(uid) = &self.series_uid {
            outln!(
                "  series        number {}, uid {}",
                self.series_number
                    .map_or("-".to_string(), |n| n.to_string()),
                uid
            )?;
            outln!(
                "                {} {}, {} images",
                self.modality.as_deref().unwrap_or(""),
                match self.series_description.as_deref() {
                    Some("") | None => "(no description)".to_string(),
                    Some(d) => format!("\"{d}\""),
                },
                self.slices.unwrap_or(0)
            )?;
        }
        outln!(
            "  shape         {:?} ({} volume{})",
            self.shape,
            self.volumes,
            if self.volumes == 1 { "" } else { "s" }
        )?;
        outln!(
            "  datatype      {} (code {})",
            self.datatype,
            self.datatype_code
        )?;
        let s = self.spacing_mm;
        outln!("  voxel size    {:.4} x {:.4} x {:.4} mm", s[0], s[1], s[2])?;
        outln!(
            "  orientation   {}{}",
            self.axcodes,
            if self.oblique {
                format!(", oblique by {:.2} degrees", self.obliquity_deg)
            } else {
                ", not oblique".to_string()
            }
        )?;
        if self.format.starts_with("NIfTI") || self.format.starts_with("ANALYZE") {
            outln!(
                "  world_from_voxel (from the {}; sform_code {}, qform_code {})",
                self.affine_source,
                self.sform_code,
                self.qform_code
            )?;
        } else {
            outln!("  world_from_voxel (from the {})", self.affine_source)?;
        }
        for row in &self.world_from_voxel {
            outln!(
                "    [{:>11.5} {:>11.5} {:>11.5} {:>11.5}]",
                row[0],
                row[1],
                row[2],
                row[3]
            )?;
        }
        outln!(
            "  scaling       scl_slope {} scl_inter {}{}",
            self.scl_slope,
            self.scl_inter,
            if self.scaling_applied {
                " (applied)"
            } else {
                " (none)"
            }
        )?;
        match self.value_range {
            Some([lo, hi]) => outln!("  values        {lo} to {hi} (volume 0)")?,
            None => outln!("  values        no finite values in volume 0")?,
        }
        if self.non_finite_voxels > 0 {
            outln!(
                "  non-finite    {} voxels are NaN or infinite",
                self.non_finite_voxels
            )?;
        }
        if let Some(t) = &self.label_table {
            outln!("  label table   {} ({})", t.path, t.kind.name())?;
        }
        for l in self.labels.iter().take(LABEL_LINES) {
            let colour = l
                .colour
                .map(|[r, g, b]| format!(" #{r:02x}{g:02x}{b:02x}"))
                .unwrap_or_default();
            outln!(
                "  label         {} = {}{colour} (layer {})",
                l.value,
                l.name,
                l.layer
            )?;
        }
        if self.labels.len() > LABEL_LINES {
            outln!(
                "  label         ... and {} more (--json lists all)",
                self.labels.len() - LABEL_LINES
            )?;
        }
        for w in &self.warnings {
            outln!("  warning: {w}")?;
        }
        Ok(())
    }
}

pub fn run(args: &InfoArgs) -> Result<ExitCode> {
    let mut failures = 0;
    for path in &args.files {
        // Go on with the other files (a batch should report every bad
        // one), then fail as a whole.
        if let Err(e) = report_path(path, args) {
            if super::is_broken_pipe(&e) {
                return Err(e);
            }
            eprintln!("rasview: {e:#}");
            failures += 1;
        }
    }
    Ok(if failures == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(super::EXIT_FAILURE)
    })
}

/// One report per volume: a file gives one, a DICOM folder one per series
/// (or the one asked for with --series).
fn report_path(path: &std::path::Path, args: &InfoArgs) -> Result<()> {
    let print = |report: &InfoReport| -> Result<()> {
        if args.json {
            outln!("{}", serde_json::to_string(report)?)?;
        } else {
            report.print_text()?;
        }
        Ok(())
    };
    if Format::of_path(path) != Format::Dicom {
        return print(&InfoReport::of(&args.series.load(path)?));
    }
    let mut all = volume::dicom::list_series(path)?;
    if args.series.series.is_some() {
        // The loader picks the series asked for (and names the choices
        // when there is no such series).
        let v = args.series.load(path)?;
        let uid = all.iter().position(|s| {
            Some(s.series_uid.as_str()) == args.series.series.as_deref().map(str::trim)
                || s.series_number.map(|n| n.to_string()).as_deref()
                    == args.series.series.as_deref().map(str::trim)
        });
        return match uid {
            Some(n) => print(&InfoReport::of_series(&v, &all.swap_remove(n))),
            None => print(&InfoReport::of(&v)),
        };
    }
    for summary in &all {
        let options = volume::LoadOptions {
            series: Some(summary.series_uid.clone()),
            ..args.series.options()
        };
        let v = volume::load_with(path, &options)?;
        print(&InfoReport::of_series(&v, summary))?;
    }
    Ok(())
}

/// The benchmark measures the peak resident memory of a real `info` run by
/// setting this variable; reading /proc/self/status at the end is exact
/// and needs no extra crate.
pub const PEAK_MEMORY_ENV: &str = "RASVIEW_REPORT_PEAK_RSS";

pub(crate) fn report_peak_memory_if_asked() {
    if std::env::var_os(PEAK_MEMORY_ENV).is_none() {
        return;
    }
    if let Ok(status) = std::fs::read_to_string("/proc/self/status") {
        if let Some(line) = status.lines().find(|l| l.starts_with("VmHWM:")) {
            eprintln!("peak_rss {}", line.trim_start_matches("VmHWM:").trim());
        }
    }
}
