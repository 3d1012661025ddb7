//! Edge detection: against a slow reference, on world-space phantoms in
//! oblique anisotropic grids, across datatypes, threads and cancellation.

mod common;

use common::{rotation_xz, rows, Rng};
use rasview::edges::{self, reference, Control, Detector, EdgeMap, EdgeParams, Layout, Mode, ThresholdKind};
use rasview::geometry::{affine::distance, Affine, Grid};
use rasview::render::Plane;

fn mask(result: &edges::EdgeResult) -> &[u8] {
    match &result.map {
        EdgeMap::Mask(m) => m,
        EdgeMap::Magnitude(_) => panic!("expected a mask"),
    }
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
                let v: f64 = centres.iter().map(|(c, r, a)| if distance(p, *c) < *r { *a } else { 0.0 }).sum();
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
        let shape = if case % 3 == 2 { [19, 17, 1] } else { [13, 11, 9] };
        let spacing = [rng.uniform(0.6, 1.5), rng.uniform(0.6, 1.5), rng.uniform(0.8, 2.5)];
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
        let fast = edges::detect(&values, shape, spacing, slice_axis, &params, None, &Control::none()).unwrap();
        let mut active = [true; 3];
        if let Some(a) = slice_axis {
            active[a] = false;
        }
        let layout = Layout { shape, spacing_mm: spacing, active };
        let slow = reference::canny(&values, &layout, &params);
        for (n, (&a, &b)) in mask(&fast).iter().zip(&slow.mask).enumerate() {
            compared += 1;
            edges_total += b as usize;
            if a != b {
                differing += 1;
                // Only a decision within float noise of going either way may differ.
                assert!(slow.margin[n] < 1e-3, "case {case}: voxel {n} differs with margin {}", slow.margin[n]);
            }
        }
    }
    eprintln!("{compared} voxels compared, {edges_total} reference edge voxels, {differing} differ");
    assert!(edges_total > 300, "too few edges to compare: {edges_total}");
    assert!(differing * 200 <= edges_total, "{differing} of {edges_total} differ");
}
