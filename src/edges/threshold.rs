//! Exact quantiles of large arrays without copying them: a histogram pass
//! finds the bin that holds each rank, a second pass sorts that bin only.

/// Thresholds as numbers, or as quantiles of the values considered.
#[derive(
    Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize, clap::ValueEnum, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum ThresholdKind {
    /// Quantiles (0 to 1) of the gradient magnitude: one setting fits MRI, CT and maps.
    #[default]
    Quantile,
    /// Gradient magnitude in intensity per mm.
    Absolute,
}

/// The `q`-quantile (0..=1, nearest rank) of the values that `keep` admits,
/// or `None` when it admits none. Exact, deterministic, O(n) memory-light.
pub fn quantile(values: &[f32], keep: impl Fn(usize) -> bool + Sync, q: f64) -> Option<f32> {
    const BINS: usize = 1 << 16;
    let (mut lo, mut hi, mut count) = (f32::INFINITY, f32::NEG_INFINITY, 0usize);
    for (n, &v) in values.iter().enumerate() {
        if keep(n) && v.is_finite() {
            lo = lo.min(v);
            hi = hi.max(v);
            count += 1;
        }
    }
    if count == 0 {
        return None;
    }
    if lo == hi {
        return Some(lo);
    }
    let rank = ((count - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    let scale = (BINS - 1) as f64 / (hi as f64 - lo as f64);
    let bin_of = |v: f32| (((v as f64 - lo as f64) * scale) as usize).min(BINS - 1);
    let mut histogram = vec![0usize; BINS];
    for (n, &v) in values.iter().enumerate() {
        if keep(n) && v.is_finite() {
            histogram[bin_of(v)] += 1;
        }
    }
    let mut below = 0;
    let mut bin = 0;
    while below + histogram[bin] <= rank {
        below += histogram[bin];
        bin += 1;
    }
    let mut members: Vec<f32> = values
        .iter()
        .enumerate()
        .filter(|&(n, &v)| keep(n) && v.is_finite() && bin_of(v) == bin)
        .map(|(_, &v)| v)
        .collect();
    let index = rank - below;
    Some(*members.select_nth_unstable_by(index, f32::total_cmp).1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sorting() {
        let values: Vec<f32> = (0..10_001)
            .map(|n| ((n * 7919) % 10_007) as f32 * 0.37)
            .collect();
        let mut sorted: Vec<f32> = values.iter().copied().filter(|_| true).collect();
        sorted.sort_by(f32::total_cmp);
        for q in [0.0, 0.1, 0.5, 0.9, 0.999, 1.0] {
            let expected = sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            assert_eq!(quantile(&values, |_| true, q), Some(expected), "q = {q}");
        }
        assert_eq!(
            quantile(&values, |n| n % 2 == 0 && n < 3, 1.0),
            Some(values[2])
        );
        assert_eq!(quantile(&values, |_| false, 0.5), None);
    }
}
