//! A view: a rectangle of pixels on a world plane, and the affine that says
//! where each pixel is (`world_from_pixel`).

use crate::geometry::{Affine, Grid};
use crate::geometry::{Convention, Plane};

/// Everything that fixes which world point each pixel of a view shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ViewSpec {
    pub plane: Plane,
    pub convention: Convention,
    /// The shared cursor; the view's plane passes through it.
    pub cursor_ras: [f64; 3],
    /// World point shown at the centre of the picture (its normal component is
    /// replaced by the cursor's).
    pub centre_ras: [f64; 3],
    /// Size of one pixel, in mm.
    pub pixel_mm: f64,
    pub width: usize,
    pub height: usize,
}

impl ViewSpec {
    /// A view that shows the whole volume at the finest voxel spacing, centred
    /// on the volume's box: what `rasview render` and an unzoomed window show.
    pub fn fit_volume(
        grid: &Grid,
        plane: Plane,
        convention: Convention,
        cursor_ras: [f64; 3],
    ) -> Self {
        let pixel_mm = grid.spacing_mm().into_iter().fold(f64::INFINITY, f64::min);
        let (lo, hi) = in_plane_bounds(grid, plane, convention);
        let axes = plane.screen_axes(convention);
        let mid = [(lo[0] + hi[0]) / 2.0, (lo[1] + hi[1]) / 2.0];
        let centre_ras = [0, 1, 2].map(|a| mid[0] * axes.right[a] + mid[1] * axes.down[a]);
        // One pixel per finest voxel across the box, plus one so both edge
        // voxels' centres are inside.
        let width = ((hi[0] - lo[0]) / pixel_mm).round() as usize + 1;
        let height = ((hi[1] - lo[1]) / pixel_mm).round() as usize + 1;
        ViewSpec {
            plane,
            convention,
            cursor_ras,
            centre_ras,
            pixel_mm,
            width: width.clamp(1, 8192),
            height: height.clamp(1, 8192),
        }
    }

    /// Maps the centre of pixel (column, row, 0) to RAS mm. The third column
    /// steps along the normal by one pixel so the matrix is invertible.
    pub fn world_from_pixel(&self) -> Affine {
        let axes = self.plane.screen_axes(self.convention);
        let n = self.plane.normal_axis();
        let mut centre = self.centre_ras;
        centre[n] = self.cursor_ras[n];
        let half = [
            (self.width as f64 - 1.0) / 2.0,
            (self.height as f64 - 1.0) / 2.0,
        ];
        let p = self.pixel_mm;
        let origin =
            [0, 1, 2].map(|a| centre[a] - half[0] * p * axes.right[a] - half[1] * p * axes.down[a]);
        let rows = [0, 1, 2].map(|a| {
            [
                p * axes.right[a],
                p * axes.down[a],
                p * axes.normal[a],
                origin[a],
            ]
        });
        Affine::from_rows(rows).expect("screen axes are orthonormal and pixel_mm is positive")
    }

    /// The continuous pixel position (column, row) of a world point projected
    /// onto the view's plane.
    pub fn pixel_from_world(&self, world_ras: [f64; 3]) -> [f64; 2] {
        let p = self.world_from_pixel().apply_inverse(world_ras);
        [p[0], p[1]]
    }
}

/// Extent of the volume's box, in mm along screen right and screen down.
fn in_plane_bounds(grid: &Grid, plane: Plane, convention: Convention) -> ([f64; 2], [f64; 2]) {
    let axes = plane.screen_axes(convention);
    let mut lo = [f64::INFINITY; 2];
    let mut hi = [f64::NEG_INFINITY; 2];
    for w in grid.world_corners() {
        for (d, dir) in [axes.right, axes.down].iter().enumerate() {
            let t = w[0] * dir[0] + w[1] * dir[1] + w[2] * dir[2];
            lo[d] = lo[d].min(t);
            hi[d] = hi[d].max(t);
        }
    }
    (lo, hi)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::affine::distance;

    #[test]
    fn pixel_centres_land_on_the_plane_through_the_cursor() {
        let grid = Grid::new([10, 20, 30], Affine::scaling([2.0, 1.0, 3.0]).unwrap());
        let cursor = [4.0, 7.0, 12.0];
        let spec = ViewSpec::fit_volume(&grid, Plane::Axial, Convention::Radiological, cursor);
        assert_eq!(spec.pixel_mm, 1.0);
        assert_eq!((spec.width, spec.height), (19, 20));
        let m = spec.world_from_pixel();
        // Top-left pixel: patient right (x = 18), anterior (y = 19), z of the cursor.
        assert!(distance(m.apply([0.0, 0.0, 0.0]), [18.0, 19.0, 12.0]) < 1e-9);
        // Bottom-right: patient left (x = 0), posterior (y = 0).
        assert!(distance(m.apply([18.0, 19.0, 0.0]), [0.0, 0.0, 12.0]) < 1e-9);
        let back = spec.pixel_from_world([0.0, 0.0, 12.0]);
        assert!((back[0] - 18.0).abs() < 1e-9 && (back[1] - 19.0).abs() < 1e-9);
    }
}
