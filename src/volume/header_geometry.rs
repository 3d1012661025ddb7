//! world_from_voxel from the header fields, as the NIfTI-1 standard orders it:
//! sform when sform_code > 0, else the qform quaternion, else pixdim alone.
//!
//! Computed here from the raw fields rather than by the `nifti` crate, whose
//! qform code panics on values real files carry (qfac 0, negative pixdim).

use super::header::RawHeader;
use crate::geometry::{Affine, AffineError};

/// Which part of the header placed the voxels in the world.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum AffineSource {
    Sform,
    Qform,
    /// NIfTI-1 "method 1": a scaling by pixdim with no rotation and no
    /// offset; also any other format's file that gives spacings only.
    Pixdim,
    /// NRRD's `space directions` and `space origin`.
    #[serde(rename = "space directions")]
    NrrdSpace,
    /// MetaImage's `TransformMatrix` and `Offset`.
    #[serde(rename = "TransformMatrix")]
    MetaImageTransform,
    /// DICOM's ImageOrientationPatient, ImagePositionPatient and PixelSpacing.
    #[serde(rename = "ImageOrientationPatient")]
    DicomPatient,
}

impl AffineSource {
    pub fn name(self) -> &'static str {
        match self {
            AffineSource::Sform => "sform",
            AffineSource::Qform => "qform",
            AffineSource::Pixdim => "pixdim",
            AffineSource::NrrdSpace => "space directions",
            AffineSource::MetaImageTransform => "TransformMatrix",
            AffineSource::DicomPatient => "ImageOrientationPatient",
        }
    }
}

/// The geometry a header declares, with what was noticed on the way.
#[derive(Debug, Clone)]
pub struct HeaderGeometry {
    pub world_from_voxel: Affine,
    pub source: AffineSource,
    pub sform: Option<Affine>,
    pub qform: Option<Affine>,
    pub warnings: Vec<String>,
}

/// A header field that makes the geometry impossible to trust.
#[derive(Debug, Clone, PartialEq)]
pub struct GeometryFieldError {
    pub field: String,
    pub value: String,
    pub problem: String,
}

/// Disagreement between sform and qform worth a warning, in mm.
pub const SFORM_QFORM_TOLERANCE_MM: f64 = 0.1;

/// Works out `world_from_voxel` for a grid of `shape` voxels.
pub fn geometry_from_header(
    h: &RawHeader,
    shape: [usize; 3],
) -> Result<HeaderGeometry, GeometryFieldError> {
    let mut warnings = Vec::new();
    for axis in 1..=3 {
        if !h.pixdim[axis].is_finite() {
            return Err(field_error(
                format!("pixdim[{axis}]"),
                h.pixdim[axis],
                "is not a finite voxel size",
            ));
        }
    }
    let sform = if h.sform_code > 0 {
        Some(sform_affine(h)?)
    } else {
        None
    };
    let qform = if h.qform_code > 0 {
        Some(qform_affine(h, &mut warnings)?)
    } else {
        None
    };
    for (name, code) in [("sform_code", h.sform_code), ("qform_code", h.qform_code)] {
        if !(0..=5).contains(&code) {
            warnings.push(format!(
                "{name} = {code} is not a code the NIfTI standard defines (0 to 5)"
            ));
        }
    }

    let (world_from_voxel, source) = match (sform, qform) {
        (Some(s), _) => (s, AffineSource::Sform),
        (None, Some(q)) => (q, AffineSource::Qform),
        (None, None) => {
            warnings.push(
                "no orientation: sform_code and qform_code are both 0, so voxels are placed by pixdim alone \
                 (NIfTI-1 method 1); left and right are unknown"
                    .to_string(),
            );
            (pixdim_affine(h, &mut warnings)?, AffineSource::Pixdim)
        }
    };

    if let (Some(s), Some(q)) = (sform, qform) {
        let extent = shape.map(|n| n.saturating_sub(1) as f64);
        let gap = s.max_corner_distance(&q, extent);
        if gap > SFORM_QFORM_TOLERANCE_MM {
            warnings.push(format!(
                "sform and qform disagree by up to {gap:.2} mm inside the volume; using the sform \
                 (other tools that prefer the qform will place it differently)"
            ));
        }
    }

    Ok(HeaderGeometry {
        world_from_voxel,
        source,
        sform,
        qform,
        warnings,
    })
}

fn sform_affine(h: &RawHeader) -> Result<Affine, GeometryFieldError> {
    const ROW_NAMES: [&str; 3] = ["srow_x", "srow_y", "srow_z"];
    for (r, row) in h.srow.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_finite() {
                return Err(field_error(
                    format!("{}[{c}]", ROW_NAMES[r]),
                    *v,
                    "is not finite",
                ));
            }
        }
    }
    Affine::from_rows(h.srow).map_err(|e| affine_error("srow_x/srow_y/srow_z (sform)", e))
}

/// The qform as nifti1_io's `nifti_quatern_to_mat44` computes it.
fn qform_affine(h: &RawHeader, warnings: &mut Vec<String>) -> Result<Affine, GeometryFieldError> {
    const NAMES: [&str; 6] = [
        "quatern_b",
        "quatern_c",
        "quatern_d",
        "qoffset_x",
        "qoffset_y",
        "qoffset_z",
    ];
    let values = [
        h.quatern[0],
        h.quatern[1],
        h.quatern[2],
        h.qoffset[0],
        h.qoffset[1],
        h.qoffset[2],
    ];
    for (name, v) in NAMES.iter().zip(values) {
        if !v.is_finite() {
            return Err(field_error(name.to_string(), v, "is not finite"));
        }
    }
    let [mut b, mut c, mut d] = h.quatern;
    let sum_sq = b * b + c * c + d * d;
    let a = if 1.0 - sum_sq < 1e-7 {
        if sum_sq > 1.0 + 1e-5 {
            warnings.push(format!(
                "quatern_b^2 + quatern_c^2 + quatern_d^2 = {sum_sq:.4} exceeds 1; normalised as nifti1_io does"
            ));
        }
        let norm = sum_sq.sqrt();
        b /= norm;
        c /= norm;
        d /= norm;
        0.0
    } else {
        (1.0 - sum_sq).sqrt()
    };
    // qfac lives in pixdim[0]; the standard allows only -1 and 1, and 0 is
    // common in the wild, meaning 1.
    let qfac = if h.pixdim[0] < 0.0 { -1.0 } else { 1.0 };
    if h.pixdim[0] != 1.0 && h.pixdim[0] != -1.0 && h.pixdim[0] != 0.0 {
        warnings.push(format!(
            "pixdim[0] (qfac) = {} is not -1 or 1; taken as {qfac}",
            h.pixdim[0]
        ));
    }
    let zooms = positive_zooms(h, warnings);
    let rotation = [
        [
            a * a + b * b - c * c - d * d,
            2.0 * (b * c - a * d),
            2.0 * (b * d + a * c),
        ],
        [
            2.0 * (b * c + a * d),
            a * a + c * c - b * b - d * d,
            2.0 * (c * d - a * b),
        ],
        [
            2.0 * (b * d - a * c),
            2.0 * (c * d + a * b),
            a * a + d * d - c * c - b * b,
        ],
    ];
    let scale = [zooms[0], zooms[1], zooms[2] * qfac];
    let rows = [0, 1, 2].map(|r| {
        [
            rotation[r][0] * scale[0],
            rotation[r][1] * scale[1],
            rotation[r][2] * scale[2],
            h.qoffset[r],
        ]
    });
    Affine::from_rows(rows).map_err(|e| affine_error("quatern_b/c/d (qform)", e))
}

fn pixdim_affine(h: &RawHeader, warnings: &mut Vec<String>) -> Result<Affine, GeometryFieldError> {
    Affine::scaling(positive_zooms(h, warnings)).map_err(|e| affine_error("pixdim", e))
}

/// pixdim[1..=3], with non-positive sizes replaced by 1 as nifti1_io does
/// (a 2D image often stores pixdim[3] = 0).
fn positive_zooms(h: &RawHeader, warnings: &mut Vec<String>) -> [f64; 3] {
    [1, 2, 3].map(|axis| {
        let p = h.pixdim[axis];
        if p > 0.0 {
            p
        } else {
            warnings.push(format!(
                "pixdim[{axis}] = {p} is not a positive voxel size; 1 mm used, as nifti1_io does"
            ));
            1.0
        }
    })
}

fn field_error(field: String, value: f64, problem: &str) -> GeometryFieldError {
    GeometryFieldError {
        field,
        value: value.to_string(),
        problem: problem.to_string(),
    }
}

fn affine_error(field: &str, e: AffineError) -> GeometryFieldError {
    GeometryFieldError {
        field: field.to_string(),
        value: String::new(),
        problem: format!("gives an unusable voxel-to-world matrix: {e}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::affine::distance;

    #[test]
    fn qform_with_negative_qfac_flips_k() {
        let h = RawHeader {
            qform_code: 1,
            pixdim: [-1.0, 2.0, 3.0, 4.0, 0.0, 0.0, 0.0, 0.0],
            qoffset: [5.0, 6.0, 7.0],
            ..RawHeader::default()
        };
        let g = geometry_from_header(&h, [10, 10, 10]).unwrap();
        assert_eq!(g.source, AffineSource::Qform);
        assert!(distance(g.world_from_voxel.apply([1.0, 1.0, 1.0]), [7.0, 9.0, 3.0]) < 1e-12);
        assert!(g.warnings.is_empty(), "{:?}", g.warnings);
    }

    #[test]
    fn qform_rotation_of_90_degrees_about_z() {
        // b = c = 0, d = sin(45 deg): a rotation by 90 degrees about z.
        let h = RawHeader {
            qform_code: 1,
            quatern: [0.0, 0.0, std::f64::consts::FRAC_1_SQRT_2],
            ..RawHeader::default()
        };
        let g = geometry_from_header(&h, [2, 2, 2]).unwrap();
        assert!(distance(g.world_from_voxel.apply([1.0, 0.0, 0.0]), [0.0, 1.0, 0.0]) < 1e-12);
    }

    #[test]
    fn sform_wins_and_disagreement_is_reported() {
        let h = RawHeader {
            qform_code: 1,
            sform_code: 1,
            srow: [
                [1.0, 0.0, 0.0, 3.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            ..RawHeader::default()
        };
        let g = geometry_from_header(&h, [4, 4, 4]).unwrap();
        assert_eq!(g.source, AffineSource::Sform);
        assert!(
            g.warnings
                .iter()
                .any(|w| w.contains("disagree by up to 3.00 mm")),
            "{:?}",
            g.warnings
        );
    }

    #[test]
    fn no_orientation_warns_and_uses_pixdim() {
        let h = RawHeader {
            pixdim: [1.0, 2.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0],
            ..RawHeader::default()
        };
        let g = geometry_from_header(&h, [4, 4, 1]).unwrap();
        assert_eq!(g.source, AffineSource::Pixdim);
        assert_eq!(g.world_from_voxel.apply([1.0, 1.0, 1.0]), [2.0, 3.0, 1.0]);
        assert!(g.warnings.iter().any(|w| w.contains("no orientation")));
    }

    #[test]
    fn nan_and_singular_are_refused_with_the_field_named() {
        let nan = RawHeader {
            sform_code: 1,
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, f64::NAN, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            ..RawHeader::default()
        };
        assert_eq!(
            geometry_from_header(&nan, [2, 2, 2]).unwrap_err().field,
            "srow_y[1]"
        );
        let flat = RawHeader {
            sform_code: 1,
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 0.0, 0.0],
            ],
            ..RawHeader::default()
        };
        let err = geometry_from_header(&flat, [2, 2, 2]).unwrap_err();
        assert!(err.problem.contains("singular"), "{err:?}");
        let bad_pixdim = RawHeader {
            pixdim: [1.0, 1.0, f64::NAN, 1.0, 0.0, 0.0, 0.0, 0.0],
            ..RawHeader::default()
        };
        assert_eq!(
            geometry_from_header(&bad_pixdim, [2, 2, 2])
                .unwrap_err()
                .field,
            "pixdim[2]"
        );
    }
}
