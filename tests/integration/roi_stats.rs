//! ROI statistics: `rasview stats --sphere` against numpy on the same voxel
//! centres of real files, and the window's rectangle against an
//! independent count.

use crate::common;
use std::process::Command;

fn rasview(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

/// Every voxel centre from nibabel's affine; those within R mm of the
/// centre; their count, volume and statistics (population SD).
const SPHERE_ORACLE: &str = r#"
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
data = np.asarray(img.get_fdata(dtype=np.float64))
if data.ndim == 4:
    data = data[..., 0]
ijk = np.indices(data.shape).reshape(3, -1)
xyz = img.affine[:3, :3] @ ijk + img.affine[:3, 3:4]
out = []
for text in sys.argv[2:]:
    x, y, z, r = [float(v) for v in text.split(',')]
    inside = np.sqrt(((xyz - np.array([[x], [y], [z]])) ** 2).sum(axis=0)) <= r
    values = data.reshape(-1)[inside]
    out.append({
        "voxels": int(inside.sum()),
        "volume_mm3": float(inside.sum() * abs(np.linalg.det(img.affine[:3, :3]))),
        "mean": float(values.mean()), "sd": float(values.std()),
        "min": float(values.min()), "max": float(values.max()),
    })
print(json.dumps(out))
"#;

fn close(a: &serde_json::Value, b: &serde_json::Value, what: &str) {
    let (a, b) = (a.as_f64().unwrap(), b.as_f64().unwrap());
    assert!(
        (a - b).abs() <= 1e-9 * b.abs().max(1.0),
        "{what}: rasview {a}, numpy {b}"
    );
}

#[test]
fn stats_cli_sphere_matches_numpy_on_the_same_voxel_centres() {
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    for (file, spheres) in [
        (
            "coreg-qa/example_func.nii.gz",
            &["0,0,0,10", "-20.5,13.2,8.7,7.3", "30,-40,2,7.5"][..],
        ),
        ("coreg-qa/highres.nii.gz", &["2.5,-10.1,20.4,6.2"][..]),
    ] {
        let path = common::data_file(file);
        let args: Vec<&std::ffi::OsStr> = std::iter::once(path.as_os_str())
            .chain(spheres.iter().map(std::ffi::OsStr::new))
            .collect();
        let oracle = common::python_json(&python, SPHERE_ORACLE, &args);
        for (sphere, expected) in spheres.iter().zip(oracle.as_array().unwrap()) {
            let out = rasview(&[
                "stats".as_ref(),
                path.as_os_str(),
                "--sphere".as_ref(),
                sphere.as_ref(),
                "--json".as_ref(),
            ]);
            assert!(
                out.status.success(),
                "{}",
                String::from_utf8_lossy(&out.stderr)
            );
            let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            assert_eq!(got["voxels"], expected["voxels"], "{file} {sphere}");
            assert!(expected["voxels"].as_u64().unwrap() > 10, "{file} {sphere}");
            for key in ["volume_mm3", "mean", "sd", "min", "max"] {
                close(&got[key], &expected[key], &format!("{file} {sphere} {key}"));
            }
        }
    }
}

#[test]
fn stats_cli_with_a_centre_outside_names_the_field_and_the_file_and_exits_1() {
    let file = common::data_file("coreg-qa/example_func.nii.gz");
    let out = rasview(&[
        "stats".as_ref(),
        file.as_os_str(),
        "--sphere".as_ref(),
        "900,0,0,10".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--sphere centre 900,0,0 is outside"), "{err}");
    assert!(err.contains("example_func.nii.gz"), "{err}");
    let out = rasview(&[
        "stats".as_ref(),
        "missing.nii.gz".as_ref(),
        "--sphere".as_ref(),
        "0,0,0,5".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.nii.gz"));
}

/// The voxel centres, by nibabel's affine, in the slab one slice thick
/// (the step of the voxel axis nearest the normal, along the normal) and
/// inside the rectangle or ellipse; their count and statistics.
#[cfg(feature = "gui")]
const SLICE_ORACLE: &str = r#"
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
A = img.affine
data = np.asarray(img.get_fdata(dtype=np.float64))
kind, n, pos = sys.argv[2], int(sys.argv[3]), float(sys.argv[4])
a = np.array([float(x) for x in sys.argv[5:8]])
b = np.array([float(x) for x in sys.argv[8:11]])
ijk = np.indices(data.shape).reshape(3, -1)
xyz = A[:3, :3] @ ijk + A[:3, 3:4]
h = abs(A[n, np.argmax(np.abs(A[n, :3]))])
d = xyz[n] - pos
inside = (d >= -h / 2) & (d < h / 2)
u, v = [ax for ax in range(3) if ax != n]
lo, hi = np.minimum(a, b), np.maximum(a, b)
if kind == "rectangle":
    for ax in (u, v):
        inside &= (xyz[ax] >= lo[ax]) & (xyz[ax] <= hi[ax])
else:
    c, r = (lo + hi) / 2, (hi - lo) / 2
    inside &= ((xyz[u] - c[u]) / r[u]) ** 2 + ((xyz[v] - c[v]) / r[v]) ** 2 <= 1
values = data.reshape(-1)[inside]
print(json.dumps({"voxels": int(inside.sum()), "mean": float(values.mean()),
    "sd": float(values.std()), "min": float(values.min()), "max": float(values.max())}))
"#;

/// Shapes dragged on the axial view of a real, oblique scan: the drag's
/// size in mm, and the base's statistics equal numpy's count on the same
/// voxel centres.
#[cfg(feature = "gui")]
#[test]
fn a_rectangle_and_an_ellipse_dragged_on_a_view_measure_what_numpy_counts() {
    use egui::Vec2;
    use egui_kittest::kittest::Queryable;
    use egui_kittest::Harness;
    use rasview::app::RasviewApp;
    use rasview::geometry::{Plane, Region};
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let path = common::data_file("coreg-qa/highres.nii.gz");
    let mut app = RasviewApp::new(None);
    app.open_now(path.clone());
    let mut harness = Harness::builder()
        .with_size(Vec2::new(1200.0, 800.0))
        .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
    harness.run_steps(3);
    for (label, kind) in [("rectangle", "rectangle"), ("ellipse", "ellipse")] {
        harness.get_by_label(label).click();
        harness.run_steps(2);
        let view = harness.get_by_label("axial view").rect();
        let from = view.center() + Vec2::new(-50.0, -40.0);
        let to = view.center() + Vec2::new(40.0, 35.0);
        harness.hover_at(from);
        harness.run_steps(2);
        harness.drag_at(from);
        harness.run_steps(2);
        harness.hover_at(to);
        harness.run_steps(2);
        harness.drop_at(to);
        harness.run_steps(2);
        harness.state_mut().finish_roi();
        harness.run_steps(2);
        // The statistics listed beside the views do not move them.
        assert_eq!(harness.get_by_label("axial view").rect(), view);
        let app = harness.state();
        let Some(Region::Slice(shape)) = app.viewer.roi.region else {
            panic!("no shape drawn: {:?}", app.viewer.roi.region);
        };
        assert_eq!(shape.plane, Plane::Axial);
        assert_eq!(
            shape.position_mm, app.viewer.cursor_ras[2],
            "the slice shown"
        );
        // 90 x 75 points of drag, in mm at this view's scale.
        let size = [view.width() as f64, view.height() as f64];
        let ppm = app
            .viewer
            .screen_mapping(Plane::Axial, size)
            .unwrap()
            .points_per_mm;
        let [[x0, x1], [y0, y1]] = shape.bounds();
        assert!(
            ((x1 - x0) * ppm - 90.0).abs() < 1.0,
            "{} mm wide, {ppm} points per mm, {shape:?}",
            x1 - x0
        );
        assert!(((y1 - y0) * ppm - 75.0).abs() < 1.0, "{} mm high", y1 - y0);
        let rows = app.roi_job.rows_for(&app.viewer).expect("statistics");
        let base = &rows[0].stats;
        let numbers = |p: [f64; 3]| p.map(|x| x.to_string());
        let mut args: Vec<String> = vec![
            path.to_string_lossy().into_owned(),
            kind.into(),
            "2".into(),
            shape.position_mm.to_string(),
        ];
        args.extend(numbers(shape.corner_a));
        args.extend(numbers(shape.corner_b));
        let args: Vec<&std::ffi::OsStr> = args.iter().map(std::ffi::OsStr::new).collect();
        let expected = common::python_json(&python, SLICE_ORACLE, &args);
        assert_eq!(
            base.voxels as u64,
            expected["voxels"].as_u64().unwrap(),
            "{kind}"
        );
        assert!(base.voxels > 500, "{kind}: {} voxels", base.voxels);
        let got = serde_json::json!({
            "mean": base.mean, "sd": base.sd, "min": base.min, "max": base.max
        });
        for key in ["mean", "sd", "min", "max"] {
            close(&got[key], &expected[key], &format!("{kind} {key}"));
        }
        // Listed in the panel.
        harness.get_by_label(&format!(
            "{} voxels, {:.1} mm^3",
            base.voxels, base.volume_mm3
        ));
    }
}

/// "Sphere at cursor" in the window: the base's statistics equal numpy's
/// on the voxel centres within the radius of the cursor.
#[cfg(feature = "gui")]
#[test]
fn a_sphere_at_the_cursor_in_the_window_measures_what_numpy_counts() {
    use egui_kittest::kittest::Queryable;
    use egui_kittest::Harness;
    use rasview::app::RasviewApp;
    use rasview::geometry::Region;
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let path = common::data_file("coreg-qa/example_func.nii.gz");
    let mut app = RasviewApp::new(None);
    app.open_now(path.clone());
    app.viewer.cursor_ras = [-20.5, 13.2, 8.7];
    app.viewer.roi.sphere_radius_mm = 9.5;
    let mut harness = Harness::builder()
        .with_size(egui::Vec2::new(1200.0, 800.0))
        .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
    harness.run_steps(2);
    harness.get_by_label("Sphere at cursor").click();
    harness.run_steps(2);
    harness.state_mut().finish_roi();
    let app = harness.state();
    assert_eq!(
        app.viewer.roi.region,
        Some(Region::Sphere {
            centre_ras: [-20.5, 13.2, 8.7],
            radius_mm: 9.5
        })
    );
    let base = &app.roi_job.rows_for(&app.viewer).expect("statistics")[0].stats;
    let expected = common::python_json(
        &python,
        SPHERE_ORACLE,
        &[path.as_os_str(), "-20.5,13.2,8.7,9.5".as_ref()],
    );
    let expected = &expected[0];
    assert_eq!(base.voxels as u64, expected["voxels"].as_u64().unwrap());
    let got = serde_json::json!({
        "volume_mm3": base.volume_mm3, "mean": base.mean, "sd": base.sd,
        "min": base.min, "max": base.max
    });
    for key in ["volume_mm3", "mean", "sd", "min", "max"] {
        close(&got[key], &expected[key], key);
    }
}
