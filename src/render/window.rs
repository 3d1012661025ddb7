//! Window/level: which value range maps to the colormap's ends.

use ndarray::Array3;

/// `level` is the value shown mid-scale, `window` the width of the range
/// from black to white (as in every CT console). A saved one missing a
/// field takes the default's (settings from older versions still load).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct WindowLevel {
    pub window: f64,
    pub level: f64,
}

impl Default for WindowLevel {
    /// The range 0 to 1, until a volume gives its own.
    fn default() -> Self {
        WindowLevel::from_range(0.0, 1.0)
    }
}

impl WindowLevel {
    pub fn from_range(lo: f64, hi: f64) -> Self {
        let window = (hi - lo).max(f64::MIN_POSITIVE);
        WindowLevel {
            window,
            level: (lo + hi) / 2.0,
        }
    }

    pub fn low(&self) -> f64 {
        self.level - self.window / 2.0
    }

    pub fn high(&self) -> f64 {
        self.level + self.window / 2.0
    }

    /// 0..=1 for a value, clamped; `None` for NaN.
    #[inline]
    pub fn normalise(&self, value: f32) -> Option<f32> {
        if value.is_nan() {
            return None;
        }
        let t = (value as f64 - self.low()) / self.window.max(f64::MIN_POSITIVE);
        Some(t.clamp(0.0, 1.0) as f32)
    }

    /// From the 2nd and 98th percentiles of the finite non-zero values: robust
    /// to the few hot voxels that would make a min-max window look black, and
    /// to the air around a head (often most of the volume, and exactly zero),
    /// which would otherwise pull the window down and saturate the tissue.
    pub fn auto(frame: &Array3<f32>) -> Self {
        let (lo, hi) = percentiles(frame, 0.02, 0.98).unwrap_or((0.0, 1.0));
        if hi > lo {
            Self::from_range(lo, hi)
        } else {
            Self::from_range(lo - 0.5, lo + 0.5)
        }
    }
}

/// Two quantiles of the finite non-zero values (all finite values when
/// every one is zero), from a sample of at most a million
/// voxels (a strided pick: exact enough for display, fast on any volume).
pub fn percentiles(frame: &Array3<f32>, lo_q: f64, hi_q: f64) -> Option<(f64, f64)> {
    let n = frame.len();
    let stride = (n / 1_000_000).max(1);
    let mut sample: Vec<f32> = match frame.as_slice_memory_order() {
        Some(s) => s
            .iter()
            .step_by(stride)
            .copied()
            .filter(|v| v.is_finite())
            .collect(),
        None => frame
            .iter()
            .step_by(stride)
            .copied()
            .filter(|v| v.is_finite())
            .collect(),
    };
    if sample.is_empty() {
        return None;
    }
    let pick = |q: f64, s: &mut Vec<f32>| {
        let idx = ((s.len() - 1) as f64 * q).round() as usize;
        *s.select_nth_unstable_by(idx, f32::total_cmp).1 as f64
    };
    let lo = pick(lo_q, &mut sample);
    let hi = pick(hi_q, &mut sample);
    Some((lo, hi))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn auto_window_ignores_outliers() {
        let mut values: Vec<f32> = (0..1000).map(|v| v as f32 / 10.0).collect();
        values[3] = 1e9;
        values[4] = f32::NAN;
        let frame = Array3::from_shape_vec((10, 10, 10), values).unwrap();
        let wl = WindowLevel::auto(&frame);
        assert!(wl.high() < 100.0 && wl.low() >= 0.0, "{wl:?}");
        assert_eq!(wl.normalise(f32::NAN), None);
        assert_eq!(wl.normalise(1e9), Some(1.0));
    }
}
