//! Exact quantiles of large arrays without copying them, and a histogram for
//! the plot from the same passes: a histogram pass finds the bin that holds
//! each rank, a second pass selects within that bin.

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

/// Several quantiles at once (see [`summarise`]).
pub fn quantiles(
    values: &[f32],
    keep: impl Fn(usize) -> bool + Sync,
    qs: &[f64],
) -> Option<Vec<f32>> {
    summarise(values, keep, qs, 0).quantiles
}

/// Counts in equal bins between `lo` and `hi`.
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub counts: Vec<u64>,
    pub lo: f32,
    pub hi: f32,
}

/// Quantiles of the admitted values and a histogram of them, from the same
/// two passes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// One per requested quantile; `None` when nothing is admitted.
    pub quantiles: Option<Vec<f32>>,
    /// `bins` equal bins from 0 to the largest admitted value; `None` when
    /// no bins were asked for or the largest admitted value is not positive.
    pub histogram: Option<Histogram>,
}

/// Exact quantiles (nearest rank) of the finite values that `keep` admits,
/// and a `bins`-bin histogram of them for a plot, deterministic whatever the
/// number of threads. Pass 1 counts the admitted values by the top bits of
/// their order key and finds the largest; pass 2 gathers the members of the
/// few bins that hold the wanted ranks (an exact selection among them gives
/// each quantile) and fills the plot's bins, now that the range is known.
/// Two linear passes, no copy of the data.
pub fn summarise(
    values: &[f32],
    keep: impl Fn(usize) -> bool + Sync,
    qs: &[f64],
    bins: usize,
) -> Summary {
    let admitted = |n: usize, v: f32| v.is_finite() && keep(n);
    let chunk_len = (values.len() / (4 * rayon::current_num_threads())).max(1 << 16);
    // Pass 1: how many admitted values share each key prefix, and the largest.
    let (prefixes, largest) = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut h = vec![0u32; BINS];
            let mut largest = 0u32;
            let first = c * chunk_len;
            for (o, &v) in chunk.iter().enumerate() {
                if admitted(first + o, v) {
                    let key = order_key(v);
                    largest = largest.max(key);
                    h[(key >> SHIFT) as usize] += 1;
                }
            }
            (h, largest)
        })
        .reduce(
            || (vec![0u32; BINS], 0),
            |(mut a, la), (b, lb)| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                (a, la.max(lb))
            },
        );
    let count: usize = prefixes.iter().map(|&c| c as usize).sum();
    // The bin holding each rank, and the rank within it.
    let rank_of = |q: f64| ((count - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    let targets: Vec<(u32, usize)> = if count == 0 {
        Vec::new()
    } else {
        qs.iter()
            .map(|&q| {
                let rank = rank_of(q);
                let (mut below, mut bin) = (0usize, 0usize);
                while below + prefixes[bin] as usize <= rank {
                    below += prefixes[bin] as usize;
                    bin += 1;
                }
                (bin as u32, rank - below)
            })
            .collect()
    };
    let mut wanted: Vec<u32> = targets.iter().map(|t| t.0).collect();
    wanted.sort_unstable();
    wanted.dedup();
    let hi = from_order_key(largest);
    let plotting = bins > 0 && hi > 0.0;
    if wanted.is_empty() && !plotting {
        return Summary::default();
    }
    let plot_bins = if plotting { bins } else { 0 };
    let scale = plot_bins as f32 / hi;
    // Pass 2: the members of the wanted bins, and the plot's counts.
    let (mut members, plot) = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut m = vec![Vec::new(); wanted.len()];
            let mut plot = vec![0u32; plot_bins];
            let first = c * chunk_len;
            for (o, &v) in chunk.iter().enumerate() {
                if !admitted(first + o, v) {
                    continue;
                }
                let key = order_key(v);
                // A handful of wanted bins: a linear look beats a search.
                if let Some(w) = wanted.iter().position(|&w| w == key >> SHIFT) {
                    m[w].push(key);
                }
                if plotting && v > 0.0 {
                    plot[((v * scale) as usize).min(plot_bins - 1)] += 1;
                }
            }
            (m, plot)
        })
        .reduce(
            || (vec![Vec::new(); wanted.len()], vec![0u32; plot_bins]),
            |(mut a, mut pa), (b, pb)| {
                a.iter_mut().zip(b).for_each(|(x, y)| x.extend(y));
                pa.iter_mut().zip(&pb).for_each(|(x, y)| *x += y);
                (a, pa)
            },
        );
    let quantiles = (!targets.is_empty()).then(|| {
        targets
            .iter()
            .map(|&(bin, within)| {
                let w = wanted
                    .iter()
                    .position(|&w| w == bin)
                    .expect("every target's bin is wanted");
                from_order_key(*members[w].select_nth_unstable(within).1)
            })
            .collect()
    });
    let histogram = plotting.then(|| Histogram {
        counts: plot.into_iter().map(u64::from).collect(),
        lo: 0.0,
        hi,
    });
    Summary {
        quantiles,
        histogram,
    }
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
