//! The content check: a header can be right while the array under it is
//! wrong (written back flipped, transposed or shifted under the base's own
//! header). For a mask, label map or edge map, score how well its boundaries
//! sit on the base's own edges, as stored and under the other arrangements
//! of the same array, and say so when another one fits clearly better.
//! An edge map that lives on one slice (the forum's case) is scored instead
//! by the base's gradient under its pixels (see [`super::slice_fit`]).

use super::findings::{ContentFit, ContentMeasure, Finding};
use super::slice_fit::{self, BaseSlices};
use super::values::{value_kind, ValueKind, MAX_LABELS};
use crate::edges::{self, Control, EdgeMap, EdgeParams};
use crate::geometry::orientation::axis_directions;
use crate::geometry::Grid;
use crate::volume::Volume;
use serde::Serialize;
use std::sync::OnceLock;

/// At most this many boundary voxels are scored (evenly strided), so the
/// check costs the same on any overlay.
const MAX_SAMPLES: usize = 40_000;
/// Shifts tried along each of the base's voxel axes, in voxels.
const SHIFTS: [i64; 6] = [-3, -2, -1, 1, 2, 3];
/// Another arrangement "fits clearly better" when its score is at least
/// this many times the stored one's...
pub const BETTER_RATIO: f64 = 1.3;
/// ...and at least this much higher in absolute terms.
pub const BETTER_MARGIN: f64 = 0.1;
/// ...and stands out from the typical (median) arrangement by this much:
/// base edges are dense, so any placement inside the head scores something,
/// and a mask that does not follow edges (a lesion) scores little anywhere.
pub const STANDS_OUT: f64 = 0.2;
/// What overlays are scored on: the base's own edges (3D Canny, widened by
/// one voxel), made the first time a check needs them, and the base's
/// in-plane gradient slice by slice, for edge maps on one slice.
pub struct EdgeReference {
    grid: Grid,
    slices: BaseSlices,
    canny: OnceLock<Option<CannyEdges>>,
}

/// The base's 3D Canny edges.
struct CannyEdges {
    on_edge: Vec<bool>,
    near_edge: Vec<bool>,
    edge_voxels: usize,
}

impl EdgeReference {
    /// The reference for frame 0 of the base; `None` when the base is flat
    /// (no two finite values differ: no edges at all). Cheap: the 3D Canny
    /// (sigma 1 mm, default quantile thresholds) runs when a 3D overlay
    /// first needs it, so an edge map on one slice is checked without it.
    pub fn of(base: &Volume) -> Option<Self> {
        let values = base.frame_values(0).into_owned();
        let mut finite = values.iter().filter(|v| v.is_finite());
        let first = *finite.next()?;
        if finite.all(|&v| v == first) {
            return None;
        }
        Some(EdgeReference {
            grid: base.grid,
            slices: BaseSlices::new(values, base.grid),
            canny: OnceLock::new(),
        })
    }

    /// The base's 3D Canny edges, computed once; `None` when there are none.
    fn canny(&self) -> Option<&CannyEdges> {
        self.canny
            .get_or_init(|| {
                let values = self.slices.values();
                let result = edges::detect(
                    values,
                    self.grid.shape,
                    self.grid.spacing_mm(),
                    None,
                    &EdgeParams::default(),
                    None,
                    &Control::none(),
                )
                .ok()?;
                let EdgeMap::Mask(mask) = result.map else {
                    return None;
                };
                let edge_voxels = mask.iter().filter(|&&m| m != 0).count();
                (edge_voxels > 0).then(|| CannyEdges {
                    near_edge: dilate_one_voxel(&mask, self.grid.shape),
                    on_edge: mask.iter().map(|&m| m != 0).collect(),
                    edge_voxels,
                })
            })
            .as_ref()
    }

    /// Voxels on the base's 3D Canny edges (computing them if not yet done).
    pub fn edge_voxels(&self) -> usize {
        self.canny().map_or(0, |c| c.edge_voxels)
    }

    /// Whether base voxel `v` is on (near) a 3D Canny edge.
    fn is_on_edge(&self, v: [i64; 3], tolerance: u8) -> bool {
        self.canny()
            .is_some_and(|c| c.is_on_edge(&self.grid, v, tolerance))
    }
}

impl CannyEdges {
    /// Whether base voxel `v` is an edge (`tolerance` 0) or within one
    /// voxel of one (1); outside the base (`grid`) is never.
    fn is_on_edge(&self, grid: &Grid, v: [i64; 3], tolerance: u8) -> bool {
        let [nx, ny, nz] = grid.shape.map(|n| n as i64);
        let map = if tolerance == 0 {
            &self.on_edge
        } else {
            &self.near_edge
        };
        (0..nx).contains(&v[0])
            && (0..ny).contains(&v[1])
            && (0..nz).contains(&v[2])
            && map[(v[0] + nx * (v[1] + ny * v[2])) as usize]
    }
}

/// One way of laying the overlay's array on the base.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Arrangement {
    /// Where the two headers put it: the arrangement as stored.
    AsStored,
    /// The array's axis `a` read as the base's voxel axis `order[a]`,
    /// reversed where `flip[a]`, ignoring the overlay's header.
    Axes { order: [usize; 3], flip: [bool; 3] },
    /// As stored, moved by whole base voxels.
    Shift { voxels: [i64; 3] },
    /// For an overlay on one slice across base voxel axis `axis`: its
    /// pixels with the two in-plane axes swapped (`transpose`, square
    /// slices only), then reversed along the base axes where `flip`, then
    /// moved by `shift` voxels (along `axis`: onto another slice).
    InSlice {
        axis: usize,
        transpose: bool,
        flip: [bool; 3],
        shift: [i64; 3],
    },
}

#[derive(Debug, Clone, Serialize)]
pub struct ScoredArrangement {
    pub arrangement: Arrangement,
    pub description: String,
    /// What `measure` measures: the fraction of the overlay's boundary
    /// voxels within one voxel of (or on) a base edge, or the base's mean
    /// gradient under its pixels.
    pub score: f64,
}

#[derive(Debug, Clone, Serialize)]
pub struct ContentCheck {
    /// What the boundaries were taken from: "mask" or "labels".
    pub overlay_kind: &'static str,
    /// What the scores are: for an edge map on one slice, the base's mean
    /// in-plane gradient under its pixels (intensity per mm); otherwise the
    /// fraction of the overlay's boundary on the base's Canny edges.
    pub measure: ContentMeasure,
    pub boundary_voxels: usize,
    pub scored_voxels: usize,
    /// Voxels on the base's 3D Canny edges (0 for an edge map on one
    /// slice, which is scored without them).
    pub base_edge_voxels: usize,
    /// 1: a boundary voxel counts when within one voxel of a base edge; 0:
    /// only on one (used when the base's edges are too dense for 1 to tell,
    /// and for the gradient measure, which has no tolerance).
    pub tolerance_voxels: u8,
    pub as_stored: f64,
    /// The median score of the 7 mirror images of the stored placement
    /// across the base's centre: what a placement inside the head that has
    /// nothing to do with the anatomy scores. For the gradient measure: the
    /// mean gradient over the tissue of the overlay's slice.
    pub typical: f64,
    /// As stored stands out from the typical arrangement: its boundaries
    /// follow the base's anatomy.
    pub confirmed_as_stored: bool,
    /// The best arrangement other than as stored.
    pub best_other: Option<ScoredArrangement>,
    /// True when `best_other` fits clearly better than as stored.
    pub fits_better_otherwise: bool,
    /// The verdict as a finding (its words come from [`Finding`]).
    #[serde(serialize_with = "super::findings::serialize_one")]
    pub finding: Finding,
    /// Every arrangement tried, best first.
    pub scores: Vec<ScoredArrangement>,
}

/// Why the content check did not run.
#[derive(Debug, Clone, Serialize)]
pub struct ContentSkipped {
    pub reason: String,
}

/// Scores the overlay's frame 0 (`values`, in storage order) against the
/// base's edges.
pub fn check_content(
    reference: &EdgeReference,
    overlay: &Volume,
    values: &[f32],
) -> Result<ContentCheck, ContentSkipped> {
    let skip = |reason: String| Err(ContentSkipped { reason });
    let kind = match classify(values) {
        Ok(kind) => kind,
        Err(reason) => return skip(reason),
    };
    if kind == "mask" {
        if let Some(on) = slice_fit::find(&overlay.grid, values, &reference.grid) {
            return Ok(slice_check(reference, &on));
        }
    }
    if reference.canny().is_none() {
        return skip("the base has no edges to compare with".into());
    }
    let shape = overlay.grid.shape;
    let boundary = boundary_voxels(values, shape);
    if boundary.is_empty() {
        return skip("the overlay has no boundary (empty or all one label)".into());
    }
    let stride = boundary.len().div_ceil(MAX_SAMPLES);
    let samples: Vec<[usize; 3]> = boundary.iter().step_by(stride).copied().collect();
    let base = &reference.grid;
    // Where the headers put each sample, in the base's continuous voxel coordinates.
    let stored: Vec<[f64; 3]> = samples
        .iter()
        .map(|&o| base.voxel_from_world(overlay.grid.world_from_index(o)))
        .collect();
    let same_grid = overlay.grid.shape == base.shape
        && overlay
            .grid
            .world_from_voxel
            .max_corner_distance(&base.world_from_voxel, base.index_extent())
            < super::check::SAME_PLACE_MM;
    let arrangements = alternatives(shape, base.shape, same_grid);
    let placements = Placements {
        samples: &samples,
        stored: &stored,
        overlay_shape: shape,
        base_shape: base.shape,
    };
    // Within one voxel forgives other tools' edges a voxel off; where the
    // base's edges are so dense that everything is within one voxel of one
    // (a 3 mm EPI), only exact coincidence tells arrangements apart.
    let forgiving = judge(&placements, &arrangements, reference, base, 1);
    let verdict = if forgiving.decisive() {
        forgiving
    } else {
        let exact = judge(&placements, &arrangements, reference, base, 0);
        if exact.decisive() {
            exact
        } else {
            forgiving
        }
    };
    let Verdict {
        tolerance_voxels,
        as_stored,
        typical,
        scores,
        fits_better_otherwise,
        confirmed_as_stored,
    } = verdict;
    let best_other = scores.first().cloned();
    let finding = Finding::Content {
        fit: ContentFit::of(fits_better_otherwise, confirmed_as_stored),
        best: best_other.as_ref().map(|b| b.description.clone()),
        best_score: best_other.as_ref().map_or(as_stored, |b| b.score),
        as_stored,
        typical,
        tolerance_voxels,
        measure: ContentMeasure::BoundaryOnEdges,
        mirror_doubt: false,
    };
    Ok(ContentCheck {
        overlay_kind: kind,
        measure: ContentMeasure::BoundaryOnEdges,
        boundary_voxels: boundary.len(),
        scored_voxels: samples.len(),
        base_edge_voxels: reference.edge_voxels(),
        tolerance_voxels,
        as_stored,
        typical,
        confirmed_as_stored,
        best_other,
        fits_better_otherwise,
        finding,
        scores,
    })
}

/// The verdict on an edge map that lives on one slice: the base's in-plane
/// gradient under its pixels, as stored and arranged otherwise on the slice.
fn slice_check(reference: &EdgeReference, on: &slice_fit::OnSlice) -> ContentCheck {
    let base = &reference.grid;
    let s = slice_fit::score(on, &reference.slices);
    let mut scores: Vec<ScoredArrangement> = s
        .others
        .iter()
        .map(|&(arrangement, score)| ScoredArrangement {
            arrangement,
            description: describe(arrangement, base),
            score,
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score));
    let best_other = scores.first().cloned();
    let best = best_other.as_ref().map_or(0.0, |b| b.score);
    // Following the anatomy: well above what tissue in general has.
    let stands_out = |x: f64| x > 0.0 && x >= slice_fit::STANDS_OUT_RATIO * s.tissue;
    let fits_better_otherwise = best >= slice_fit::BETTER_RATIO * s.as_stored && stands_out(best);
    let confirmed_as_stored =
        !fits_better_otherwise && s.as_stored >= best && stands_out(s.as_stored);
    let mirror_doubt = !fits_better_otherwise
        && !confirmed_as_stored
        && best_other
            .as_ref()
            .is_some_and(|b| is_left_right_mirror(b.arrangement, base));
    let finding = Finding::Content {
        fit: ContentFit::of(fits_better_otherwise, confirmed_as_stored),
        best: best_other.as_ref().map(|b| b.description.clone()),
        best_score: best,
        as_stored: s.as_stored,
        typical: s.tissue,
        tolerance_voxels: 0,
        measure: ContentMeasure::GradientUnderPixels,
        mirror_doubt,
    };
    ContentCheck {
        overlay_kind: "mask",
        measure: ContentMeasure::GradientUnderPixels,
        boundary_voxels: on.set_pixels,
        scored_voxels: on.scored_pixels(),
        base_edge_voxels: 0,
        tolerance_voxels: 0,
        as_stored: s.as_stored,
        typical: s.tissue,
        confirmed_as_stored,
        best_other,
        fits_better_otherwise,
        finding,
        scores,
    }
}

/// Whether an arrangement on a slice is its left-right mirror image and
/// nothing else: what a near-symmetric brain cannot tell apart.
fn is_left_right_mirror(arrangement: Arrangement, base: &Grid) -> bool {
    let directions = axis_directions(&base.world_from_voxel);
    match arrangement {
        Arrangement::InSlice {
            transpose: false,
            flip,
            shift: [0, 0, 0],
            ..
        } => {
            let flipped: Vec<usize> = (0..3).filter(|&a| flip[a]).collect();
            flipped.len() == 1 && directions[flipped[0]].world_axis == 0
        }
        _ => false,
    }
}

/// The overlay's sampled boundary voxels: in its own index space, and where
/// the headers put them in the base's continuous voxel coordinates.
struct Placements<'a> {
    samples: &'a [[usize; 3]],
    stored: &'a [[f64; 3]],
    overlay_shape: [usize; 3],
    base_shape: [usize; 3],
}

impl Placements<'_> {
    /// Fraction of samples landing on (near) an edge under `arrangement`.
    fn score(&self, arrangement: Arrangement, reference: &EdgeReference, tolerance: u8) -> f64 {
        let hit = |v: [i64; 3]| reference.is_on_edge(v, tolerance);
        let hits = match arrangement {
            Arrangement::AsStored => self.stored.iter().filter(|v| hit(v.map(round))).count(),
            Arrangement::Shift { voxels } => self
                .stored
                .iter()
                .filter(|v| hit([0, 1, 2].map(|a| round(v[a]) + voxels[a])))
                .count(),
            // Scored by `slice_fit`, never here.
            Arrangement::InSlice { .. } => 0,
            Arrangement::Axes { order, flip } => self
                .samples
                .iter()
                .filter(|o| {
                    let mut v = [0i64; 3];
                    for a in 0..3 {
                        let index = o[a] as i64;
                        v[order[a]] = if flip[a] {
                            self.overlay_shape[a] as i64 - 1 - index
                        } else {
                            index
                        };
                    }
                    hit(v)
                })
                .count(),
        };
        hits as f64 / self.samples.len() as f64
    }

    /// The median score of the 7 mirror images of the stored placement
    /// across the base's centre: as much inside the head as the overlay,
    /// but unrelated to its anatomy.
    fn typical(&self, reference: &EdgeReference, tolerance: u8) -> f64 {
        let mirrored = |bits: u8| {
            let hits = self
                .stored
                .iter()
                .filter(|v| {
                    reference.is_on_edge(
                        [0, 1, 2].map(|a| {
                            let r = round(v[a]);
                            if bits & (1 << a) != 0 {
                                self.base_shape[a] as i64 - 1 - r
                            } else {
                                r
                            }
                        }),
                        tolerance,
                    )
                })
                .count();
            hits as f64 / self.stored.len() as f64
        };
        median((1..8u8).map(mirrored).collect())
    }
}

struct Verdict {
    tolerance_voxels: u8,
    as_stored: f64,
    typical: f64,
    scores: Vec<ScoredArrangement>,
    fits_better_otherwise: bool,
    confirmed_as_stored: bool,
}

impl Verdict {
    fn decisive(&self) -> bool {
        self.fits_better_otherwise || self.confirmed_as_stored
    }
}

fn judge(
    placements: &Placements,
    arrangements: &[Arrangement],
    reference: &EdgeReference,
    base: &Grid,
    tolerance: u8,
) -> Verdict {
    let as_stored = placements.score(Arrangement::AsStored, reference, tolerance);
    let mut scores: Vec<ScoredArrangement> = arrangements
        .iter()
        .map(|&arrangement| ScoredArrangement {
            arrangement,
            description: describe(arrangement, base),
            score: placements.score(arrangement, reference, tolerance),
        })
        .collect();
    scores.sort_by(|a, b| b.score.total_cmp(&a.score));
    let typical = placements.typical(reference, tolerance);
    let fits_better_otherwise = scores.first().is_some_and(|b| {
        b.score >= BETTER_RATIO * as_stored
            && b.score - as_stored >= BETTER_MARGIN
            && b.score >= typical + STANDS_OUT
    });
    Verdict {
        tolerance_voxels: tolerance,
        as_stored,
        typical,
        confirmed_as_stored: !fits_better_otherwise && as_stored >= typical + STANDS_OUT,
        scores,
        fits_better_otherwise,
    }
}

fn median(mut values: Vec<f64>) -> f64 {
    values.sort_by(f64::total_cmp);
    values[values.len() / 2]
}

fn round(x: f64) -> i64 {
    (x + 0.5).floor() as i64
}

/// A mask or edge map (one non-zero value) or a label map (a few integer
/// values); anything else (a continuous map) is not checked.
fn classify(values: &[f32]) -> Result<&'static str, String> {
    match value_kind(values) {
        ValueKind::Empty => Err("the overlay is empty (all zero)".into()),
        ValueKind::Mask => Ok("mask"),
        ValueKind::Labels(_) => Ok("labels"),
        ValueKind::Continuous => Err(format!(
            "the overlay holds non-integer values or more than {MAX_LABELS} distinct ones (a continuous map, not a mask or label map)"
        )),
    }
}

/// Non-zero voxels with a zero face neighbour: the outline of the union of
/// all labels (for a thin edge map, nearly all of its voxels). Borders
/// between two labels are left out: label maps with speckled or nested
/// labels (lesion grades) would otherwise count their insides. The
/// volume's own border is not a boundary.
fn boundary_voxels(values: &[f32], shape: [usize; 3]) -> Vec<[usize; 3]> {
    let [nx, ny, nz] = shape;
    let at = |i: usize, j: usize, k: usize| values[i + nx * (j + ny * k)];
    let is_set = |v: f32| v != 0.0 && !v.is_nan();
    let mut out = Vec::new();
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                if !is_set(at(i, j, k)) {
                    continue;
                }
                let differs = (i > 0 && !is_set(at(i - 1, j, k)))
                    || (i + 1 < nx && !is_set(at(i + 1, j, k)))
                    || (j > 0 && !is_set(at(i, j - 1, k)))
                    || (j + 1 < ny && !is_set(at(i, j + 1, k)))
                    || (k > 0 && !is_set(at(i, j, k - 1)))
                    || (k + 1 < nz && !is_set(at(i, j, k + 1)));
                if differs {
                    out.push([i, j, k]);
                }
            }
        }
    }
    out
}

/// Marks every voxel within one voxel (26-neighbourhood) of an edge:
/// three separable passes of a 3-wide maximum.
fn dilate_one_voxel(mask: &[u8], shape: [usize; 3]) -> Vec<bool> {
    let mut current: Vec<bool> = mask.iter().map(|&m| m != 0).collect();
    let strides = [1, shape[0], shape[0] * shape[1]];
    for axis in 0..3 {
        let (n, stride) = (shape[axis], strides[axis]);
        let mut next = current.clone();
        for (index, out) in next.iter_mut().enumerate() {
            if *out {
                continue;
            }
            let position = (index / stride) % n;
            *out = (position > 0 && current[index - stride])
                || (position + 1 < n && current[index + stride]);
        }
        current = next;
    }
    current
}

/// Every other arrangement worth scoring: signed axis orders whose shape
/// fits the base (minus the one equal to "as stored" on the same grid),
/// and small shifts of the stored arrangement.
fn alternatives(overlay: [usize; 3], base: [usize; 3], same_grid: bool) -> Vec<Arrangement> {
    const ORDERS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let mut out = Vec::new();
    for order in ORDERS {
        if (0..3).any(|a| overlay[a] != base[order[a]]) {
            continue;
        }
        for bits in 0..8u8 {
            let flip = [0, 1, 2].map(|a| bits & (1 << a) != 0);
            if same_grid && order == [0, 1, 2] && bits == 0 {
                continue; // identical to as stored
            }
            out.push(Arrangement::Axes { order, flip });
        }
    }
    for axis in 0..3 {
        for s in SHIFTS {
            let mut voxels = [0; 3];
            voxels[axis] = s;
            out.push(Arrangement::Shift { voxels });
        }
    }
    out
}

/// The arrangement in words, e.g. "flipped front to back" or "with its
/// axes read as the base's (k, j, i)".
pub fn describe(arrangement: Arrangement, base: &Grid) -> String {
    let directions = axis_directions(&base.world_from_voxel);
    let across = |base_axis: usize| {
        ["left to right", "front to back", "top to bottom"][directions[base_axis].world_axis]
    };
    match arrangement {
        Arrangement::AsStored => "as stored".to_string(),
        Arrangement::Axes { order, flip } => {
            let flips: Vec<&str> = (0..3)
                .filter(|&a| flip[a])
                .map(|a| across(order[a]))
                .collect();
            let flipped = if flips.is_empty() {
                String::new()
            } else {
                format!("flipped {}", flips.join(" and "))
            };
            if order == [0, 1, 2] {
                if flips.is_empty() {
                    "laid on the base's voxel grid as stored, ignoring its own header".to_string()
                } else {
                    flipped
                }
            } else {
                let names = order.map(|a| ["i", "j", "k"][a]).join(", ");
                let reading = format!("with its axes read as the base's ({names})");
                if flips.is_empty() {
                    reading
                } else {
                    format!("{reading} and {flipped}")
                }
            }
        }
        Arrangement::Shift { voxels } => {
            let axis = (0..3).find(|&a| voxels[a] != 0).unwrap_or(0);
            format!("shifted {}", moved_words(base, axis, voxels[axis]))
        }
        Arrangement::InSlice {
            axis,
            transpose,
            flip,
            shift,
        } => {
            let mut parts = Vec::new();
            if transpose {
                parts.push("transposed (rows and columns swapped)".to_string());
            }
            let flips: Vec<&str> = (0..3).filter(|&a| flip[a]).map(across).collect();
            if !flips.is_empty() {
                parts.push(format!("flipped {}", flips.join(" and ")));
            }
            for a in (0..3).filter(|&a| shift[a] != 0) {
                let moved = moved_words(base, a, shift[a]);
                parts.push(if a == axis {
                    format!("on the slice {moved}")
                } else {
                    format!("shifted {moved}")
                });
            }
            if parts.is_empty() {
                "as stored".to_string()
            } else {
                parts.join(" and ")
            }
        }
    }
}

/// "2 voxels (2.0 mm) towards A": `steps` voxels along base axis `axis`.
fn moved_words(base: &Grid, axis: usize, steps: i64) -> String {
    let mut step = [0.0; 3];
    step[axis] = steps as f64;
    let moved = base.world_from_voxel.apply_vector(step);
    let mm = (moved[0].powi(2) + moved[1].powi(2) + moved[2].powi(2)).sqrt();
    let towards = crate::geometry::plane::letter_towards(moved);
    format!(
        "{} voxel{} ({mm:.1} mm) towards {towards}",
        steps.abs(),
        if steps.abs() == 1 { "" } else { "s" }
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dilation_reaches_the_26_neighbourhood_and_no_further() {
        let shape = [5, 5, 5];
        let mut mask = vec![0u8; 125];
        mask[2 + 5 * (2 + 5 * 2)] = 1;
        let near = dilate_one_voxel(&mask, shape);
        for k in 0..5 {
            for j in 0..5 {
                for i in 0..5 {
                    let inside = [i, j, k].iter().all(|&c: &usize| c.abs_diff(2) <= 1);
                    assert_eq!(near[i + 5 * (j + 5 * k)], inside, "{i} {j} {k}");
                }
            }
        }
    }

    #[test]
    fn boundaries_skip_the_interior_and_the_volume_border() {
        // A 3x3x3 block inside 5^3: 26 boundary voxels, the centre is interior.
        let shape = [5, 5, 5];
        let mut values = vec![0f32; 125];
        for k in 1..4 {
            for j in 1..4 {
                for i in 1..4 {
                    values[i + 5 * (j + 5 * k)] = 1.0;
                }
            }
        }
        let b = boundary_voxels(&values, shape);
        assert_eq!(b.len(), 26);
        assert!(!b.contains(&[2, 2, 2]));
        // A full volume has no boundary at all.
        assert!(boundary_voxels(&[1.0; 125], shape).is_empty());
    }

    #[test]
    fn continuous_maps_are_not_checked() {
        assert_eq!(classify(&[0.0, 1.0, 1.0]), Ok("mask"));
        assert_eq!(classify(&[0.0, 1.0, 7.0]), Ok("labels"));
        assert!(classify(&[0.0, 0.5]).is_err());
        assert!(classify(&[0.0, 0.0]).is_err());
    }

    #[test]
    fn arrangements_on_a_slice_are_named_in_anatomical_words() {
        // RAS, 1 mm: i runs left to right, j back to front, k up.
        let base = Grid::new([10, 10, 10], crate::geometry::Affine::identity());
        let on_slice = |transpose, flip: [bool; 3], shift: [i64; 3]| Arrangement::InSlice {
            axis: 2,
            transpose,
            flip,
            shift,
        };
        let mirror = on_slice(false, [true, false, false], [0; 3]);
        assert_eq!(describe(mirror, &base), "flipped left to right");
        assert!(is_left_right_mirror(mirror, &base));
        let upside_down = on_slice(false, [false, true, false], [0; 3]);
        assert_eq!(describe(upside_down, &base), "flipped front to back");
        assert!(!is_left_right_mirror(upside_down, &base));
        assert_eq!(
            describe(on_slice(true, [false; 3], [0; 3]), &base),
            "transposed (rows and columns swapped)"
        );
        assert_eq!(
            describe(on_slice(false, [false; 3], [0, 0, -1]), &base),
            "on the slice 1 voxel (1.0 mm) towards I"
        );
        assert_eq!(
            describe(on_slice(false, [false; 3], [2, 0, 0]), &base),
            "shifted 2 voxels (2.0 mm) towards R"
        );
    }

    #[test]
    fn a_mirror_that_fits_about_as_well_says_so() {
        let finding = |mirror_doubt| Finding::Content {
            fit: ContentFit::Inconclusive,
            best: Some("flipped left to right".into()),
            best_score: 20.5,
            as_stored: 20.0,
            typical: 10.0,
            tolerance_voxels: 0,
            measure: ContentMeasure::GradientUnderPixels,
            mirror_doubt,
        };
        let words = finding(true).to_string();
        assert!(
            words.contains("inconclusive") && words.contains("left-right mirror"),
            "{words}"
        );
        assert!(!finding(false).to_string().contains("mirror"));
    }

    #[test]
    fn alternatives_respect_the_shape() {
        // A cube: 6 orders x 8 flips, minus as stored, plus 18 shifts.
        assert_eq!(alternatives([4, 4, 4], [4, 4, 4], true).len(), 47 + 18);
        // Distinct dims reversed: only (k, j, i) with its 8 flips.
        let a = alternatives([3, 4, 5], [5, 4, 3], false);
        assert_eq!(a.len(), 8 + 18);
        assert!(a.contains(&Arrangement::Axes {
            order: [2, 1, 0],
            flip: [false; 3]
        }));
    }
}
