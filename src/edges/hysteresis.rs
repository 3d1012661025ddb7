//! Canny's last step: keep the candidates connected to a strong one, with
//! every neighbour along the working axes (8 in 2D, 26 in 3D).
//!
//! In parallel, and the same set whatever the number of threads: bands of
//! the volume along its slowest axis each flood from their own strong
//! voxels without leaving the band; then every edge on either side of a
//! border between bands spreads again, through the whole volume. A
//! candidate connected to a strong voxel is reached either way: on its path
//! from the strong voxel, the first voxel the bands missed sits beside a
//! marked one, and within a band the flood would have taken it, so the two
//! lie across a border, where the second spread starts.

use super::control::{Cancelled, Control};
use super::field::{Layout, GROUP};
use rayon::prelude::*;

const CANDIDATE: u8 = 1;
const EDGE: u8 = 2;

/// Bands smaller than this many voxels cost more to start than they save.
const VOXELS_PER_BAND: usize = 32_768;

/// Keeps the candidates (1 in `candidates`) connected through candidates to
/// one whose magnitude is at least `high`. `candidates` becomes the edge
/// mask: 1 on edges, 0 elsewhere.
pub fn keep_connected(
    candidates: &mut [u8],
    magnitude: &[f32],
    layout: &Layout,
    high: f32,
    control: &Control,
) -> Result<(), Cancelled> {
    let flood = Flood::new(layout);
    // The slowest axis longer than one voxel: its bands are contiguous.
    let axis = (0..3).rev().find(|&a| layout.shape[a] > 1).unwrap_or(0);
    let extent = layout.shape[axis].max(1);
    let stride = layout.strides()[axis];
    let wanted_bands = (layout.len() / VOXELS_PER_BAND).clamp(1, 4 * rayon::current_num_threads());
    let per_band = extent.div_ceil(wanted_bands.min(extent));
    candidates
        .par_chunks_mut(per_band * stride)
        .enumerate()
        .try_for_each(|(b, cells)| {
            let lo = b * per_band;
            let hi = (lo + per_band).min(extent);
            let origin = lo * stride;
            let limits = flood.limits(axis, lo, hi);
            let mut stack = Vec::new();
            // Blocks with no candidate at all (most of the image) are
            // skipped with one vectorised test.
            const BLOCK: usize = 64;
            for start in (0..cells.len()).step_by(BLOCK) {
                if start % (1 << 20) == 0 {
                    control.check()?;
                }
                let end = (start + BLOCK).min(cells.len());
                if cells[start..end].iter().fold(0u8, |a, &c| a | c) == 0 {
                    continue;
                }
                for group in (start..end).step_by(GROUP) {
                    let group_end = (group + GROUP).min(end);
                    // Groups of eight with no strong candidate (most, even
                    // beside edges) pass with one test that vectorises: a
                    // test per voxel was mispredicted at every edge.
                    if group_end - group == GROUP {
                        let c: &[u8; GROUP] = cells[group..group_end].try_into().expect("a group");
                        let m: &[f32; GROUP] = magnitude[origin + group..origin + group_end]
                            .try_into()
                            .expect("a group");
                        let mut any = false;
                        for l in 0..GROUP {
                            any |= (c[l] == CANDIDATE) & (m[l] >= high);
                        }
                        if !any {
                            continue;
                        }
                    }
                    for local in group..group_end {
                        if cells[local] != CANDIDATE || magnitude[origin + local] < high {
                            continue;
                        }
                        cells[local] = EDGE;
                        let n = origin + local;
                        stack.push((n, layout.coords(n)));
                        flood.spread(cells, origin, &limits, &mut stack);
                    }
                }
            }
            Ok(())
        })?;
    control.check()?;
    // Across the borders, through the whole volume.
    let whole = flood.limits(axis, 0, extent);
    let mut stack = Vec::new();
    for border in (per_band..extent).step_by(per_band) {
        for plane in [border - 1, border] {
            let first = plane * stride;
            for (o, &cell) in candidates[first..first + stride].iter().enumerate() {
                if cell == EDGE {
                    stack.push((first + o, layout.coords(first + o)));
                }
            }
            flood.spread(candidates, 0, &whole, &mut stack);
        }
    }
    candidates
        .par_iter_mut()
        .for_each(|c| *c = u8::from(*c == EDGE));
    Ok(())
}

/// The neighbourhood of a voxel along the working axes.
struct Flood<'a> {
    layout: &'a Layout,
    offsets: Vec<[isize; 3]>,
    /// The same offsets as steps in the flat array.
    steps: Vec<isize>,
}

/// Per axis, the coordinates a flood may visit: `lo..hi`.
type Limits = [(usize, usize); 3];

impl<'a> Flood<'a> {
    fn new(layout: &'a Layout) -> Self {
        let offsets = neighbour_offsets(layout);
        let strides = layout.strides().map(|s| s as isize);
        let steps = offsets
            .iter()
            .map(|d| d[0] * strides[0] + d[1] * strides[1] + d[2] * strides[2])
            .collect();
        Flood {
            layout,
            offsets,
            steps,
        }
    }

    /// The whole volume, but only `lo..hi` along `axis`.
    fn limits(&self, axis: usize, lo: usize, hi: usize) -> Limits {
        let mut limits = self.layout.shape.map(|n| (0, n));
        limits[axis] = (lo, hi);
        limits
    }

    /// Marks as edges the candidates reachable from the voxels on `stack`
    /// (already marked; global index and coordinates) without leaving
    /// `limits`. `cells` holds the voxels from global index `origin` on.
    fn spread(
        &self,
        cells: &mut [u8],
        origin: usize,
        limits: &Limits,
        stack: &mut Vec<(usize, [usize; 3])>,
    ) {
        while let Some((n, at)) = stack.pop() {
            // Off every limit by a voxel: all neighbours are inside.
            let inside = self.layout.working_axes().all(|a| {
                let (lo, hi) = limits[a];
                at[a] > lo && at[a] + 1 < hi
            });
            for (d, &step) in self.offsets.iter().zip(&self.steps) {
                let within = || {
                    (0..3).all(|a| {
                        at[a]
                            .checked_add_signed(d[a])
                            .is_some_and(|v| v >= limits[a].0 && v < limits[a].1)
                    })
                };
                if !inside && !within() {
                    continue;
                }
                let m = n.wrapping_add_signed(step);
                let cell = &mut cells[m - origin];
                if *cell == CANDIDATE {
                    *cell = EDGE;
                    stack.push((m, [0, 1, 2].map(|a| at[a].wrapping_add_signed(d[a]))));
                }
            }
        }
    }
}

/// All offsets in {-1, 0, 1} along the working axes, except zero.
fn neighbour_offsets(layout: &Layout) -> Vec<[isize; 3]> {
    let range = |a: usize| {
        if layout.active[a] && layout.shape[a] > 1 {
            -1..=1
        } else {
            0..=0
        }
    };
    let mut out = Vec::new();
    for dz in range(2) {
        for dy in range(1) {
            for dx in range(0) {
                if (dx, dy, dz) != (0, 0, 0) {
                    out.push([dx, dy, dz]);
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Breadth-first search from every strong candidate over the whole
    /// volume, one voxel at a time: obviously right, slow.
    fn by_search(candidates: &[u8], magnitude: &[f32], layout: &Layout, high: f32) -> Vec<u8> {
        let offsets = neighbour_offsets(layout);
        let mut edge = vec![0u8; candidates.len()];
        let mut queue = std::collections::VecDeque::new();
        for n in 0..candidates.len() {
            if candidates[n] == 1 && magnitude[n] >= high {
                edge[n] = 1;
                queue.push_back(n);
            }
        }
        while let Some(n) = queue.pop_front() {
            let at = layout.coords(n);
            for d in &offsets {
                let q: Option<Vec<usize>> = (0..3)
                    .map(|a| {
                        at[a]
                            .checked_add_signed(d[a])
                            .filter(|&v| v < layout.shape[a])
                    })
                    .collect();
                let Some(q) = q else { continue };
                let m = layout.index(q[0], q[1], q[2]);
                if candidates[m] == 1 && edge[m] == 0 {
                    edge[m] = 1;
                    queue.push_back(m);
                }
            }
        }
        edge
    }

    #[test]
    fn bands_and_borders_give_the_search_result_in_2d_and_3d() {
        // Long winding candidates that cross many band borders, on grids
        // large enough to be cut into bands.
        // Densities above the percolation threshold of each neighbourhood
        // (about 0.41 for 8 neighbours, 0.10 for 26): large clusters that
        // cross borders, and small ones with no strong voxel to drop.
        for (shape, active, density) in [
            ([300, 400, 1], [true, true, false], 0.45),
            ([40, 50, 60], [true; 3], 0.12),
            ([30, 20, 200], [true, true, false], 0.45),
        ] {
            let layout = Layout {
                shape,
                spacing_mm: [1.0; 3],
                active,
            };
            let len = layout.len();
            let mut state = 12345u64;
            let mut random = || {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                (state >> 33) as f32 / (1u64 << 31) as f32
            };
            let candidates: Vec<u8> = (0..len).map(|_| u8::from(random() < density)).collect();
            let magnitude: Vec<f32> = (0..len).map(|_| random()).collect();
            let expected = by_search(&candidates, &magnitude, &layout, 0.995);
            let mut got = candidates.clone();
            keep_connected(&mut got, &magnitude, &layout, 0.995, &Control::none()).unwrap();
            assert!(expected.contains(&1), "{shape:?}: no edges");
            assert!(
                expected
                    .iter()
                    .zip(&candidates)
                    .any(|(&e, &c)| c == 1 && e == 0),
                "{shape:?}: nothing to drop"
            );
            assert_eq!(got, expected, "{shape:?}");
        }
    }
}
