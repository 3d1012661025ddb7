//! The content check of an edge map that lives on one slice of the base:
//! the forum's case, an OpenCV (or any other tool's) edge map of one slice
//! written back with `import-npy`, perhaps upside down, mirrored,
//! transposed, onto a neighbouring slice or a few pixels off.
//!
//! Counting how many of the overlay's pixels lie near rasview's own binary
//! edges depends on how many edges each detector keeps (OpenCV at its usual
//! thresholds keeps three to four times more than rasview, most of them far
//! from rasview's edges whichever way round they are). This score needs no
//! threshold: the base's own gradient magnitude, in the slice's plane,
//! averaged over the overlay's pixels. Placed right, the pixels sit on the
//! steepest intensity changes of the slice they came from; arranged wrongly,
//! they sit on tissue in general. The arrangements searched are the ones
//! that happen on a slice: each in-plane axis reversed, the rows and columns
//! swapped when the slice is square, small in-plane moves and the
//! neighbouring slices. Calibrated on tests/data/forum (tests/forum.rs).

use super::content::Arrangement;
use crate::edges::{self, Control, Detector, EdgeMap, EdgeParams};
use crate::geometry::Grid;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};

/// Smoothing before the base's in-plane gradient, in mm: about the blur of
/// the detectors people run on slices (OpenCV's 3x3 Sobel aperture), and
/// small enough that a slice one off or a pixel's move scores visibly lower
/// (measured on tests/data/forum: 0.5 mm separates one-pixel moves 10%
/// further than 1 mm, flips alike).
pub const SIGMA_MM: f64 = 0.5;
/// Moves tried each way, in voxels: in the plane, and to other slices.
const REACH: i64 = 3;
/// At most this many pixels are scored (evenly strided).
const MAX_PIXELS: usize = 40_000;
/// An edge map, not a filled region: at least this fraction of its pixels
/// have an unset in-plane neighbour (Canny lines: all; a thresholded Sobel's
/// bands two to four pixels wide: 0.64 and more; a filled disk of radius 10
/// pixels: 0.2). Filled masks keep the boundary check of `content`.
const THIN: f64 = 0.5;
/// Another arrangement fits clearly better when its mean gradient is at
/// least this many times the stored one's. On tests/data/forum the best
/// other arrangement of a right placement reaches at most 0.97x; every
/// wrong arrangement is beaten by the right one by 1.03x or more, flips and
/// transposes by 1.35x or more.
pub const BETTER_RATIO: f64 = 1.05;
/// An arrangement follows the base's anatomy when its mean gradient is at
/// least this many times the mean over the tissue of the slice (right
/// placements on tests/data/forum: 1.56x and more; a disk outline laid
/// anywhere: 1.08x typically).
pub const STANDS_OUT_RATIO: f64 = 1.25;
/// Slices whose gradients are kept between checks (the window checks every
/// overlay against the same base).
const CACHED_SLICES: usize = 64;

/// The base's intensities, and its in-plane gradient slice by slice as the
/// checks ask for them.
pub struct BaseSlices {
    values: Vec<f32>,
    grid: Grid,
    cache: Mutex<HashMap<(usize, usize), Arc<SliceField>>>,
}

/// One slice of the base: its gradient magnitude (intensity per mm, in the
/// slice's plane) and the mean of it over the tissue.
struct SliceField {
    /// n_a x n_b, the first in-plane axis fastest.
    gradient: Vec<f32>,
    tissue_mean: f64,
}

impl BaseSlices {
    /// `values`: frame 0 of the base in storage order.
    pub fn new(values: Vec<f32>, grid: Grid) -> Self {
        BaseSlices {
            values,
            grid,
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// Frame 0 of the base in storage order.
    pub fn values(&self) -> &[f32] {
        &self.values
    }

    /// Slice `index` across `axis`, or `None` outside the volume.
    fn field(&self, axis: usize, index: i64) -> Option<Arc<SliceField>> {
        let shape = self.grid.shape;
        let index = usize::try_from(index).ok().filter(|&i| i < shape[axis])?;
        if let Some(f) = self.lock().get(&(axis, index)) {
            return Some(f.clone());
        }
        let field = Arc::new(self.compute(axis, index));
        let mut cache = self.lock();
        if cache.len() >= CACHED_SLICES {
            cache.clear();
        }
        cache.insert((axis, index), field.clone());
        Some(field)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<(usize, usize), Arc<SliceField>>> {
        // A panic elsewhere while holding the lock leaves a usable cache.
        self.cache.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn compute(&self, axis: usize, index: usize) -> SliceField {
        let shape = self.grid.shape;
        let (a, b) = in_plane(axis);
        let (n_a, n_b) = (shape[a], shape[b]);
        let mut slice = Vec::with_capacity(n_a * n_b);
        for q in 0..n_b {
            for p in 0..n_a {
                let mut v = [0; 3];
                v[axis] = index;
                v[a] = p;
                v[b] = q;
                slice.push(self.values[v[0] + shape[0] * (v[1] + shape[1] * v[2])]);
            }
        }
        let spacing = self.grid.spacing_mm();
        let params = EdgeParams {
            detector: Detector::Gradient,
            sigma_mm: SIGMA_MM,
            plot_histogram: false,
            ..EdgeParams::default()
        };
        let gradient = match edges::detect(
            &slice,
            [n_a, n_b, 1],
            [spacing[a], spacing[b], 1.0],
            Some(2),
            &params,
            None,
            &Control::none(),
        ) {
            Ok(edges::EdgeResult {
                map: EdgeMap::Magnitude(g),
                ..
            }) => g,
            _ => vec![0.0; n_a * n_b],
        };
        let tissue_mean = tissue_mean(&slice, &gradient);
        SliceField {
            gradient,
            tissue_mean,
        }
    }
}

/// The mean gradient over the slice's tissue: pixels brighter than a tenth
/// of its 99th percentile (the whole slice when that is not positive).
fn tissue_mean(values: &[f32], gradient: &[f32]) -> f64 {
    let mut finite: Vec<f32> = values.iter().copied().filter(|v| v.is_finite()).collect();
    if finite.is_empty() {
        return 0.0;
    }
    let at = ((finite.len() - 1) as f64 * 0.99).round() as usize;
    let (_, p99, _) = finite.select_nth_unstable_by(at, f32::total_cmp);
    let level = 0.1 * *p99;
    let tissue = |v: f32| level <= 0.0 || v >= level;
    let (sum, count) = values
        .iter()
        .zip(gradient)
        .filter(|(v, _)| tissue(**v))
        .fold((0.0, 0usize), |(s, n), (_, &g)| (s + g as f64, n + 1));
    if count == 0 {
        0.0
    } else {
        sum / count as f64
    }
}

/// The two voxel axes other than `axis`, smaller first (as `npy::place`
/// orders a slice's rows and columns).
fn in_plane(axis: usize) -> (usize, usize) {
    match axis {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}

/// An edge map on one slice of the base, in the base's voxel indices.
pub struct OnSlice {
    /// The base voxel axis the slice is across, and its index.
    pub axis: usize,
    pub index: i64,
    /// Set pixels (all of them, strided to at most `MAX_PIXELS`) as base
    /// voxel indices along the in-plane axes (a, b).
    pixels: Vec<[i64; 2]>,
    pub set_pixels: usize,
}

/// Whether the overlay's set voxels all lie on one slice of the base and
/// form thin lines (an edge map, not a filled region); `None` otherwise.
pub fn find(overlay: &Grid, values: &[f32], base: &Grid) -> Option<OnSlice> {
    let [nx, ny, nz] = overlay.shape;
    let is_set = |v: f32| v != 0.0 && !v.is_nan();
    // One pass: on one slice of the overlay's own grid at all?
    let mut low = [usize::MAX; 3];
    let mut high = [0usize; 3];
    let mut count = 0usize;
    for (n, &v) in values.iter().enumerate() {
        if !is_set(v) {
            continue;
        }
        let o = [n % nx, (n / nx) % ny, n / (nx * ny)];
        for a in 0..3 {
            low[a] = low[a].min(o[a]);
            high[a] = high[a].max(o[a]);
        }
        count += 1;
    }
    let own_axis = (0..3).find(|&a| count > 0 && low[a] == high[a])?;
    let (oa, ob) = in_plane(own_axis);
    let at = |o: [usize; 3]| values[o[0] + nx * (o[1] + ny * o[2])];
    let mut set = Vec::with_capacity(count);
    let mut outline = 0usize;
    let sizes = [nx, ny, nz];
    // Only the box the set voxels span (one slice thick) is visited again.
    let span = |a: usize| low[a]..=high[a];
    let in_box = span(2).flat_map(|k| span(1).flat_map(move |j| span(0).map(move |i| [i, j, k])));
    for o in in_box {
        if !is_set(at(o)) {
            continue;
        }
        let unset_beside = [oa, ob].iter().any(|&d| {
            [-1i64, 1].iter().any(|&step| {
                let c = o[d] as i64 + step;
                if c < 0 || c >= sizes[d] as i64 {
                    return true;
                }
                let mut m = o;
                m[d] = c as usize;
                !is_set(at(m))
            })
        });
        outline += unset_beside as usize;
        set.push(o);
    }
    if (outline as f64) < THIN * count as f64 {
        return None;
    }
    // Where the headers put them on the base: one slice of it too?
    let stride = count.div_ceil(MAX_PIXELS);
    let on_base: Vec<[i64; 3]> = set
        .iter()
        .step_by(stride)
        .map(|&o| {
            base.voxel_from_world(overlay.world_from_index(o))
                .map(|x| (x + 0.5).floor() as i64)
        })
        .collect();
    let axis = (0..3).find(|&a| on_base.iter().all(|v| v[a] == on_base[0][a]))?;
    let index = on_base[0][axis];
    if !(0..base.shape[axis] as i64).contains(&index) {
        return None;
    }
    let (a, b) = in_plane(axis);
    Some(OnSlice {
        axis,
        index,
        pixels: on_base.iter().map(|v| [v[a], v[b]]).collect(),
        set_pixels: count,
    })
}

impl OnSlice {
    /// How many pixels are scored.
    pub fn scored_pixels(&self) -> usize {
        self.pixels.len()
    }
}

/// The scores of an edge map on one slice.
pub struct SliceScores {
    pub as_stored: f64,
    /// Mean gradient over the tissue of the stored slice.
    pub tissue: f64,
    /// Every other arrangement and its mean gradient, unsorted.
    pub others: Vec<(Arrangement, f64)>,
}

/// Scores the stored arrangement and every other one worth trying.
pub fn score(on: &OnSlice, base: &BaseSlices) -> SliceScores {
    let shape = base.grid.shape;
    let (a, b) = in_plane(on.axis);
    let n = [shape[a] as i64, shape[b] as i64];
    let mut fields: HashMap<i64, Option<Arc<SliceField>>> = HashMap::new();
    let mut mean = |transpose: bool, flip: [bool; 2], shift: [i64; 2], slice: i64| -> f64 {
        let field = fields
            .entry(on.index + slice)
            .or_insert_with(|| base.field(on.axis, on.index + slice));
        let Some(field) = field else {
            return 0.0;
        };
        let total: f64 = on
            .pixels
            .iter()
            .map(|&p| {
                let q = if transpose { [p[1], p[0]] } else { p };
                let q = [0, 1].map(|d| {
                    let x = if flip[d] { n[d] - 1 - q[d] } else { q[d] };
                    x + shift[d]
                });
                if (0..n[0]).contains(&q[0]) && (0..n[1]).contains(&q[1]) {
                    field.gradient[(q[0] + n[0] * q[1]) as usize] as f64
                } else {
                    0.0
                }
            })
            .sum();
        total / on.pixels.len().max(1) as f64
    };
    let as_stored = mean(false, [false; 2], [0; 2], 0);
    let to_base = |flip: [bool; 2], shift: [i64; 2], slice: i64| {
        let mut f = [false; 3];
        let mut s = [0i64; 3];
        f[a] = flip[0];
        f[b] = flip[1];
        s[a] = shift[0];
        s[b] = shift[1];
        s[on.axis] = slice;
        (f, s)
    };
    let mut others = Vec::new();
    let square = n[0] == n[1];
    for transpose in [false, true] {
        if transpose && !square {
            continue;
        }
        for bits in 0..4u8 {
            let flip = [bits & 1 != 0, bits & 2 != 0];
            if !transpose && bits == 0 {
                continue; // as stored
            }
            let (f, s) = to_base(flip, [0; 2], 0);
            others.push((
                Arrangement::InSlice {
                    axis: on.axis,
                    transpose,
                    flip: f,
                    shift: s,
                },
                mean(transpose, flip, [0; 2], 0),
            ));
        }
    }
    for d in (-REACH..=REACH).filter(|&d| d != 0) {
        for (shift, slice) in [([d, 0], 0), ([0, d], 0), ([0, 0], d)] {
            let (f, s) = to_base([false; 2], shift, slice);
            others.push((
                Arrangement::InSlice {
                    axis: on.axis,
                    transpose: false,
                    flip: f,
                    shift: s,
                },
                mean(false, [false; 2], shift, slice),
            ));
        }
    }
    let tissue = base.field(on.axis, on.index).map_or(0.0, |f| f.tissue_mean);
    SliceScores {
        as_stored,
        tissue,
        others,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Affine;

    const SHAPE: [usize; 3] = [24, 20, 5];

    fn grid() -> Grid {
        Grid::new(SHAPE, Affine::identity())
    }

    fn at(i: usize, j: usize, k: usize) -> usize {
        i + SHAPE[0] * (j + SHAPE[1] * k)
    }

    /// A bright rectangle off the centre of slice 2 (i 3..15, j 4..10),
    /// nothing on the others.
    fn base() -> BaseSlices {
        let mut values = vec![0f32; SHAPE.iter().product()];
        for j in 4..10 {
            for i in 3..15 {
                values[at(i, j, 2)] = 100.0;
            }
        }
        BaseSlices::new(values, grid())
    }

    /// The rectangle's outline on slice `k`, rows reversed when `flip_j`.
    fn outline(k: usize, flip_j: bool) -> Vec<f32> {
        let mut values = vec![0f32; SHAPE.iter().product()];
        for j in 4..10 {
            for i in 3..15 {
                if i == 3 || i == 14 || j == 4 || j == 9 {
                    let j = if flip_j { SHAPE[1] - 1 - j } else { j };
                    values[at(i, j, k)] = 1.0;
                }
            }
        }
        values
    }

    fn best(scores: &SliceScores) -> (Arrangement, f64) {
        scores
            .others
            .iter()
            .copied()
            .max_by(|a, b| a.1.total_cmp(&b.1))
            .unwrap()
    }

    #[test]
    fn an_outline_scores_highest_where_it_was_drawn() {
        let on = find(&grid(), &outline(2, false), &grid()).unwrap();
        assert_eq!((on.axis, on.index, on.set_pixels), (2, 2, 32));
        let scores = score(&on, &base());
        assert!(scores.as_stored > STANDS_OUT_RATIO * scores.tissue);
        let (_, other) = best(&scores);
        assert!(other < scores.as_stored, "{other} vs {}", scores.as_stored);
    }

    #[test]
    fn an_outline_written_upside_down_or_a_slice_off_points_back() {
        let on = find(&grid(), &outline(2, true), &grid()).unwrap();
        let scores = score(&on, &base());
        let (arrangement, other) = best(&scores);
        assert!(other >= BETTER_RATIO * scores.as_stored);
        assert_eq!(
            arrangement,
            Arrangement::InSlice {
                axis: 2,
                transpose: false,
                flip: [false, true, false],
                shift: [0; 3]
            }
        );
        let on = find(&grid(), &outline(3, false), &grid()).unwrap();
        let scores = score(&on, &base());
        let (arrangement, other) = best(&scores);
        assert_eq!(scores.as_stored, 0.0);
        assert!(other > STANDS_OUT_RATIO * scores.tissue);
        assert_eq!(
            arrangement,
            Arrangement::InSlice {
                axis: 2,
                transpose: false,
                flip: [false; 3],
                shift: [0, 0, -1]
            }
        );
    }

    #[test]
    fn filled_regions_and_volumes_are_not_edge_maps_on_a_slice() {
        let mut filled = vec![0f32; SHAPE.iter().product()];
        for j in 4..10 {
            for i in 3..15 {
                filled[at(i, j, 2)] = 1.0;
            }
        }
        // 32 of 72 pixels on the outline: a region, not lines.
        assert!(find(&grid(), &filled, &grid()).is_none());
        let mut two_slices = outline(2, false);
        two_slices[at(5, 5, 3)] = 1.0;
        assert!(find(&grid(), &two_slices, &grid()).is_none());
        assert!(find(&grid(), &vec![0f32; SHAPE.iter().product()], &grid()).is_none());
    }

    #[test]
    fn tissue_is_what_is_brighter_than_a_tenth_of_the_bright_end() {
        // Background 0 with gradient 0; tissue 50..100 with gradient 2.
        let values: Vec<f32> = (0..200)
            .map(|n| if n < 100 { 0.0 } else { 50.0 + (n % 50) as f32 })
            .collect();
        let gradient: Vec<f32> = (0..200).map(|n| if n < 100 { 0.0 } else { 2.0 }).collect();
        assert_eq!(tissue_mean(&values, &gradient), 2.0);
        assert_eq!(tissue_mean(&[0.0; 4], &[1.0; 4]), 1.0);
    }
}
