//! Where a MetaImage's voxels are: `TransformMatrix`, `Offset` and
//! `ElementSpacing` in ITK's LPS world, turned into rasview's RAS one; and
//! the same fields for a grid being written.
//!
//! The trap this file exists for: ITK reads `TransformMatrix` so that each
//! group of N numbers is one COLUMN of the direction matrix (the direction
//! of voxel axis i), not one row. Read by rows, any non-symmetric
//! orientation is mirrored (KonfAI #106, rse-panimg #44, itk-vtk-viewer
//! #633).

use super::header::MetaHeader;
use crate::geometry::Affine;
use crate::volume::error::LoadError;
use std::path::Path;

/// LPS (ITK, DICOM) to RAS (rasview, NIfTI): x and y change sign.
const LPS_TO_RAS: [f64; 3] = [-1.0, -1.0, 1.0];

/// Anatomical letters of the LPS axes' ends, as MetaIO's "from" letters:
/// an axis pointing towards +x (left) runs from R, so its letter is R.
const FROM_PLUS: [char; 3] = ['R', 'A', 'I'];
const FROM_MINUS: [char; 3] = ['L', 'P', 'S'];

/// The direction (LPS, unit or not: as written) of voxel axis `axis`, for
/// the first three dimensions; a 2D image's third axis is the slice
/// normal +z.
fn direction_column(h: &MetaHeader, axis: usize) -> [f64; 3] {
    let n = h.ndims;
    let spatial = n.min(3);
    if axis >= spatial {
        return [0.0, 0.0, 1.0];
    }
    let mut column = [0.0; 3];
    for (r, c) in column.iter_mut().enumerate().take(spatial) {
        *c = match &h.matrix {
            // Group `axis` of N numbers is the direction of voxel axis `axis`.
            Some((m, _)) => m[axis * n + r],
            None => (r == axis) as u8 as f64,
        };
    }
    column
}

/// `world_from_voxel` (RAS) and the warnings the geometry fields call for.
pub fn world_from_voxel(path: &Path, h: &MetaHeader) -> Result<(Affine, Vec<String>), LoadError> {
    let mut warnings = Vec::new();
    let spatial = h.ndims.min(3);
    let spacing: Vec<f64> = match &h.spacing {
        Some((s, _)) => s.clone(),
        None => {
            warnings.push("no ElementSpacing: 1 mm voxels assumed, as ITK does".to_string());
            vec![1.0; h.ndims]
        }
    };
    if h.matrix.is_none() {
        warnings.push(
            "no TransformMatrix: the axes were taken as aligned with LPS (identity direction), as ITK does"
                .to_string(),
        );
    }
    if let (Some((m, name)), 4) = (&h.matrix, h.ndims) {
        // Column i's 4th entry and column 3's first three couple time and space.
        let mixed = (0..3).any(|i| m[i * 4 + 3] != 0.0 || m[12 + i] != 0.0);
        if mixed {
            warnings.push(format!(
                "{name} mixes the 4th (volume) axis with space; only its 3x3 spatial part was used"
            ));
        }
    }
    let origin: Vec<f64> = match &h.offset {
        Some((o, _)) => o.clone(),
        None => vec![0.0; h.ndims],
    };

    let mut rows = [[0.0; 4]; 3];
    for axis in 0..3 {
        let column = direction_column(h, axis);
        let step = if axis < spatial { spacing[axis] } else { 1.0 };
        for r in 0..3 {
            rows[r][axis] = LPS_TO_RAS[r] * column[r] * step;
        }
    }
    for r in 0..3 {
        let o = if r < spatial { origin[r] } else { 0.0 };
        rows[r][3] = LPS_TO_RAS[r] * o;
    }
    let affine = Affine::from_rows(rows).map_err(|e| {
        let (field, value) = match &h.matrix {
            Some((m, name)) => (*name, join(m)),
            None => (
                h.spacing.as_ref().map_or("ElementSpacing", |s| s.1),
                join(&spacing),
            ),
        };
        LoadError::bad_field(path, field, value, format!("gives no usable geometry: {e}"))
    })?;
    if let Some(w) = orientation_cross_check(h) {
        warnings.push(w);
    }
    Ok((affine, warnings))
}

fn join(values: &[f64]) -> String {
    values
        .iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A warning when `AnatomicalOrientation` names, for some axis, a direction
/// that is not the one nearest to where the matrix points it. ITK ignores
/// the field when reading, and so does rasview, beyond saying so.
fn orientation_cross_check(h: &MetaHeader) -> Option<String> {
    let code = h.anatomical_orientation.as_deref()?;
    let spatial = h.ndims.min(3);
    let letters: Vec<char> = code.chars().collect();
    if letters.iter().all(|&c| c == '?') {
        return None;
    }
    let readable = letters.len() >= spatial
        && letters
            .iter()
            .all(|&c| c == '?' || letter_direction(c.to_ascii_uppercase()).is_some());
    if !readable {
        return Some(format!(
            "AnatomicalOrientation = {code} is not {spatial} letters from R, L, A, P, S, I (or ?); it was ignored, as ITK ignores it"
        ));
    }
    let mut expected = String::new();
    let mut contradicts = false;
    for (axis, &letter) in letters.iter().enumerate().take(spatial) {
        let column = direction_column(h, axis);
        expected.push(from_letter(column).unwrap_or('?'));
        let Some((world_axis, sign)) = letter_direction(letter.to_ascii_uppercase()) else {
            continue; // '?'
        };
        let norm = column.iter().map(|c| c * c).sum::<f64>().sqrt();
        if norm == 0.0 {
            continue;
        }
        let cosine = sign * column[world_axis] / norm;
        let best = column.iter().map(|c| c.abs()).fold(0.0, f64::max) / norm;
        // Ties (an axis at 45 degrees) accept either letter.
        if cosine < best - 1e-3 {
            contradicts = true;
        }
    }
    contradicts.then(|| {
        format!(
            "AnatomicalOrientation = {code} contradicts {} (its axes run from {expected}); the matrix was used, as ITK does",
            h.matrix.as_ref().map_or("the identity direction (no TransformMatrix)", |m| m.1)
        )
    })
}

/// The LPS axis and sign an axis running from `letter` points along.
fn letter_direction(letter: char) -> Option<(usize, f64)> {
    (0..3).find_map(|a| {
        if FROM_PLUS[a] == letter {
            Some((a, 1.0))
        } else if FROM_MINUS[a] == letter {
            Some((a, -1.0))
        } else {
            None
        }
    })
}

/// ITK's letter for a direction (LPS): its largest component decides,
/// strictly larger than the others (ITK's `Max3`), else the first axis.
fn from_letter(column: [f64; 3]) -> Option<char> {
    let a = column.map(f64::abs);
    let axis = (0..3)
        .find(|&i| a[i] > 0.001 && (0..3).all(|j| j == i || a[i] > a[j]))
        .unwrap_or(0);
    if a[axis] == 0.0 {
        return None;
    }
    Some(if column[axis] > 0.0 {
        FROM_PLUS[axis]
    } else {
        FROM_MINUS[axis]
    })
}

/// A grid in the terms a MetaImage header gives it (LPS).
#[derive(Debug, Clone, PartialEq)]
pub struct MetaGeometry {
    /// Unit direction of each voxel axis, in LPS.
    pub directions: [[f64; 3]; 3],
    pub spacing: [f64; 3],
    pub offset: [f64; 3],
    /// The three letters ITK would write, or None when two axes share a
    /// dominant direction (ITK writes no valid code then either).
    pub orientation: Option<String>,
}

/// The header fields for a grid whose `world_from_voxel` is RAS.
pub fn meta_geometry(world_from_voxel: &Affine) -> MetaGeometry {
    let m = world_from_voxel.linear();
    let t = world_from_voxel.translation();
    let mut directions = [[0.0; 3]; 3];
    let mut spacing = [0.0; 3];
    for axis in 0..3 {
        let column: [f64; 3] = std::array::from_fn(|r| LPS_TO_RAS[r] * m[r][axis]);
        let length = column.iter().map(|c| c * c).sum::<f64>().sqrt();
        spacing[axis] = length;
        directions[axis] = column.map(|c| c / length);
    }
    let offset = std::array::from_fn(|r| LPS_TO_RAS[r] * t[r]);
    let letters: Vec<char> = directions.iter().filter_map(|d| from_letter(*d)).collect();
    let axes: Vec<usize> = letters
        .iter()
        .filter_map(|&l| letter_direction(l).map(|(a, _)| a))
        .collect();
    let distinct =
        axes.len() == 3 && axes[0] != axes[1] && axes[0] != axes[2] && axes[1] != axes[2];
    MetaGeometry {
        directions,
        spacing,
        offset,
        orientation: distinct.then(|| letters.into_iter().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::metaimage::header::{read_fields, MetaHeader};

    fn header(extra: &str) -> MetaHeader {
        let text = format!(
            "NDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n{extra}ElementDataFile = LOCAL\n"
        );
        let fields = read_fields(Path::new("t.mha"), &mut text.as_bytes())
            .unwrap()
            .fields;
        MetaHeader::parse(Path::new("t.mha"), &fields).unwrap()
    }

    /// A permutation written as ITK writes it: the first group of three is
    /// where voxel axis 0 points (LPS -z here), which is a column.
    #[test]
    fn groups_are_columns_and_lps_becomes_ras() {
        let h = header("TransformMatrix = 0 0 -1 -1 0 0 0 1 0\nOffset = 80 -5.5 60\nElementSpacing = 2 1.5 1.1\nAnatomicalOrientation = SLA\n");
        let (a, warnings) = world_from_voxel(Path::new("t.mha"), &h).unwrap();
        assert!(warnings.is_empty(), "{warnings:?}");
        // Voxel axis 0 runs along LPS -z = RAS -z, 2 mm a step.
        assert_eq!(a.apply_vector([1.0, 0.0, 0.0]), [0.0, 0.0, -2.0]);
        // Axis 1 along LPS -x = RAS +x.
        assert_eq!(a.apply_vector([0.0, 1.0, 0.0]), [1.5, 0.0, 0.0]);
        // Axis 2 along LPS +y = RAS -y.
        assert_eq!(a.apply_vector([0.0, 0.0, 1.0]), [0.0, -1.1, 0.0]);
        assert_eq!(a.translation(), [-80.0, 5.5, 60.0]);
    }

    #[test]
    fn a_contradicting_orientation_is_said_and_ignored() {
        let h = header("TransformMatrix = 0 0 -1 -1 0 0 0 1 0\nAnatomicalOrientation = RAI\n");
        let (_, warnings) = world_from_voxel(Path::new("t.mha"), &h).unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("RAI contradicts TransformMatrix") && w.contains("SLA")),
            "{warnings:?}"
        );
        let h = header("TransformMatrix = 1 0 0 0 1 0 0 0 1\nElementSpacing = 1 1 1\nAnatomicalOrientation = ???\n");
        assert!(world_from_voxel(Path::new("t.mha"), &h)
            .unwrap()
            .1
            .is_empty());
        let h = header("TransformMatrix = 1 0 0 0 1 0 0 0 1\nElementSpacing = 1 1 1\nAnatomicalOrientation = RAS\n");
        assert_eq!(world_from_voxel(Path::new("t.mha"), &h).unwrap().1.len(), 1);
        let h = header("TransformMatrix = 1 0 0 0 1 0 0 0 1\nElementSpacing = 1 1 1\nAnatomicalOrientation = RX\n");
        let warnings = world_from_voxel(Path::new("t.mha"), &h).unwrap().1;
        assert!(warnings[0].contains("RX is not 3 letters"), "{warnings:?}");
    }

    #[test]
    fn a_singular_matrix_is_named() {
        let h = header("TransformMatrix = 1 0 0 1 0 0 0 0 1\n");
        let err = world_from_voxel(Path::new("t.mha"), &h)
            .unwrap_err()
            .to_string();
        assert!(
            err.starts_with("TransformMatrix = 1 0 0 1 0 0 0 0 1"),
            "{err}"
        );
    }

    #[test]
    fn writing_inverts_reading() {
        let h = header("TransformMatrix = -0.31958655048003276 0.84608169952600187 -0.42662652810094437 -0.1908089953765448 0.3835522971442531 0.90359258664442377 0.92814673626300459 0.37018021703294596 0.038861843520011714\nOffset = -31.5 12.25 40\nElementSpacing = 1.3 0.9 2.2\n");
        let (a, _) = world_from_voxel(Path::new("t.mha"), &h).unwrap();
        let g = meta_geometry(&a);
        assert_eq!(
            g.orientation.as_deref(),
            Some("AIR"),
            "what ITK wrote for it"
        );
        assert_eq!(g.offset, [-31.5, 12.25, 40.0]);
        let m = &h.matrix.as_ref().unwrap().0;
        for axis in 0..3 {
            assert!((g.spacing[axis] - [1.3, 0.9, 2.2][axis]).abs() < 1e-12);
            for r in 0..3 {
                assert!((g.directions[axis][r] - m[axis * 3 + r]).abs() < 1e-12);
            }
        }
    }
}
