//! The edge computation the window's worker runs: the whole volume in 3D,
//! or slice by slice starting with the slice under the cursor, handing out
//! partial results as slices finish.

use super::state::EdgesReady;
use super::worker::JobContext;
use crate::edges::{self, Control, EdgeParams, Mode};
use crate::volume::Volume;
use std::sync::Arc;

/// Volume generation, parameters, background level of the mask.
pub type EdgeKey = (u64, EdgeParams, Option<f64>);

/// What the window asks for.
pub struct EdgeJob {
    pub volume: Arc<Volume>,
    pub frame: usize,
    pub key: EdgeKey,
    /// Where the cursor is: in slice mode its slice comes first.
    pub cursor_ras: [f64; 3],
}

/// A result (partial while `complete` is false), ready to draw, and the
/// seconds it took.
pub struct EdgeOutcome {
    pub key: EdgeKey,
    pub ready: EdgesReady,
    pub seconds: f64,
    pub complete: bool,
}

pub fn run(job: EdgeJob, context: &JobContext<EdgeOutcome>) -> Option<EdgeOutcome> {
    let started = std::time::Instant::now();
    let control = Control {
        is_stale: &|| context.is_stale(),
        progress: &|_, done| context.report_progress(done),
    };
    let volume = &job.volume;
    let params = &job.key.1;
    let values = volume.frame_values(job.frame);
    let considered: Option<Vec<bool>> = job
        .key
        .2
        .map(|level| values.iter().map(|&v| v as f64 > level).collect());
    let result = match params.mode {
        Mode::ThreeD => edges::detect(
            values,
            volume.grid.shape,
            volume.grid.spacing_mm(),
            None,
            params,
            considered.as_deref(),
            &control,
        ),
        Mode::Slices(plane) => {
            let axis = volume.grid.slice_axis(plane);
            let n = volume.grid.shape[axis];
            let at = volume.grid.voxel_from_world(job.cursor_ras)[axis]
                .round()
                .clamp(0.0, (n - 1) as f64) as usize;
            // The cursor's slice, then outwards, nearest first.
            let mut order: Vec<usize> = (0..n).collect();
            order.sort_by_key(|&s| (s.abs_diff(at), s));
            let key = job.key;
            edges::detect_slices(
                &values,
                volume.grid.shape,
                volume.grid.spacing_mm(),
                axis,
                params,
                considered.as_deref(),
                &control,
                &order,
                &mut |partial| {
                    context.deliver_partial(EdgeOutcome {
                        key,
                        ready: EdgesReady::from_result(partial),
                        seconds: started.elapsed().as_secs_f64(),
                        complete: false,
                    })
                },
            )
        }
    }
    .ok()?;
    Some(EdgeOutcome {
        key: job.key,
        ready: EdgesReady::from_result(&result),
        seconds: started.elapsed().as_secs_f64(),
        complete: true,
    })
}
