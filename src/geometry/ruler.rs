//! Rulers: two points in RAS world space, their length in millimetres, how
//! a ruler sits against a view's plane (its ends on it, or on other slices
//! and so drawn as a projection), and where its label goes on a picture so
//! that it never covers the line or its ends. Shared by the window (egui)
//! and the PNG export (render), which only draw what this decides.

use serde::{Deserialize, Serialize};

/// A measurement between two world points (RAS mm).
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Ruler {
    pub a_ras: [f64; 3],
    pub b_ras: [f64; 3],
}

impl Ruler {
    /// The distance between the ends in mm: Euclidean in world space, so
    /// anisotropic, sheared or oblique voxels cannot bend it.
    pub fn length_mm(&self) -> f64 {
        super::affine::distance(self.a_ras, self.b_ras)
    }

    /// The label drawn beside the line ("23.4 mm").
    pub fn label(&self) -> String {
        format!("{:.1} mm", self.length_mm())
    }

    /// How far each end lies from a plane holding world axis `normal_axis`
    /// at `position_mm` (signed, mm).
    pub fn off_plane_mm(&self, normal_axis: usize, position_mm: f64) -> [f64; 2] {
        [
            self.a_ras[normal_axis] - position_mm,
            self.b_ras[normal_axis] - position_mm,
        ]
    }

    /// Whether both ends lie on the slice of thickness `slice_mm` centred
    /// at `position_mm`: drawn solid; otherwise drawn as its projection,
    /// dashed or faded, so it is never mistaken for a length on this slice.
    pub fn on_slice(&self, normal_axis: usize, position_mm: f64, slice_mm: f64) -> bool {
        self.off_plane_mm(normal_axis, position_mm)
            .iter()
            .all(|d| d.abs() <= slice_mm / 2.0 + 1e-9)
    }
}

/// An axis-aligned box on a picture: its centre and size, in pixels (or
/// points: any unit whose x goes right and y down).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LabelBox {
    pub centre: [f64; 2],
    pub size: [f64; 2],
}

impl LabelBox {
    pub fn min(&self) -> [f64; 2] {
        [
            self.centre[0] - self.size[0] / 2.0,
            self.centre[1] - self.size[1] / 2.0,
        ]
    }

    pub fn contains(&self, p: [f64; 2]) -> bool {
        (0..2).all(|a| (p[a] - self.centre[a]).abs() <= self.size[a] / 2.0)
    }
}

/// Where a label of `size` goes beside the segment `a`-`b` on a picture:
/// off its midpoint, across the line, far enough that the box keeps
/// `margin` clear of the whole line (and so of both ends) whatever the
/// line's angle. The side is the one above the line (screen up), or the
/// right of a vertical line, so labels do not jump as an end moves.
pub fn label_box(a: [f64; 2], b: [f64; 2], size: [f64; 2], margin: f64) -> LabelBox {
    label_box_on_side(a, b, size, margin, 1.0)
}

/// [`label_box`] kept inside the picture `min`..`max` where it can be: on
/// the other side of the line when the usual side is cut off, and slid
/// inside only when neither side fits (a line across a small picture).
pub fn label_box_within(
    a: [f64; 2],
    b: [f64; 2],
    size: [f64; 2],
    margin: f64,
    min: [f64; 2],
    max: [f64; 2],
) -> LabelBox {
    let fits = |l: &LabelBox| {
        (0..2).all(|i| {
            l.centre[i] - l.size[i] / 2.0 >= min[i] && l.centre[i] + l.size[i] / 2.0 <= max[i]
        })
    };
    let usual = label_box_on_side(a, b, size, margin, 1.0);
    if fits(&usual) {
        return usual;
    }
    let other = label_box_on_side(a, b, size, margin, -1.0);
    if fits(&other) {
        return other;
    }
    let mut slid = usual;
    for i in 0..2 {
        let lo = min[i] + size[i] / 2.0;
        let hi = (max[i] - size[i] / 2.0).max(lo);
        slid.centre[i] = slid.centre[i].clamp(lo, hi);
    }
    slid
}

fn label_box_on_side(a: [f64; 2], b: [f64; 2], size: [f64; 2], margin: f64, side: f64) -> LabelBox {
    let mid = [(a[0] + b[0]) / 2.0, (a[1] + b[1]) / 2.0];
    let d = [b[0] - a[0], b[1] - a[1]];
    let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
    // A point (or nearly): put it above and to the right of the point.
    let mut n = if len < 1e-9 {
        [
            std::f64::consts::FRAC_1_SQRT_2,
            -std::f64::consts::FRAC_1_SQRT_2,
        ]
    } else {
        [-d[1] / len, d[0] / len]
    };
    if n[1] > 1e-9 || (n[1].abs() <= 1e-9 && n[0] < 0.0) {
        n = [-n[0], -n[1]];
    }
    n = [n[0] * side, n[1] * side];
    // The box's half-extent across the line: the support of a rectangle
    // in direction n. Every point of the box is then at least `margin`
    // from the line through a and b.
    let reach = n[0].abs() * size[0] / 2.0 + n[1].abs() * size[1] / 2.0 + margin;
    LabelBox {
        centre: [mid[0] + n[0] * reach, mid[1] + n[1] * reach],
        size,
    }
}

/// The pieces of a dashed segment from `a` to `b`: `dash` drawn, `gap`
/// left, starting with a dash at `a`; the last dash ends exactly at `b`.
pub fn dashes(a: [f64; 2], b: [f64; 2], dash: f64, gap: f64) -> Vec<[[f64; 2]; 2]> {
    let d = [b[0] - a[0], b[1] - a[1]];
    let len = (d[0] * d[0] + d[1] * d[1]).sqrt();
    if len < 1e-9 || dash <= 0.0 {
        return vec![[a, b]];
    }
    let at = |t: f64| [a[0] + d[0] * t / len, a[1] + d[1] * t / len];
    let mut out = Vec::new();
    let mut t = 0.0;
    while t < len {
        out.push([at(t), at((t + dash).min(len))]);
        t += dash + gap.max(0.0);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_is_the_world_distance() {
        let r = Ruler {
            a_ras: [1.0, 2.0, 3.0],
            b_ras: [4.0, 6.0, 3.0],
        };
        assert_eq!(r.length_mm(), 5.0);
        assert_eq!(r.label(), "5.0 mm");
    }

    #[test]
    fn a_ruler_across_slices_is_not_on_either() {
        let r = Ruler {
            a_ras: [0.0, 0.0, 10.0],
            b_ras: [5.0, 0.0, 14.0],
        };
        assert!(!r.on_slice(2, 10.0, 1.0), "b is 4 mm above");
        assert!(r.on_slice(1, 0.2, 1.0), "both at y = 0");
        assert_eq!(r.off_plane_mm(2, 12.0), [-2.0, 2.0]);
    }

    /// Distance from p to the segment a-b.
    fn to_segment(p: [f64; 2], a: [f64; 2], b: [f64; 2]) -> f64 {
        let d = [b[0] - a[0], b[1] - a[1]];
        let l2 = d[0] * d[0] + d[1] * d[1];
        let t = if l2 == 0.0 {
            0.0
        } else {
            (((p[0] - a[0]) * d[0] + (p[1] - a[1]) * d[1]) / l2).clamp(0.0, 1.0)
        };
        let q = [a[0] + t * d[0], a[1] + t * d[1]];
        ((p[0] - q[0]).powi(2) + (p[1] - q[1]).powi(2)).sqrt()
    }

    #[test]
    fn the_label_never_covers_the_line_at_any_angle_or_length() {
        let size = [60.0, 14.0];
        for step in 0..72 {
            let angle = step as f64 * 5f64.to_radians();
            for len in [0.0, 3.0, 20.0, 200.0] {
                let a = [100.0, 80.0];
                let b = [a[0] + len * angle.cos(), a[1] + len * angle.sin()];
                let label = label_box(a, b, size, 4.0);
                assert!(!label.contains(a) && !label.contains(b), "{angle} {len}");
                // Every sampled point of the box is clear of the segment.
                let min = label.min();
                for i in 0..=10 {
                    for j in 0..=10 {
                        let p = [
                            min[0] + size[0] * i as f64 / 10.0,
                            min[1] + size[1] * j as f64 / 10.0,
                        ];
                        assert!(to_segment(p, a, b) >= 4.0 - 1e-9, "{angle} {len} {p:?}");
                    }
                }
            }
        }
    }

    #[test]
    fn the_label_sits_above_a_horizontal_line_and_right_of_a_vertical_one() {
        let above = label_box([0.0, 50.0], [100.0, 50.0], [40.0, 10.0], 2.0);
        assert_eq!(above.centre, [50.0, 43.0]);
        let right = label_box([0.0, 0.0], [0.0, 100.0], [40.0, 10.0], 2.0);
        assert_eq!(right.centre, [22.0, 50.0]);
    }

    #[test]
    fn a_label_cut_off_above_goes_below_and_stays_clear() {
        // A horizontal line 5 px from the top: no room above for 10 px.
        let (a, b) = ([10.0, 5.0], [90.0, 5.0]);
        let l = label_box_within(a, b, [40.0, 10.0], 2.0, [0.0, 0.0], [100.0, 100.0]);
        assert_eq!(l.centre, [50.0, 12.0]);
        assert!(!l.contains(a) && !l.contains(b));
        // Fits above: unchanged.
        let (a, b) = ([10.0, 50.0], [90.0, 50.0]);
        let l = label_box_within(a, b, [40.0, 10.0], 2.0, [0.0, 0.0], [100.0, 100.0]);
        assert_eq!(l, label_box(a, b, [40.0, 10.0], 2.0));
    }

    #[test]
    fn dashes_start_at_one_end_and_stop_at_the_other() {
        let d = dashes([0.0, 0.0], [0.0, 25.0], 6.0, 4.0);
        assert_eq!(d.len(), 3);
        assert_eq!(d[0], [[0.0, 0.0], [0.0, 6.0]]);
        assert_eq!(d[2], [[0.0, 20.0], [0.0, 25.0]]);
    }
}
