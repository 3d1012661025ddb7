//! A voxel grid placed in world space: shape plus `world_from_voxel`.

use super::affine::Affine;
use super::orientation;
use super::plane::Plane;

/// The three spatial dimensions of a volume and where its voxels are.
///
/// Voxel `(i, j, k)` has its centre at `world_from_voxel * (i, j, k)`:
/// NIfTI's convention, shared by nibabel, ITK (after LPS->RAS) and Slicer.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Grid {
    pub shape: [usize; 3],
    pub world_from_voxel: Affine,
}

impl Grid {
    pub fn new(shape: [usize; 3], world_from_voxel: Affine) -> Self {
        Self {
            shape,
            world_from_voxel,
        }
    }

    /// Continuous voxel coordinates of a world point (RAS mm).
    #[inline]
    pub fn voxel_from_world(&self, world_ras: [f64; 3]) -> [f64; 3] {
        self.world_from_voxel.apply_inverse(world_ras)
    }

    /// Centre of a voxel in world space (RAS mm).
    #[inline]
    pub fn world_from_index(&self, index: [usize; 3]) -> [f64; 3] {
        self.world_from_voxel
            .apply([index[0] as f64, index[1] as f64, index[2] as f64])
    }

    /// The voxel whose centre is nearest to a world point, or `None` outside
    /// the grid. Rounds with `floor(v + 0.5)`, as nibabel-based tools do, so
    /// the two agree on every point that is not exactly halfway.
    pub fn nearest_voxel(&self, world_ras: [f64; 3]) -> Option<[usize; 3]> {
        let v = self.voxel_from_world(world_ras);
        let mut out = [0usize; 3];
        for a in 0..3 {
            let rounded = (v[a] + 0.5).floor();
            if !(rounded >= 0.0 && rounded < self.shape[a] as f64) {
                return None;
            }
            out[a] = rounded as usize;
        }
        Some(out)
    }

    /// Voxel spacing along each voxel axis, in mm.
    pub fn spacing_mm(&self) -> [f64; 3] {
        self.world_from_voxel.column_lengths()
    }

    /// The voxel axis closest to a plane's normal: slices across it lie in
    /// that plane as nearly as the grid allows. Slicing, stepping a slice and
    /// placing a 2D array all ask this one question.
    pub fn slice_axis(&self, plane: Plane) -> usize {
        let dirs = orientation::axis_directions(&self.world_from_voxel);
        // Each world axis is taken by exactly one voxel axis, so this finds one.
        (0..3)
            .find(|&a| dirs[a].world_axis == plane.normal_axis())
            .unwrap_or(2)
    }

    /// Orientation codes, e.g. "LAS".
    pub fn axcodes(&self) -> String {
        orientation::axcodes(&self.world_from_voxel)
    }

    pub fn is_oblique(&self) -> bool {
        orientation::is_oblique(&self.world_from_voxel)
    }

    pub fn obliquity_degrees(&self) -> f64 {
        orientation::obliquity_degrees(&self.world_from_voxel)
    }

    /// Number of voxels in one 3D frame.
    pub fn voxel_count(&self) -> usize {
        self.shape.iter().product()
    }

    /// The extent from the first to the last voxel centre, in voxel units.
    pub fn index_extent(&self) -> [f64; 3] {
        self.shape.map(|n| n.saturating_sub(1) as f64)
    }

    /// The world points (RAS mm) of the 8 corner voxels' centres.
    pub fn world_corners(&self) -> [[f64; 3]; 8] {
        super::affine::box_corners(self.index_extent()).map(|p| self.world_from_voxel.apply(p))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_voxel_rounds_half_up_and_rejects_outside() {
        let grid = Grid::new(
            [4, 5, 6],
            Affine::from_rows([
                [-2.0, 0.0, 0.0, 10.0],
                [0.0, 2.0, 0.0, -4.0],
                [0.0, 0.0, 3.0, 0.0],
            ])
            .unwrap(),
        );
        assert_eq!(grid.nearest_voxel([10.0, -4.0, 0.0]), Some([0, 0, 0]));
        // x = 10 - 2 i: x = 5.2 is i = 2.4 -> 2
        assert_eq!(grid.nearest_voxel([5.2, 0.1, 4.4]), Some([2, 2, 1]));
        assert_eq!(grid.nearest_voxel([12.0, 0.0, 0.0]), None);
        assert_eq!(grid.nearest_voxel([10.0, -4.0, 16.6]), None);
        assert_eq!(grid.world_from_index([3, 4, 5]), [4.0, 4.0, 15.0]);
    }
}
