//! NRRD against readers no one here wrote: SimpleITK's reading of the
//! shared cases (tests/data/formats/oracle.json), pynrrd-written variants
//! whose expected affine and values come from the generator's own numpy
//! arrays (and SimpleITK where it reads them), a Slicer-style segmentation,
//! and `.nrrd` outputs read back by SimpleITK.

use crate::common;

use rasview::volume::{self, AffineSource, Label, LoadOptions, Volume};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn matrix(v: &Value) -> [[f64; 4]; 4] {
    let mut m = [[0.0; 4]; 4];
    for (r, row) in v.as_array().unwrap().iter().enumerate() {
        for (c, x) in row.as_array().unwrap().iter().enumerate() {
            m[r][c] = x.as_f64().unwrap();
        }
    }
    m
}

fn triple(v: &Value) -> [f64; 3] {
    let a = v.as_array().unwrap();
    [0, 1, 2].map(|i| a[i].as_f64().unwrap())
}

#[test]
fn shared_nrrd_cases_match_simpleitk() {
    let text = std::fs::read_to_string(common::data_file("formats/oracle.json")).unwrap();
    let oracle: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for f in oracle["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        if !name.starts_with("nrrd_") {
            continue;
        }
        let v = volume::load(&common::data_file(&format!("formats/{name}")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v.format, volume::Format::Nrrd);
        assert_eq!(v.affine_source, AffineSource::NrrdSpace, "{name}");
        let shape: Vec<usize> = f["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(v.grid.shape.to_vec(), shape, "{name}");
        let diff = common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &matrix(&f["affine"]));
        assert!(diff < 1e-9, "{name}: affine differs by {diff}");
        for p in f["points"].as_array().unwrap() {
            let world = triple(&p["world_ras_mm"]);
            let voxel = triple(&p["voxel_nearest"]).map(|x| x as usize);
            let (ours, value) = v
                .probe(world, 0)
                .unwrap_or_else(|| panic!("{name}: outside"));
            assert_eq!(ours, voxel, "{name}: nearest voxel of {world:?}");
            assert_eq!(
                value,
                p["value"].as_f64().unwrap(),
                "{name}: value at {voxel:?}"
            );
            checked += 1;
        }
        assert!(v.warnings.is_empty(), "{name}: {:?}", v.warnings);
    }
    assert_eq!(checked, 3 * 24);
}

/// Every value of `v` (volumes held) in storage order, as f64.
fn stored_values(v: &Volume) -> Vec<f64> {
    (0..v.voxels.len())
        .map(|n| v.voxels.stored_f64(n))
        .collect()
}

#[test]
fn generated_variants_match_pynrrd_and_simpleitk() {
    let Some(python) = common::python_with(&["SimpleITK", "nrrd", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("nrrd_variants");
    let script = include_str!("../data/formats/nrrd_cases.py");
    let cases = common::python_json(&python, script, &[dir.as_os_str()]);
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 38, "{} cases", cases.len());
    for case in cases {
        let name = case["file"].as_str().unwrap();
        let only_volume = case["only_volume"].as_u64().map(|t| t as usize);
        let label = format!("{name} (volume {only_volume:?})");
        let options = LoadOptions {
            only_volume,
            ..LoadOptions::default()
        };
        let v =
            volume::load_with(&dir.join(name), &options).unwrap_or_else(|e| panic!("{label}: {e}"));
        let shape: Vec<usize> = case["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        assert_eq!(v.grid.shape.to_vec(), shape, "{label}");
        assert_eq!(
            v.volume_count as u64,
            case["volumes"].as_u64().unwrap(),
            "{label}"
        );
        let diff =
            common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &matrix(&case["affine"]));
        assert!(diff < 1e-12, "{label}: affine differs by {diff}");
        assert_eq!(
            v.affine_source.name(),
            case["source"].as_str().unwrap(),
            "{label}"
        );
        for w in case["warn"].as_array().unwrap() {
            let w = w.as_str().unwrap();
            assert!(
                v.warnings.iter().any(|x| x.contains(w)),
                "{label}: no warning with {w:?} in {:?}",
                v.warnings
            );
        }
        if case["warn"].as_array().unwrap().is_empty() {
            assert!(v.warnings.is_empty(), "{label}: {:?}", v.warnings);
        }
        let expected = case["values"].as_array().unwrap();
        if case["rgb"].as_bool().unwrap() {
            assert_eq!(v.datatype(), volume::Datatype::Rgb24, "{label}");
            let volume::Voxels::Rgb24(rgb) = &v.voxels else {
                unreachable!()
            };
            let theirs: Vec<[u8; 3]> = expected
                .iter()
                .map(|c| triple(c).map(|x| x as u8))
                .collect();
            assert_eq!(rgb, &theirs, "{label}");
        } else {
            assert_eq!(
                v.volumes_held().len(),
                if only_volume.is_some() {
                    1
                } else {
                    v.volume_count
                }
            );
            let theirs: Vec<f64> = expected.iter().map(|x| x.as_f64().unwrap()).collect();
            let ours = stored_values(&v);
            assert_eq!(ours.len(), theirs.len(), "{label}");
            // serde_json may parse a float's text one bit off (it does not
            // round-trip exactly without its float_roundtrip feature).
            for (n, (a, b)) in ours.iter().zip(&theirs).enumerate() {
                assert!(
                    a == b || (a - b).abs() <= 1e-15 * b.abs(),
                    "{label}: value {n} is {a}, pynrrd wrote {b}"
                );
            }
        }
    }
}

#[test]
fn segmentation_names_colours_values_and_layers() {
    let path = common::data_file("formats/nrrd_seg_two_layers.seg.nrrd");
    let v = volume::load(&path).unwrap();
    assert_eq!(v.grid.shape, [6, 5, 4]);
    assert_eq!(v.volume_count, 2, "overlapping segments are two layers");
    let label = |value, name: &str, colour, layer| Label {
        value,
        name: name.into(),
        colour: Some(colour),
        layer,
    };
    assert_eq!(
        v.labels,
        vec![
            label(1, "liver", [221, 130, 101], 0),
            label(2, "spleen", [157, 110, 240], 0),
            label(1, "tumour", [255, 0, 0], 1),
        ]
    );
    // The generator's masks (make_nrrd_seg.py), layer by layer.
    assert_eq!(v.value_at([1, 1, 0], 0), 1.0, "liver");
    assert_eq!(v.value_at([5, 4, 3], 0), 2.0, "spleen");
    assert_eq!(v.value_at([1, 1, 0], 1), 1.0, "tumour over the liver");
    assert_eq!(v.value_at([0, 0, 0], 1), 0.0, "no tumour there");
    assert_eq!(v.value_at([3, 0, 0], 0), 0.0);
    // LPS directions (-1.5, 0, 0) ... and origin (40, 30, -10), in RAS.
    let m = v.grid.world_from_voxel.matrix();
    assert_eq!(m[0], [1.5, 0.0, 0.0, -40.0]);
    assert_eq!(m[1], [0.0, 1.25, 0.0, -30.0]);

    let out = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(["info".as_ref(), path.as_os_str()])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(text.contains("format        NRRD"), "{text}");
    assert!(
        text.contains("label         1 = tumour #ff0000 (layer 1)"),
        "{text}"
    );
}

/// `rasview` with arguments; panics with its stderr unless it succeeds.
fn rasview(args: &[&std::ffi::OsStr]) {
    let out = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "rasview {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

const SITK_GEOMETRY: &str = r#"
import json, sys
import SimpleITK as sitk
out = {}
for path in sys.argv[1:]:
    img = sitk.ReadImage(path)
    out[path] = dict(direction=list(img.GetDirection()), origin=list(img.GetOrigin()),
                     spacing=list(img.GetSpacing()), size=list(img.GetSize()),
                     pixel=img.GetPixelIDTypeAsString(),
                     sum=float(sitk.GetArrayViewFromImage(img).astype('float64').sum()))
print(json.dumps(out))
"#;

fn assert_same_geometry(theirs: &Value, base: &str, out: &str) {
    for key in ["direction", "origin", "spacing"] {
        let a = theirs[base][key].as_array().unwrap();
        let b = theirs[out][key].as_array().unwrap();
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(b) {
            let (x, y) = (x.as_f64().unwrap(), y.as_f64().unwrap());
            assert!((x - y).abs() < 1e-6, "{key}: {x} against {y} ({out})");
        }
    }
    assert_eq!(theirs[base]["size"], theirs[out]["size"], "{out}");
}

#[test]
fn nrrd_outputs_read_back_in_simpleitk_with_the_base_geometry() {
    let Some(python) = common::python_with(&["SimpleITK", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("nrrd_outputs");
    let base = common::data_file("formats/nrrd_itk_lps_gzip_i16.nrrd");
    let edges = dir.join("edges.nrrd");
    rasview(&[
        "edges".as_ref(),
        base.as_os_str(),
        "--out".as_ref(),
        edges.as_os_str(),
    ]);
    // Another NRRD (LAS, float64) resampled onto the base's grid.
    let las = common::data_file("formats/nrrd_las_f64.nrrd");
    let resampled = dir.join("resampled.nrrd");
    rasview(&[
        "resample".as_ref(),
        las.as_os_str(),
        "--like".as_ref(),
        base.as_os_str(),
        "--out".as_ref(),
        resampled.as_os_str(),
    ]);
    let paths = [&base, &edges, &resampled].map(|p| p.to_string_lossy().into_owned());
    let args: Vec<&std::ffi::OsStr> = paths.iter().map(|p| p.as_ref()).collect();
    let theirs = common::python_json(&python, SITK_GEOMETRY, &args);
    assert_same_geometry(&theirs, &paths[0], &paths[1]);
    assert_same_geometry(&theirs, &paths[0], &paths[2]);
    assert_eq!(theirs[&paths[1]]["pixel"], "8-bit unsigned integer");
    assert!(
        theirs[&paths[1]]["sum"].as_f64().unwrap() > 0.0,
        "some edges"
    );

    // And rasview reads its own output to the same voxels it wrote.
    let back = volume::load(&edges).unwrap();
    let written = volume::load(&base).unwrap();
    let diff = common::max_abs_diff(
        &back.grid.world_from_voxel.matrix(),
        &written.grid.world_from_voxel.matrix(),
    );
    assert_eq!(diff, 0.0, "directions and origin round-trip exactly");
    assert_eq!(
        stored_values(&back).iter().sum::<f64>(),
        theirs[&paths[1]]["sum"].as_f64().unwrap()
    );
    // The sidecar sits beside it, named without the image extension.
    let sidecar: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("edges.json")).unwrap()).unwrap();
    assert!(sidecar.to_string().contains("nrrd_itk_lps_gzip_i16.nrrd"));
    assert!(!Path::new(&dir.join("edges.nrrd.json")).exists());
}

/// Progress goes up to 1 while the voxels are read, never backwards, and
/// one volume of a 4D file is read alone.
#[test]
fn progress_and_one_volume() {
    let path = common::data_file("formats/nrrd_seg_two_layers.seg.nrrd");
    let seen = std::cell::RefCell::new(Vec::new());
    let options = LoadOptions {
        only_volume: Some(1),
        ..LoadOptions::default()
    };
    let v = volume::load_reporting(&path, &options, &|f| seen.borrow_mut().push(f)).unwrap();
    let seen = seen.into_inner();
    assert_eq!(seen.last(), Some(&1.0), "{seen:?}");
    assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{seen:?}");
    assert_eq!(v.volumes_held(), 1..2);
    assert_eq!(v.value_at([1, 1, 0], 1), 1.0, "the tumour layer");
    assert_eq!(v.labels.len(), 3);
}
