//! Edge detection: against a slow reference, on world-space phantoms in
//! oblique anisotropic grids, across datatypes, threads and cancellation.

use crate::common;

use common::{rotation_xz, rows, Rng};
use rasview::edges::{
    self, reference, Control, Detector, EdgeMap, EdgeParams, Layout, Mode, ThresholdKind,
};
use rasview::geometry::Plane;
use rasview::geometry::{affine::distance, Affine, Grid};

fn mask(result: &edges::EdgeResult) -> &[u8] {
    match &result.map {
        EdgeMap::Mask(m) => m,
        EdgeMap::Magnitude(_) => panic!("expected a mask"),
    }
}

/// A detector run with 1 mm voxels, no mask, never cancelled.
fn run_plain(
    values: &[f32],
    shape: [usize; 3],
    slice_axis: Option<usize>,
    params: &EdgeParams,
) -> edges::EdgeResult {
    edges::detect(
        values,
        shape,
        [1.0; 3],
        slice_axis,
        params,
        None,
        &Control::none(),
    )
    .unwrap()
}

/// Smooth random blobs: edges with structure, not salt and pepper.
fn random_volume(rng: &mut Rng, shape: [usize; 3]) -> Vec<f32> {
    let centres: Vec<([f64; 3], f64, f64)> = (0..6)
        .map(|_| {
            let c = [0, 1, 2].map(|a| rng.uniform(0.0, shape[a] as f64));
            (c, rng.uniform(1.5, 5.0), rng.uniform(-50.0, 100.0))
        })
        .collect();
    let mut out = Vec::new();
    for k in 0..shape[2] {
        for j in 0..shape[1] {
            for i in 0..shape[0] {
                let p = [i as f64, j as f64, k as f64];
                let v: f64 = centres
                    .iter()
                    .map(|(c, r, a)| if distance(p, *c) < *r { *a } else { 0.0 })
                    .sum();
                out.push((v + rng.uniform(-3.0, 3.0)) as f32);
            }
        }
    }
    out
}

#[test]
fn fast_canny_agrees_with_the_slow_reference() {
    let mut rng = Rng::new(7);
    let (mut compared, mut differing, mut edges_total) = (0, 0, 0);
    for case in 0..12 {
        let shape = if case % 3 == 2 {
            [19, 17, 1]
        } else {
            [13, 11, 9]
        };
        let spacing = [
            rng.uniform(0.6, 1.5),
            rng.uniform(0.6, 1.5),
            rng.uniform(0.8, 2.5),
        ];
        let slice_axis = match case % 4 {
            1 => Some(2),
            3 => Some(0),
            _ => None,
        };
        let values = random_volume(&mut rng, shape);
        let params = EdgeParams {
            sigma_mm: rng.uniform(0.6, 1.6),
            ..EdgeParams::default()
        };
        let fast = edges::detect(
            &values,
            shape,
            spacing,
            slice_axis,
            &params,
            None,
            &Control::none(),
        )
        .unwrap();
        // Slice mode treats each slice as its own 2D image: so does the reference.
        let slow = match slice_axis {
            None => reference::canny(
                &values,
                &Layout {
                    shape,
                    spacing_mm: spacing,
                    active: [true; 3],
                },
                &params,
            ),
            Some(axis) => {
                let [b, c] = if axis == 0 { [1, 2] } else { [0, 1] };
                let strides = [1, shape[0], shape[0] * shape[1]];
                let layout = Layout {
                    shape: [shape[b], shape[c], 1],
                    spacing_mm: [spacing[b], spacing[c], 1.0],
                    active: [true, true, false],
                };
                let mut mask = vec![0u8; values.len()];
                let mut margin = vec![f64::INFINITY; values.len()];
                for s in 0..shape[axis] {
                    let at =
                        |u: usize, v: usize| s * strides[axis] + u * strides[b] + v * strides[c];
                    let part: Vec<f32> = (0..shape[c])
                        .flat_map(|v| (0..shape[b]).map(move |u| (u, v)))
                        .map(|(u, v)| values[at(u, v)])
                        .collect();
                    let r = reference::canny(&part, &layout, &params);
                    for v in 0..shape[c] {
                        for u in 0..shape[b] {
                            mask[at(u, v)] = r.mask[u + shape[b] * v];
                            margin[at(u, v)] = r.margin[u + shape[b] * v];
                        }
                    }
                }
                reference::ReferenceCanny { mask, margin }
            }
        };
        for (n, (&a, &b)) in mask(&fast).iter().zip(&slow.mask).enumerate() {
            compared += 1;
            edges_total += b as usize;
            if a != b {
                differing += 1;
                // Only a decision within float noise of going either way may differ.
                assert!(
                    slow.margin[n] < 1e-3,
                    "case {case}: voxel {n} differs with margin {}",
                    slow.margin[n]
                );
            }
        }
    }
    eprintln!(
        "{compared} voxels compared, {edges_total} reference edge voxels, {differing} differ"
    );
    assert!(edges_total > 300, "too few edges to compare: {edges_total}");
    assert!(
        differing * 200 <= edges_total,
        "{differing} of {edges_total} differ"
    );
}

/// A closed surface in world space.
struct Shape {
    centre: [f64; 3],
    /// Semi-axes along the columns of `rotation`.
    semi_axes: [f64; 3],
    rotation: [[f64; 3]; 3],
}

impl Shape {
    fn local(&self, p: [f64; 3]) -> [f64; 3] {
        let d = [0, 1, 2].map(|a| p[a] - self.centre[a]);
        // Rotation is orthonormal: its transpose takes world to local.
        [0, 1, 2].map(|c| (0..3).map(|r| self.rotation[r][c] * d[r]).sum())
    }
    fn inside(&self, p: [f64; 3]) -> bool {
        let l = self.local(p);
        (0..3)
            .map(|a| (l[a] / self.semi_axes[a]).powi(2))
            .sum::<f64>()
            < 1.0
    }
    /// Distance to the surface along the ray from the centre: never less
    /// than the true distance, so a bound on it bounds the true one.
    fn radial_distance(&self, p: [f64; 3]) -> f64 {
        let l = self.local(p);
        let rho = (0..3)
            .map(|a| (l[a] / self.semi_axes[a]).powi(2))
            .sum::<f64>()
            .sqrt();
        let length = (l[0] * l[0] + l[1] * l[1] + l[2] * l[2]).sqrt();
        if rho == 0.0 {
            return self.semi_axes.iter().fold(f64::INFINITY, |m, &v| m.min(v));
        }
        (length - length / rho).abs()
    }
    /// Points spread evenly over the surface (a Fibonacci lattice).
    fn surface_points(&self, count: usize) -> Vec<[f64; 3]> {
        let golden = std::f64::consts::PI * (3.0 - 5f64.sqrt());
        (0..count)
            .map(|n| {
                let z = 1.0 - 2.0 * (n as f64 + 0.5) / count as f64;
                let r = (1.0 - z * z).sqrt();
                let u = [
                    r * (golden * n as f64).cos(),
                    r * (golden * n as f64).sin(),
                    z,
                ];
                let l = [0, 1, 2].map(|a| u[a] * self.semi_axes[a]);
                [0, 1, 2].map(|row| {
                    self.centre[row] + (0..3).map(|c| self.rotation[row][c] * l[c]).sum::<f64>()
                })
            })
            .collect()
    }
}

/// An oblique, anisotropic grid (0.8 x 1.1 x 2.5 mm) covering the shape.
fn phantom_grid(shape: &Shape) -> (Grid, Vec<f32>) {
    let spacing = [0.8, 1.1, 2.5];
    let r = rotation_xz(9f64.to_radians(), -14f64.to_radians());
    let extent = shape.semi_axes.iter().fold(0.0f64, |m, &v| m.max(v)) + 8.0;
    let dims = spacing.map(|s| (2.0 * extent / s).ceil() as usize);
    let m = [0, 1, 2].map(|row| {
        [
            r[row][0] * spacing[0],
            r[row][1] * spacing[1],
            r[row][2] * spacing[2],
        ]
    });
    let half = [0, 1, 2].map(|a| dims[a] as f64 / 2.0);
    let t =
        [0, 1, 2].map(|row| shape.centre[row] - (0..3).map(|c| m[row][c] * half[c]).sum::<f64>());
    let grid = Grid::new(dims, Affine::from_rows(rows(m, t)).unwrap());
    let mut values = Vec::with_capacity(grid.voxel_count());
    for k in 0..dims[2] {
        for j in 0..dims[1] {
            for i in 0..dims[0] {
                values.push(if shape.inside(grid.world_from_index([i, j, k])) {
                    100.0
                } else {
                    0.0
                });
            }
        }
    }
    (grid, values)
}

fn check_phantom(shape: &Shape, mode: Mode) -> (usize, f64, f64) {
    let (grid, values) = phantom_grid(shape);
    let spacing = grid.spacing_mm();
    let slice_axis = match mode {
        Mode::ThreeD => None,
        Mode::Slices(plane) => {
            let dirs = rasview::geometry::orientation::axis_directions(&grid.world_from_voxel);
            (0..3).find(|&a| dirs[a].world_axis == plane.normal_axis())
        }
    };
    let params = EdgeParams {
        mode,
        ..EdgeParams::default()
    };
    let result = edges::detect(
        &values,
        grid.shape,
        spacing,
        slice_axis,
        &params,
        None,
        &Control::none(),
    )
    .unwrap();
    let edge_points: Vec<[f64; 3]> = mask(&result)
        .iter()
        .enumerate()
        .filter(|(_, &m)| m != 0)
        .map(|(n, _)| {
            let [nx, ny, _] = grid.shape;
            grid.world_from_index([n % nx, (n / nx) % ny, n / (nx * ny)])
        })
        .collect();
    let diagonal = (spacing.iter().map(|s| s * s).sum::<f64>()).sqrt();
    let worst = edge_points
        .iter()
        .map(|&p| shape.radial_distance(p))
        .fold(0.0, f64::max);
    assert!(worst <= diagonal, "{mode:?}: an edge voxel lies {worst:.2} mm from the surface (voxel diagonal {diagonal:.2})");
    let reach = 1.5 * spacing.iter().fold(0.0f64, |m, &s| m.max(s));
    let samples = shape.surface_points(1500);
    let covered = samples
        .iter()
        .filter(|&&s| edge_points.iter().any(|&e| distance(s, e) <= reach))
        .count();
    let coverage = covered as f64 / samples.len() as f64;
    assert!(
        coverage >= 0.95,
        "{mode:?}: only {:.1}% of the surface has an edge within {reach} mm",
        coverage * 100.0
    );
    (edge_points.len(), worst, coverage)
}

#[test]
fn sphere_and_ellipsoid_edges_lie_on_their_surfaces_in_world_mm() {
    let sphere = Shape {
        centre: [3.0, -7.0, 12.0],
        semi_axes: [20.0; 3],
        rotation: [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 1.0]],
    };
    let ellipsoid = Shape {
        centre: [-5.0, 4.0, -2.0],
        semi_axes: [24.0, 16.0, 12.0],
        rotation: rotation_xz(25f64.to_radians(), 40f64.to_radians()),
    };
    for (name, shape) in [("sphere", &sphere), ("ellipsoid", &ellipsoid)] {
        for mode in [
            Mode::ThreeD,
            Mode::Slices(Plane::Axial),
            Mode::Slices(Plane::Coronal),
            Mode::Slices(Plane::Sagittal),
        ] {
            let (count, worst, coverage) = check_phantom(shape, mode);
            eprintln!(
                "{name} {mode:?}: {count} edge voxels, worst {worst:.2} mm off, {:.1}% covered",
                coverage * 100.0
            );
        }
    }
}

/// A volume of `values` stored as another datatype, loaded back as rasview
/// loads files, so the edge engine sees what a user's file gives it.
fn as_volume(
    values: &[f32],
    shape: [usize; 3],
    voxels: rasview::volume::Voxels,
    dir: &std::path::Path,
) -> rasview::volume::Volume {
    let affine = Affine::from_rows(rows(
        [[0.9, 0.0, 0.0], [0.0, 1.2, 0.0], [0.0, 0.0, 2.0]],
        [0.0; 3],
    ))
    .unwrap();
    let path = dir.join(format!("{}.nii", voxels.datatype().name()));
    assert_eq!(values.len(), voxels.len());
    rasview::volume::save::save(&path, &common::sform_header(&affine), &voxels, shape, 1).unwrap();
    rasview::volume::load(&path).unwrap()
}

#[test]
fn every_datatype_with_the_same_content_gives_the_same_edges() {
    let dir = common::scratch_dir("edges_datatypes");
    let shape = [24, 20, 14];
    let mut rng = Rng::new(3);
    let values: Vec<f32> = random_volume(&mut rng, shape)
        .iter()
        .map(|v| v.clamp(0.0, 200.0).round())
        .collect();
    use rasview::volume::Voxels;
    let all = [
        Voxels::U8(values.iter().map(|&v| v as u8).collect()),
        Voxels::U16(values.iter().map(|&v| v as u16).collect()),
        Voxels::I16(values.iter().map(|&v| v as i16).collect()),
        Voxels::F32(values.clone()),
        Voxels::F64(values.iter().map(|&v| v as f64).collect()),
    ];
    let mut first: Option<Vec<u8>> = None;
    for voxels in all {
        let name = voxels.datatype().name();
        let volume = as_volume(&values, shape, voxels, &dir);
        for mode in [Mode::ThreeD, Mode::Slices(Plane::Axial)] {
            let params = EdgeParams {
                mode,
                ..EdgeParams::default()
            };
            let result = edges::detect_volume(&volume, 0, &params, None, &Control::none()).unwrap();
            let m = mask(&result).to_vec();
            if mode == Mode::ThreeD {
                match &first {
                    None => first = Some(m),
                    Some(expected) => assert_eq!(&m, expected, "{name} differs"),
                }
            }
        }
    }
    assert!(first.unwrap().iter().filter(|&&v| v != 0).count() > 100);
}

#[test]
fn output_is_the_same_with_one_thread_or_many() {
    let mut rng = Rng::new(11);
    let shape = [40, 36, 30];
    let values = random_volume(&mut rng, shape);
    for detector in [Detector::Canny, Detector::Dog, Detector::Gradient] {
        let params = EdgeParams {
            detector,
            ..EdgeParams::default()
        };
        let run = || {
            edges::detect(
                &values,
                shape,
                [1.0, 0.9, 1.4],
                None,
                &params,
                None,
                &Control::none(),
            )
            .unwrap()
        };
        let one = rayon::ThreadPoolBuilder::new()
            .num_threads(1)
            .build()
            .unwrap()
            .install(run);
        let four = rayon::ThreadPoolBuilder::new()
            .num_threads(4)
            .build()
            .unwrap()
            .install(run);
        assert_eq!(one, four, "{detector:?}");
    }
}

#[test]
fn a_stale_request_stops_within_a_bounded_amount_of_work() {
    use std::sync::atomic::{AtomicUsize, Ordering};
    let mut rng = Rng::new(5);
    let shape = [48, 48, 48];
    let values = random_volume(&mut rng, shape);
    // Stale from the 3rd check on: count the checks made after that.
    let checks = AtomicUsize::new(0);
    let is_stale = || checks.fetch_add(1, Ordering::SeqCst) >= 2;
    let control = Control {
        is_stale: &is_stale,
        progress: &|_, _| {},
    };
    let outcome = edges::detect(
        &values,
        shape,
        [1.0; 3],
        None,
        &EdgeParams::default(),
        None,
        &control,
    );
    assert_eq!(outcome, Err(edges::Cancelled));
    let after = checks.load(Ordering::SeqCst) - 2;
    // At most one check per slab of the stage that was running, plus one.
    assert!(
        after <= shape[2] + 1,
        "{after} checks after the request went stale"
    );
}

/// The bar moves within the smoothing (about half of a 3D run), and a
/// request that goes stale in the middle of a smoothing pass stops there,
/// not at the end of the pass (at 512^3 a pass is a second of both cores).
#[test]
fn progress_moves_within_the_smoothing_and_cancel_stops_inside_a_pass() {
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Mutex;
    let mut rng = Rng::new(9);
    let shape = [64, 64, 64];
    let values = random_volume(&mut rng, shape);
    let reports: Mutex<Vec<(edges::Phase, f32)>> = Mutex::new(Vec::new());
    let stale = AtomicBool::new(false);
    let progress = |phase: edges::Phase, done: f32| {
        let mut r = reports.lock().unwrap();
        r.push((phase, done));
        // Stale at the third report from inside the smoothing.
        let smoothing = r
            .iter()
            .filter(|(p, _)| *p == edges::Phase::Smoothing)
            .count();
        if smoothing == 3 {
            stale.store(true, Ordering::SeqCst);
        }
    };
    let control = Control {
        is_stale: &|| stale.load(Ordering::SeqCst),
        progress: &progress,
    };
    let outcome = edges::detect(
        &values,
        shape,
        [1.0; 3],
        None,
        &EdgeParams::default(),
        None,
        &control,
    );
    assert_eq!(outcome, Err(edges::Cancelled));
    let reports = reports.into_inner().unwrap();
    let smoothing: Vec<f32> = reports
        .iter()
        .filter(|(p, _)| *p == edges::Phase::Smoothing)
        .map(|&(_, d)| d)
        .collect();
    let end = edges::Phase::Smoothing.ends_at();
    assert!(
        smoothing.iter().all(|&d| d > 0.0 && d < end),
        "the smoothing was left unfinished: {smoothing:?}"
    );
    assert!(
        !reports.iter().any(|(p, _)| *p == edges::Phase::Gradient),
        "no stage after the smoothing ran: {reports:?}"
    );

    // Left to run, the smoothing reports every few percent of itself.
    let all: Mutex<Vec<f32>> = Mutex::new(Vec::new());
    let record = |phase: edges::Phase, done: f32| {
        if phase == edges::Phase::Smoothing {
            all.lock().unwrap().push(done);
        }
    };
    let control = Control {
        is_stale: &|| false,
        progress: &record,
    };
    edges::detect(
        &values,
        shape,
        [1.0; 3],
        None,
        &EdgeParams::default(),
        None,
        &control,
    )
    .unwrap();
    let all = all.into_inner().unwrap();
    assert!(all.len() >= 30, "{} smoothing reports", all.len());
    let biggest_gap = all
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0f32, f32::max);
    assert!(
        biggest_gap <= 0.05 * end,
        "a jump of {biggest_gap} in {all:?}"
    );
}

/// The difference of Gaussians smooths twice; its bar never goes back
/// (the second smoothing has a phase of its own after the first).
#[test]
fn progress_of_a_difference_of_gaussians_only_moves_forward() {
    use std::sync::Mutex;
    let mut rng = Rng::new(11);
    let shape = [48, 48, 48];
    let values = random_volume(&mut rng, shape);
    let seen: Mutex<Vec<(edges::Phase, f32)>> = Mutex::new(Vec::new());
    let record = |phase: edges::Phase, done: f32| seen.lock().unwrap().push((phase, done));
    let control = Control {
        is_stale: &|| false,
        progress: &record,
    };
    let params = EdgeParams {
        detector: Detector::Dog,
        ..EdgeParams::default()
    };
    edges::detect(&values, shape, [1.0; 3], None, &params, None, &control).unwrap();
    let seen = seen.into_inner().unwrap();
    let wide: Vec<f32> = seen
        .iter()
        .filter(|(p, _)| *p == edges::Phase::WideSmoothing)
        .map(|&(_, d)| d)
        .collect();
    assert!(wide.len() >= 10, "the second smoothing reported {wide:?}");
    // Reports within a phase come from parallel blocks, but no phase may
    // report below what the phases before it reached.
    let mut reached_before = 0.0f32;
    let mut phase_max = 0.0f32;
    for window in seen.windows(2) {
        let ((p0, d0), (p1, d1)) = (window[0], window[1]);
        phase_max = phase_max.max(d0);
        if p0 != p1 {
            reached_before = reached_before.max(phase_max);
        }
        assert!(
            d1 >= reached_before,
            "{p1:?} at {d1} after the bar reached {reached_before}: {seen:?}"
        );
    }
    assert!(wide.iter().all(|&d| d >= edges::Phase::Smoothing.ends_at()));
}

#[test]
fn missing_values_never_spread_and_flat_images_have_no_edges() {
    let shape = [30, 30, 12];
    let layout_len = shape.iter().product::<usize>();
    // A cube of 100 in 0, with a NaN hole far from the cube.
    let mut values = vec![0f32; layout_len];
    for k in 3..9 {
        for j in 8..20 {
            for i in 8..20 {
                values[i + 30 * (j + 30 * k)] = 100.0;
            }
        }
    }
    let hole = 25 + 30 * (25 + 30 * 6);
    values[hole] = f32::NAN;
    let result = run_plain(&values, shape, None, &EdgeParams::default());
    let m = mask(&result);
    assert_eq!(m[hole], 0);
    // No edge anywhere near the hole: it is missing, not a step.
    for k in 4..9 {
        for j in 22..30 {
            for i in 22..30 {
                assert_eq!(
                    m[i + 30 * (j + 30 * k)],
                    0,
                    "edge at ({i}, {j}, {k}) beside the hole"
                );
            }
        }
    }
    assert!(
        m.iter().filter(|&&v| v != 0).count() > 100,
        "the cube has edges"
    );
    let gradient = edges::detect(
        &values,
        shape,
        [1.0; 3],
        None,
        &EdgeParams {
            detector: Detector::Gradient,
            ..EdgeParams::default()
        },
        None,
        &Control::none(),
    )
    .unwrap();
    let EdgeMap::Magnitude(g) = gradient.map else {
        panic!()
    };
    assert!(
        g.iter().all(|v| v.is_finite()),
        "NaN reached the gradient map"
    );

    for detector in [Detector::Canny, Detector::Dog] {
        let flat = edges::detect(
            vec![42.0; layout_len],
            shape,
            [1.0; 3],
            None,
            &EdgeParams {
                detector,
                ..EdgeParams::default()
            },
            None,
            &Control::none(),
        )
        .unwrap();
        assert_eq!(
            flat.edge_count(),
            0,
            "{detector:?} found edges in a constant image"
        );
    }
    // Absolute thresholds, and a single 2D slice.
    let slice: Vec<f32> = (0..40 * 30)
        .map(|n| if (n % 40) > 20 { 10.0 } else { 0.0 })
        .collect();
    let params = EdgeParams {
        thresholds: ThresholdKind::Absolute,
        low: 1.0,
        high: 2.0,
        ..EdgeParams::default()
    };
    let r = edges::detect(
        &slice,
        [40, 30, 1],
        [0.5, 0.5, 1.0],
        None,
        &params,
        None,
        &Control::none(),
    )
    .unwrap();
    let m = mask(&r);
    for row in 0..30 {
        let cols: Vec<usize> = (0..40).filter(|&c| m[row * 40 + c] != 0).collect();
        assert!(
            !cols.is_empty() && cols.iter().all(|&c| (20..=21).contains(&c)),
            "row {row}: {cols:?}"
        );
    }
}

#[test]
fn slice_mode_hands_out_the_cursor_slice_first() {
    let mut rng = Rng::new(21);
    let shape = [30, 26, 20];
    let values = random_volume(&mut rng, shape);
    let cursor_slice = 13;
    let mut order: Vec<usize> = (0..shape[2]).collect();
    order.sort_by_key(|&s| (s.abs_diff(cursor_slice), s));
    let mut partials: Vec<Vec<u8>> = Vec::new();
    let params = EdgeParams {
        mode: Mode::Slices(Plane::Axial),
        ..EdgeParams::default()
    };
    let full = edges::detect_slices(
        &values,
        shape,
        [1.0; 3],
        2,
        &params,
        None,
        &Control::none(),
        &order,
        &mut |r| {
            partials.push(mask(r).to_vec());
        },
    )
    .unwrap();
    let first = &partials[0];
    let slab = shape[0] * shape[1];
    let in_cursor_slice = first[cursor_slice * slab..(cursor_slice + 1) * slab]
        .iter()
        .filter(|&&m| m != 0)
        .count();
    let elsewhere = first.iter().filter(|&&m| m != 0).count() - in_cursor_slice;
    assert!(
        in_cursor_slice > 10,
        "the cursor slice has its edges: {in_cursor_slice}"
    );
    assert_eq!(elsewhere, 0, "nothing else is computed first");
    // The cursor slice in the first partial is already final, and the
    // whole result equals a plain slice-mode run.
    assert_eq!(
        first[cursor_slice * slab..(cursor_slice + 1) * slab],
        mask(&full)[cursor_slice * slab..(cursor_slice + 1) * slab]
    );
    let plain = run_plain(&values, shape, Some(2), &params);
    assert_eq!(mask(&plain), mask(&full));
    assert!(
        partials.len() >= 2 && partials.len() <= 10,
        "{} partial results",
        partials.len()
    );
}

#[test]
fn the_plot_histogram_is_optional_and_changes_no_edge() {
    let mut rng = Rng::new(5);
    let shape = [40, 36, 1];
    let values = random_volume(&mut rng, shape);
    for thresholds in [ThresholdKind::Quantile, ThresholdKind::Absolute] {
        let run = |plot_histogram: bool| {
            let params = EdgeParams {
                mode: Mode::Slices(Plane::Axial),
                thresholds,
                low: if thresholds == ThresholdKind::Absolute {
                    0.5
                } else {
                    0.8
                },
                high: if thresholds == ThresholdKind::Absolute {
                    1.0
                } else {
                    0.9
                },
                plot_histogram,
                ..EdgeParams::default()
            };
            run_plain(&values, shape, Some(2), &params)
        };
        let (plotted, unplotted) = (run(true), run(false));
        let h = plotted
            .magnitude_histogram
            .as_ref()
            .expect("a histogram when asked for");
        assert!(h.counts.iter().sum::<u64>() > 100, "{thresholds:?}: {h:?}");
        assert_eq!(unplotted.magnitude_histogram, None, "{thresholds:?}");
        assert!(mask(&plotted).iter().any(|&m| m != 0), "{thresholds:?}");
        assert_eq!(mask(&plotted), mask(&unplotted), "{thresholds:?}");
        assert_eq!(
            (plotted.low_abs, plotted.high_abs),
            (unplotted.low_abs, unplotted.high_abs)
        );
    }
}

/// The command line hands its frame over to the detector (freed once
/// smoothed): the same edges as from a borrowed frame, and the volume's
/// voxels are not kept twice (float32 handed over, uint8 converted and
/// dropped).
#[test]
fn values_handed_over_give_the_same_edges_and_leave_the_voxels_empty() {
    for file in ["coreg-qa/highres.nii.gz", "nifti-space/RAS.nii.gz"] {
        let path = common::data_file(file);
        let params = EdgeParams::default();
        let v = rasview::volume::load(&path).unwrap();
        let borrowed = edges::detect_volume(&v, 0, &params, None, &Control::none()).unwrap();
        let mut handed = rasview::volume::load(&path).unwrap();
        let values = handed.take_frame_values(0);
        assert_eq!(values.len(), v.frame_len(), "{file}");
        assert_eq!(
            handed.voxels.len(),
            0,
            "{file}: the voxels are not kept twice"
        );
        let owned =
            edges::detect_values(values, &handed.grid, &params, None, &Control::none()).unwrap();
        assert!(borrowed.edge_count() > 1000, "{file}");
        assert_eq!(borrowed.edge_count(), owned.edge_count(), "{file}");
        assert!(
            matches!((&borrowed.map, &owned.map), (EdgeMap::Mask(a), EdgeMap::Mask(b)) if a == b),
            "{file}"
        );
    }
}
