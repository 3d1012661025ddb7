//! DICOM series: a folder (or one file of it) read into one [`Volume`].
//!
//! scan (which files are DICOM images, headers read in parallel) ->
//! series (grouped by SeriesInstanceUID, split by orientation and size) ->
//! stack (sorted by position along the slice normal, gaps, tilt and
//! duplicates named) -> geometry (the affine, LPS to RAS) -> pixels (the
//! voxels, files decoded in parallel, rescaled).
//!
//! dicom-rs parses the files and decodes pixel data; everything about
//! geometry and stacking is done here, since it does neither.

mod geometry;
mod header;
mod pixels;
mod scan;
mod series;
mod stack;

pub use series::SeriesSummary;

use super::assemble::Parts;
use super::error::LoadError;
use super::files::FileSet;
use super::format::Format;
use super::header_geometry::AffineSource;
use super::load::LoadOptions;
use super::Volume;
use std::path::Path;

/// Every series in a folder (or the series of a file), without reading any
/// voxel: what `rasview info` reports and what a choice is made from.
pub fn list_series(path: &Path) -> Result<Vec<SeriesSummary>, LoadError> {
    let target = scan::Target::of(path)?;
    let found = scan::scan(&target)?;
    let mut all = series::group(&found);
    if found.images.is_empty() {
        return Err(no_image(&target, &found));
    }
    if let Some(file) = &target.file {
        let uid = found
            .images
            .iter()
            .find(|h| &h.path == file)
            .map(|h| h.series_uid.clone());
        all.retain(|s| Some(&s.uid) == uid.as_ref());
        if all.is_empty() {
            return Err(LoadError::NoDicomImage {
                path: file.clone(),
                detail: "the file is not a DICOM image".into(),
            });
        }
    }
    Ok(all.iter().map(|s| s.summary(&found.images)).collect())
}

/// Reads one series (see [`LoadOptions::series`]) into a volume.
pub fn load(
    path: &Path,
    options: &LoadOptions,
    progress: &dyn Fn(f32),
) -> Result<Volume, LoadError> {
    let target = scan::Target::of(path)?;
    let found = scan::scan(&target)?;
    if found.images.is_empty() {
        return Err(no_image(&target, &found));
    }
    let all = series::group(&found);
    let chosen = series::choose(
        path,
        all,
        &found.images,
        options.series.as_deref(),
        target.file.as_deref(),
    )?;
    let images = &found.images;
    let stack = stack::stack(images, &chosen.slices)?;
    let plan = pixels::PixelPlan::check(
        &target.folder,
        images,
        &stack,
        options.only_volume,
        options.memory_limit_bytes,
    )?;
    let world_from_voxel = geometry::world_from_voxel(&stack).map_err(|e| {
        LoadError::bad_field(
            &images[stack.order[0].file].path,
            "ImageOrientationPatient",
            "",
            format!("with PixelSpacing and the slice positions gives no usable affine ({e})"),
        )
    })?;
    let (voxels, files_read) = plan.read(&target.folder, images, progress)?;

    let mut warnings = chosen.warnings;
    warnings.extend(stack.warnings.iter().cloned());
    warnings.extend(plan.warnings.iter().cloned());
    if !found.passed_over.is_empty() {
        warnings.push(format!(
            "{} in the folder passed over: {}",
            series::count(found.passed_over.len(), "file"),
            passed_over_summary(&found.passed_over)
        ));
    }
    let first = &images[stack.order[0].file].pixels;
    Ok(Volume::from_parts(Parts {
        format: Format::Dicom,
        source: FileSet {
            header: path.to_path_buf(),
            image: target.folder.clone(),
        },
        shape: [first.columns as usize, first.rows as usize, stack.positions],
        volume_count: stack.volumes,
        first_volume: plan.first_volume,
        world_from_voxel,
        affine_source: if stack.placed {
            AffineSource::DicomPatient
        } else {
            AffineSource::Pixdim
        },
        scaling: plan.scaling,
        voxels,
        warnings,
        files_read,
        labels: Vec::new(),
    }))
}

fn no_image(target: &scan::Target, found: &scan::Scan) -> LoadError {
    let mut detail = if found.passed_over.is_empty() {
        "the folder has no files".to_string()
    } else {
        format!(
            "{} passed over: {}",
            series::count(found.passed_over.len(), "file"),
            passed_over_summary(&found.passed_over)
        )
    };
    if !found.subfolders.is_empty() {
        detail.push_str(&format!(
            "; subfolders are not searched: open one of {}",
            found
                .subfolders
                .iter()
                .take(5)
                .map(|p| series::file_name(p))
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    LoadError::NoDicomImage {
        path: target.file.clone().unwrap_or_else(|| target.folder.clone()),
        detail,
    }
}

/// "2 not DICOM (notes.txt, a.png), 1 a DICOMDIR (DICOMDIR)": reasons
/// with a few names each.
fn passed_over_summary(passed: &[(std::path::PathBuf, String)]) -> String {
    let mut reasons: Vec<(&str, Vec<String>)> = Vec::new();
    for (path, why) in passed {
        let name = series::file_name(path);
        match reasons.iter_mut().find(|(r, _)| *r == why.as_str()) {
            Some((_, names)) => names.push(name),
            None => reasons.push((why.as_str(), vec![name])),
        }
    }
    reasons
        .iter()
        .map(|(why, names)| {
            let shown: Vec<&str> = names.iter().take(4).map(String::as_str).collect();
            let more = if names.len() > 4 {
                format!(" and {} more", names.len() - 4)
            } else {
                String::new()
            };
            format!("{} {why} ({}{more})", names.len(), shown.join(", "))
        })
        .collect::<Vec<_>>()
        .join("; ")
}
