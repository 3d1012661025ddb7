//! Gradients in intensity per millimetre, by central differences divided by
//! the voxel spacing; one-sided at the volume's edge and beside missing
//! voxels, zero at a missing voxel.

use super::control::Phase;
use super::control::{Cancelled, Control};
use super::field::{try_for_each_row, zeroed, Layout, Pass};

/// The gradient at voxel `n` (coordinates `at`) along each working axis.
#[inline]
pub fn gradient_at(s: &[f32], layout: &Layout, at: [usize; 3], n: usize) -> [f32; 3] {
    let centre = s[n];
    let mut g = [0f32; 3];
    if !centre.is_finite() {
        return g;
    }
    let strides = layout.strides();
    for axis in 0..3 {
        if !layout.active[axis] || layout.shape[axis] < 2 {
            continue;
        }
        let x = at[axis];
        let stride = strides[axis];
        let h = layout.spacing_mm[axis] as f32;
        let forward = (x + 1 < layout.shape[axis])
            .then(|| s[n + stride])
            .filter(|v| v.is_finite());
        let backward = (x > 0).then(|| s[n - stride]).filter(|v| v.is_finite());
        g[axis] = match (backward, forward) {
            (Some(b), Some(f)) => (f - b) / (2.0 * h),
            (None, Some(f)) => (f - centre) / h,
            (Some(b), None) => (centre - b) / h,
            (None, None) => 0.0,
        };
    }
    g
}

#[inline]
pub fn norm(g: [f32; 3]) -> f32 {
    (g[0] * g[0] + g[1] * g[1] + g[2] * g[2]).sqrt()
}

/// Per-axis neighbour offsets and 1 / (2 h) for the fast interior path;
/// zero on axes that do not take part.
#[derive(Clone, Copy)]
pub struct Stencil {
    pub offset: [usize; 3],
    pub inv_2h: [f32; 3],
}

impl Stencil {
    pub fn new(layout: &Layout) -> Self {
        let strides = layout.strides();
        let mut offset = [0; 3];
        let mut inv_2h = [0f32; 3];
        for a in layout.working_axes() {
            offset[a] = strides[a];
            inv_2h[a] = (0.5 / layout.spacing_mm[a]) as f32;
        }
        Stencil { offset, inv_2h }
    }

    /// Central differences along the first `AXES` axes at an interior
    /// voxel of a field without gaps.
    #[inline(always)]
    pub fn gradient<const AXES: usize>(&self, s: &[f32], n: usize) -> [f32; AXES] {
        std::array::from_fn(|a| (s[n + self.offset[a]] - s[n - self.offset[a]]) * self.inv_2h[a])
    }
}

/// True when `at` is off every working axis's ends (no one-sided differences).
#[inline]
pub fn interior(layout: &Layout, at: [usize; 3]) -> bool {
    (0..3).all(|a| {
        !layout.active[a] || layout.shape[a] < 2 || (at[a] > 0 && at[a] + 1 < layout.shape[a])
    })
}

#[inline]
fn above_floor(g: f32, floor: f32) -> f32 {
    if g > floor {
        g
    } else {
        0.0
    }
}

/// Gradient magnitude of every voxel (0 where missing, and where it is below
/// `floor`, the rounding noise of the smoothing).
pub fn magnitude(
    s: &[f32],
    layout: &Layout,
    floor: f32,
    has_missing: bool,
    control: &Control,
) -> Result<Vec<f32>, Cancelled> {
    let mut out = zeroed::<f32>(s.len());
    let [nx, ny, _] = layout.shape;
    let stencil = Stencil::new(layout);
    try_for_each_row(
        &mut out,
        layout,
        Pass::whole(control, Phase::Gradient),
        |r, row| {
            let (j, k) = (r % ny, r / ny);
            // Rows off the ends of the other working axes take the stencil for
            // every voxel but their first and last (when i takes part).
            let fast_row =
                !has_missing && interior(layout, [usize::from(layout.shape[0] > 2), j, k]);
            let margin = usize::from(stencil.offset[0] != 0);
            let start = r * nx;
            let slow = |i: usize| norm(gradient_at(s, layout, [i, j, k], start + i));
            if !fast_row || nx <= 2 * margin {
                for (i, m) in row.iter_mut().enumerate() {
                    *m = above_floor(slow(i), floor);
                }
                return Ok(());
            }
            for i in (0..margin).chain(nx - margin..nx) {
                row[i] = above_floor(slow(i), floor);
            }
            // The interior as whole-row slices: no index arithmetic or bounds
            // checks per voxel, so the loop vectorises. Same arithmetic as
            // `Stencil::gradient`, so the same values.
            let (lo, hi) = (start + margin, start + nx - margin);
            let axis = |a: usize| {
                let o = stencil.offset[a];
                (&s[lo + o..hi + o], &s[lo - o..hi - o], stencil.inv_2h[a])
            };
            let (x, y, z) = (axis(0), axis(1), axis(2));
            for (n, m) in row[margin..nx - margin].iter_mut().enumerate() {
                let g = [
                    (x.0[n] - x.1[n]) * x.2,
                    (y.0[n] - y.1[n]) * y.2,
                    (z.0[n] - z.1[n]) * z.2,
                ];
                *m = above_floor(norm(g), floor);
            }
            Ok(())
        },
    )?;
    Ok(out)
}
