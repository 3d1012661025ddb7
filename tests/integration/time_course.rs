//! Time courses: `rasview timecourse` against nibabel on a 4D file made
//! here, and the window's plot (click a volume, it is shown; play steps on).

use crate::common;
use std::process::Command;

fn rasview(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

/// Writes, with nibabel, a 4D int16 file with an oblique, flipped affine
/// and a different value in every voxel of every volume; prints nothing.
const MAKE_4D: &str = r#"
import sys, numpy as np, nibabel as nib
rng = np.random.default_rng(18)
data = rng.integers(-3000, 3000, size=(9, 11, 7, 13)).astype(np.int16)
c, s = np.cos(0.3), np.sin(0.3)
affine = np.array([[-2.0 * c, 0.4, 0.0, 10.0],
                   [2.0 * s, 1.5 * c, 0.3, -20.0],
                   [0.0, -0.2, 3.0, 5.0],
                   [0, 0, 0, 1]])
img = nib.Nifti1Image(data, affine)
img.header.set_data_dtype(np.int16)
img.header['scl_slope'] = 0.5
img.header['scl_inter'] = 7
nib.save(img, sys.argv[1])
print("{}")
"#;

/// The voxel nearest each point (from the inverse affine, rounded as
/// floor(v + 0.5)) and its values across volumes, by nibabel.
const ORACLE: &str = r#"
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
out = []
for text in sys.argv[2:]:
    p = np.array([float(x) for x in text.split(',')] + [1.0])
    v = np.linalg.inv(img.affine) @ p
    ijk = [int(np.floor(x + 0.5)) for x in v[:3]]
    values = np.asarray(img.dataobj[ijk[0], ijk[1], ijk[2], :], dtype=np.float64)
    out.append({"voxel": ijk, "values": values.tolist()})
print(json.dumps(out))
"#;

#[test]
fn timecourse_cli_matches_nibabel_at_the_nearest_voxel_of_a_4d_file() {
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("timecourse_cli");
    let path = dir.join("run.nii.gz");
    common::python_json(&python, MAKE_4D, &[path.as_os_str()]);
    // Points inside, away from halfway between voxel centres.
    let points = ["3.86,-9.85,13.36", "11.19,-5.29,18.56", "-3.08,-12.98,7.96"];
    let args: Vec<&std::ffi::OsStr> = std::iter::once(path.as_os_str())
        .chain(points.iter().map(std::ffi::OsStr::new))
        .collect();
    let oracle = common::python_json(&python, ORACLE, &args);
    for (point, expected) in points.iter().zip(oracle.as_array().unwrap()) {
        let out = rasview(&[
            "timecourse".as_ref(),
            path.as_os_str(),
            "--ras".as_ref(),
            point.as_ref(),
            "--json".as_ref(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got["voxel"], expected["voxel"], "{point}");
        assert_eq!(got["volumes"], 13);
        assert_eq!(got["values"], expected["values"], "{point}");
        // The plain text: the voxel, then one value per line.
        let text = rasview(&[
            "timecourse".as_ref(),
            path.as_os_str(),
            "--ras".as_ref(),
            point.as_ref(),
        ]);
        let text = String::from_utf8_lossy(&text.stdout).into_owned();
        let mut lines = text.lines();
        let v = &expected["voxel"];
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with(&format!("voxel [{}, {}, {}]", v[0], v[1], v[2])),
            "{text}"
        );
        let values: Vec<f64> = lines.map(|l| l.parse().unwrap()).collect();
        let expected: Vec<f64> = expected["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(values, expected);
    }
}

#[test]
fn timecourse_outside_the_volume_or_of_a_missing_file_says_which_and_exits_1() {
    let file = common::data_file("nifti-space/RAS.nii.gz");
    let out = rasview(&[
        "timecourse".as_ref(),
        file.as_os_str(),
        "--ras".as_ref(),
        "500,0,0".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--ras 500,0,0 is outside"), "{err}");
    assert!(err.contains("RAS.nii.gz"), "{err}");
    let out = rasview(&[
        "timecourse".as_ref(),
        "no/such/run.nii.gz".as_ref(),
        "--ras".as_ref(),
        "0,0,0".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/run.nii.gz"));
}
