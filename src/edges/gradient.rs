//! Gradients in intensity per millimetre, by central differences divided by
//! the voxel spacing; one-sided at the volume's edge and beside missing
//! voxels, zero at a missing voxel.

use super::control::{Cancelled, Control};
use super::field::Layout;
use rayon::prelude::*;

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

/// Gradient magnitude of every voxel (0 where missing, and where it is below
/// `floor`, the rounding noise of the smoothing).
pub fn magnitude(
    s: &[f32],
    layout: &Layout,
    floor: f32,
    control: &Control,
) -> Result<Vec<f32>, Cancelled> {
    let mut out = vec![0f32; s.len()];
    let slab = layout.slab();
    out.par_chunks_mut(slab)
        .enumerate()
        .try_for_each(|(k, chunk)| {
            control.check()?;
            for (offset, m) in chunk.iter_mut().enumerate() {
                let n = k * slab + offset;
                let g = norm(gradient_at(s, layout, layout.coords(n), n));
                *m = if g > floor { g } else { 0.0 };
            }
            Ok(())
        })?;
    Ok(out)
}
