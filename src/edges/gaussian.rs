//! Gaussian smoothing in millimetres: separable, truncated, and normalised
//! so that missing voxels (NaN, Inf) and the outside of the volume carry no
//! weight. Nothing spreads from a missing voxel, and missing voxels stay
//! missing.

use super::control::Phase;
use super::control::{Cancelled, Control};
use super::field::{try_for_each_row, zeroed, Layout, Pass};
use rayon::prelude::*;

/// Sigma below this many voxels is no smoothing at all.
const NO_SMOOTHING_VOXELS: f64 = 0.05;

/// The 1D kernel for a sigma in voxels, truncated at `truncate` sigmas
/// (at least one tap each side), summing to 1.
pub fn kernel(sigma_voxels: f64, truncate: f64) -> Vec<f32> {
    let radius = ((truncate * sigma_voxels).ceil() as usize).max(1);
    let weights: Vec<f64> = (0..=2 * radius)
        .map(|n| {
            let x = n as f64 - radius as f64;
            (-0.5 * (x / sigma_voxels).powi(2)).exp()
        })
        .collect();
    let total: f64 = weights.iter().sum();
    weights.iter().map(|w| (w / total) as f32).collect()
}

/// Smooths `values` with a Gaussian of `sigma_mm` along each working axis
/// of `layout`. Returns NaN where the input was not finite. The detector
/// scans its input once for itself and calls [`smooth_known`]; the tests
/// call this.
#[cfg(test)]
pub fn smooth(
    values: &[f32],
    layout: &Layout,
    sigma_mm: f64,
    truncate: f64,
    control: &Control,
) -> Result<Vec<f32>, Cancelled> {
    let has_missing = values.par_iter().any(|v| !v.is_finite());
    smooth_known(
        values.into(),
        layout,
        sigma_mm,
        truncate,
        has_missing,
        Phase::Smoothing,
        control,
    )
}

/// As [`smooth`], when the caller already knows whether any value is missing.
/// Given `values` to own, their memory becomes the working buffer after the
/// first pass: a 3D run then never holds the input, the result and a
/// scratch buffer at once (one float32 volume less at its peak).
pub fn smooth_known(
    values: std::borrow::Cow<'_, [f32]>,
    layout: &Layout,
    sigma_mm: f64,
    truncate: f64,
    has_missing: bool,
    phase: Phase,
    control: &Control,
) -> Result<Vec<f32>, Cancelled> {
    let axes: Vec<(usize, Vec<f32>)> = layout
        .working_axes()
        .filter_map(|axis| {
            let sigma_voxels = sigma_mm / layout.spacing_mm[axis];
            (sigma_voxels >= NO_SMOOTHING_VOXELS).then(|| (axis, kernel(sigma_voxels, truncate)))
        })
        .collect();
    if !has_missing {
        // The common case: the first pass reads the input where it lies.
        let Some(((first, taps), rest)) = axes.split_first() else {
            return Ok(values.into_owned());
        };
        let passes = axes.len();
        let pass = |n| Pass::nth(control, phase, n, passes);
        let mut data = zeroed::<f32>(values.len());
        convolve_axis(&values, &mut data, layout, *first, taps, true, pass(0))?;
        // Every pass writes every value of its output: the input's own
        // memory, when it is ours, serves as the next pass's output.
        let mut scratch = match values {
            std::borrow::Cow::Owned(v) if !rest.is_empty() => v,
            _ if rest.is_empty() => Vec::new(),
            _ => zeroed::<f32>(data.len()),
        };
        for (n, (axis, taps)) in rest.iter().enumerate() {
            convolve_axis(&data, &mut scratch, layout, *axis, taps, true, pass(n + 1))?;
            std::mem::swap(&mut data, &mut scratch);
        }
        return Ok(data);
    }
    let mut data: Vec<f32> = values
        .par_iter()
        .map(|&v| if v.is_finite() { v } else { 0.0 })
        .collect();
    // Normalised convolution: the smoothed weight of the valid voxels
    // divides the result, so missing ones contribute nothing.
    let mut weight: Vec<f32> = values
        .par_iter()
        .map(|v| if v.is_finite() { 1.0 } else { 0.0 })
        .collect();
    let mut scratch = zeroed::<f32>(data.len());
    // Two passes an axis: the values, then their weights.
    let pass = |n| Pass::nth(control, phase, n, 2 * axes.len());
    for (n, (axis, taps)) in axes.iter().enumerate() {
        convolve_axis(&data, &mut scratch, layout, *axis, taps, false, pass(2 * n))?;
        std::mem::swap(&mut data, &mut scratch);
        convolve_axis(
            &weight,
            &mut scratch,
            layout,
            *axis,
            taps,
            false,
            pass(2 * n + 1),
        )?;
        std::mem::swap(&mut weight, &mut scratch);
    }
    drop(scratch);
    data.par_iter_mut()
        .zip(weight.par_iter())
        .zip(values.par_iter())
        .for_each(|((d, &w), &v)| {
            *d = if v.is_finite() && w > 1e-6 {
                *d / w
            } else {
                f32::NAN
            };
        });
    Ok(data)
}

/// Outputs summed together, in registers across the taps.
const LANES: usize = 16;

/// `out[x] = taps[r] * centres[x] + sum over t of taps[r + t] * (left + right)`
/// where `pair(t, x)` gives the runs starting at the values `t` before and
/// after output `x`: a symmetric kernel folded, so each pair of taps costs
/// one multiplication (13 operations an output for 9 taps instead of 17;
/// the smoothing is bound by them). Each output adds its terms in the
/// same order whatever the block it falls in.
#[inline(always)]
fn folded<'a>(
    out: &mut [f32],
    centres: &[f32],
    taps: &[f32],
    pair: impl Fn(usize, usize) -> (&'a [f32], &'a [f32]),
) {
    let radius = taps.len() / 2;
    let half = &taps[radius..];
    let len = out.len();
    let mut blocks = out.chunks_exact_mut(LANES);
    for (b, block) in (&mut blocks).enumerate() {
        let at = b * LANES;
        let centre = &centres[at..at + LANES];
        let mut sum = [0f32; LANES];
        for l in 0..LANES {
            sum[l] = half[0] * centre[l];
        }
        for (t, &w) in half.iter().enumerate().skip(1) {
            let (left, right) = pair(t, at);
            let (left, right) = (&left[..LANES], &right[..LANES]);
            for l in 0..LANES {
                sum[l] += w * (left[l] + right[l]);
            }
        }
        block.copy_from_slice(&sum);
    }
    let rest = blocks.into_remainder();
    let done = len - rest.len();
    for (x, o) in rest.iter_mut().enumerate() {
        let x = done + x;
        let mut sum = half[0] * centres[x];
        for (t, &w) in half.iter().enumerate().skip(1) {
            let (left, right) = pair(t, x);
            sum += w * (left[0] + right[0]);
        }
        *o = sum;
    }
}

/// `dst = src * taps` along one axis. With `renormalise`, each output is
/// divided by the sum of the taps that fell inside the volume.
fn convolve_axis(
    src: &[f32],
    dst: &mut [f32],
    layout: &Layout,
    axis: usize,
    taps: &[f32],
    renormalise: bool,
    pass: Pass,
) -> Result<(), Cancelled> {
    let [nx, ny, _] = layout.shape;
    let n = layout.shape[axis];
    let radius = taps.len() / 2;
    // Sum of the taps inside the volume for each position along the axis.
    let inside: Vec<f32> = (0..n)
        .map(|x| {
            let lo = radius.saturating_sub(x);
            let hi = (radius + n - x).min(taps.len());
            let s: f32 = taps[lo..hi].iter().sum();
            if renormalise {
                1.0 / s
            } else {
                1.0
            }
        })
        .collect();
    let slab = layout.slab();
    // Row by row, so a single 2D slice still uses every core.
    try_for_each_row(dst, layout, pass, |r, row| -> Result<(), Cancelled> {
        let (j, k) = (r % ny, r / ny);
        let row_start = r * nx;
        match axis {
            0 => {
                let src_row = &src[row_start..row_start + nx];
                let edge = |i: usize| {
                    let lo = radius.saturating_sub(i);
                    let hi = (radius + nx - i).min(taps.len());
                    let sum: f32 = (lo..hi).map(|t| taps[t] * src_row[i + t - radius]).sum();
                    sum * inside[i]
                };
                if nx > 2 * radius {
                    // Interior: every tap inside, no bounds to test.
                    let out = &mut row[radius..nx - radius];
                    let centres = &src_row[radius..nx - radius];
                    folded(out, centres, taps, |t, at| {
                        (&src_row[at + radius - t..], &src_row[at + radius + t..])
                    });
                    for i in (0..radius).chain(nx - radius..nx) {
                        row[i] = edge(i);
                    }
                } else {
                    for (i, o) in row.iter_mut().enumerate() {
                        *o = edge(i);
                    }
                }
            }
            _ => {
                // Whole rows at a time: an axpy per tap, which vectorises.
                let position = if axis == 1 { j } else { k };
                let lo = radius.saturating_sub(position);
                let hi = (radius + n - position).min(taps.len());
                let line = |p: usize| {
                    let start = if axis == 1 {
                        k * slab + p * nx
                    } else {
                        p * slab + j * nx
                    };
                    &src[start..start + nx]
                };
                if lo == 0 && hi == taps.len() {
                    // Every tap inside: the same fold as along i, whole lines
                    // at a time.
                    folded(row, line(position), taps, |t, at| {
                        (&line(position - t)[at..], &line(position + t)[at..])
                    });
                    return Ok(());
                }
                row.fill(0.0);
                for (t, &w) in taps.iter().enumerate().take(hi).skip(lo) {
                    for (o, &s) in row.iter_mut().zip(line(position + t - radius)) {
                        *o += w * s;
                    }
                }
                let f = inside[position];
                if f != 1.0 {
                    row.iter_mut().for_each(|o| *o *= f);
                }
            }
        }
        Ok(())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layout(shape: [usize; 3]) -> Layout {
        Layout {
            shape,
            spacing_mm: [1.0, 2.0, 0.5],
            active: [true; 3],
        }
    }

    #[test]
    fn constant_stays_constant_up_to_the_edges() {
        let l = layout([9, 8, 7]);
        let out = smooth(&vec![5.0; l.len()], &l, 1.5, 4.0, &Control::none()).unwrap();
        assert!(out.iter().all(|v| (v - 5.0).abs() < 1e-4), "{out:?}");
    }

    #[test]
    fn missing_voxels_do_not_spread() {
        let l = layout([9, 8, 7]);
        let mut values = vec![3.0; l.len()];
        let hole = l.index(4, 4, 3);
        values[hole] = f32::NAN;
        values[l.index(0, 0, 0)] = f32::INFINITY;
        let out = smooth(&values, &l, 2.0, 4.0, &Control::none()).unwrap();
        assert!(out[hole].is_nan() && out[0].is_nan());
        let others = out
            .iter()
            .enumerate()
            .filter(|(n, _)| *n != hole && *n != 0);
        for (n, v) in others {
            assert!((v - 3.0).abs() < 1e-4, "voxel {n} = {v}");
        }
    }

    #[test]
    fn sigma_is_in_millimetres() {
        // A point source: the spread along each axis, in voxels, is sigma_mm / spacing.
        let l = layout([41, 41, 41]);
        let mut values = vec![0.0; l.len()];
        values[l.index(20, 20, 20)] = 1.0;
        let out = smooth(&values, &l, 2.0, 5.0, &Control::none()).unwrap();
        let variance = |axis: usize| {
            let mut sum = 0.0;
            let mut total = 0.0;
            for (n, v) in out.iter().enumerate() {
                let d = l.coords(n)[axis] as f64 - 20.0;
                sum += d * d * *v as f64;
                total += *v as f64;
            }
            sum / total
        };
        for axis in 0..3 {
            let expected = (2.0 / l.spacing_mm[axis]).powi(2);
            assert!(
                (variance(axis) - expected).abs() < 0.02 * expected + 0.01,
                "axis {axis}: {}",
                variance(axis)
            );
        }
    }
}
