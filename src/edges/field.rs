//! A scalar field on a voxel grid: the working array of the edge detectors,
//! flat, i fastest (the NIfTI storage order), with its voxel spacing and the
//! axes the current mode works along.

use super::control::{Cancelled, Control, Phase};

/// Shape, spacing and which axes take part (all three in 3D; two when
/// working slice by slice, the third axis then separates independent slices).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Layout {
    pub shape: [usize; 3],
    pub spacing_mm: [f64; 3],
    pub active: [bool; 3],
}

impl Layout {
    pub fn len(&self) -> usize {
        self.shape.iter().product()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Elements between neighbours along each axis.
    pub fn strides(&self) -> [usize; 3] {
        [1, self.shape[0], self.shape[0] * self.shape[1]]
    }

    /// Elements in one k-slab (all i and j for one k).
    pub fn slab(&self) -> usize {
        self.shape[0] * self.shape[1]
    }

    #[inline]
    pub fn index(&self, i: usize, j: usize, k: usize) -> usize {
        i + self.shape[0] * (j + self.shape[1] * k)
    }

    #[inline]
    pub fn coords(&self, index: usize) -> [usize; 3] {
        let i = index % self.shape[0];
        let rest = index / self.shape[0];
        [i, rest % self.shape[1], rest / self.shape[1]]
    }

    /// Axes that take part and are longer than one voxel.
    pub fn working_axes(&self) -> impl Iterator<Item = usize> + '_ {
        (0..3).filter(|&a| self.active[a] && self.shape[a] > 1)
    }
}

/// Values tested together, in one comparison per value that vectorises,
/// before any of them is looked at alone: where most groups hold nothing
/// of interest (no candidate, no member of a wanted bin), a look at each
/// value costs about 1 ns here and mispredicts along every edge (measured
/// in quantiles, non-maximum suppression and hysteresis).
pub const GROUP: usize = 8;

/// Calls `look(group, index)` on each run of [`GROUP`] values of `values`
/// in which `may_hold` holds for any (`index`: the run's first value's, with
/// `values[0]` at `first`), after one test of the whole run, which
/// vectorises; and on the remainder at the end, untested. `look` tests each
/// value again itself.
#[inline(always)]
pub fn for_groups_where(
    values: &[f32],
    first: usize,
    may_hold: impl Fn(f32) -> bool,
    mut look: impl FnMut(&[f32], usize),
) {
    let mut groups = values.chunks_exact(GROUP);
    for (g, group) in (&mut groups).enumerate() {
        let mut any = false;
        for &v in group {
            any |= may_hold(v);
        }
        if any {
            look(group, first + g * GROUP);
        }
    }
    let tail = values.len() - groups.remainder().len();
    look(groups.remainder(), first + tail);
}

/// About this many voxels per parallel task: rayon's cost per task (a few
/// microseconds) is then small beside the work, even for one 2D slice whose
/// rows are short.
const VOXELS_PER_TASK: usize = 16_384;

/// A zeroed working array, written by the pool's threads: a zeroing
/// allocation would clear it on this thread alone, and while it does the
/// other threads fall asleep; waking them costs more than the next phase
/// gains on a 2D slice (measured on 2 virtual cores: a parallel sum of a
/// 512x512 slice takes 0.07 ms after a busy pool, 0.13 ms after 100 us on
/// one thread, the same as one thread alone).
pub fn zeroed<T: Default + Copy + Send + Sync>(len: usize) -> Vec<T> {
    use rayon::prelude::*;
    let mut v = Vec::with_capacity(len);
    v.par_extend(rayon::iter::repeat_n(T::default(), len));
    v
}

/// A row-parallel pass's place in its run: the phase it belongs to and the
/// part of that phase it covers (the second of three smoothing passes is
/// 1/3 to 2/3), so that the progress bar moves within a phase.
#[derive(Clone, Copy)]
pub struct Pass<'c, 'a> {
    pub control: &'c Control<'a>,
    pub phase: Phase,
    pub part: [f32; 2],
}

impl<'c, 'a> Pass<'c, 'a> {
    /// The whole of `phase`.
    pub fn whole(control: &'c Control<'a>, phase: Phase) -> Self {
        Pass {
            control,
            phase,
            part: [0.0, 1.0],
        }
    }

    /// Pass `index` of `count` equal passes making up `phase`.
    pub fn nth(control: &'c Control<'a>, phase: Phase, index: usize, count: usize) -> Self {
        let count = count.max(1) as f32;
        Pass {
            control,
            phase,
            part: [index as f32 / count, (index + 1) as f32 / count],
        }
    }
}

/// Progress reports per pass: often enough that a bar moves every few
/// percent of a phase, rarely enough to cost nothing.
const REPORTS_PER_PASS: usize = 32;

/// Runs `f(row, values)` on every row (a run along i) of `out` in parallel,
/// a block of rows per task; stops at the first error. Each block first
/// asks whether the run went stale (so Cancel stops a pass over 512^3
/// voxels within a block's time, not at its end) and afterwards moves the
/// pass's progress.
pub fn try_for_each_row<T: Send, E: Send + From<Cancelled>>(
    out: &mut [T],
    layout: &Layout,
    pass: Pass,
    f: impl Fn(usize, &mut [T]) -> Result<(), E> + Sync,
) -> Result<(), E> {
    use rayon::prelude::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    let nx = layout.shape[0].max(1);
    let rows_per_task = (VOXELS_PER_TASK / nx).max(1);
    let total_rows = out.len().div_ceil(nx).max(1);
    let rows_done = AtomicUsize::new(0);
    let [begin, end] = [pass.phase.starts_at(), pass.phase.ends_at()];
    out.par_chunks_mut(nx * rows_per_task)
        .enumerate()
        .try_for_each(|(block, rows)| {
            pass.control.check()?;
            let mut count = 0;
            for (local, row) in rows.chunks_mut(nx).enumerate() {
                f(block * rows_per_task + local, row)?;
                count += 1;
            }
            let before = rows_done.fetch_add(count, Ordering::Relaxed);
            let after = before + count;
            if before * REPORTS_PER_PASS / total_rows != after * REPORTS_PER_PASS / total_rows {
                let [lo, hi] = pass.part;
                let within = lo + (hi - lo) * after as f32 / total_rows as f32;
                (pass.control.progress)(pass.phase, begin + (end - begin) * within);
            }
            Ok(())
        })
}
