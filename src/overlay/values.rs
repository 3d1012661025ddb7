//! What an overlay's values make it: a mask, a label map or a continuous
//! map. Shared by the drawing style and the content check.

use std::collections::HashSet;

/// A label map has at most this many distinct non-zero values.
pub const MAX_LABELS: usize = 1000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    /// Nothing but zeros (and gaps).
    Empty,
    /// One non-zero value.
    Mask,
    /// A few distinct integer values.
    Labels(usize),
    /// Non-integer values, or too many distinct ones.
    Continuous,
}

/// Classifies the finite non-zero values (NaN counts as a gap). One pass,
/// stopping at the first non-integer or at the label limit; runs of equal
/// values (most of a label map) skip the set.
pub fn value_kind(values: &[f32]) -> ValueKind {
    let mut distinct: HashSet<u32> = HashSet::new();
    let mut last = f32::NAN;
    for &v in values {
        if v == 0.0 || v.is_nan() || v == last {
            continue;
        }
        if v.fract() != 0.0 || !v.is_finite() {
            return ValueKind::Continuous;
        }
        last = v;
        distinct.insert(v.to_bits());
        if distinct.len() > MAX_LABELS {
            return ValueKind::Continuous;
        }
    }
    match distinct.len() {
        0 => ValueKind::Empty,
        1 => ValueKind::Mask,
        n => ValueKind::Labels(n),
    }
}

/// How many voxels hold each non-zero label value (values rounded to the
/// nearest whole number; NaN is a gap), in value order. Runs of equal
/// values (most of a label map) are counted without a map lookup.
pub fn label_counts(values: &[f32]) -> Vec<(i64, u64)> {
    let mut counts: std::collections::HashMap<i64, u64> = std::collections::HashMap::new();
    let (mut last, mut run) = (f32::NAN, 0u64);
    let mut flush = |v: f32, n: u64| {
        if n > 0 && v != 0.0 && !v.is_nan() {
            *counts.entry(v.round() as i64).or_default() += n;
        }
    };
    for &v in values {
        if v == last {
            run += 1;
        } else {
            flush(last, run);
            (last, run) = (v, 1);
        }
    }
    flush(last, run);
    let mut out: Vec<(i64, u64)> = counts.into_iter().filter(|&(v, _)| v != 0).collect();
    out.sort_unstable();
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_follow_runs_and_gaps() {
        let values = [0.0, 1.0, 1.0, 1000.0, f32::NAN, 1.0, 2.0, 2.0, 0.0, 1000.0];
        assert_eq!(label_counts(&values), [(1, 3), (2, 2), (1000, 2)]);
        assert_eq!(label_counts(&[]), []);
    }

    #[test]
    fn kinds_follow_the_values() {
        assert_eq!(value_kind(&[0.0, f32::NAN]), ValueKind::Empty);
        assert_eq!(value_kind(&[0.0, 1.0, 1.0, 0.0, 1.0]), ValueKind::Mask);
        assert_eq!(
            value_kind(&[0.0, 1.0, 7.0, 1.0, -3.0]),
            ValueKind::Labels(3)
        );
        assert_eq!(value_kind(&[0.0, 0.5]), ValueKind::Continuous);
        assert_eq!(value_kind(&[1.0, f32::INFINITY]), ValueKind::Continuous);
        let many: Vec<f32> = (0..=MAX_LABELS as u32 + 1).map(|n| n as f32).collect();
        assert_eq!(value_kind(&many), ValueKind::Continuous);
    }
}
