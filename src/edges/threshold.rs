//! Exact quantiles of large arrays without copying them: a histogram pass
//! finds the bin that holds each rank, a second pass selects within that bin.

use rayon::prelude::*;

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
/// or `None` when it admits none.
pub fn quantile(values: &[f32], keep: impl Fn(usize) -> bool + Sync, q: f64) -> Option<f32> {
    quantiles(values, keep, &[q]).map(|v| v[0])
}

/// Several quantiles at once, exact and deterministic: a histogram pass over
/// the top bits of each value's order key finds the bin holding each rank,
/// a second pass gathers those bins' members only, and a selection among
/// them gives the exact value. Two linear passes, no copy of the data, and
/// chunked passes run in parallel with counts that do not depend on the
/// chunking.
pub fn quantiles(
    values: &[f32],
    keep: impl Fn(usize) -> bool + Sync,
    qs: &[f64],
) -> Option<Vec<f32>> {
    let admitted = |n: usize, v: f32| keep(n) && v.is_finite();
    let chunk_len = (values.len() / (4 * rayon::current_num_threads())).max(1 << 16);
    let rank_of = |count: usize, q: f64| ((count - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    // Pass 1: how many admitted values share each prefix of the order key.
    let histogram = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut h = vec![0u32; BINS];
            for (o, &v) in chunk.iter().enumerate() {
                if admitted(c * chunk_len + o, v) {
                    h[(order_key(v) >> SHIFT) as usize] += 1;
                }
            }
            h
        })
        .reduce(
            || vec![0u32; BINS],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let count: usize = histogram.iter().map(|&c| c as usize).sum();
    if count == 0 {
        return None;
    }
    // The bin holding each rank, and the rank within it.
    let targets: Vec<(u32, usize)> = qs
        .iter()
        .map(|&q| {
            let rank = rank_of(count, q);
            let (mut below, mut bin) = (0usize, 0usize);
            while below + histogram[bin] as usize <= rank {
                below += histogram[bin] as usize;
                bin += 1;
            }
            (bin as u32, rank - below)
        })
        .collect();
    let mut wanted: Vec<u32> = targets.iter().map(|t| t.0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    // Pass 2: the members of those few bins only, then an exact selection
    // among them.
    let mut members: Vec<Vec<u32>> = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut m = vec![Vec::new(); wanted.len()];
            for (o, &v) in chunk.iter().enumerate() {
                if admitted(c * chunk_len + o, v) {
                    let key = order_key(v);
                    if let Ok(w) = wanted.binary_search(&(key >> SHIFT)) {
                        m[w].push(key);
                    }
                }
            }
            m
        })
        .reduce(
            || vec![Vec::new(); wanted.len()],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| x.extend(y));
                a
            },
        );
    Some(
        targets
            .iter()
            .map(|&(bin, within)| {
                let w = wanted
                    .binary_search(&bin)
                    .expect("every target's bin is wanted");
                from_order_key(*members[w].select_nth_unstable(within).1)
            })
            .collect(),
    )
}

/// Bins of the first pass: one per top-12-bit prefix of the order key (sign,
/// exponent and 3 mantissa bits, so under 13% wide), a table that stays in
/// the fastest cache; the second pass gathers one or two such bins.
const SHIFT: u32 = 20;
const BINS: usize = 1 << (32 - SHIFT);

/// A u32 that orders like `f32::total_cmp`: flip every bit of a negative
/// value, only the sign bit of a positive one.
#[inline]
fn order_key(v: f32) -> u32 {
    let bits = v.to_bits();
    if bits >> 31 == 1 {
        !bits
    } else {
        bits | 0x8000_0000
    }
}

#[inline]
fn from_order_key(key: u32) -> f32 {
    f32::from_bits(if key >> 31 == 1 {
        key & 0x7fff_ffff
    } else {
        !key
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_sorting() {
        // Both paths: a small array (copied) and a large one (histogram).
        for len in [10_001usize, (1 << 22) + 777] {
            let values: Vec<f32> = (0..len)
                .map(|n| ((n * 7919) % 100_003) as f32 * 0.37)
                .collect();
            let mut sorted = values.clone();
            sorted.sort_by(f32::total_cmp);
            for q in [0.0, 0.1, 0.5, 0.9, 0.999, 1.0] {
                let expected = sorted[((sorted.len() - 1) as f64 * q).round() as usize];
                assert_eq!(
                    quantile(&values, |_| true, q),
                    Some(expected),
                    "len {len}, q = {q}"
                );
            }
            assert_eq!(
                quantile(&values, |n| n % 2 == 0 && n < 3, 1.0),
                Some(values[2])
            );
            assert_eq!(quantile(&values, |_| false, 0.5), None);
        }
    }

    #[test]
    fn negatives_repeats_and_unsorted_quantiles_match_sorting() {
        let mut values: Vec<f32> = (0..5_000)
            .map(|n| ((n * 7919) % 1_003) as f32 * 0.25 - 120.0)
            .collect();
        values.extend([-0.0, 0.0, f32::NAN, f32::INFINITY, 3.5, 3.5, 3.5]);
        let mut sorted: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f32::total_cmp);
        let qs = [0.9, 0.1, 0.5, 0.9, 0.0, 1.0];
        let got = quantiles(&values, |_| true, &qs).unwrap();
        for (q, g) in qs.iter().zip(&got) {
            let expected = sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            assert_eq!(g.to_bits(), expected.to_bits(), "q = {q}");
        }
        for v in [-3.0f32, -0.0, 0.0, 1e-30, 7.5, f32::MAX] {
            assert_eq!(from_order_key(order_key(v)).to_bits(), v.to_bits());
        }
    }
}
