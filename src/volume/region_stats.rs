//! Statistics of a volume inside a region of interest: voxel count, volume
//! in mm^3, mean, SD, min, max, and how many voxels are not zero (the edge
//! voxels of an edge map).

use crate::geometry::region::Region;
use crate::geometry::Grid;

/// What a region holds of one volume.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct RegionStats {
    /// Voxels whose centres are inside.
    pub voxels: usize,
    /// `voxels` times the volume of one voxel (|det| of the affine).
    pub volume_mm3: f64,
    /// Of the finite values (NaN and infinities are left out of these).
    pub mean: Option<f64>,
    /// Population standard deviation (divided by n, as numpy's default).
    pub sd: Option<f64>,
    pub min: Option<f64>,
    pub max: Option<f64>,
    /// Voxels whose value is neither 0 nor NaN (for a mask or an edge map,
    /// the voxels it marks).
    pub nonzero: usize,
}

impl RegionStats {
    /// Voxels marked (not zero) per mm^3 of the region: an edge map's density.
    pub fn nonzero_per_mm3(&self) -> Option<f64> {
        (self.volume_mm3 > 0.0).then(|| self.nonzero as f64 / self.volume_mm3)
    }
}

/// The statistics of the values `value(voxel)` of `grid`'s voxels whose
/// centres lie in `region`. The window passes its f32 frames; the CLI the
/// file's own values.
pub fn region_stats(
    grid: &Grid,
    region: &Region,
    value: impl Fn([usize; 3]) -> f64,
) -> RegionStats {
    let mut voxels = 0usize;
    let mut nonzero = 0usize;
    // Welford's running mean and sum of squared deviations: stable where a
    // sum of squares would cancel (CT values near -1000 with small spread).
    let (mut n, mut mean, mut m2) = (0usize, 0.0f64, 0.0f64);
    let (mut min, mut max) = (f64::INFINITY, f64::NEG_INFINITY);
    region.for_each_voxel(grid, |voxel| {
        voxels += 1;
        let x = value(voxel);
        if x != 0.0 && !x.is_nan() {
            nonzero += 1;
        }
        if !x.is_finite() {
            return;
        }
        n += 1;
        let delta = x - mean;
        mean += delta / n as f64;
        m2 += delta * (x - mean);
        min = min.min(x);
        max = max.max(x);
    });
    let voxel_mm3 = crate::geometry::affine::det3(&grid.world_from_voxel.linear()).abs();
    let some = |x: f64| (n > 0).then_some(x);
    RegionStats {
        voxels,
        volume_mm3: voxels as f64 * voxel_mm3,
        mean: some(mean),
        sd: some((m2 / n.max(1) as f64).sqrt()),
        min: some(min),
        max: some(max),
        nonzero,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Affine;

    #[test]
    fn stats_of_a_sphere_match_the_values_written_out_by_hand() {
        let grid = Grid::new([10, 10, 10], Affine::scaling([1.0, 1.0, 2.0]).unwrap());
        // The centre voxel and its neighbours along x and y (z is 2 mm away).
        let region = Region::Sphere {
            centre_ras: [5.0, 5.0, 10.0],
            radius_mm: 1.5,
        };
        let s = region_stats(&grid, &region, |[i, j, _]| (i + 10 * j) as f64);
        // i and j in 4..=6 on the slice k = 5: the corners are sqrt(2) mm
        // away, inside; k = 4 and 6 are 2 mm away, outside.
        let values: Vec<f64> = (4..=6)
            .flat_map(|j| (4..=6).map(move |i| (i + 10 * j) as f64))
            .collect();
        let mean = values.iter().sum::<f64>() / 9.0;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / 9.0;
        assert_eq!(s.voxels, 9);
        assert_eq!(s.volume_mm3, 18.0);
        assert!((s.mean.unwrap() - mean).abs() < 1e-12);
        assert!((s.sd.unwrap() - var.sqrt()).abs() < 1e-12);
        assert_eq!((s.min, s.max), (Some(44.0), Some(66.0)));
        assert_eq!(s.nonzero, 9);
        assert_eq!(s.nonzero_per_mm3(), Some(0.5));
    }

    #[test]
    fn nan_is_counted_as_a_voxel_but_left_out_of_the_values() {
        let grid = Grid::new([3, 3, 3], Affine::identity());
        let region = Region::Sphere {
            centre_ras: [1.0, 1.0, 1.0],
            radius_mm: 0.5,
        };
        let s = region_stats(&grid, &region, |_| f64::NAN);
        assert_eq!((s.voxels, s.nonzero, s.mean), (1, 0, None));
    }
}
