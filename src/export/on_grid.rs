//! Putting a layer on the base's grid: sampled at every base voxel centre
//! through both affines, so the saved file carries the base's geometry and
//! opens aligned in any tool.

use crate::geometry::sample::{resample_plane, Interpolation};
use crate::geometry::{Affine, Grid};
use crate::volume::Voxels;
use ndarray::Array3;

/// Two grids whose voxel centres lie this close are one grid.
const SAME_GRID_MM: f64 = 1e-6;

/// `frame` (on `grid`) sampled at each voxel centre of `target`, in the
/// target's storage order (i fastest); 0 where the target lies outside.
pub fn sample_onto(
    frame: &Array3<f32>,
    grid: &Grid,
    target: &Grid,
    interpolation: Interpolation,
) -> Vec<f32> {
    sample_onto_reporting(frame, grid, target, interpolation, &|_| {})
}

/// [`sample_onto`], reporting the fraction of slices done after each one
/// (the window shows it while an export runs).
pub fn sample_onto_reporting(
    frame: &Array3<f32>,
    grid: &Grid,
    target: &Grid,
    interpolation: Interpolation,
    report: &dyn Fn(f32),
) -> Vec<f32> {
    let [nx, ny, nz] = target.shape;
    // On its own grid a layer is its values: copied, not sampled, so no
    // interpolation weight of 1e-15 leaks a neighbour into a voxel.
    let same_grid = grid.shape == target.shape
        && grid
            .world_from_voxel
            .max_corner_distance(&target.world_from_voxel, target.index_extent())
            < SAME_GRID_MM;
    if same_grid {
        report(1.0);
        let values = crate::volume::storage_order(frame);
        return values
            .iter()
            .map(|&v| if v.is_nan() { 0.0 } else { v })
            .collect();
    }
    let m = target.world_from_voxel.matrix();
    let mut out = Vec::with_capacity(nx * ny * nz);
    for k in 0..nz {
        // Pixel (column, row) of this slice is voxel (i, j, k) of the target.
        let origin = target.world_from_voxel.apply([0.0, 0.0, k as f64]);
        let rows = [0, 1, 2].map(|r| [m[r][0], m[r][1], m[r][2], origin[r]]);
        let world_from_pixel =
            Affine::from_rows(rows).expect("a slice of an invertible affine is invertible");
        let slice = resample_plane(frame, grid, &world_from_pixel, nx, ny, interpolation);
        out.extend(slice.into_iter().map(|v| if v.is_nan() { 0.0 } else { v }));
        report((k + 1) as f32 / nz as f32);
    }
    out
}

/// The smallest exact type: uint8 for masks and small labels, int16 or
/// int32 for larger integer labels, float32 otherwise.
pub fn compact_voxels(values: Vec<f32>) -> Voxels {
    let integral = values.iter().all(|v| v.fract() == 0.0);
    let (lo, hi) = values
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        });
    if integral && lo >= 0.0 && hi <= 255.0 {
        Voxels::U8(values.iter().map(|&v| v as u8).collect())
    } else if integral && lo >= i16::MIN as f32 && hi <= i16::MAX as f32 {
        Voxels::I16(values.iter().map(|&v| v as i16).collect())
    } else if integral && lo >= -16_777_216.0 && hi <= 16_777_216.0 {
        Voxels::I32(values.iter().map(|&v| v as i32).collect())
    } else {
        Voxels::F32(values)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_layer_on_its_own_grid_comes_back_unchanged() {
        let affine = Affine::from_rows([
            [0.9, 0.1, 0.0, -10.0],
            [-0.1, 1.1, 0.05, 4.0],
            [0.0, 0.0, 2.5, 7.0],
        ])
        .unwrap();
        let grid = Grid::new([5, 4, 3], affine);
        let values: Vec<f32> = (0..60).map(|n| (n * 7 % 11) as f32).collect();
        let frame =
            Array3::from_shape_vec(ndarray::ShapeBuilder::f((5, 4, 3)), values.clone()).unwrap();
        for interpolation in [Interpolation::Nearest, Interpolation::Linear] {
            let out = sample_onto(&frame, &grid, &grid, interpolation);
            assert_eq!(out, values, "{interpolation:?}: exactly, not to 1e-15");
        }
        assert!(matches!(compact_voxels(values), Voxels::U8(_)));
        assert!(matches!(compact_voxels(vec![0.0, 300.0]), Voxels::I16(_)));
        assert!(matches!(compact_voxels(vec![0.5]), Voxels::F32(_)));
    }
}
