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

/// The trilinear value of `frame` at one world point (NaN outside). For
/// profiles and readouts; views go through [`resample_plane`].
pub fn sample_at(frame: &Array3<f32>, grid: &Grid, world_ras: [f64; 3]) -> f32 {
    let v = grid.voxel_from_world(world_ras);
    if !(0..3).all(|a| v[a] >= -0.5 && v[a] < grid.shape[a] as f64 - 0.5) {
        return f32::NAN;
    }
    let strides = frame.strides();
    match frame.as_slice_memory_order() {
        Some(data) if strides.iter().all(|&s| s >= 0) => {
            trilinear_clamped(data, grid.shape, [0, 1, 2].map(|a| strides[a] as usize), v)
        }
        _ => {
            let standard = frame.as_standard_layout();
            let s = standard.strides();
            let data = standard.as_slice().expect("standard layout is contiguous");
            trilinear_clamped(data, grid.shape, [0, 1, 2].map(|a| s[a] as usize), v)
        }
    }
}

/// Trilinear value at continuous voxel position `v`, clamped to the grid
/// (beyond the last voxel centre the edge voxel's value holds). The one
/// careful trilinear path, shared by views, profiles and edge suppression.
#[inline]
pub fn trilinear_clamped(data: &[f32], shape: [usize; 3], strides: [usize; 3], v: [f64; 3]) -> f32 {
    let mut base = 0;
    let mut step = [0usize; 3];
    let mut fraction = [0f32; 3];
    for a in 0..3 {
        let c = v[a].clamp(0.0, (shape[a] - 1) as f64);
        let cell = c.floor();
        base += cell as usize * strides[a];
        // The last voxel has no neighbour beyond it: blend with itself.
        step[a] = if (cell as usize) + 1 < shape[a] {
            strides[a]
        } else {
            0
        };
        fraction[a] = (c - cell) as f32;
    }
    trilinear_cell(data, base, step, fraction)
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
    let height = out.len() / width.max(1);
    resample_rows(
        frame,
        grid,
        world_from_pixel,
        width,
        height,
        interpolation,
        |row, line| {
            out[row * width..(row + 1) * width].copy_from_slice(line);
        },
    );
}

/// Samples a `width` x `height` picture row by row, calling
/// `on_row(row, values)` as soon as each row is done, while it is still in
/// cache (the colouring pass uses this; no full-size buffer is needed).
pub fn resample_rows(
    frame: &Array3<f32>,
    grid: &Grid,
    world_from_pixel: &Affine,
    width: usize,
    height: usize,
    interpolation: Interpolation,
    mut on_row: impl FnMut(usize, &[f32]),
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
    // box); only the few pixels around it take the careful path. Inside the
    // run, positions step in 32.32 fixed point: integer adds instead of
    // float-to-index conversions, twice as fast, with an error under 1e-7
    // voxel across a row, which the run's margin absorbs.
    let nearest = interpolation == Interpolation::Nearest;
    let (lo, hi) = if nearest {
        (
            [-0.5 + RUN_MARGIN; 3],
            shape.map(|n| n as f64 - 0.5 - RUN_MARGIN),
        )
    } else {
        ([RUN_MARGIN; 3], shape.map(|n| n as f64 - 1.0 - RUN_MARGIN))
    };
    // Nearest rounds by flooring position + 1/2.
    let shift = if nearest { 0.5 } else { 0.0 };
    let step = step_col.map(to_fixed);
    let mut buffer = vec![f32::NAN; width];
    for row in 0..height {
        let line = &mut buffer[..];
        let r = row as f64;
        let start = [0, 1, 2].map(|a| origin[a] + r * step_row[a]);
        let at = |c: usize| [0, 1, 2].map(|a| start[a] + c as f64 * step_col[a]);
        let (c0, c1) = column_run(start, step_col, width, lo, hi);
        for c in (0..c0).chain(c1.max(c0)..width) {
            line[c] = if nearest {
                sampler.nearest(at(c))
            } else {
                sampler.linear(at(c))
            };
        }
        let mut p = at(c0).map(|x| to_fixed(x + shift));
        for px in &mut line[c0..c1] {
            *px = if nearest {
                sampler.nearest_fixed(p)
            } else {
                sampler.linear_fixed(p)
            };
            for axis in 0..3 {
                p[axis] += step[axis];
            }
        }
        on_row(row, line);
    }
}

/// Trilinear blend of the cell whose first corner is `data[base]` and whose
/// far corner along each axis is `step[a]` elements away (0 where the cell
/// is clamped at an edge), at fractions `f`. Shared by views and edges.
#[inline]
pub fn trilinear_cell(data: &[f32], base: usize, step: [usize; 3], f: [f32; 3]) -> f32 {
    let lerp = |a: f32, b: f32, t: f32| a + (b - a) * t;
    let [sx, sy, sz] = step;
    let c00 = lerp(data[base], data[base + sx], f[0]);
    let c10 = lerp(data[base + sy], data[base + sy + sx], f[0]);
    let c01 = lerp(data[base + sz], data[base + sz + sx], f[0]);
    let c11 = lerp(data[base + sz + sy], data[base + sz + sy + sx], f[0]);
    lerp(lerp(c00, c10, f[1]), lerp(c01, c11, f[1]), f[2])
}

/// One voxel in 32.32 fixed point.
const FIXED_ONE: f64 = (1u64 << 32) as f64;

/// How far inside the valid box the fixed-point runs stay, in voxels.
const RUN_MARGIN: f64 = 1e-6;

fn to_fixed(x: f64) -> i64 {
    (x * FIXED_ONE).round() as i64
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

    /// `p` is a position plus one half, in fixed point, inside the footprint.
    #[inline]
    fn nearest_fixed(&self, p: [i64; 3]) -> f32 {
        let s = self.strides;
        let index = |a: usize| (p[a] >> 32) as usize * s[a];
        self.data[index(0) + index(1) + index(2)]
    }

    /// `p` is a position in fixed point, inside `[0, n - 1)` on every axis.
    #[inline]
    fn linear_fixed(&self, p: [i64; 3]) -> f32 {
        const FRACTION: f32 = 1.0 / (1u64 << 32) as f32;
        let s = self.strides;
        let base = (p[0] >> 32) as usize * s[0]
            + (p[1] >> 32) as usize * s[1]
            + (p[2] >> 32) as usize * s[2];
        let fraction = p.map(|x| (x as u32) as f32 * FRACTION);
        trilinear_cell(self.data, base, s, fraction)
    }

    /// Nearest voxel; NaN outside the footprint.
    #[inline]
    fn nearest(&self, v: [f64; 3]) -> f32 {
        if !self.inside(v) {
            return f32::NAN;
        }
        let i = (v[0] + 0.5) as usize;
        let j = (v[1] + 0.5) as usize;
        let k = (v[2] + 0.5) as usize;
        self.data[i * self.strides[0] + j * self.strides[1] + k * self.strides[2]]
    }

    /// Trilinear with the edges clamped; NaN outside the footprint.
    #[inline]
    fn linear(&self, v: [f64; 3]) -> f32 {
        if !self.inside(v) {
            return f32::NAN;
        }
        trilinear_clamped(self.data, self.shape, self.strides, v)
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

    /// The fast path (row runs, fixed point) against a per-pixel reference
    /// that maps each pixel through the affines with no shortcut.
    #[test]
    fn fast_path_matches_a_per_pixel_reference() {
        let shape = [23, 17, 11];
        let frame = Array3::from_shape_fn(shape.f(), |(i, j, k)| {
            ((i * 7 + j * 13 + k * 29) % 37) as f32
        });
        let (a, b) = (0.3f64, -0.5f64);
        let grid = Grid::new(
            shape,
            Affine::from_rows([
                [1.1 * b.cos(), -0.9 * b.sin(), 0.2, -3.0],
                [1.1 * b.sin(), 0.9 * b.cos() * a.cos(), -2.0 * a.sin(), 4.0],
                [0.0, 0.9 * a.sin(), 2.0 * a.cos(), -1.0],
            ])
            .unwrap(),
        );
        let view = Affine::from_rows([
            [0.37, 0.05, 0.0, -4.0],
            [-0.04, 0.41, 0.0, -3.0],
            [0.02, 0.03, 1.0, 6.1],
        ])
        .unwrap();
        let (w, h) = (90, 80);
        for interpolation in [Interpolation::Nearest, Interpolation::Linear] {
            let fast = resample_plane(&frame, &grid, &view, w, h, interpolation);
            let mut inside = 0;
            for row in 0..h {
                for col in 0..w {
                    let v = grid.voxel_from_world(view.apply([col as f64, row as f64, 0.0]));
                    let footprint = (0..3).all(|a| v[a] >= -0.5 && v[a] < shape[a] as f64 - 0.5);
                    let got = fast[row * w + col];
                    if !footprint {
                        assert!(got.is_nan(), "({col}, {row}) outside but {got}");
                        continue;
                    }
                    inside += 1;
                    let expected = match interpolation {
                        Interpolation::Nearest => {
                            if v.iter().any(|x| ((x + 0.5).fract() - 0.5).abs() > 0.4999) {
                                continue; // a tie: either neighbour is right
                            }
                            let n = v.map(|x| (x + 0.5).floor() as usize);
                            frame[[n[0], n[1], n[2]]]
                        }
                        Interpolation::Linear => trilinear_reference(&frame, v),
                    };
                    assert!(
                        (got - expected).abs() < 1e-3,
                        "{interpolation:?} ({col}, {row}): {got} vs {expected}"
                    );
                }
            }
            assert!(inside > 2000, "{inside} pixels inside");
        }
    }

    fn trilinear_reference(frame: &Array3<f32>, v: [f64; 3]) -> f32 {
        let shape = frame.shape();
        let c = [0, 1, 2].map(|a| v[a].clamp(0.0, (shape[a] - 1) as f64));
        let mut total = 0.0;
        for corner in 0..8 {
            let mut weight = 1.0;
            let mut index = [0usize; 3];
            for a in 0..3 {
                let f = c[a].floor();
                let up = corner & (1 << a) != 0;
                index[a] = ((f as usize) + up as usize).min(shape[a] - 1);
                weight *= if up { c[a] - f } else { 1.0 - (c[a] - f) };
            }
            total += weight * frame[index] as f64;
        }
        total as f32
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
