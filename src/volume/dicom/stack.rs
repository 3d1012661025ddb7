//! Stacking (PS3.3 C.7.6.2.1.1): slices sorted by their position along the
//! slice normal n = row x column, never by file name or InstanceNumber; the
//! step from the first to the last position; uneven steps, gantry tilt and
//! duplicate positions named in words.

use super::header::FileHeader;
use super::series::{count, names, SliceRef};
use crate::volume::error::LoadError;

/// Positions closer than this along the normal are the same position (mm).
const SAME_POSITION_MM: f64 = 1e-3;
/// A step this far from the usual one is a gap (fraction of the step).
const UNEVEN_FRACTION: f64 = 0.01;
/// Slices stacked further than this from their normal are tilted (degrees).
const TILT_DEGREES: f64 = 0.01;

/// Slices in the order they are stored (k fastest, then volumes) and
/// where they sit, in LPS millimetres.
#[derive(Debug, Clone)]
pub struct Stack {
    pub order: Vec<SliceRef>,
    pub positions: usize,
    pub volumes: usize,
    /// Placed by ImagePositionPatient and ImageOrientationPatient; false for
    /// a single image without them (spacings only).
    pub placed: bool,
    pub origin: [f64; 3],
    pub row: [f64; 3],
    pub column: [f64; 3],
    /// From one slice to the next (not along n when the gantry is tilted).
    pub step: [f64; 3],
    /// [between rows, between columns].
    pub pixel_spacing: [f64; 2],
    pub warnings: Vec<String>,
}

/// Positions along the normal and images at each, without the checks (for
/// a series list): `None` when the slices cannot be placed.
pub fn count_positions(images: &[FileHeader], slices: &[SliceRef]) -> Option<(usize, usize)> {
    let stack = stack(images, slices).ok()?;
    Some((stack.positions, stack.volumes))
}

/// Sorts and checks one series' stack.
pub fn stack(images: &[FileHeader], slices: &[SliceRef]) -> Result<Stack, LoadError> {
    let mut warnings = Vec::new();
    let place = |s: &SliceRef| &images[s.file].frames[s.frame];
    let first = &images[slices[0].file];
    let pixel_spacing = match place(&slices[0]).spacing {
        Some(s) => {
            if first.spacing_from_imager {
                warnings.push(format!(
                    "no PixelSpacing: ImagerPixelSpacing {:.4}\\{:.4} mm was used, which is measured at the detector, not in the patient",
                    s[0], s[1]
                ));
            }
            s
        }
        None => {
            warnings.push("no PixelSpacing: pixels are taken as 1 x 1 mm".into());
            [1.0, 1.0]
        }
    };
    let unplaced: Vec<SliceRef> = slices
        .iter()
        .copied()
        .filter(|s| place(s).position.is_none() || place(s).orientation.is_none())
        .collect();
    if !unplaced.is_empty() {
        if slices.len() == 1 {
            warnings.push(
                "no ImagePositionPatient or ImageOrientationPatient: the image has spacings only, no place or orientation"
                    .into(),
            );
            return Ok(Stack {
                order: slices.to_vec(),
                positions: 1,
                volumes: 1,
                placed: false,
                origin: [0.0; 3],
                row: [1.0, 0.0, 0.0],
                column: [0.0, 1.0, 0.0],
                step: [
                    0.0,
                    0.0,
                    first.slice_thickness.filter(|t| *t > 0.0).unwrap_or(1.0),
                ],
                pixel_spacing,
                warnings,
            });
        }
        let field = if place(&unplaced[0]).position.is_none() {
            "ImagePositionPatient"
        } else {
            "ImageOrientationPatient"
        };
        return Err(LoadError::bad_field(
            &images[unplaced[0].file].path,
            field,
            "",
            format!(
                "is missing ({} of the series lack it: {}), so its {} images cannot be stacked by position",
                count(unplaced.len(), "image"),
                names(images, &unplaced),
                slices.len()
            ),
        ));
    }

    let o = place(&slices[0]).orientation.unwrap_or_default();
    let row = unit([o[0], o[1], o[2]]);
    let column = unit([o[3], o[4], o[5]]);
    let normal = unit(cross(row, column));
    let along = |s: &SliceRef| dot(normal, place(s).position.unwrap_or_default());

    // Sort by position along the normal; at one position, by time, then
    // acquisition, then instance (only ever to order volumes of a 4D series).
    let mut sorted: Vec<(f64, SliceRef)> = slices.iter().map(|s| (along(s), *s)).collect();
    let time_key = |s: &SliceRef| {
        let h = &images[s.file];
        (
            h.frames[s.frame].temporal_index,
            h.temporal_position,
            h.acquisition_number,
            h.instance_number,
            s.frame,
            h.path.clone(),
        )
    };
    sorted.sort_by(|a, b| a.0.total_cmp(&b.0));
    let mut groups: Vec<Vec<(f64, SliceRef)>> = Vec::new();
    for item in sorted {
        match groups.last_mut() {
            Some(g) if (item.0 - g[0].0).abs() < SAME_POSITION_MM => g.push(item),
            _ => groups.push(vec![item]),
        }
    }
    for g in &mut groups {
        g.sort_by_cached_key(|(_, s)| time_key(s));
    }

    // Duplicate positions: the same number at each is a 4D series;
    // anything else is a mixed series, of which the first of each is kept.
    let per_position = groups[0].len();
    let uniform = groups.iter().all(|g| g.len() == per_position);
    let volumes = if per_position > 1 && uniform {
        warnings.push(format!(
            "every position along the slice normal holds {per_position} images: read as {per_position} volumes, ordered by TemporalPositionIdentifier, AcquisitionNumber, then InstanceNumber (duplicate positions: a 4D series, or a mixed one)"
        ));
        per_position
    } else {
        if !uniform {
            let crowded: Vec<&Vec<(f64, SliceRef)>> =
                groups.iter().filter(|g| g.len() > 1).collect();
            let dropped: Vec<SliceRef> = crowded
                .iter()
                .flat_map(|g| g[1..].iter().map(|(_, s)| *s))
                .collect();
            let g = crowded[0];
            warnings.push(format!(
                "duplicate positions: {} share a position along the slice normal with another image (first at {:.3} mm: {}), and not every position has the same number, so this is not a clean 4D series; the first image of each position was kept and {} left out ({}): a mixed series?",
                count(crowded.iter().map(|g| g.len()).sum(), "image"),
                g[0].0,
                names(images, &g.iter().map(|(_, s)| *s).collect::<Vec<_>>()),
                count(dropped.len(), "image"),
                names(images, &dropped),
            ));
            for g in &mut groups {
                g.truncate(1);
            }
        }
        1
    };
    let positions = groups.len();
    let order: Vec<SliceRef> = (0..volumes)
        .flat_map(|t| groups.iter().map(move |g| g[t].1))
        .collect();
    let along_first: Vec<f64> = groups.iter().map(|g| g[0].0).collect();
    let position_of = |k: usize| place(&groups[k][0].1).position.unwrap_or_default();
    let origin = position_of(0);

    let step = if positions > 1 {
        let last = position_of(positions - 1);
        let step = scale(sub(last, origin), 1.0 / (positions - 1) as f64);
        uneven_spacing(images, &groups, &along_first, &mut warnings);
        tilt(first, step, normal, &mut warnings);
        step
    } else {
        let thickness = first
            .spacing_between_slices
            .filter(|t| *t > 0.0)
            .or(first.slice_thickness.filter(|t| *t > 0.0));
        if thickness.is_none() {
            warnings.push(
                "a single slice with no SliceThickness: its thickness is taken as 1 mm".into(),
            );
        }
        scale(normal, thickness.unwrap_or(1.0))
    };
    Ok(Stack {
        order,
        positions,
        volumes,
        placed: true,
        origin,
        row,
        column,
        step,
        pixel_spacing,
        warnings,
    })
}

/// Names every step that differs from the usual one (the median: with a
/// slice or two missing, the median is still the real step).
fn uneven_spacing(
    images: &[FileHeader],
    groups: &[Vec<(f64, SliceRef)>],
    along: &[f64],
    warnings: &mut Vec<String>,
) {
    let steps: Vec<f64> = along.windows(2).map(|w| w[1] - w[0]).collect();
    let mut sorted = steps.clone();
    sorted.sort_by(f64::total_cmp);
    let usual = sorted[sorted.len() / 2];
    let tolerance = (UNEVEN_FRACTION * usual).max(SAME_POSITION_MM);
    let odd: Vec<usize> = (0..steps.len())
        .filter(|&k| (steps[k] - usual).abs() > tolerance)
        .collect();
    if odd.is_empty() {
        return;
    }
    const SHOWN: usize = 4;
    let mut places: Vec<String> = odd
        .iter()
        .take(SHOWN)
        .map(|&k| {
            let missing = (steps[k] / usual).round() as i64 - 1;
            format!(
                "between slices {k} and {} ({:.3} and {:.3} mm along the normal; {} and {}) the step is {:.3} mm where {:.3} mm is expected{}",
                k + 1,
                along[k],
                along[k + 1],
                names(images, &[groups[k][0].1]),
                names(images, &[groups[k + 1][0].1]),
                steps[k],
                usual,
                if missing >= 1 && ((steps[k] / usual) - (missing + 1) as f64).abs() < 0.1 {
                    format!(": {} missing", count(missing as usize, "slice"))
                } else {
                    String::new()
                }
            )
        })
        .collect();
    if odd.len() > SHOWN {
        places.push(format!(
            "and {} more",
            count(odd.len() - SHOWN, "uneven step")
        ));
    }
    let span = along[along.len() - 1] - along[0];
    let mean = span / (along.len() - 1) as f64;
    warnings.push(format!(
        "uneven slice spacing (missing slices?): {}; the volume is placed with the mean step {:.4} mm from the first slice to the last, so slices in between are up to {:.3} mm from where they were acquired",
        places.join("; "),
        mean,
        (0..along.len())
            .map(|k| (along[k] - (along[0] + mean * k as f64)).abs())
            .fold(0.0, f64::max)
    ));
}

/// Slices stacked off their normal: CT with a tilted gantry. The volume
/// keeps the sheared affine that places each slice where it was.
fn tilt(first: &FileHeader, step: [f64; 3], normal: [f64; 3], warnings: &mut Vec<String>) {
    let length = norm(step);
    if length == 0.0 {
        return;
    }
    let angle = (dot(step, normal) / length)
        .clamp(-1.0, 1.0)
        .acos()
        .to_degrees();
    if angle > TILT_DEGREES {
        let stated = match first.gantry_tilt_deg {
            Some(t) => format!(" (GantryDetectorTilt says {t} degrees)"),
            None => String::new(),
        };
        warnings.push(format!(
            "gantry tilt: the slices are stacked {angle:.2} degrees off their normal{stated}; the volume has a sheared affine that keeps each slice where it was acquired, and is shown resliced"
        ));
    }
}

pub fn dot(a: [f64; 3], b: [f64; 3]) -> f64 {
    a[0] * b[0] + a[1] * b[1] + a[2] * b[2]
}

pub fn cross(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [
        a[1] * b[2] - a[2] * b[1],
        a[2] * b[0] - a[0] * b[2],
        a[0] * b[1] - a[1] * b[0],
    ]
}

fn norm(a: [f64; 3]) -> f64 {
    dot(a, a).sqrt()
}

fn unit(a: [f64; 3]) -> [f64; 3] {
    let n = norm(a);
    if n > 0.0 {
        scale(a, 1.0 / n)
    } else {
        a
    }
}

fn sub(a: [f64; 3], b: [f64; 3]) -> [f64; 3] {
    [a[0] - b[0], a[1] - b[1], a[2] - b[2]]
}

pub fn scale(a: [f64; 3], s: f64) -> [f64; 3] {
    [a[0] * s, a[1] * s, a[2] * s]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::dicom::header::{FramePlace, PixelFormat, Rescale};
    use std::path::PathBuf;

    fn image(name: &str, position: [f64; 3], instance: i64) -> FileHeader {
        FileHeader {
            path: PathBuf::from(name),
            transfer_syntax: "1.2.840.10008.1.2.1".into(),
            series_uid: "1.2.3".into(),
            series_number: Some(1),
            series_description: String::new(),
            modality: "CT".into(),
            image_type: Vec::new(),
            instance_number: Some(instance),
            acquisition_number: None,
            temporal_position: None,
            pixels: PixelFormat {
                rows: 2,
                columns: 2,
                samples_per_pixel: 1,
                bits_allocated: 16,
                bits_stored: 16,
                high_bit: 15,
                signed: true,
                photometric: "MONOCHROME2".into(),
                planar: false,
            },
            slice_thickness: None,
            spacing_between_slices: None,
            gantry_tilt_deg: None,
            spacing_from_imager: false,
            frames: vec![FramePlace {
                position: Some(position),
                // Coronal: rows along x, columns down z; normal x cross -z = +y.
                orientation: Some([1.0, 0.0, 0.0, 0.0, 0.0, -1.0]),
                spacing: Some([1.0, 1.0]),
                rescale: Rescale {
                    slope: 1.0,
                    intercept: 0.0,
                },
                temporal_index: None,
            }],
        }
    }

    fn refs(n: usize) -> Vec<SliceRef> {
        (0..n).map(|file| SliceRef { file, frame: 0 }).collect()
    }

    #[test]
    fn sorted_along_the_normal_not_by_name_or_instance() {
        // n = (1,0,0) x (0,0,-1) = (0,1,0): positions sort by y.
        let images = vec![
            image("a", [0.0, 4.0, 0.0], 1),
            image("b", [0.0, 0.0, 0.0], 3),
            image("c", [0.0, 2.0, 0.0], 2),
        ];
        let s = stack(&images, &refs(3)).unwrap();
        let order: Vec<usize> = s.order.iter().map(|r| r.file).collect();
        assert_eq!(order, [1, 2, 0]);
        assert_eq!(s.step, [0.0, 2.0, 0.0]);
        assert!(s.warnings.is_empty(), "{:?}", s.warnings);
    }

    #[test]
    fn equal_counts_at_each_position_are_volumes() {
        let images = vec![
            image("a", [0.0, 0.0, 0.0], 3),
            image("b", [0.0, 1.0, 0.0], 4),
            image("c", [0.0, 0.0, 0.0], 1),
            image("d", [0.0, 1.0, 0.0], 2),
        ];
        let s = stack(&images, &refs(4)).unwrap();
        assert_eq!((s.positions, s.volumes), (2, 2));
        // Volume 0 holds the lower InstanceNumber at each position.
        let order: Vec<usize> = s.order.iter().map(|r| r.file).collect();
        assert_eq!(order, [2, 3, 0, 1]);
        assert!(s.warnings[0].contains("2 volumes"), "{:?}", s.warnings);
    }

    #[test]
    fn a_sideways_step_is_a_tilt_with_its_angle() {
        let images = vec![
            image("a", [0.0, 0.0, 0.0], 1),
            image("b", [0.0, 2.0, 2.0], 2),
        ];
        let s = stack(&images, &refs(2)).unwrap();
        assert_eq!(s.step, [0.0, 2.0, 2.0]);
        assert!(
            s.warnings.iter().any(|w| w.contains("45.00 degrees")),
            "{:?}",
            s.warnings
        );
    }
}
