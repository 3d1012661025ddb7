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
