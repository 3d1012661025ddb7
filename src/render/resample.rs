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
    let strides = [
        strides[0] as isize,
        strides[1] as isize,
        strides[2] as isize,
    ];
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
    for (row, line) in out.chunks_mut(width).enumerate() {
        let r = row as f64;
        let mut v = [0, 1, 2].map(|a| origin[a] + r * step_row[a]);
        for px in line.iter_mut() {
            *px = match interpolation {
                Interpolation::Nearest => sampler.nearest(v),
                Interpolation::Linear => sampler.linear(v),
            };
            for a in 0..3 {
                v[a] += step_col[a];
            }
        }
    }
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
