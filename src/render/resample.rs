//! Sampling a volume on a view's pixels through `voxel_from_world`: the one
//! path by which every picture, on screen or in a file, gets its values.

use crate::geometry::{Affine, Grid};
use ndarray::Array3;

/// How a value between voxel centres is found.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Interpolation {
    /// The nearest voxel's value: labels and masks stay exact.
    #[default]
    Nearest,
    /// Trilinear between the eight surrounding voxel centres.
    Linear,
}

/// Samples `frame` (shape (ni, nj, nk), any memory order) at the centre of
/// each pixel of a `width` x `height` picture placed by `world_from_pixel`.
/// Row-major output; NaN where the point falls outside the volume.
pub fn resample_plane(
    frame: &Array3<f32>,
    grid: &Grid,
    world_from_pixel: &Affine,
    width: usize,
    height: usize,
    interpolation: Interpolation,
) -> Vec<f32> {
    let mut out = vec![f32::NAN; width * height];
    resample_into(
        frame,
        grid,
        world_from_pixel,
        width,
        interpolation,
        &mut out,
    );
    out
}

/// As [`resample_plane`], into a buffer of `width * rows` values.
pub fn resample_into(
    frame: &Array3<f32>,
    grid: &Grid,
    world_from_pixel: &Affine,
    width: usize,
    interpolation: Interpolation,
    out: &mut [f32],
) {
    let voxel_from_pixel = grid
        .world_from_voxel
        .inverse()
        .then_after(world_from_pixel)
        .expect("a product of invertible affines is invertible");
    let origin = voxel_from_pixel.translation();
    let step_col = voxel_from_pixel.apply_vector([1.0, 0.0, 0.0]);
    let step_row = voxel_from_pixel.apply_vector([0.0, 1.0, 0.0]);
    let shape = grid.shape;
    let strides = frame.strides();
    let strides = [strides[0], strides[1], strides[2]];
    // Negative strides never occur for frames made by `Volume::frame_f32`;
    // other layouts go through a standard-layout copy.
    let standard;
    let (data, strides) = match frame.as_slice_memory_order() {
        Some(d) if strides.iter().all(|&s| s >= 0) => (d, strides.map(|s| s as usize)),
        _ => {
            standard = frame.as_standard_layout().into_owned();
            let s = standard.strides();
            (
                standard
                    .as_slice_memory_order()
                    .expect("standard layout is contiguous"),
                [s[0] as usize, s[1] as usize, s[2] as usize],
            )
        }
    };
    let sampler = Sampler {
        data,
        shape,
        strides,
    };
    // Within each row, the pixels whose samples need no bounds checks or
    // clamping form one run of columns (the row is a straight line through a
    // box); only the few pixels around it take the careful path.
    let interior_hi = shape.map(|n| n as f64 - 1.0);
    let footprint_hi = shape.map(|n| n as f64 - 0.5);
    for (row, line) in out.chunks_mut(width).enumerate() {
        let r = row as f64;
        let start = [0, 1, 2].map(|a| origin[a] + r * step_row[a]);
        let at = |c: usize| [0, 1, 2].map(|a| start[a] + c as f64 * step_col[a]);
        match interpolation {
            Interpolation::Nearest => {
                let (c0, c1) = column_run(start, step_col, width, [-0.5; 3], footprint_hi);
                line[..c0].fill(f32::NAN);
                line[c1..].fill(f32::NAN);
                for (c, px) in line[c0..c1].iter_mut().enumerate() {
                    *px = sampler.nearest_unchecked(at(c0 + c));
                }
            }
            Interpolation::Linear => {
                let (c0, c1) = column_run(start, step_col, width, [0.0; 3], interior_hi);
                for (c, px) in line.iter_mut().enumerate() {
                    *px = if c >= c0 && c < c1 {
                        sampler.linear_unchecked(at(c))
                    } else {
                        sampler.linear(at(c))
                    };
                }
            }
        }
    }
}

/// The columns `c0..c1` of a row for which `start + c * step` lies in
/// `[lo, hi)` on every axis (half-open, so a floor stays below `hi`).
fn column_run(
    start: [f64; 3],
    step: [f64; 3],
    width: usize,
    lo: [f64; 3],
    hi: [f64; 3],
) -> (usize, usize) {
    let inside = |c: usize| {
        (0..3).all(|a| {
            let v = start[a] + c as f64 * step[a];
            v >= lo[a] && v < hi[a]
        })
    };
    let mut first = 0.0f64;
    let mut last = width as f64 - 1.0;
    for a in 0..3 {
        if step[a] == 0.0 {
            if !(start[a] >= lo[a] && start[a] < hi[a]) {
                return (0, 0);
            }
            continue;
        }
        let t0 = (lo[a] - start[a]) / step[a];
        let t1 = (hi[a] - start[a]) / step[a];
        first = first.max(t0.min(t1));
        last = last.min(t0.max(t1));
    }
    if first > last || !first.is_finite() || !last.is_finite() {
        return (0, 0);
    }
    // Rounding may put the analytic ends one column off: settle them with
    // the very test the unchecked samplers rely on.
    let mut c0 = (first.ceil().max(0.0) as usize).min(width);
    let mut c1 = ((last.floor().max(-1.0) + 1.0) as usize).min(width).max(c0);
    while c0 < c1 && !inside(c0) {
        c0 += 1;
    }
    while c1 > c0 && !inside(c1 - 1) {
        c1 -= 1;
    }
    if c0 < c1 {
        while c0 > 0 && inside(c0 - 1) {
            c0 -= 1;
        }
        while c1 < width && inside(c1) {
            c1 += 1;
        }
    }
    (c0, c1)
}

struct Sampler<'a> {
    data: &'a [f32],
    shape: [usize; 3],
    strides: [usize; 3],
}

impl Sampler<'_> {
    /// A voxel's footprint is its centre +- half a voxel, the same for both
    /// interpolations, so switching never moves the volume's edge.
    #[inline]
    fn inside(&self, v: [f64; 3]) -> bool {
        (0..3).all(|a| v[a] >= -0.5 && v[a] < self.shape[a] as f64 - 0.5)
    }

    /// `v` must lie in the footprint `[-0.5, n - 0.5)` on every axis.
    #[inline]
    fn nearest_unchecked(&self, v: [f64; 3]) -> f32 {
        let i = (v[0] + 0.5) as usize;
        let j = (v[1] + 0.5) as usize;
        let k = (v[2] + 0.5) as usize;
        self.data[i * self.strides[0] + j * self.strides[1] + k * self.strides[2]]
    }

    /// `v` must lie in `[0, n - 1)` on every axis: no clamping needed.
    #[inline]
    fn linear_unchecked(&self, v: [f64; 3]) -> f32 {
        let s = self.strides;
        let (i, j, k) = (v[0] as usize, v[1] as usize, v[2] as usize);
        let fx = (v[0] - i as f64) as f32;
        let fy = (v[1] - j as f64) as f32;
        let fz = (v[2] - k as f64) as f32;
        let base = i * s[0] + j * s[1] + k * s[2];
        let d = self.data;
        let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
        let c00 = lerp(d[base], d[base + s[0]], fx);
        let c10 = lerp(d[base + s[1]], d[base + s[1] + s[0]], fx);
        let c01 = lerp(d[base + s[2]], d[base + s[2] + s[0]], fx);
        let c11 = lerp(d[base + s[2] + s[1]], d[base + s[2] + s[1] + s[0]], fx);
        lerp(lerp(c00, c10, fy), lerp(c01, c11, fy), fz)
    }

    /// Trilinear with the edges clamped; NaN outside the footprint.
    #[inline]
    fn linear(&self, v: [f64; 3]) -> f32 {
        if !self.inside(v) {
            return f32::NAN;
        }
        let mut base = [0usize; 3];
        let mut next = [0usize; 3];
        let mut frac = [0f32; 3];
        for a in 0..3 {
            let top = (self.shape[a] - 1) as f64;
            let c = v[a].clamp(0.0, top);
            let f = c.floor();
            base[a] = f as usize;
            next[a] = (base[a] + 1).min(self.shape[a] - 1);
            frac[a] = (c - f) as f32;
        }
        let s = self.strides;
        let at = |i: usize, j: usize, k: usize| self.data[i * s[0] + j * s[1] + k * s[2]];
        let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
        let c00 = lerp(
            at(base[0], base[1], base[2]),
            at(next[0], base[1], base[2]),
            frac[0],
        );
        let c10 = lerp(
            at(base[0], next[1], base[2]),
            at(next[0], next[1], base[2]),
            frac[0],
        );
        let c01 = lerp(
            at(base[0], base[1], next[2]),
            at(next[0], base[1], next[2]),
            frac[0],
        );
        let c11 = lerp(
            at(base[0], next[1], next[2]),
            at(next[0], next[1], next[2]),
            frac[0],
        );
        lerp(lerp(c00, c10, frac[1]), lerp(c01, c11, frac[1]), frac[2])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::ShapeBuilder;

    fn ramp() -> (Array3<f32>, Grid) {
        // value = i + 10 j + 100 k, Fortran order like loaded frames.
        let frame = Array3::from_shape_fn((4, 3, 2).f(), |(i, j, k)| (i + 10 * j + 100 * k) as f32);
        let grid = Grid::new([4, 3, 2], Affine::scaling([2.0, 2.0, 2.0]).unwrap());
        (frame, grid)
    }

    #[test]
    fn nearest_and_linear_sample_at_world_points() {
        let (frame, grid) = ramp();
        // A 1-pixel "view" at world (3, 2, 2) = voxel (1.5, 1, 1).
        let at = Affine::from_rows([
            [1.0, 0.0, 0.0, 3.0],
            [0.0, 1.0, 0.0, 2.0],
            [0.0, 0.0, 1.0, 2.0],
        ])
        .unwrap();
        let nearest = resample_plane(&frame, &grid, &at, 1, 1, Interpolation::Nearest);
        assert_eq!(nearest[0], 2.0 + 10.0 + 100.0); // rounds 1.5 up
        let linear = resample_plane(&frame, &grid, &at, 1, 1, Interpolation::Linear);
        assert!((linear[0] - 111.5).abs() < 1e-5);
        let outside = Affine::from_rows([
            [1.0, 0.0, 0.0, -2.0],
            [0.0, 1.0, 0.0, 0.0],
            [0.0, 0.0, 1.0, 0.0],
        ])
        .unwrap();
        assert!(resample_plane(&frame, &grid, &outside, 1, 1, Interpolation::Linear)[0].is_nan());
    }

    #[test]
    fn c_order_frames_sample_the_same() {
        let (frame, grid) = ramp();
        let c_order = frame.as_standard_layout().into_owned();
        let at = Affine::from_rows([
            [0.5, 0.3, 0.0, 0.4],
            [0.1, 0.7, 0.0, 0.2],
            [0.0, 0.0, 1.0, 1.1],
        ])
        .unwrap();
        let a = resample_plane(&frame, &grid, &at, 9, 7, Interpolation::Linear);
        let b = resample_plane(&c_order, &grid, &at, 9, 7, Interpolation::Linear);
        assert_eq!(
            a.iter().map(|x| x.to_bits()).collect::<Vec<_>>(),
            b.iter().map(|x| x.to_bits()).collect::<Vec<_>>()
        );
    }
}
