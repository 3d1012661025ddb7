//! Series: files grouped by SeriesInstanceUID, then each series split by
//! orientation, size and pixel spacing, keeping the largest stack of
//! non-localizer images. What is left out is named.

use super::header::FileHeader;
use super::scan::Scan;
use super::stack;
use crate::volume::error::LoadError;
use std::collections::BTreeMap;
use std::path::Path;

/// One frame of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct SliceRef {
    pub file: usize,
    pub frame: usize,
}

/// What `rasview info` and the error for a folder with several series say
/// about each series, without reading any voxel.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct SeriesSummary {
    pub series_uid: String,
    pub series_number: Option<i64>,
    pub series_description: String,
    pub modality: String,
    /// Images (frames) in the stack read; localizers and images in
    /// another orientation or size are not counted.
    pub slices: usize,
    /// Columns, rows, positions along the slice normal.
    pub shape: [usize; 3],
    /// Images at each position (more than 1 for a 4D series).
    pub volumes: usize,
}

/// A series and the stack of it that is read.
pub struct Series {
    pub uid: String,
    pub number: Option<i64>,
    pub description: String,
    pub modality: String,
    pub slices: Vec<SliceRef>,
    pub warnings: Vec<String>,
}

impl Series {
    pub fn summary(&self, images: &[FileHeader]) -> SeriesSummary {
        let first = &images[self.slices[0].file].pixels;
        let (positions, volumes) = match stack::count_positions(images, &self.slices) {
            Some(counts) => counts,
            None => (self.slices.len(), 1),
        };
        SeriesSummary {
            series_uid: self.uid.clone(),
            series_number: self.number,
            series_description: self.description.clone(),
            modality: self.modality.clone(),
            slices: self.slices.len(),
            shape: [first.columns as usize, first.rows as usize, positions],
            volumes,
        }
    }
}

/// Every series in the scan, by SeriesNumber then UID.
pub fn group(scan: &Scan) -> Vec<Series> {
    let mut by_uid: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (n, h) in scan.images.iter().enumerate() {
        by_uid.entry(h.series_uid.as_str()).or_default().push(n);
    }
    let mut series: Vec<Series> = by_uid
        .into_values()
        .map(|files| split(&scan.images, &files))
        .collect();
    series.sort_by(|a, b| {
        (a.number.is_none(), a.number, &a.uid).cmp(&(b.number.is_none(), b.number, &b.uid))
    });
    series
}

/// The key that splits a series: images of one stack share it.
#[derive(Debug, Clone, PartialEq)]
struct StackKey {
    rows: u16,
    columns: u16,
    samples: u16,
    bits: u16,
    orientation: Option<[f64; 6]>,
    spacing: Option<[f64; 2]>,
}

impl StackKey {
    fn matches(&self, other: &StackKey) -> bool {
        let close =
            |a: &[f64], b: &[f64], tol: f64| a.iter().zip(b).all(|(x, y)| (x - y).abs() <= tol);
        self.rows == other.rows
            && self.columns == other.columns
            && self.samples == other.samples
            && self.bits == other.bits
            && match (&self.orientation, &other.orientation) {
                // Scanners jitter the last decimals of the cosines.
                (Some(a), Some(b)) => close(a, b, 1e-3),
                (None, None) => true,
                _ => false,
            }
            && match (&self.spacing, &other.spacing) {
                (Some(a), Some(b)) => close(a, b, 1e-4 * a[0].max(a[1])),
                (None, None) => true,
                _ => false,
            }
    }

    fn describe(&self) -> String {
        let orientation = match self.orientation {
            Some(o) => format!(
                "orientation {}",
                o.iter()
                    .map(|v| format!("{v:.3}"))
                    .collect::<Vec<_>>()
                    .join("\\")
            ),
            None => "no orientation".into(),
        };
        format!("{}x{} pixels, {orientation}", self.columns, self.rows)
    }
}

/// Splits the files of one series into stacks and keeps the largest.
fn split(images: &[FileHeader], files: &[usize]) -> Series {
    let first = &images[files[0]];
    let mut warnings = Vec::new();
    let all: Vec<SliceRef> = files
        .iter()
        .flat_map(|&file| (0..images[file].frames.len()).map(move |frame| SliceRef { file, frame }))
        .collect();
    // Localizers (scout views) share the series but not the stack; keep
    // them only when the series holds nothing else.
    let (localizers, rest): (Vec<SliceRef>, Vec<SliceRef>) =
        all.iter().partition(|s| images[s.file].is_localizer());
    let candidates = if rest.is_empty() { &localizers } else { &rest };
    let mut stacks: Vec<(StackKey, Vec<SliceRef>)> = Vec::new();
    for &s in candidates {
        let key = key_of(images, s);
        match stacks.iter_mut().find(|(k, _)| k.matches(&key)) {
            Some((_, members)) => members.push(s),
            None => stacks.push((key, vec![s])),
        }
    }
    // The largest stack; on a tie, the first found (files are scanned in
    // name order, so the choice is the same on every run).
    let best = (0..stacks.len())
        .max_by_key(|&n| (stacks[n].1.len(), std::cmp::Reverse(n)))
        .unwrap_or(0);
    let (kept_key, slices) = stacks.swap_remove(best);
    if !rest.is_empty() && !localizers.is_empty() {
        warnings.push(format!(
            "{} left out: ImageType LOCALIZER ({})",
            count(localizers.len(), "localizer image"),
            names(images, &localizers)
        ));
    }
    // Each other stack named, or all in one line when there are many (a
    // series of projections, each in its own orientation).
    if stacks.len() <= 2 {
        for (key, members) in &stacks {
            warnings.push(format!(
                "{} of this series left out: {} where the stack read has {} ({}); a localizer or a mixed series",
                count(members.len(), "image"),
                key.describe(),
                kept_key.describe(),
                names(images, members)
            ));
        }
    } else if !stacks.is_empty() {
        let members: Vec<SliceRef> = stacks.iter().flat_map(|(_, m)| m.iter().copied()).collect();
        warnings.push(format!(
            "{} of this series left out, in {} other orientations or sizes than the stack read ({}): {}; localizers or a mixed series",
            count(members.len(), "image"),
            stacks.len(),
            kept_key.describe(),
            names(images, &members)
        ));
    }
    Series {
        uid: first.series_uid.clone(),
        number: first.series_number,
        description: first.series_description.clone(),
        modality: first.modality.clone(),
        slices,
        warnings,
    }
}

fn key_of(images: &[FileHeader], s: SliceRef) -> StackKey {
    let h = &images[s.file];
    let place = &h.frames[s.frame];
    StackKey {
        rows: h.pixels.rows,
        columns: h.pixels.columns,
        samples: h.pixels.samples_per_pixel,
        bits: h.pixels.bits_allocated,
        orientation: place.orientation,
        spacing: place.spacing,
    }
}

pub fn count(n: usize, what: &str) -> String {
    format!("{n} {what}{}", if n == 1 { "" } else { "s" })
}

/// File names (with the frame for multi-frame files), the first few.
pub fn names(images: &[FileHeader], slices: &[SliceRef]) -> String {
    const SHOWN: usize = 6;
    let mut out: Vec<String> = slices
        .iter()
        .take(SHOWN)
        .map(|s| {
            let h = &images[s.file];
            let name = file_name(&h.path);
            if h.frames.len() > 1 {
                format!("{name} frame {}", s.frame + 1)
            } else {
                name
            }
        })
        .collect();
    if slices.len() > SHOWN {
        out.push(format!("and {} more", slices.len() - SHOWN));
    }
    out.join(", ")
}

pub fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

/// One line per series, for the messages that ask the user to choose.
pub fn listing(summaries: &[SeriesSummary]) -> String {
    summaries
        .iter()
        .map(|s| {
            format!(
                "  number {:<5} uid {}  {}  {}  {}{}",
                s.series_number.map_or("-".to_string(), |n| n.to_string()),
                s.series_uid,
                if s.modality.is_empty() {
                    "-"
                } else {
                    &s.modality
                },
                count(s.slices, "slice"),
                if s.series_description.is_empty() {
                    "(no description)".to_string()
                } else {
                    format!("\"{}\"", s.series_description)
                },
                if s.volumes > 1 {
                    format!(" ({} volumes)", s.volumes)
                } else {
                    String::new()
                }
            )
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The series to read: the one asked for (UID, or SeriesNumber when that
/// is unique), the named file's, or the only one.
pub fn choose(
    path: &Path,
    mut series: Vec<Series>,
    images: &[FileHeader],
    asked: Option<&str>,
    named_file: Option<&Path>,
) -> Result<Series, LoadError> {
    let summaries = || series.iter().map(|s| s.summary(images)).collect::<Vec<_>>();
    if let Some(asked) = asked.map(str::trim) {
        if let Some(n) = series.iter().position(|s| s.uid == asked) {
            return Ok(series.swap_remove(n));
        }
        if let Ok(number) = asked.parse::<i64>() {
            let hits: Vec<usize> = (0..series.len())
                .filter(|&n| series[n].number == Some(number))
                .collect();
            match hits.as_slice() {
                [n] => return Ok(series.swap_remove(*n)),
                [] => {}
                _ => {
                    let list: Vec<SeriesSummary> =
                        hits.iter().map(|&n| series[n].summary(images)).collect();
                    return Err(LoadError::SeveralSeries {
                        path: path.to_path_buf(),
                        count: hits.len(),
                        list: listing(&list),
                        hint: format!(
                            "share SeriesNumber {number}; pass --series with the UID instead"
                        ),
                    });
                }
            }
        }
        return Err(LoadError::NoSuchSeries {
            path: path.to_path_buf(),
            asked: asked.to_string(),
            list: listing(&summaries()),
        });
    }
    if let Some(file) = named_file {
        let uid = images
            .iter()
            .find(|h| h.path == file)
            .map(|h| h.series_uid.clone());
        match uid.and_then(|uid| series.iter().position(|s| s.uid == uid)) {
            Some(n) => return Ok(series.swap_remove(n)),
            None => {
                return Err(LoadError::NoDicomImage {
                    path: file.to_path_buf(),
                    detail: "the file is not a DICOM image".into(),
                })
            }
        }
    }
    match series.len() {
        1 => Ok(series.swap_remove(0)),
        n => Err(LoadError::SeveralSeries {
            path: path.to_path_buf(),
            count: n,
            list: listing(&summaries()),
            hint: "pass --series UID-or-number to choose one".into(),
        }),
    }
}
