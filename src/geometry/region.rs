//! Regions of interest in world space (a sphere, or a rectangle or ellipse
//! on a view's slice) and which voxel centres of a grid fall inside them.
//!
//! A region never names voxels: each grid (the base, every overlay) finds
//! its own voxels by their centres, through its own `world_from_voxel`, so
//! one region measures volumes on different grids at the same place.

use super::grid::Grid;
use super::plane::Plane;

/// A shape drawn on a slice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShapeKind {
    Rectangle,
    /// The ellipse inscribed in the rectangle of the two corners.
    Ellipse,
}

/// A rectangle or ellipse on the slice of `plane` at `position_mm` along
/// the plane's normal (a world axis), between two opposite corners given in
/// RAS mm (their normal coordinate is ignored).
///
/// Off the plane it is a slab one slice of each grid thick: for a grid, the
/// step of its voxel axis nearest the normal, projected on the normal. Each
/// line of voxels along that axis then has exactly one centre in the slab
/// (`-h/2 <= d < h/2`), the voxel drawn on that slice by nearest sampling.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct SliceShape {
    pub kind: ShapeKind,
    pub plane: Plane,
    pub position_mm: f64,
    pub corner_a: [f64; 3],
    pub corner_b: [f64; 3],
}

/// A region of interest in RAS world millimetres.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Region {
    /// Every voxel whose centre is within `radius_mm` of `centre_ras`
    /// (the boundary included).
    Sphere {
        centre_ras: [f64; 3],
        radius_mm: f64,
    },
    Slice(SliceShape),
}

impl SliceShape {
    /// The two world axes in the plane (the ones that are not its normal).
    pub fn in_plane_axes(&self) -> [usize; 2] {
        let n = self.plane.normal_axis();
        let mut axes = (0..3).filter(|&a| a != n);
        [axes.next().unwrap_or(0), axes.next().unwrap_or(1)]
    }

    /// The in-plane extent: lower and upper bound along each in-plane axis.
    pub fn bounds(&self) -> [[f64; 2]; 2] {
        self.in_plane_axes().map(|a| {
            let (p, q) = (self.corner_a[a], self.corner_b[a]);
            [p.min(q), p.max(q)]
        })
    }

    /// The slab thickness for `grid` (see the type's note).
    pub fn thickness_mm(&self, grid: &Grid) -> f64 {
        let n = self.plane.normal_axis();
        let axis = grid.slice_axis(self.plane);
        let mut step = [0.0; 3];
        step[axis] = 1.0;
        grid.world_from_voxel.apply_vector(step)[n].abs()
    }

    /// Whether a world point lies in the shape on the plane (ignoring the
    /// slab); the boundary is inside.
    pub fn contains_in_plane(&self, world: [f64; 3]) -> bool {
        let axes = self.in_plane_axes();
        let b = self.bounds();
        match self.kind {
            ShapeKind::Rectangle => {
                (0..2).all(|i| world[axes[i]] >= b[i][0] && world[axes[i]] <= b[i][1])
            }
            ShapeKind::Ellipse => {
                let mut sum = 0.0;
                for i in 0..2 {
                    let centre = 0.5 * (b[i][0] + b[i][1]);
                    let half = 0.5 * (b[i][1] - b[i][0]);
                    if half <= 0.0 {
                        return false;
                    }
                    sum += ((world[axes[i]] - centre) / half).powi(2);
                }
                sum <= 1.0
            }
        }
    }
}

impl Region {
    /// Whether the centre of a voxel at `world` is inside, for `grid`.
    fn contains(&self, world: [f64; 3], slab_mm: f64) -> bool {
        match self {
            Region::Sphere {
                centre_ras,
                radius_mm,
            } => super::affine::distance(world, *centre_ras) <= *radius_mm,
            Region::Slice(shape) => {
                let d = world[shape.plane.normal_axis()] - shape.position_mm;
                d >= -0.5 * slab_mm && d < 0.5 * slab_mm && shape.contains_in_plane(world)
            }
        }
    }

    /// The world box that holds the region for `grid`: min and max corner.
    fn world_box(&self, slab_mm: f64) -> [[f64; 3]; 2] {
        match self {
            Region::Sphere {
                centre_ras,
                radius_mm,
            } => [
                centre_ras.map(|c| c - radius_mm),
                centre_ras.map(|c| c + radius_mm),
            ],
            Region::Slice(shape) => {
                let n = shape.plane.normal_axis();
                let axes = shape.in_plane_axes();
                let b = shape.bounds();
                let mut lo = [0.0; 3];
                let mut hi = [0.0; 3];
                lo[n] = shape.position_mm - 0.5 * slab_mm;
                hi[n] = shape.position_mm + 0.5 * slab_mm;
                for i in 0..2 {
                    lo[axes[i]] = b[i][0];
                    hi[axes[i]] = b[i][1];
                }
                [lo, hi]
            }
        }
    }

    /// Calls `visit` with every voxel of `grid` whose centre is inside,
    /// walking only the voxels of the region's bounding box.
    pub fn for_each_voxel(&self, grid: &Grid, mut visit: impl FnMut([usize; 3])) {
        let slab_mm = match self {
            Region::Slice(shape) => shape.thickness_mm(grid),
            Region::Sphere { .. } => 0.0,
        };
        let [lo, hi] = self.world_box(slab_mm);
        // The box's eight corners in voxel space bound the voxels to test.
        let mut vmin = [f64::INFINITY; 3];
        let mut vmax = [f64::NEG_INFINITY; 3];
        for corner in 0..8 {
            let world = [0, 1, 2].map(|a| if corner >> a & 1 == 0 { lo[a] } else { hi[a] });
            let v = grid.voxel_from_world(world);
            for a in 0..3 {
                vmin[a] = vmin[a].min(v[a]);
                vmax[a] = vmax[a].max(v[a]);
            }
        }
        let range = |a: usize| -> Option<(usize, usize)> {
            let first = vmin[a].floor().max(0.0);
            let last = vmax[a].ceil().min(grid.shape[a] as f64 - 1.0);
            (first.is_finite() && last >= first).then_some((first as usize, last as usize))
        };
        let (Some((i0, i1)), Some((j0, j1)), Some((k0, k1))) = (range(0), range(1), range(2))
        else {
            return;
        };
        for k in k0..=k1 {
            for j in j0..=j1 {
                for i in i0..=i1 {
                    if self.contains(grid.world_from_index([i, j, k]), slab_mm) {
                        visit([i, j, k]);
                    }
                }
            }
        }
    }

    /// The voxels of `grid` whose centres are inside.
    pub fn voxels(&self, grid: &Grid) -> Vec<[usize; 3]> {
        let mut out = Vec::new();
        self.for_each_voxel(grid, |v| out.push(v));
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Affine;

    fn grid(spacing: [f64; 3]) -> Grid {
        Grid::new([20, 20, 20], Affine::scaling(spacing).unwrap())
    }

    /// Every voxel, tested one by one: the slow, obvious reference.
    fn brute(region: &Region, g: &Grid) -> Vec<[usize; 3]> {
        let slab = match region {
            Region::Slice(s) => s.thickness_mm(g),
            _ => 0.0,
        };
        let mut out = Vec::new();
        for k in 0..g.shape[2] {
            for j in 0..g.shape[1] {
                for i in 0..g.shape[0] {
                    if region.contains(g.world_from_index([i, j, k]), slab) {
                        out.push([i, j, k]);
                    }
                }
            }
        }
        out
    }

    #[test]
    fn a_unit_sphere_on_a_1mm_grid_holds_the_centre_and_its_six_neighbours() {
        let g = grid([1.0, 1.0, 1.0]);
        let r = Region::Sphere {
            centre_ras: [5.0, 5.0, 5.0],
            radius_mm: 1.0,
        };
        assert_eq!(r.voxels(&g).len(), 7);
    }

    #[test]
    fn the_bounding_box_walk_finds_what_testing_every_voxel_finds() {
        let rotation = crate::geometry::Affine::from_rows([
            [0.9, -0.3, 0.1, -3.0],
            [0.3, 1.1, 0.2, 2.0],
            [-0.1, -0.2, 2.0, -4.0],
        ])
        .unwrap();
        let g = Grid::new([20, 22, 18], rotation);
        let regions = [
            Region::Sphere {
                centre_ras: [4.3, 9.1, 12.7],
                radius_mm: 6.2,
            },
            Region::Sphere {
                centre_ras: [-30.0, 9.1, 12.7],
                radius_mm: 1.0,
            },
            Region::Slice(SliceShape {
                kind: ShapeKind::Rectangle,
                plane: Plane::Axial,
                position_mm: 11.3,
                corner_a: [-2.2, 3.0, 0.0],
                corner_b: [9.7, 14.1, 0.0],
            }),
            Region::Slice(SliceShape {
                kind: ShapeKind::Ellipse,
                plane: Plane::Sagittal,
                position_mm: 4.6,
                corner_a: [0.0, 15.3, 2.1],
                corner_b: [0.0, 1.2, 19.8],
            }),
        ];
        for r in regions {
            assert_eq!(r.voxels(&g), brute(&r, &g), "{r:?}");
        }
    }

    #[test]
    fn a_slice_shape_takes_one_voxel_per_column_along_the_normal() {
        let g = grid([1.0, 1.0, 2.5]);
        let r = Region::Slice(SliceShape {
            kind: ShapeKind::Rectangle,
            plane: Plane::Axial,
            position_mm: 10.9,
            corner_a: [2.5, 3.5, 99.0],
            corner_b: [6.5, 5.5, -99.0],
        });
        let voxels = r.voxels(&g);
        // x 3..=6 (4 columns), y 4..=5 (2 rows), on the slice k = 4 (z 10 mm).
        assert_eq!(voxels.len(), 8);
        assert!(voxels.iter().all(|v| v[2] == 4), "{voxels:?}");
    }
}
