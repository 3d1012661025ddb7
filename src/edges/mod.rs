//! Edge detection in millimetres for any volume rasview loads: Canny (3D or
//! slice by slice), gradient magnitude, difference of Gaussians. Works on
//! the volume's own voxel grid and spacing; results land on that grid.

pub(crate) mod canny;
pub mod compare;
pub(crate) mod control;
pub(crate) mod dog;
pub(crate) mod field;
pub(crate) mod gaussian;
pub(crate) mod gradient;
pub(crate) mod hysteresis;
pub mod reference;
pub(crate) mod threshold;

pub use control::{Cancelled, Control, Phase};
pub use field::Layout;
pub use threshold::{Histogram, ThresholdKind};

use crate::geometry::Plane;
use crate::volume::Volume;
use rayon::prelude::*;
use serde::Serialize;
use std::borrow::Cow;

/// Which detector runs.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Detector {
    #[default]
    Canny,
    /// The gradient magnitude of the smoothed image, a continuous map.
    Gradient,
    /// Zero crossings of a difference of Gaussians.
    Dog,
}

/// Volumetric, or slice by slice along a world plane.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    #[default]
    #[serde(rename = "3d")]
    ThreeD,
    Slices(Plane),
}

impl Mode {
    /// The voxel axis slices are cut across on `grid` (none in 3D).
    pub fn slice_axis(self, grid: &crate::geometry::Grid) -> Option<usize> {
        match self {
            Mode::ThreeD => None,
            Mode::Slices(plane) => Some(grid.slice_axis(plane)),
        }
    }
}

/// Everything that decides the result.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, serde::Deserialize)]
pub struct EdgeParams {
    pub detector: Detector,
    pub mode: Mode,
    pub sigma_mm: f64,
    /// The wider Gaussian of the difference of Gaussians.
    pub sigma2_mm: f64,
    /// Smoothing kernels end at this many sigmas.
    pub truncate_sigmas: f64,
    pub thresholds: ThresholdKind,
    pub low: f64,
    pub high: f64,
    /// Also histogram the gradient magnitude for the window's plot (an
    /// extra pass over every voxel that the CLI and every slice but the
    /// first in slice mode would throw away). Not a parameter of the edges
    /// themselves, so not written to the sidecar.
    #[serde(skip, default = "plot_by_default")]
    pub plot_histogram: bool,
}

fn plot_by_default() -> bool {
    true
}

impl Default for EdgeParams {
    fn default() -> Self {
        EdgeParams {
            detector: Detector::Canny,
            mode: Mode::ThreeD,
            sigma_mm: 1.0,
            sigma2_mm: 1.6,
            truncate_sigmas: 4.0,
            thresholds: ThresholdKind::Quantile,
            low: 0.8,
            high: 0.9,
            plot_histogram: true,
        }
    }
}

/// The result on the input's grid, in storage order (i fastest).
#[derive(Debug, Clone, PartialEq)]
pub enum EdgeMap {
    /// 1 on edges, 0 elsewhere.
    Mask(Vec<u8>),
    /// Gradient magnitude, intensity per mm.
    Magnitude(Vec<f32>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct EdgeResult {
    pub map: EdgeMap,
    pub shape: [usize; 3],
    /// The thresholds used, in intensity per mm (after quantiles were resolved).
    pub low_abs: Option<f32>,
    pub high_abs: Option<f32>,
    /// For slice mode: the voxel axis the slices are cut across.
    pub slice_axis: Option<usize>,
    /// Histogram of the non-zero gradient magnitudes (Canny: of the voxels
    /// the thresholds are taken over; gradient: of every voxel), to show
    /// what the thresholds cut.
    pub magnitude_histogram: Option<Histogram>,
}

impl EdgeResult {
    /// The map as a frame on the input grid (1 on edges for masks), for
    /// drawing it as an overlay.
    pub fn to_frame(&self) -> ndarray::Array3<f32> {
        use ndarray::ShapeBuilder;
        let values: Vec<f32> = match &self.map {
            EdgeMap::Mask(m) => m.iter().map(|&v| v as f32).collect(),
            EdgeMap::Magnitude(g) => g.clone(),
        };
        ndarray::Array3::from_shape_vec(self.shape.f(), values).expect("the map fills its shape")
    }

    pub fn edge_count(&self) -> usize {
        match &self.map {
            EdgeMap::Mask(m) => m.iter().filter(|&&v| v != 0).count(),
            EdgeMap::Magnitude(_) => 0,
        }
    }
}

/// Bins of the gradient magnitude histogram the window plots.
const PLOT_BINS: usize = 128;

/// Which voxels count for quantiles and may be edges.
pub type Considered<'a> = Option<&'a [bool]>;

/// Runs a detector on one frame (`values` in storage order).
pub fn detect<'a>(
    values: impl Into<Cow<'a, [f32]>>,
    shape: [usize; 3],
    spacing_mm: [f64; 3],
    slice_axis: Option<usize>,
    params: &EdgeParams,
    considered: Considered,
    control: &Control,
) -> Result<EdgeResult, Cancelled> {
    // On a pool thread from start to end: called from any other thread (the
    // CLI's main thread, the window's worker), each parallel phase would
    // otherwise be handed to the pool and handed back, waking a sleeping
    // thread twice per phase.
    let values = values.into();
    rayon::scope(|_| match slice_axis {
        None => {
            let layout = Layout {
                shape,
                spacing_mm,
                active: [true; 3],
            };
            detect_block(values, &layout, params, considered, control)
        }
        // One slice: no copying out and back.
        Some(axis) if shape[axis] == 1 => {
            let mut active = [true; 3];
            active[axis] = false;
            let layout = Layout {
                shape,
                spacing_mm,
                active,
            };
            let mut result = detect_block(values, &layout, params, considered, control)?;
            result.slice_axis = Some(axis);
            Ok(result)
        }
        Some(axis) => {
            let order: Vec<usize> = (0..shape[axis]).collect();
            detect_slices(
                &values,
                shape,
                spacing_mm,
                axis,
                params,
                considered,
                control,
                &order,
                &mut |_| {},
            )
        }
    })
}

/// The two axes that span a slice across `axis`, in storage order.
fn in_plane_axes(axis: usize) -> [usize; 2] {
    match axis {
        0 => [1, 2],
        1 => [0, 2],
        _ => [0, 1],
    }
}

/// Copies slice `s` across `axis` out of a field in storage order.
fn extract<T: Copy>(full: &[T], shape: [usize; 3], axis: usize, s: usize) -> Vec<T> {
    let [b, c] = in_plane_axes(axis);
    let strides = [1, shape[0], shape[0] * shape[1]];
    let mut out = Vec::with_capacity(shape[b] * shape[c]);
    for v in 0..shape[c] {
        for u in 0..shape[b] {
            out.push(full[s * strides[axis] + u * strides[b] + v * strides[c]]);
        }
    }
    out
}

/// Writes slice `s` across `axis` back into a field in storage order.
fn insert<T: Copy>(full: &mut [T], shape: [usize; 3], axis: usize, s: usize, part: &[T]) {
    let [b, c] = in_plane_axes(axis);
    let strides = [1, shape[0], shape[0] * shape[1]];
    for v in 0..shape[c] {
        for u in 0..shape[b] {
            full[s * strides[axis] + u * strides[b] + v * strides[c]] = part[u + shape[b] * v];
        }
    }
}

/// Slice by slice across `axis`: each slice is its own 2D image (smoothing,
/// quantile thresholds and hysteresis all within the slice, as running a 2D
/// detector on each slice would), taken in `order`. `on_partial` sees the
/// result after the first slice and then after about every eighth of the
/// rest: the window shows the slice under the cursor at once and the others
/// as they come.
#[allow(clippy::too_many_arguments)]
pub fn detect_slices(
    values: &[f32],
    shape: [usize; 3],
    spacing_mm: [f64; 3],
    axis: usize,
    params: &EdgeParams,
    considered: Considered,
    control: &Control,
    order: &[usize],
    on_partial: &mut dyn FnMut(&EdgeResult),
) -> Result<EdgeResult, Cancelled> {
    let [b, c] = in_plane_axes(axis);
    let slice_layout = Layout {
        shape: [shape[b], shape[c], 1],
        spacing_mm: [spacing_mm[b], spacing_mm[c], 1.0],
        active: [true, true, false],
    };
    let quiet = Control {
        is_stale: control.is_stale,
        progress: &|_, _| {},
    };
    // Only the first slice's histogram is kept (see below).
    let unplotted = EdgeParams {
        plot_histogram: false,
        ..*params
    };
    let one = |s: usize, params: &EdgeParams| -> Result<(usize, EdgeResult), Cancelled> {
        let part = extract(values, shape, axis, s);
        let mask = considered.map(|c| extract(c, shape, axis, s));
        Ok((
            s,
            detect_block(part.into(), &slice_layout, params, mask.as_deref(), &quiet)?,
        ))
    };
    let len: usize = shape.iter().product();
    let mut result = EdgeResult {
        map: match params.detector {
            Detector::Gradient => EdgeMap::Magnitude(vec![0.0; len]),
            _ => EdgeMap::Mask(vec![0; len]),
        },
        shape,
        low_abs: None,
        high_abs: None,
        slice_axis: Some(axis),
        magnitude_histogram: None,
    };
    let store = |result: &mut EdgeResult, s: usize, map: EdgeMap| match (&mut result.map, map) {
        (EdgeMap::Mask(full), EdgeMap::Mask(part)) => insert(full, shape, axis, s, &part),
        (EdgeMap::Magnitude(full), EdgeMap::Magnitude(part)) => insert(full, shape, axis, s, &part),
        _ => {}
    };
    (control.progress)(Phase::Slices, 0.0);
    let Some((&first, rest)) = order.split_first() else {
        return Ok(result);
    };
    let (s, first_result) = one(first, params)?;
    // Thresholds differ slice by slice; the first slice's (the cursor's, in
    // the window) are the ones reported, with its magnitude histogram.
    result.low_abs = first_result.low_abs;
    result.high_abs = first_result.high_abs;
    result.magnitude_histogram = first_result.magnitude_histogram;
    store(&mut result, s, first_result.map);
    on_partial(&result);
    let batch = rest.len().div_ceil(8).max(1);
    let mut done = 1;
    for chunk in rest.chunks(batch) {
        control.check()?;
        let parts: Vec<(usize, EdgeResult)> = chunk
            .par_iter()
            .map(|&s| one(s, &unplotted))
            .collect::<Result<_, _>>()?;
        for (s, part) in parts {
            store(&mut result, s, part.map);
        }
        done += chunk.len();
        (control.progress)(Phase::Slices, done as f32 / order.len() as f32);
        if done < order.len() {
            on_partial(&result);
        }
    }
    Ok(result)
}

/// One detector run over a block whose working axes `layout` names.
/// `values` owned (a converted frame, a slice cut out, an input handed
/// over) are dropped once smoothed, unless the detector needs them again.
fn detect_block(
    values: Cow<'_, [f32]>,
    layout: &Layout,
    params: &EdgeParams,
    considered: Considered,
    control: &Control,
) -> Result<EdgeResult, Cancelled> {
    let (shape, slice_axis) = (layout.shape, None);
    let layout = *layout;
    let (floor, has_missing) = scan(&values, &layout);
    control.ended(Phase::InputScan);
    // The difference of Gaussians smooths the input twice, the wide pass
    // last so that it takes over the input's memory; the others once.
    let (smoothed, wide) = if params.detector == Detector::Dog {
        let narrow = gaussian::smooth_known(
            Cow::Borrowed(&*values),
            &layout,
            params.sigma_mm,
            params.truncate_sigmas,
            has_missing,
            Phase::Smoothing,
            control,
        )?;
        control.ended(Phase::Smoothing);
        let wide = gaussian::smooth_known(
            values,
            &layout,
            params.sigma2_mm,
            params.truncate_sigmas,
            has_missing,
            Phase::WideSmoothing,
            control,
        )?;
        control.ended(Phase::WideSmoothing);
        (narrow, wide)
    } else {
        let smoothed = gaussian::smooth_known(
            values,
            &layout,
            params.sigma_mm,
            params.truncate_sigmas,
            has_missing,
            Phase::Smoothing,
            control,
        )?;
        control.ended(Phase::Smoothing);
        (smoothed, Vec::new())
    };
    // Smoothing leaves NaN exactly where the input was missing.
    let keep =
        |n: usize| considered.is_none_or(|c| c[n]) && (!has_missing || smoothed[n].is_finite());
    let resolve = |field: &[f32], value: f64| -> Option<f32> {
        match params.thresholds {
            ThresholdKind::Absolute => Some(value as f32),
            ThresholdKind::Quantile => {
                threshold::quantile(field, |n| keep(n) && field[n] > 0.0, value)
            }
        }
    };
    let result = match params.detector {
        Detector::Gradient => {
            let mut magnitude =
                gradient::magnitude(&smoothed, &layout, floor, has_missing, control)?;
            if let Some(c) = considered {
                magnitude
                    .iter_mut()
                    .zip(c)
                    .for_each(|(m, &c)| *m = if c { *m } else { 0.0 });
            }
            let magnitude_histogram = params
                .plot_histogram
                .then(|| {
                    threshold::summarise_positive(&magnitude, |_, _| true, &[], PLOT_BINS).histogram
                })
                .flatten();
            EdgeResult {
                magnitude_histogram,
                map: EdgeMap::Magnitude(magnitude),
                shape,
                low_abs: None,
                high_abs: None,
                slice_axis,
            }
        }
        Detector::Canny => {
            let magnitude = gradient::magnitude(&smoothed, &layout, floor, has_missing, control)?;
            control.ended(Phase::Gradient);
            // Quantiles of the magnitude where there is any gradient at all:
            // flat background would otherwise decide the thresholds. The
            // plot's histogram of the same voxels comes from the same passes.
            let quantiles: &[f64] = match params.thresholds {
                ThresholdKind::Absolute => &[],
                ThresholdKind::Quantile => &[params.low, params.high],
            };
            // With absolute thresholds and no plot it makes no pass at all.
            let bins = if params.plot_histogram { PLOT_BINS } else { 0 };
            let summary =
                threshold::summarise_positive(&magnitude, |n, _| keep(n), quantiles, bins);
            let resolved = match params.thresholds {
                ThresholdKind::Absolute => Some(vec![params.low as f32, params.high as f32]),
                ThresholdKind::Quantile => summary.quantiles,
            };
            control.ended(Phase::Thresholds);
            let (low, high) = match resolved.as_deref() {
                Some(&[l, h]) => (l.min(h), h.max(l)),
                _ => (f32::INFINITY, f32::INFINITY),
            };
            let mut mask = canny::suppress_non_maxima(
                &smoothed,
                &magnitude,
                &layout,
                low,
                has_missing,
                control,
            )?;
            if let Some(c) = considered {
                mask.iter_mut()
                    .zip(c)
                    .for_each(|(m, &c)| *m = if c { *m } else { 0 });
            }
            control.ended(Phase::NonMaximumSuppression);
            hysteresis::keep_connected(&mut mask, &magnitude, &layout, high, control)?;
            control.ended(Phase::Hysteresis);
            EdgeResult {
                magnitude_histogram: summary.histogram,
                map: EdgeMap::Mask(mask),
                shape,
                low_abs: Some(low),
                high_abs: Some(high),
                slice_axis,
            }
        }
        Detector::Dog => {
            // Differences within rounding noise are zero: a flat image has no crossings.
            let noise = floor
                * layout
                    .spacing_mm
                    .iter()
                    .fold(f64::INFINITY, |m, &s| m.min(s)) as f32;
            let difference: Vec<f32> = smoothed
                .iter()
                .zip(&wide)
                .map(|(a, b)| if (a - b).abs() > noise { a - b } else { 0.0 })
                .collect();
            drop(wide);
            let slopes = dog::crossing_slopes(&difference, &layout, control)?;
            let high = resolve(&slopes, params.high).unwrap_or(f32::INFINITY);
            let mask = slopes
                .iter()
                .enumerate()
                .map(|(n, &s)| (s > 0.0 && s >= high && keep(n)) as u8)
                .collect();
            EdgeResult {
                magnitude_histogram: None,
                map: EdgeMap::Mask(mask),
                shape,
                low_abs: None,
                high_abs: Some(high),
                slice_axis,
            }
        }
    };
    control.ended(Phase::Finished);
    Ok(result)
}

/// One pass over the input: the noise floor for gradients (1e-5 of the
/// image's largest value per finest voxel: below it a gradient is rounding
/// noise of the smoothing, not an edge) and whether any value is missing.
fn scan(values: &[f32], layout: &Layout) -> (f32, bool) {
    // Eight independent running maxima: the portable x86-64 target has no
    // vector max for u32 and no NaN-free float max reduction, so a single
    // running maximum stays scalar; independent lanes vectorise (measured
    // 0.27 ms -> 0.04 ms on a 512x512 slice).
    const LANES: usize = 8;
    let block = |chunk: &[f32]| {
        let mut largest = [0f32; LANES];
        let mut missing = [false; LANES];
        let mut groups = chunk.chunks_exact(LANES);
        for group in &mut groups {
            for k in 0..LANES {
                let a = group[k].abs();
                let finite = a < f32::INFINITY; // false for NaN too
                missing[k] |= !finite;
                let a = if finite { a } else { 0.0 };
                largest[k] = if a > largest[k] { a } else { largest[k] };
            }
        }
        let mut result = (0f32, missing.contains(&true));
        for v in groups.remainder().iter().chain(&largest) {
            if v.is_finite() {
                result.0 = result.0.max(v.abs());
            } else {
                result.1 = true;
            }
        }
        result
    };
    let merge = |a: (f32, bool), b: (f32, bool)| (a.0.max(b.0), a.1 || b.1);
    // In parallel even for one slice: the pool then stays awake for the
    // smoothing that follows (see `field::zeroed`).
    let (largest, missing) = values
        .par_chunks(1 << 15)
        .map(block)
        .reduce(|| (0.0, false), merge);
    let finest = layout
        .spacing_mm
        .iter()
        .fold(f64::INFINITY, |m, &s| m.min(s));
    ((1e-5 * largest as f64 / finest) as f32, missing)
}

/// Runs a detector on frame `t` of a volume, on its own grid and spacing.
pub fn detect_volume(
    volume: &Volume,
    t: usize,
    params: &EdgeParams,
    considered: Considered,
    control: &Control,
) -> Result<EdgeResult, Cancelled> {
    detect(
        volume.frame_values(t),
        volume.grid.shape,
        volume.grid.spacing_mm(),
        params.mode.slice_axis(&volume.grid),
        params,
        considered,
        control,
    )
}

/// As [`detect_volume`] on values handed over (see
/// [`Volume::take_frame_values`]): freed once smoothed.
pub fn detect_values(
    values: Vec<f32>,
    grid: &crate::geometry::Grid,
    params: &EdgeParams,
    considered: Considered,
    control: &Control,
) -> Result<EdgeResult, Cancelled> {
    let slice_axis = params.mode.slice_axis(grid);
    detect(
        values,
        grid.shape,
        grid.spacing_mm(),
        slice_axis,
        params,
        considered,
        control,
    )
}
