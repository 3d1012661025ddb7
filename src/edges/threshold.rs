//! Exact quantiles of large arrays without copying them: a histogram pass
//! finds the bin that holds each rank, a second pass sorts that bin only.

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

/// Several quantiles at once, exact and deterministic. Up to a few million
/// admitted values they are copied and partially sorted; beyond that a
/// histogram pass finds the bin holding each rank and only that bin is
/// sorted, so memory stays small. Chunked passes run in parallel, but
/// counts and extremes do not depend on the chunking.
pub fn quantiles(
    values: &[f32],
    keep: impl Fn(usize) -> bool + Sync,
    qs: &[f64],
) -> Option<Vec<f32>> {
    const COPY_LIMIT: usize = 1 << 22;
    let admitted = |n: usize, v: f32| keep(n) && v.is_finite();
    let chunk_len = (values.len() / (4 * rayon::current_num_threads())).max(1 << 16);
    let rank_of = |count: usize, q: f64| ((count - 1) as f64 * q.clamp(0.0, 1.0)).round() as usize;
    if values.len() <= COPY_LIMIT {
        let mut kept: Vec<f32> = values
            .iter()
            .enumerate()
            .filter(|&(n, &v)| admitted(n, v))
            .map(|(_, &v)| v)
            .collect();
        if kept.is_empty() {
            return None;
        }
        let count = kept.len();
        return Some(
            qs.iter()
                .map(|&q| {
                    *kept
                        .select_nth_unstable_by(rank_of(count, q), f32::total_cmp)
                        .1
                })
                .collect(),
        );
    }
    let (lo, hi, count) = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut acc = (f32::INFINITY, f32::NEG_INFINITY, 0usize);
            for (o, &v) in chunk.iter().enumerate() {
                if admitted(c * chunk_len + o, v) {
                    acc = (acc.0.min(v), acc.1.max(v), acc.2 + 1);
                }
            }
            acc
        })
        .reduce(
            || (f32::INFINITY, f32::NEG_INFINITY, 0),
            |a, b| (a.0.min(b.0), a.1.max(b.1), a.2 + b.2),
        );
    if count == 0 {
        return None;
    }
    if lo == hi {
        return Some(vec![lo; qs.len()]);
    }
    let bins = 1 << 16;
    let scale = (bins - 1) as f64 / (hi as f64 - lo as f64);
    let bin_of = |v: f32| (((v as f64 - lo as f64) * scale) as usize).min(bins - 1);
    let histogram = values
        .par_chunks(chunk_len)
        .enumerate()
        .map(|(c, chunk)| {
            let mut h = vec![0usize; bins];
            for (o, &v) in chunk.iter().enumerate() {
                if admitted(c * chunk_len + o, v) {
                    h[bin_of(v)] += 1;
                }
            }
            h
        })
        .reduce(
            || vec![0usize; bins],
            |mut a, b| {
                a.iter_mut().zip(&b).for_each(|(x, y)| *x += y);
                a
            },
        );
    let mut out = Vec::with_capacity(qs.len());
    for &q in qs {
        let rank = rank_of(count, q);
        let (mut below, mut bin) = (0, 0);
        while below + histogram[bin] <= rank {
            below += histogram[bin];
            bin += 1;
        }
        let mut members: Vec<f32> = values
            .par_chunks(chunk_len)
            .enumerate()
            .flat_map_iter(|(c, chunk)| {
                chunk
                    .iter()
                    .enumerate()
                    .filter(move |&(o, &v)| admitted(c * chunk_len + o, v) && bin_of(v) == bin)
                    .map(|(_, &v)| v)
            })
            .collect();
        out.push(
            *members
                .select_nth_unstable_by(rank - below, f32::total_cmp)
                .1,
        );
    }
    Some(out)
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
}
