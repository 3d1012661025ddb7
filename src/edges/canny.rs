//! Canny's last two steps: non-maximum suppression along the gradient
//! direction (interpolated, not quantised to 4 or 13 directions) and
//! hysteresis with full 8- (2D) or 26- (3D) connectivity.

use super::control::{Cancelled, Control};
use super::field::{try_for_each_row, Layout};
use super::gradient::{gradient_at, interior, norm, Stencil};
use crate::render::resample::{trilinear_cell, trilinear_clamped};

/// Voxels whose magnitude is a local maximum along the gradient and at least
/// `low`: 1 where kept, 0 elsewhere.
pub fn suppress_non_maxima(
    smoothed: &[f32],
    magnitude: &[f32],
    layout: &Layout,
    low: f32,
    has_missing: bool,
    control: &Control,
) -> Result<Vec<u8>, Cancelled> {
    let mut kept = vec![0u8; magnitude.len()];
    let [nx, ny, _] = layout.shape;
    let stencil = Stencil::new(layout);
    let inv_h = [0, 1, 2].map(|a| (1.0 / layout.spacing_mm[a]) as f32);
    try_for_each_row(&mut kept, layout, |r, row| {
        if r % ny == 0 {
            control.check()?;
        }
        let (j, k) = (r % ny, r / ny);
        for (i, out) in row.iter_mut().enumerate() {
            let n = r * nx + i;
            let m = magnitude[n];
            if !(m > 0.0 && m >= low) {
                continue;
            }
            let at = [i, j, k];
            let (ahead, behind) = if !has_missing && interior(layout, at) {
                // The direction in index units, scaled so its largest
                // component is one voxel: both samples stay in the 3x3x3
                // neighbourhood, so no clamping is needed.
                let g = stencil.gradient(smoothed, n);
                let u = [0, 1, 2].map(|a| g[a] * inv_h[a]);
                let largest = u[0].abs().max(u[1].abs()).max(u[2].abs());
                if largest == 0.0 {
                    continue;
                }
                let d = u.map(|x| x / largest);
                (
                    sample_near(magnitude, &stencil, n, d),
                    sample_near(magnitude, &stencil, n, d.map(|x| -x)),
                )
            } else {
                let Some(step) = step_along_gradient(smoothed, layout, at, n) else {
                    continue;
                };
                (
                    interpolate(magnitude, layout, at, step, 1.0),
                    interpolate(magnitude, layout, at, step, -1.0),
                )
            };
            // Strict on one side, so a two-voxel plateau keeps one voxel.
            *out = (m >= ahead && m > behind) as u8;
        }
        Ok(())
    })?;
    Ok(kept)
}

/// Trilinear sample at voxel `n` displaced by `d` (each component in
/// [-1, 1]) at an interior voxel.
#[inline]
fn sample_near(field: &[f32], stencil: &Stencil, n: usize, d: [f32; 3]) -> f32 {
    let mut base = n;
    let mut fraction = [0f32; 3];
    for a in 0..3 {
        if d[a] < 0.0 {
            base -= stencil.offset[a];
            fraction[a] = d[a] + 1.0;
        } else {
            fraction[a] = d[a];
        }
    }
    trilinear_cell(field, base, stencil.offset, fraction)
}

/// The gradient direction as an index step whose largest component is one
/// voxel: the physical direction, divided by the spacing of each axis.
#[inline]
pub fn step_along_gradient(
    smoothed: &[f32],
    layout: &Layout,
    at: [usize; 3],
    n: usize,
) -> Option<[f64; 3]> {
    let g = gradient_at(smoothed, layout, at, n);
    let length = norm(g);
    if length == 0.0 {
        return None;
    }
    let index_units = [0, 1, 2].map(|a| g[a] as f64 / length as f64 / layout.spacing_mm[a]);
    let largest = index_units.iter().fold(0.0f64, |m, v| m.max(v.abs()));
    Some(index_units.map(|v| v / largest))
}

/// Trilinear interpolation of `field` at `at + sign * step`, clamped to the
/// volume (outside counts as the nearest edge voxel).
#[inline]
pub fn interpolate(
    field: &[f32],
    layout: &Layout,
    at: [usize; 3],
    step: [f64; 3],
    sign: f64,
) -> f32 {
    let p = [0, 1, 2].map(|a| at[a] as f64 + sign * step[a]);
    trilinear_clamped(field, layout.shape, layout.strides(), p)
}

/// Keeps the candidates connected to a strong one (magnitude >= `high`),
/// through candidates, with every neighbour along the working axes
/// (diagonals included). `candidates` becomes the edge mask.
pub fn hysteresis(
    candidates: &mut [u8],
    magnitude: &[f32],
    layout: &Layout,
    high: f32,
    control: &Control,
) -> Result<(), Cancelled> {
    const CANDIDATE: u8 = 1;
    const EDGE: u8 = 2;
    let offsets = neighbour_offsets(layout);
    let strides = layout.strides().map(|s| s as isize);
    let linear: Vec<isize> = offsets
        .iter()
        .map(|d| d[0] * strides[0] + d[1] * strides[1] + d[2] * strides[2])
        .collect();
    let mut stack = Vec::new();
    for seed in 0..candidates.len() {
        if candidates[seed] != CANDIDATE || magnitude[seed] < high {
            continue;
        }
        if seed % (1 << 20) == 0 {
            control.check()?;
        }
        candidates[seed] = EDGE;
        stack.push(seed);
        while let Some(n) = stack.pop() {
            let at = layout.coords(n);
            if interior(layout, at) {
                for &d in &linear {
                    let m = (n as isize + d) as usize;
                    if candidates[m] == CANDIDATE {
                        candidates[m] = EDGE;
                        stack.push(m);
                    }
                }
                continue;
            }
            for &d in &offsets {
                let mut q = [0usize; 3];
                let mut inside = true;
                for a in 0..3 {
                    let v = at[a] as isize + d[a];
                    inside &= v >= 0 && (v as usize) < layout.shape[a];
                    q[a] = v.max(0) as usize;
                }
                if !inside {
                    continue;
                }
                let m = layout.index(q[0], q[1], q[2]);
                if candidates[m] == CANDIDATE {
                    candidates[m] = EDGE;
                    stack.push(m);
                }
            }
        }
    }
    for c in candidates.iter_mut() {
        *c = (*c == EDGE) as u8;
    }
    Ok(())
}

/// All offsets in {-1, 0, 1} along the working axes, except zero.
pub fn neighbour_offsets(layout: &Layout) -> Vec<[isize; 3]> {
    let range = |a: usize| {
        if layout.active[a] && layout.shape[a] > 1 {
            -1..=1
        } else {
            0..=0
        }
    };
    let mut out = Vec::new();
    for dz in range(2) {
        for dy in range(1) {
            for dx in range(0) {
                if (dx, dy, dz) != (0, 0, 0) {
                    out.push([dx, dy, dz]);
                }
            }
        }
    }
    out
}
