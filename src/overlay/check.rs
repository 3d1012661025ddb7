//! The geometry check: does an overlay's header put its voxels where the
//! base's grid is, and if not, how do they differ, in words a user can act on.

use super::findings::{Finding, Reordering};
use crate::geometry::orientation::axis_directions;
use crate::geometry::Grid;
use crate::volume::{AffineSource, Format, Volume};
use serde::Serialize;

/// Below this, two headers place voxels at the same points (float32 noise).
pub const SAME_PLACE_MM: f64 = 0.01;

#[derive(Debug, Clone, Serialize)]
pub struct GeometryCheck {
    pub aligned: bool,
    pub same_grid: bool,
    #[serde(serialize_with = "super::findings::serialize_findings")]
    pub findings: Vec<Finding>,
    /// The largest distance between where the overlay's header and the
    /// base's header put the corners of the overlay's voxel grid.
    pub max_corner_distance_mm: f64,
    /// Fraction of the overlay's box that lies inside the base's box.
    pub overlap_fraction: f64,
    /// Another grid, but nothing suspicious: both have an orientation, the
    /// overlay mostly overlaps the base, and it is not the base's grid moved
    /// by a pure shift. Viewers resample such overlays, and so do we.
    pub placed_consistently: bool,
}

/// Compares the overlay's grid with the base's.
pub fn compare_geometry(base: &Volume, overlay: &Volume) -> GeometryCheck {
    let b = &base.grid;
    let o = &overlay.grid;
    let mut findings = Vec::new();
    let mut pure_shift = false;
    let distance = o
        .world_from_voxel
        .max_corner_distance(&b.world_from_voxel, o.index_extent());
    let same_shape = b.shape == o.shape;
    let same_grid = same_shape && distance < SAME_PLACE_MM;
    let overlap = overlap_fraction(b, o);

    if same_grid {
        findings.push(Finding::SameGrid {
            dims: b.shape,
            max_distance_mm: distance,
        });
        // Codes are NIfTI's: another format's header is made here, and its
        // codes say nothing about what the file claimed.
        let codes = |v: &Volume| (v.header.sform_code, v.header.qform_code);
        let both_nifti = base.format == Format::Nifti && overlay.format == Format::Nifti;
        if both_nifti && codes(base) != codes(overlay) {
            findings.push(Finding::CodesDiffer {
                base: codes(base),
                overlay: codes(overlay),
            });
        }
    } else {
        if overlay.affine_source == AffineSource::Pixdim {
            findings.push(Finding::NoOrientation);
        }
        if !same_shape {
            findings.push(Finding::DimsDiffer {
                base: b.shape,
                overlay: o.shape,
            });
            if let Some(order) = permuted_shape(b.shape, o.shape) {
                let header_agrees = axis_mapping(b, o)
                    .iter()
                    .zip(order)
                    .all(|(m, from)| m.is_some_and(|(axis, _)| axis == from));
                let reordering = if header_agrees {
                    Reordering::HeaderTurnsBack
                } else if order == [2, 1, 0] {
                    Reordering::ZyxArray
                } else {
                    Reordering::TwoAxesSwapped
                };
                findings.push(Finding::DimsReordered { order, reordering });
            }
        }
        let (bs, os) = (b.spacing_mm(), o.spacing_mm());
        if (0..3).any(|a| (bs[a] - os[a]).abs() > 1e-3) {
            findings.push(Finding::SpacingDiffers {
                base_mm: bs,
                overlay_mm: os,
            });
        }
        let (bc, oc) = (b.axcodes(), o.axcodes());
        if bc != oc {
            findings.push(Finding::OrientationDiffers {
                base: bc,
                overlay: oc,
                axes: axis_mapping(b, o),
            });
        }
        if linear_difference(b, o) < 1e-4 && distance >= SAME_PLACE_MM {
            pure_shift = same_shape;
            let shift = [0, 1, 2]
                .map(|a| o.world_from_voxel.translation()[a] - b.world_from_voxel.translation()[a]);
            findings.push(Finding::PureShift { shift_mm: shift });
        }
        findings.push(Finding::CornerDistance { mm: distance });
    }
    if overlap < 0.5 {
        findings.push(Finding::LittleOverlap { fraction: overlap });
    }
    let oriented = |v: &Volume| v.affine_source != AffineSource::Pixdim;
    let placed_consistently =
        !same_grid && oriented(base) && oriented(overlay) && overlap >= 0.5 && !pure_shift;
    GeometryCheck {
        aligned: same_grid,
        placed_consistently,
        same_grid,
        findings,
        max_corner_distance_mm: distance,
        overlap_fraction: overlap,
    }
}

/// When `overlay` is `base` with its axes reordered (not the identity),
/// the base axis behind each overlay axis.
fn permuted_shape(base: [usize; 3], overlay: [usize; 3]) -> Option<[usize; 3]> {
    const ORDERS: [[usize; 3]; 5] = [[0, 2, 1], [1, 0, 2], [1, 2, 0], [2, 0, 1], [2, 1, 0]];
    // Prefer the full reversal: the commonest mistake, and ambiguous shapes
    // (two equal dims) should name it first.
    let mut candidates = ORDERS;
    candidates.sort_by_key(|o| if *o == [2, 1, 0] { 0 } else { 1 });
    candidates.into_iter().find(|order| {
        order
            .iter()
            .enumerate()
            .all(|(a, &from)| overlay[a] == base[from])
    })
}

/// For each overlay voxel axis, the base voxel axis along the same world
/// axis and whether it runs the other way.
fn axis_mapping(base: &Grid, overlay: &Grid) -> [Option<(usize, bool)>; 3] {
    let bd = axis_directions(&base.world_from_voxel);
    let od = axis_directions(&overlay.world_from_voxel);
    od.map(|d| {
        (0..3)
            .find(|&f| bd[f].world_axis == d.world_axis)
            .map(|from| (from, bd[from].sign != d.sign))
    })
}

/// Largest difference between the two linear parts (rotation, zoom, shear).
fn linear_difference(b: &Grid, o: &Grid) -> f64 {
    let (x, y) = (b.world_from_voxel.linear(), o.world_from_voxel.linear());
    (0..3)
        .flat_map(|r| (0..3).map(move |c| (r, c)))
        .map(|(r, c)| (x[r][c] - y[r][c]).abs())
        .fold(0.0, f64::max)
}

/// Fraction of a lattice of points across the overlay's box that falls
/// inside the base's box.
fn overlap_fraction(base: &Grid, overlay: &Grid) -> f64 {
    const STEPS: usize = 12;
    let extent = overlay.index_extent();
    let (mut inside, mut total) = (0usize, 0usize);
    for a in 0..STEPS {
        for b in 0..STEPS {
            for c in 0..STEPS {
                let t = [a, b, c].map(|x| (x as f64 + 0.5) / STEPS as f64);
                let index = [0, 1, 2].map(|d| t[d] * extent[d]);
                let world = overlay.world_from_voxel.apply(index);
                let v = base.voxel_from_world(world);
                total += 1;
                if (0..3).all(|d| v[d] >= -0.5 && v[d] <= base.shape[d] as f64 - 0.5) {
                    inside += 1;
                }
            }
        }
    }
    inside as f64 / total as f64
}
