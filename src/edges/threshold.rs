//! Exact quantiles of large arrays without copying them, and a histogram for
//! the plot from the same passes: a histogram pass finds the bin that holds
//! each rank, a second pass selects within that bin.

use super::field::for_groups_where;
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
    summarise(values, |n, _| keep(n), qs, 0).quantiles
}

/// Counts in bins: bin `n` holds the values in `[edges[n], edges[n + 1])`
/// (the last one includes its upper edge).
#[derive(Debug, Clone, PartialEq)]
pub struct Histogram {
    pub counts: Vec<u64>,
    pub edges: Vec<f32>,
}

impl Histogram {
    /// Bin `n`'s lower and upper edge.
    pub fn bin(&self, n: usize) -> (f32, f32) {
        (self.edges[n], self.edges[n + 1])
    }

    /// `bins` equal bins from `lo` to `hi` of the finite values in that
    /// range (a volume's intensities between its minimum and maximum, say),
    /// in memory order and in parallel: a 512^3 volume takes a fraction of
    /// a second. `None` when no bins are asked for or `hi` is not above `lo`.
    pub fn equal_width(values: &[f32], lo: f64, hi: f64, bins: usize) -> Option<Histogram> {
        if bins == 0 || hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
            return None;
        }
        let scale = bins as f64 / (hi - lo);
        let chunk_len = (values.len() / (4 * rayon::current_num_threads())).max(1 << 16);
        let counts = values
            .par_chunks(chunk_len)
            .map(|chunk| {
                let mut counts = vec![0u64; bins];
                for &v in chunk {
                    let v = v as f64;
                    // NaN fails both comparisons and is left out.
                    if v >= lo && v <= hi {
                        counts[(((v - lo) * scale) as usize).min(bins - 1)] += 1;
                    }
                }
                counts
            })
            .reduce(
                || vec![0u64; bins],
                |mut a, b| {
                    a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                    a
                },
            );
        let edges = (0..=bins)
            .map(|n| (lo + (hi - lo) * n as f64 / bins as f64) as f32)
            .collect();
        Some(Histogram { counts, edges })
    }
}

/// Quantiles of the admitted values and a histogram of them, from the same
/// two passes.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Summary {
    /// One per requested quantile; `None` when nothing is admitted.
    pub quantiles: Option<Vec<f32>>,
    /// The admitted values from 0 to the largest, in bins at least 1/`bins`
    /// of that range wide (see [`plot_bins`]); `None` when no bins were
    /// asked for or the largest admitted value is not positive.
    pub histogram: Option<Histogram>,
}

/// Exact quantiles (nearest rank) of the finite values that `keep` admits
/// (given each value's index and the value), and a histogram of them for a
/// plot, deterministic whatever the number of threads. Pass 1 counts the
/// admitted values by the top bits of their order key, which also gives the
/// plot its exact counts, and finds the largest; pass 2 gathers the members
/// of the few bins that hold the wanted ranks, and an exact selection among
/// them gives each quantile. Two linear passes (one when no quantile is
/// asked for, none when no bins are either), no copy of the data.
pub fn summarise(
    values: &[f32],
    keep: impl Fn(usize, f32) -> bool + Sync,
    qs: &[f64],
    bins: usize,
) -> Summary {
    summarise_above(values, f32::NEG_INFINITY, keep, qs, bins)
}

/// As [`summarise`], of the positive values that `keep` admits (a gradient
/// magnitude's, say): runs of values at or below zero (an image's
/// background) are passed over a group at a time.
pub fn summarise_positive(
    values: &[f32],
    keep: impl Fn(usize, f32) -> bool + Sync,
    qs: &[f64],
    bins: usize,
) -> Summary {
    summarise_above(values, 0.0, |n, v| v > 0.0 && keep(n, v), qs, bins)
}

/// [`summarise`] when `keep` admits no value at or below `floor`.
fn summarise_above(
    values: &[f32],
    floor: f32,
    keep: impl Fn(usize, f32) -> bool + Sync,
    qs: &[f64],
    bins: usize,
) -> Summary {
    if qs.is_empty() && bins == 0 {
        return Summary::default();
    }
    let admitted = |n: usize, v: f32| v.is_finite() && keep(n, v);
    let chunk_len = (values.len() / (4 * rayon::current_num_threads())).max(1 << 14);
    // Pass 1: how many admitted values share each key prefix, and the largest.
    let (prefixes, largest) = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut h = vec![0u32; BINS];
            let mut largest = 0u32;
            let first = c * chunk_len;
            let count = |part: &[f32], start: usize| {
                for (o, &v) in part.iter().enumerate() {
                    if admitted(start + o, v) {
                        let key = order_key(v);
                        largest = largest.max(key);
                        h[(key >> SHIFT) as usize] += 1;
                    }
                }
            };
            // Groups with nothing above the floor are passed over.
            for_groups_where(chunk, first, |v| v > floor, count);
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
    let histogram = (bins > 0 && hi > 0.0).then(|| plot_bins(&prefixes, largest, bins));
    if wanted.is_empty() {
        return Summary {
            quantiles: None,
            histogram,
        };
    }
    // Pass 2: the members of the wanted bins.
    let prefilter = Prefilter::new(&wanted);
    let gather = |part: &[f32], start: usize, m: &mut [Vec<u32>]| {
        for (o, &v) in part.iter().enumerate() {
            if !prefilter.may_hold(v) || !admitted(start + o, v) {
                continue;
            }
            let key = order_key(v);
            if let Some(w) = wanted.iter().position(|&w| w == key >> SHIFT) {
                m[w].push(key);
            }
        }
    };
    let mut members = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut m = vec![Vec::new(); wanted.len()];
            // Most groups hold no member: a look at each value only in the
            // others (measured 6x faster than a test per value).
            for_groups_where(
                chunk,
                c * chunk_len,
                |v| prefilter.may_hold(v),
                |part, start| gather(part, start, &mut m),
            );
            m
        })
        .reduce(
            || vec![Vec::new(); wanted.len()],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| x.extend(y));
                a
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
    Summary {
        quantiles,
        histogram,
    }
}

/// The plot's histogram from the first pass's counts, which are exact: its
/// bins from zero up to the largest key's, merged in order until each plot
/// bin is at least 1/`bins` of the range wide. Low down that gives equal
/// bins; near the top, where one first-pass bin (under 4% of its value) is
/// wider than that, the first-pass bins themselves. Any admitted zeros fall
/// in the first bin.
fn plot_bins(prefixes: &[u32], largest: u32, bins: usize) -> Histogram {
    let hi = from_order_key(largest);
    let least_width = hi / bins as f32;
    let (zero, top) = (
        (order_key(0.0) >> SHIFT) as usize,
        (largest >> SHIFT) as usize,
    );
    let mut counts = Vec::new();
    let mut edges = vec![0.0f32];
    let mut count = 0u64;
    for (p, &in_bin) in prefixes.iter().enumerate().take(top + 1).skip(zero) {
        count += u64::from(in_bin);
        let upper = if p == top {
            hi
        } else {
            from_order_key(((p + 1) as u32) << SHIFT)
        };
        if upper - edges[edges.len() - 1] >= least_width || p == top {
            counts.push(count);
            edges.push(upper);
            count = 0;
        }
    }
    Histogram { counts, edges }
}

/// A float test that holds for every finite value in the wanted bins (and
/// may hold for a few others, which the exact test then drops): two value
/// ranges, compared as floats because that vectorises where unsigned order
/// keys do not (SSE2).
struct Prefilter {
    ranges: [(f32, f32); 2],
}

impl Prefilter {
    /// The first and last wanted bin (sorted); with more, one range spans them all.
    fn new(wanted: &[u32]) -> Self {
        let range = |from: u32, to: u32| {
            // Both ends included: -0.0 sits in the bin below +0.0 by order
            // key, but compares equal to +0.0 as a float.
            let lo = from_order_key(from << SHIFT);
            let hi = if to as usize + 1 == BINS {
                f32::INFINITY
            } else {
                from_order_key((to + 1) << SHIFT)
            };
            (lo, hi)
        };
        let (first, last) = (wanted[0], wanted[wanted.len() - 1]);
        let ranges = if wanted.len() <= 2 {
            [range(first, first), range(last, last)]
        } else {
            [range(first, last); 2]
        };
        Prefilter { ranges }
    }

    #[inline(always)]
    fn may_hold(&self, v: f32) -> bool {
        let [(a, b), (c, d)] = self.ranges;
        ((v >= a) & (v <= b)) | ((v >= c) & (v <= d))
    }
}

/// Bins of the first pass: one per top-14-bit prefix of the order key (sign,
/// exponent and 5 mantissa bits, so under 4% wide), a 64 KiB table; the
/// second pass gathers one or two such bins. Measured on a 512x512 slice:
/// 12 bits leave four times as many members to select among, 16 bits
/// spend more on the table than they save.
const SHIFT: u32 = 18;
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
    fn equal_width_bins_count_every_finite_value_in_range_once() {
        let mut values: Vec<f32> = (0..300_001).map(|n| (n % 1000) as f32 - 200.0).collect();
        values.extend([f32::NAN, f32::INFINITY, -1e9]);
        let h = Histogram::equal_width(&values, -200.0, 799.0, 10).expect("a range");
        assert_eq!(h.counts.len(), 10);
        assert_eq!((h.edges[0], h.edges[10]), (-200.0, 799.0));
        // Everything from -200 to 799 once; the maximum falls in the last bin.
        assert_eq!(h.counts.iter().sum::<u64>(), 300_001);
        assert_eq!(h.counts[0], 301 + 99 * 300);
        assert_eq!(Histogram::equal_width(&values, 1.0, 1.0, 10), None);
        assert_eq!(Histogram::equal_width(&values, 0.0, 1.0, 0), None);
    }

    #[test]
    fn plot_histogram_counts_every_positive_value_in_its_bin() {
        let values: Vec<f32> = (0..200_000)
            .map(|n| ((n * 7919) % 100_003) as f32 * 0.013 - 50.0)
            .collect();
        let summary = summarise(&values, |_, v| v > 0.0, &[0.5], 128);
        let h = summary.histogram.expect("positive values");
        assert_eq!(h.edges.len(), h.counts.len() + 1);
        let hi = values.iter().fold(0f32, |m, &v| m.max(v));
        assert_eq!((h.edges[0], h.edges[h.counts.len()]), (0.0, hi));
        for n in 0..h.counts.len() {
            let (lo, up) = h.bin(n);
            let last = n + 1 == h.counts.len();
            assert!(last || up - lo >= hi / 128.0, "bin {n}: {lo}..{up}");
            let expected = values
                .iter()
                .filter(|&&v| v > 0.0 && v >= lo && (v < up || (last && v <= up)))
                .count();
            assert_eq!(h.counts[n], expected as u64, "bin {n}: {lo}..{up}");
        }
        assert!((64..=128).contains(&h.counts.len()), "{}", h.counts.len());
        // The quantile is unaffected by the plot.
        let mut positive: Vec<f32> = values.iter().copied().filter(|&v| v > 0.0).collect();
        positive.sort_by(f32::total_cmp);
        let median = positive[((positive.len() - 1) as f64 * 0.5).round() as usize];
        assert_eq!(summary.quantiles, Some(vec![median]));
    }

    #[test]
    fn quantiles_at_and_around_both_zeros_match_sorting() {
        // Pass 2's float prefilter sees -0.0 and +0.0 as equal where the
        // order keys put them in different bins; denormals share those
        // bins. Long enough for groups of eight, with a remainder; one
        // quantile at a time, so that no other wanted bin lets a value by.
        let values: Vec<f32> = (0..20_003usize)
            .map(|n| match n % 7 {
                0 => -0.0,
                1 => 0.0,
                2 => -1e-40,
                3 => 1e-40,
                4 => f32::from_bits(1),
                5 => -(n as f32),
                _ => n as f32 * 1e-3,
            })
            .collect();
        let mut sorted = values.clone();
        sorted.sort_by(f32::total_cmp);
        for p in 0..=100 {
            let q = p as f64 / 100.0;
            let expected = sorted[((sorted.len() - 1) as f64 * q).round() as usize];
            let got = quantile(&values, |_| true, q).unwrap();
            assert_eq!(got.to_bits(), expected.to_bits(), "q = {q}");
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
