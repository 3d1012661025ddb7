//! A slow Canny written for clarity, not speed: direct (non-separable)
//! smoothing in f64, quantiles by sorting, hysteresis by repeated sweeps.
//! Tests hold the fast detector to it.

use super::field::Layout;
use super::gaussian::kernel;
use super::EdgeParams;

/// What the reference decided and how narrowly, for each voxel.
pub struct ReferenceCanny {
    pub mask: Vec<u8>,
    /// Per voxel, how far the closest decision (threshold or suppression
    /// comparison) was from going the other way, relative to the magnitude.
    pub margin: Vec<f64>,
}

pub fn canny(values: &[f32], layout: &Layout, params: &EdgeParams) -> ReferenceCanny {
    let n = layout.len();
    let kernels: Vec<Vec<f64>> = (0..3)
        .map(|a| {
            let sigma = params.sigma_mm / layout.spacing_mm[a];
            if layout.active[a] && layout.shape[a] > 1 && sigma >= 0.05 {
                kernel(sigma, params.truncate_sigmas)
                    .iter()
                    .map(|&w| w as f64)
                    .collect()
            } else {
                vec![1.0]
            }
        })
        .collect();
    let at = |i: isize, j: isize, k: isize| -> Option<f64> {
        let inside = i >= 0
            && j >= 0
            && k >= 0
            && (i as usize) < layout.shape[0]
            && (j as usize) < layout.shape[1]
            && (k as usize) < layout.shape[2];
        if !inside {
            return None;
        }
        let v = values[layout.index(i as usize, j as usize, k as usize)];
        v.is_finite().then_some(v as f64)
    };
    // Smoothing: every voxel a weighted mean of its valid neighbours.
    let mut smoothed = vec![f64::NAN; n];
    for (idx, s) in smoothed.iter_mut().enumerate() {
        let [i, j, k] = layout.coords(idx).map(|c| c as isize);
        if at(i, j, k).is_none() {
            continue;
        }
        let r = kernels
            .iter()
            .map(|kk| (kk.len() / 2) as isize)
            .collect::<Vec<_>>();
        let (mut sum, mut weight) = (0.0, 0.0);
        for dz in -r[2]..=r[2] {
            for dy in -r[1]..=r[1] {
                for dx in -r[0]..=r[0] {
                    if let Some(v) = at(i + dx, j + dy, k + dz) {
                        let w = kernels[0][(dx + r[0]) as usize]
                            * kernels[1][(dy + r[1]) as usize]
                            * kernels[2][(dz + r[2]) as usize];
                        sum += w * v;
                        weight += w;
                    }
                }
            }
        }
        *s = sum / weight;
    }
    // Gradient per mm.
    let get = |idx: usize, axis: usize, delta: isize| -> Option<f64> {
        let mut c = layout.coords(idx).map(|x| x as isize);
        c[axis] += delta;
        if c[axis] < 0 || c[axis] as usize >= layout.shape[axis] {
            return None;
        }
        let v = smoothed[layout.index(c[0] as usize, c[1] as usize, c[2] as usize)];
        v.is_finite().then_some(v)
    };
    let gradient = |idx: usize| -> [f64; 3] {
        let mut g = [0.0; 3];
        if !smoothed[idx].is_finite() {
            return g;
        }
        for (a, ga) in g.iter_mut().enumerate() {
            if !layout.active[a] || layout.shape[a] < 2 {
                continue;
            }
            let h = layout.spacing_mm[a];
            *ga = match (get(idx, a, -1), get(idx, a, 1)) {
                (Some(b), Some(f)) => (f - b) / (2.0 * h),
                (None, Some(f)) => (f - smoothed[idx]) / h,
                (Some(b), None) => (smoothed[idx] - b) / h,
                (None, None) => 0.0,
            };
        }
        g
    };
    let magnitude: Vec<f64> = (0..n)
        .map(|idx| gradient(idx).iter().map(|g| g * g).sum::<f64>().sqrt())
        .collect();
    // Quantile thresholds over voxels with some gradient.
    let mut positive: Vec<f64> = (0..n)
        .filter(|&i| values[i].is_finite() && magnitude[i] > 0.0)
        .map(|i| magnitude[i])
        .collect();
    positive.sort_by(f64::total_cmp);
    let quantile = |q: f64| {
        positive
            .get(((positive.len().max(1) - 1) as f64 * q).round() as usize)
            .copied()
            .unwrap_or(f64::INFINITY)
    };
    let (low, high) = match params.thresholds {
        super::ThresholdKind::Quantile => (quantile(params.low), quantile(params.high)),
        super::ThresholdKind::Absolute => (params.low, params.high),
    };
    // Trilinear magnitude at a continuous index, clamped to the volume.
    let sample = |p: [f64; 3]| -> f64 {
        let mut total = 0.0;
        let c = [0, 1, 2].map(|a| p[a].clamp(0.0, (layout.shape[a] - 1) as f64));
        for corner in 0..8 {
            let mut w = 1.0;
            let mut q = [0usize; 3];
            for a in 0..3 {
                let f = c[a].floor();
                let up = corner & (1 << a) != 0;
                q[a] = (f as usize + up as usize).min(layout.shape[a] - 1);
                w *= if up { c[a] - f } else { 1.0 - (c[a] - f) };
            }
            total += w * magnitude[layout.index(q[0], q[1], q[2])];
        }
        total
    };
    let mut margin = vec![f64::INFINITY; n];
    let mut candidate = vec![false; n];
    for idx in 0..n {
        let m = magnitude[idx];
        if m <= 0.0 {
            continue;
        }
        let g = gradient(idx);
        let unit = [0, 1, 2].map(|a| g[a] / m / layout.spacing_mm[a]);
        let largest = unit.iter().fold(0.0f64, |x, v| x.max(v.abs()));
        let step = unit.map(|u| u / largest);
        let p = layout.coords(idx).map(|c| c as f64);
        let ahead = sample([0, 1, 2].map(|a| p[a] + step[a]));
        let behind = sample([0, 1, 2].map(|a| p[a] - step[a]));
        candidate[idx] = m >= low && m >= ahead && m > behind;
        let scale = m.max(1e-12);
        margin[idx] = [
            (m - low).abs(),
            (m - high).abs(),
            (m - ahead).abs(),
            (m - behind).abs(),
        ]
        .into_iter()
        .fold(f64::INFINITY, f64::min)
            / scale;
    }
    // Hysteresis: grow from strong voxels until nothing changes.
    let mut edge: Vec<bool> = (0..n)
        .map(|i| candidate[i] && magnitude[i] >= high)
        .collect();
    loop {
        let mut changed = false;
        for idx in 0..n {
            if edge[idx] || !candidate[idx] {
                continue;
            }
            let c = layout.coords(idx).map(|x| x as isize);
            let mut touches = false;
            for dz in -1..=1isize {
                for dy in -1..=1isize {
                    for dx in -1..=1isize {
                        let d = [dx, dy, dz];
                        if d == [0, 0, 0] || (0..3).any(|a| d[a] != 0 && !layout.active[a]) {
                            continue;
                        }
                        let q = [0, 1, 2].map(|a| c[a] + d[a]);
                        if (0..3).all(|a| q[a] >= 0 && (q[a] as usize) < layout.shape[a])
                            && edge[layout.index(q[0] as usize, q[1] as usize, q[2] as usize)]
                        {
                            touches = true;
                        }
                    }
                }
            }
            if touches {
                edge[idx] = true;
                changed = true;
            }
        }
        if !changed {
            break;
        }
    }
    ReferenceCanny {
        mask: edge.iter().map(|&e| e as u8).collect(),
        margin,
    }
}
