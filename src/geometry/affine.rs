//! The one affine type. Every coordinate that crosses spaces goes through it.

use thiserror::Error;

/// Why a matrix cannot serve as a voxel-to-world transform.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum AffineError {
    #[error("the matrix has a non-finite entry (row {row}, column {col} = {value})")]
    NonFinite { row: usize, col: usize, value: f64 },
    #[error("the matrix is singular (determinant of its 3x3 part = {determinant:e})")]
    Singular { determinant: f64 },
}

/// A 3D affine transform `y = M x + t`, stored with its inverse.
///
/// Construction refuses non-finite and singular matrices, so every `Affine`
/// can be inverted and applied without further checks. Name values by the
/// spaces they join, read right to left: `world_from_voxel`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Affine {
    /// Rows 0..3 of the 4x4 matrix; the last row is always [0, 0, 0, 1].
    rows: [[f64; 4]; 3],
    inverse_rows: [[f64; 4]; 3],
}

/// Below this relative determinant a matrix counts as singular: its columns
/// span less than a millionth of the volume their lengths would allow.
const SINGULAR_RELATIVE_DETERMINANT: f64 = 1e-9;

impl Affine {
    /// Builds an affine from the top three rows of a 4x4 matrix.
    pub fn from_rows(rows: [[f64; 4]; 3]) -> Result<Self, AffineError> {
        for (row, r) in rows.iter().enumerate() {
            for (col, &value) in r.iter().enumerate() {
                if !value.is_finite() {
                    return Err(AffineError::NonFinite { row, col, value });
                }
            }
        }
        let m = linear_part(&rows);
        let determinant = det3(&m);
        let column_volume: f64 = (0..3)
            .map(|c| (0..3).map(|r| m[r][c] * m[r][c]).sum::<f64>().sqrt())
            .product();
        if determinant == 0.0
            || !determinant.is_finite()
            || determinant.abs() <= SINGULAR_RELATIVE_DETERMINANT * column_volume
        {
            return Err(AffineError::Singular { determinant });
        }
        let inv = inv3(&m, determinant);
        let t = [rows[0][3], rows[1][3], rows[2][3]];
        let mut inverse_rows = [[0.0; 4]; 3];
        for r in 0..3 {
            for c in 0..3 {
                inverse_rows[r][c] = inv[r][c];
            }
            inverse_rows[r][3] = -(0..3).map(|c| inv[r][c] * t[c]).sum::<f64>();
        }
        Ok(Self { rows, inverse_rows })
    }

    /// Builds an affine from a full 4x4 matrix whose last row must be [0, 0, 0, 1].
    pub fn from_matrix(m: [[f64; 4]; 4]) -> Result<Self, AffineError> {
        Self::from_rows([m[0], m[1], m[2]])
    }

    /// A diagonal scaling with zero offset.
    pub fn scaling(s: [f64; 3]) -> Result<Self, AffineError> {
        Self::from_rows([
            [s[0], 0.0, 0.0, 0.0],
            [0.0, s[1], 0.0, 0.0],
            [0.0, 0.0, s[2], 0.0],
        ])
    }

    pub fn identity() -> Self {
        Self {
            rows: IDENTITY_ROWS,
            inverse_rows: IDENTITY_ROWS,
        }
    }

    /// The 4x4 matrix, last row included.
    pub fn matrix(&self) -> [[f64; 4]; 4] {
        [
            self.rows[0],
            self.rows[1],
            self.rows[2],
            [0.0, 0.0, 0.0, 1.0],
        ]
    }

    /// The top three rows of the matrix.
    pub fn rows(&self) -> &[[f64; 4]; 3] {
        &self.rows
    }

    /// The 3x3 linear part (rotation, zoom and shear).
    pub fn linear(&self) -> [[f64; 3]; 3] {
        linear_part(&self.rows)
    }

    /// The translation: where the origin of the source space lands.
    pub fn translation(&self) -> [f64; 3] {
        [self.rows[0][3], self.rows[1][3], self.rows[2][3]]
    }

    /// Maps a point.
    #[inline]
    pub fn apply(&self, p: [f64; 3]) -> [f64; 3] {
        apply_rows(&self.rows, p)
    }

    /// Maps a direction (no translation).
    #[inline]
    pub fn apply_vector(&self, v: [f64; 3]) -> [f64; 3] {
        let r = &self.rows;
        [
            r[0][0] * v[0] + r[0][1] * v[1] + r[0][2] * v[2],
            r[1][0] * v[0] + r[1][1] * v[1] + r[1][2] * v[2],
            r[2][0] * v[0] + r[2][1] * v[1] + r[2][2] * v[2],
        ]
    }

    /// Maps a point backwards, through the stored inverse.
    #[inline]
    pub fn apply_inverse(&self, p: [f64; 3]) -> [f64; 3] {
        apply_rows(&self.inverse_rows, p)
    }

    /// The inverse transform (cheap: both directions are stored).
    pub fn inverse(&self) -> Self {
        Self {
            rows: self.inverse_rows,
            inverse_rows: self.rows,
        }
    }

    /// `self ∘ inner`: first `inner`, then `self`. With space names,
    /// `world_from_voxel.then_after(&voxel_from_plane)` is `world_from_plane`.
    pub fn then_after(&self, inner: &Affine) -> Result<Self, AffineError> {
        let a = self.matrix();
        let b = inner.matrix();
        let mut m = [[0.0; 4]; 4];
        for (r, row) in m.iter_mut().enumerate() {
            for (c, value) in row.iter_mut().enumerate() {
                *value = (0..4).map(|k| a[r][k] * b[k][c]).sum();
            }
        }
        Self::from_matrix(m)
    }

    /// Length of each source axis in the target space: voxel spacing in mm
    /// for a `world_from_voxel`.
    pub fn column_lengths(&self) -> [f64; 3] {
        let m = self.linear();
        [0, 1, 2].map(|c| (0..3).map(|r| m[r][c] * m[r][c]).sum::<f64>().sqrt())
    }

    /// The largest distance between where `self` and `other` put any point of
    /// the box `[0, extent[a]]` along each axis. The difference of two affines
    /// is affine, so its largest norm over a box is reached at a corner.
    pub fn max_corner_distance(&self, other: &Affine, extent: [f64; 3]) -> f64 {
        box_corners(extent)
            .iter()
            .map(|&p| distance(self.apply(p), other.apply(p)))
            .fold(0.0, f64::max)
    }
}

const IDENTITY_ROWS: [[f64; 4]; 3] = [
    [1.0, 0.0, 0.0, 0.0],
    [0.0, 1.0, 0.0, 0.0],
    [0.0, 0.0, 1.0, 0.0],
];

/// The 8 corners of the box `[0, extent[a]]` along each axis.
pub fn box_corners(extent: [f64; 3]) -> [[f64; 3]; 8] {
    std::array::from_fn(|corner| {
        [0, 1, 2].map(|a| {
            if corner & (1 << a) != 0 {
                extent[a]
            } else {
                0.0
            }
        })
    })
}

/// Euclidean distance between two points.
pub fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    ((a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)).sqrt()
}

#[inline]
fn apply_rows(r: &[[f64; 4]; 3], p: [f64; 3]) -> [f64; 3] {
    [
        r[0][0] * p[0] + r[0][1] * p[1] + r[0][2] * p[2] + r[0][3],
        r[1][0] * p[0] + r[1][1] * p[1] + r[1][2] * p[2] + r[1][3],
        r[2][0] * p[0] + r[2][1] * p[1] + r[2][2] * p[2] + r[2][3],
    ]
}

fn linear_part(rows: &[[f64; 4]; 3]) -> [[f64; 3]; 3] {
    [0, 1, 2].map(|r| [rows[r][0], rows[r][1], rows[r][2]])
}

/// Determinant of a 3x3 matrix.
pub fn det3(m: &[[f64; 3]; 3]) -> f64 {
    m[0][0] * (m[1][1] * m[2][2] - m[1][2] * m[2][1])
        - m[0][1] * (m[1][0] * m[2][2] - m[1][2] * m[2][0])
        + m[0][2] * (m[1][0] * m[2][1] - m[1][1] * m[2][0])
}

/// Inverse of a 3x3 matrix by cofactors; `det` must be its non-zero determinant.
pub fn inv3(m: &[[f64; 3]; 3], det: f64) -> [[f64; 3]; 3] {
    let cof =
        |r0: usize, r1: usize, c0: usize, c1: usize| m[r0][c0] * m[r1][c1] - m[r0][c1] * m[r1][c0];
    [
        [
            cof(1, 2, 1, 2) / det,
            -cof(0, 2, 1, 2) / det,
            cof(0, 1, 1, 2) / det,
        ],
        [
            -cof(1, 2, 0, 2) / det,
            cof(0, 2, 0, 2) / det,
            -cof(0, 1, 0, 2) / det,
        ],
        [
            cof(1, 2, 0, 1) / det,
            -cof(0, 2, 0, 1) / det,
            cof(0, 1, 0, 1) / det,
        ],
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn oblique() -> Affine {
        Affine::from_rows([
            [0.9, -0.3, 0.2, -90.0],
            [0.25, 1.1, -0.1, 12.5],
            [-0.05, 0.2, 2.4, -40.0],
        ])
        .unwrap()
    }

    #[test]
    fn inverse_round_trips_points() {
        let a = oblique();
        for p in [[0.0, 0.0, 0.0], [10.0, -3.5, 7.25], [-100.0, 200.0, 33.0]] {
            let back = a.apply_inverse(a.apply(p));
            assert!(distance(back, p) < 1e-9, "{p:?} -> {back:?}");
        }
        let composed = a.then_after(&a.inverse()).unwrap();
        assert!(composed.max_corner_distance(&Affine::identity(), [50.0; 3]) < 1e-9);
    }

    #[test]
    fn refuses_singular_and_non_finite() {
        let flat = Affine::from_rows([
            [1.0, 0.0, 0.0, 0.0],
            [0.0, 1.0, 0.0, 0.0],
            [1.0, 1.0, 0.0, 0.0],
        ]);
        assert!(matches!(flat, Err(AffineError::Singular { .. })));
        let nan = Affine::from_rows([
            [1.0, 0.0, 0.0, f64::NAN],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ]);
        assert!(matches!(
            nan,
            Err(AffineError::NonFinite { row: 0, col: 3, .. })
        ));
    }

    #[test]
    fn corner_distance_of_a_shift_is_the_shift() {
        let a = Affine::scaling([2.0, 2.0, 2.0]).unwrap();
        let b = Affine::from_rows([
            [2.0, 0.0, 0.0, 3.0],
            [0.0, 2.0, 0.0, 4.0],
            [0.0, 0.0, 2.0, 0.0],
        ])
        .unwrap();
        assert!((a.max_corner_distance(&b, [10.0; 3]) - 5.0).abs() < 1e-12);
    }
}
