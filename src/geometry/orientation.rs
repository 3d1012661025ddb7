//! Orientation codes ("LAS", "PSR") and obliquity of a voxel-to-world affine.

use super::affine::{det3, inv3, Affine};

/// Which world axis each voxel axis follows most closely, and in which sense.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AxisDirection {
    /// 0 = x (R/L), 1 = y (A/P), 2 = z (S/I).
    pub world_axis: usize,
    /// +1 when the voxel index grows towards R, A or S; -1 towards L, P or I.
    pub sign: i8,
}

impl AxisDirection {
    /// The anatomical letter the axis points towards, as nibabel's `aff2axcodes` prints it.
    pub fn letter(self) -> char {
        const POSITIVE: [char; 3] = ['R', 'A', 'S'];
        const NEGATIVE: [char; 3] = ['L', 'P', 'I'];
        if self.sign > 0 {
            POSITIVE[self.world_axis]
        } else {
            NEGATIVE[self.world_axis]
        }
    }
}

/// The closest anatomical direction of each voxel axis.
///
/// Follows nibabel's `io_orientation`: the columns are normalised, the
/// nearest orthogonal matrix is found (polar decomposition, so a sheared
/// matrix is judged by its rotation), then each voxel axis in turn takes the
/// world axis it is most aligned with among those not yet taken.
pub fn axis_directions(world_from_voxel: &Affine) -> [AxisDirection; 3] {
    let mut r = nearest_rotation(&normalised_columns(world_from_voxel));
    let mut out = [AxisDirection {
        world_axis: 0,
        sign: 1,
    }; 3];
    for (voxel_axis, dir) in out.iter_mut().enumerate() {
        let mut best = 0;
        for world_axis in 1..3 {
            if r[world_axis][voxel_axis].abs() > r[best][voxel_axis].abs() {
                best = world_axis;
            }
        }
        *dir = AxisDirection {
            world_axis: best,
            sign: if r[best][voxel_axis] < 0.0 { -1 } else { 1 },
        };
        // This world axis is taken: later voxel axes must pick another.
        r[best] = [0.0; 3];
    }
    out
}

/// Orientation codes as a three-letter string, e.g. "LAS".
pub fn axcodes(world_from_voxel: &Affine) -> String {
    axis_directions(world_from_voxel)
        .iter()
        .map(|d| d.letter())
        .collect()
}

/// The largest angle, in degrees, between a voxel axis and the world axis it
/// is closest to. Zero for a scan stored on the world grid.
pub fn obliquity_degrees(world_from_voxel: &Affine) -> f64 {
    let n = normalised_columns(world_from_voxel);
    (0..3)
        .map(|c| {
            let largest = (0..3).map(|r| n[r][c].abs()).fold(0.0, f64::max);
            largest.clamp(-1.0, 1.0).acos().to_degrees()
        })
        .fold(0.0, f64::max)
}

/// Angles smaller than this are float noise from writers that store rotations
/// in single precision; larger ones are a real tilt worth reslicing for.
pub const OBLIQUE_THRESHOLD_DEGREES: f64 = 0.01;

/// True when the voxel grid is tilted against the world axes.
pub fn is_oblique(world_from_voxel: &Affine) -> bool {
    obliquity_degrees(world_from_voxel) > OBLIQUE_THRESHOLD_DEGREES
}

fn normalised_columns(a: &Affine) -> [[f64; 3]; 3] {
    let mut m = a.linear();
    let lengths = a.column_lengths();
    for row in m.iter_mut() {
        for (c, v) in row.iter_mut().enumerate() {
            if lengths[c] > 0.0 {
                *v /= lengths[c];
            }
        }
    }
    m
}

/// The orthogonal factor of the polar decomposition, by Newton iteration
/// `R <- (R + R^-T) / 2`, which converges quadratically for any
/// non-singular start.
fn nearest_rotation(m: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut r = *m;
    for _ in 0..50 {
        let det = det3(&r);
        if det == 0.0 || !det.is_finite() {
            break;
        }
        let inv = inv3(&r, det);
        let mut next = [[0.0; 3]; 3];
        let mut change: f64 = 0.0;
        for i in 0..3 {
            for j in 0..3 {
                // (R^-T)[i][j] = (R^-1)[j][i]
                next[i][j] = 0.5 * (r[i][j] + inv[j][i]);
                change = change.max((next[i][j] - r[i][j]).abs());
            }
        }
        r = next;
        if change < 1e-14 {
            break;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn affine(linear: [[f64; 3]; 3]) -> Affine {
        Affine::from_rows([0, 1, 2].map(|r| [linear[r][0], linear[r][1], linear[r][2], 0.0]))
            .unwrap()
    }

    #[test]
    fn codes_of_simple_permutations() {
        assert_eq!(axcodes(&Affine::identity()), "RAS");
        assert_eq!(
            axcodes(&affine([
                [-2.0, 0.0, 0.0],
                [0.0, 2.0, 0.0],
                [0.0, 0.0, 3.0]
            ])),
            "LAS"
        );
        assert_eq!(
            axcodes(&affine([
                [0.0, 0.0, -1.0],
                [-1.0, 0.0, 0.0],
                [0.0, 1.0, 0.0]
            ])),
            "PSL"
        );
    }

    #[test]
    fn obliquity_of_a_rotation_about_x() {
        let t = 4f64.to_radians();
        let a = affine([
            [1.0, 0.0, 0.0],
            [0.0, t.cos(), -t.sin()],
            [0.0, t.sin(), t.cos()],
        ]);
        assert!((obliquity_degrees(&a) - 4.0).abs() < 1e-9);
        assert!(is_oblique(&a));
        assert_eq!(axcodes(&a), "RAS");
        assert!(!is_oblique(&Affine::identity()));
    }

    #[test]
    fn shear_is_judged_by_its_rotation() {
        // A gantry tilt: k moves along y as well as z.
        let a = affine([[0.5, 0.0, 0.0], [0.0, 0.5, 0.9], [0.0, 0.0, 2.4]]);
        assert_eq!(axcodes(&a), "RAS");
    }
}
