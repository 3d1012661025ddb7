//! Difference of Gaussians: edges at the zero crossings of
//! G(sigma) - G(sigma2), as MRIcroGL and niimath draw outlines.

use super::control::{Cancelled, Control};
use super::field::{zeroed, Layout};
use rayon::prelude::*;

/// For each voxel, the steepest zero crossing it sits on (intensity per mm
/// across the crossing), or 0. Of the two voxels either side of a crossing
/// the one nearer zero is marked (the forward one on a tie), so an outline
/// is one voxel thick.
pub fn crossing_slopes(
    difference: &[f32],
    layout: &Layout,
    control: &Control,
) -> Result<Vec<f32>, Cancelled> {
    let strides = layout.strides();
    let slab = layout.slab();
    let mut out = zeroed::<f32>(difference.len());
    out.par_chunks_mut(slab)
        .enumerate()
        .try_for_each(|(k, chunk)| {
            control.check()?;
            for (offset, slope) in chunk.iter_mut().enumerate() {
                let n = k * slab + offset;
                let d = difference[n];
                if !d.is_finite() {
                    continue;
                }
                let at = layout.coords(n);
                for axis in layout.working_axes() {
                    let h = layout.spacing_mm[axis] as f32;
                    for forward in [true, false] {
                        let x = at[axis];
                        let q = if forward {
                            if x + 1 >= layout.shape[axis] {
                                continue;
                            }
                            n + strides[axis]
                        } else {
                            if x == 0 {
                                continue;
                            }
                            n - strides[axis]
                        };
                        let e = difference[q];
                        let crosses = e.is_finite() && ((d < 0.0) != (e < 0.0));
                        let nearer = d.abs() < e.abs() || (d.abs() == e.abs() && !forward);
                        if crosses && nearer {
                            *slope = slope.max((d - e).abs() / h);
                        }
                    }
                }
            }
            Ok(())
        })?;
    Ok(out)
}
