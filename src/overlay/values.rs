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

#[cfg(test)]
mod tests {
    use super::*;

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
