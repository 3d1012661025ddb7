//! MetaImage against SimpleITK: the shared oblique cases (tests/data/formats/oracle.json), and
//! at run time every pixel type, colour, vectors, 4D, 2D and hand-edited headers written by
//! tests/data/formats/make_metaimage_cases.py and read back by SimpleITK. World coordinates
//! and values are compared, never numbers rasview produced. Then rasview's own `.mha` and
//! `.mhd` outputs, read back by SimpleITK with the base's geometry.

use crate::common;

use rasview::volume::{self, save, LoadOptions, Volume, Voxels};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::Command;

fn rasview(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn matrix(v: &Value) -> [[f64; 4]; 4] {
    let mut m = [[0.0; 4]; 4];
    for (r, row) in v.as_array().unwrap().iter().enumerate() {
        for (c, x) in row.as_array().unwrap().iter().enumerate() {
            m[r][c] = x.as_f64().unwrap();
        }
    }
    m
}

fn numbers(v: &Value) -> Vec<f64> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_f64().unwrap())
        .collect()
}

/// The shared cases: TransformMatrix read as columns (a non-symmetric,
/// permuted oblique matrix: read by rows it is mirrored), LPS to RAS,
/// detached raw data, at SimpleITK's world points.
#[test]
fn shared_metaimage_cases_match_simpleitk() {
    let text = std::fs::read_to_string(common::data_file("formats/oracle.json")).unwrap();
    let oracle: Value = serde_json::from_str(&text).unwrap();
    let mut checked = 0;
    for f in oracle["files"].as_array().unwrap() {
        let name = f["file"].as_str().unwrap();
        if !(name.ends_with(".mha") || name.ends_with(".mhd")) {
            continue;
        }
        let v = volume::load(&common::data_file(&format!("formats/{name}")))
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(v.format, volume::Format::MetaImage);
        let shape: Vec<usize> = numbers(&f["shape"]).iter().map(|&d| d as usize).collect();
        assert_eq!(v.grid.shape.to_vec(), shape, "{name}");
        let diff = common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &matrix(&f["affine"]));
        assert!(
            diff < 1e-9,
            "{name}: affine differs from SimpleITK's by {diff}"
        );
        assert_eq!(v.grid.axcodes(), f["axcodes"].as_str().unwrap(), "{name}");
        for p in f["points"].as_array().unwrap() {
            let world = numbers(&p["world_ras_mm"]);
            let (voxel, value) = v
                .probe([world[0], world[1], world[2]], 0)
                .unwrap_or_else(|| panic!("{name}: {world:?} outside"));
            let expected: Vec<usize> = numbers(&p["voxel_nearest"])
                .iter()
                .map(|&x| x as usize)
                .collect();
            assert_eq!(voxel.to_vec(), expected, "{name} at {world:?}");
            assert_eq!(value, p["value"].as_f64().unwrap(), "{name} at {voxel:?}");
            checked += 1;
        }
    }
    assert_eq!(checked, 48, "both MetaImage cases, 24 points each");
}

/// A MetaImage from another tool (niivue's test data, flipped in y):
/// SimpleITK's geometry and every voxel.
#[test]
fn niivue_mha_matches_simpleitk() {
    let path = common::data_file("niivue/mha.mha");
    let v = volume::load(&path).unwrap();
    let Some(python) = common::python_with(&["SimpleITK", "numpy"]) else {
        return;
    };
    let sitk = common::python_json(
        &python,
        "import sys, json, numpy as np, SimpleITK as s\n\
         i = s.ReadImage(sys.argv[1])\n\
         d = np.array(i.GetDirection()).reshape(3, 3); A = np.eye(4)\n\
         A[:3, :3] = d @ np.diag(i.GetSpacing()); A[:3, 3] = i.GetOrigin()\n\
         A = np.diag([-1.0, -1, 1, 1]) @ A\n\
         a = s.GetArrayFromImage(i)\n\
         print(json.dumps(dict(affine=A.tolist(), values=a.transpose(2, 1, 0).ravel(order='F').tolist())))",
        &[path.as_os_str()],
    );
    let diff = common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &matrix(&sitk["affine"]));
    assert!(diff < 1e-9, "{diff}");
    let values = numbers(&sitk["values"]);
    assert_eq!(values.len(), v.voxels.len());
    for (n, value) in values.iter().enumerate() {
        assert_eq!(v.voxels.stored_f64(n), *value, "voxel {n}");
    }
}

/// The value rasview holds for SimpleITK's pixel `index` (i, j[, k][, t]),
/// component `c`: colour channels of RGB, volumes for other vectors.
fn ours(v: &Volume, index: &[usize], c: usize, components: usize) -> f64 {
    let voxel = [index[0], index[1], index.get(2).copied().unwrap_or(0)];
    let t = index.get(3).copied().unwrap_or(0);
    if components == 3 && v.datatype() == volume::Datatype::Rgb24 {
        return v.rgb_at(voxel, t).unwrap()[c] as f64;
    }
    let t = if components > 1 { c } else { t };
    v.voxels.stored_f64(v.linear_index(voxel, t))
}

fn generated_cases(dir: &Path) -> Option<Value> {
    let python = common::python_with(&["SimpleITK", "numpy"])?;
    let script =
        std::fs::read_to_string(common::data_file("formats/make_metaimage_cases.py")).unwrap();
    Some(common::python_json(&python, &script, &[dir.as_os_str()]))
}

#[test]
fn every_type_and_layout_matches_simpleitk() {
    let dir = common::scratch_dir("metaimage_cases");
    let Some(cases) = generated_cases(&dir) else {
        return;
    };
    let cases = cases["cases"].as_array().unwrap();
    assert!(cases.len() >= 40, "{} cases", cases.len());
    for case in cases {
        let name = case["file"].as_str().unwrap();
        let path = dir.join(name);
        let v = volume::load(&path).unwrap_or_else(|e| panic!("{name}: {e}"));
        let size: Vec<usize> = numbers(&case["size"]).iter().map(|&d| d as usize).collect();
        let components = case["components"].as_u64().unwrap() as usize;
        let shape = [size[0], size[1], size.get(2).copied().unwrap_or(1)];
        assert_eq!(v.grid.shape, shape, "{name}");
        let volumes = match (components, size.get(3)) {
            (3, _) if v.datatype() == volume::Datatype::Rgb24 => 1,
            (c, _) if c > 1 => c,
            (_, Some(&t)) => t,
            _ => 1,
        };
        assert_eq!(v.volume_count, volumes, "{name}");
        let diff =
            common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &matrix(&case["affine"]));
        assert!(
            diff < 1e-9,
            "{name}: affine differs from SimpleITK's by {diff}"
        );
        for s in case["samples"].as_array().unwrap() {
            let index: Vec<usize> = numbers(&s["index"]).iter().map(|&x| x as usize).collect();
            let expected: Vec<f64> = match &s["value"] {
                Value::Array(_) => numbers(&s["value"]),
                x => vec![x.as_f64().unwrap()],
            };
            for (c, e) in expected.iter().enumerate() {
                // serde_json's default float parsing can be one ulp off.
                let got = ours(&v, &index, c, components);
                assert!(
                    got == *e || (got - e).abs() <= 2.0 * f64::EPSILON * e.abs(),
                    "{name} at {index:?}, component {c}: {got} against SimpleITK's {e}"
                );
            }
        }
        if name.contains("wrong_orientation") {
            assert!(
                v.warnings
                    .iter()
                    .any(|w| w.contains("AnatomicalOrientation = RAI contradicts")),
                "{name}: {:?}",
                v.warnings
            );
        } else if name.ends_with("synonyms.mha") {
            assert!(
                v.warnings
                    .iter()
                    .any(|w| w.contains("Origin") && w.contains("Offset")),
                "{:?}",
                v.warnings
            );
        } else {
            assert!(
                v.warnings.is_empty() || components == 2,
                "{name}: {:?}",
                v.warnings
            );
        }
    }
}

/// One volume of a 4D file, or one channel of a vector image, read alone
/// holds what the whole read holds there, from every data layout.
#[test]
fn one_volume_alone_matches_the_whole() {
    let dir = common::scratch_dir("metaimage_only_volume");
    let Some(_) = generated_cases(&dir) else {
        return;
    };
    for name in [
        "four.mha",
        "four.mhd",
        "four_list3d.mhd",
        "four_list2d.mhd",
        "vector2.mhd",
    ] {
        let path = dir.join(name);
        let whole = volume::load(&path).unwrap();
        for t in 0..whole.volume_count {
            let options = LoadOptions {
                only_volume: Some(t),
                ..LoadOptions::default()
            };
            let one = volume::load_with(&path, &options).unwrap();
            assert_eq!(one.volumes_held(), t..t + 1, "{name}");
            assert_eq!(
                one.voxels.len(),
                whole.frame_len(),
                "{name}: one frame only"
            );
            assert_eq!(one.frame_f32(t), whole.frame_f32(t), "{name} volume {t}");
        }
    }
}

#[test]
fn progress_rises_to_one_while_voxels_arrive() {
    let dir = common::scratch_dir("metaimage_progress");
    let path = dir.join("big.mha");
    // 64^3 int16 written by rasview itself: several chunks of data.
    let base = volume::load(&common::data_file("formats/mha_oblique_sagittal_u16.mha")).unwrap();
    let grid = rasview::geometry::Grid::new([64, 64, 64], base.grid.world_from_voxel);
    let values: Vec<i16> = (0..64 * 64 * 64).map(|i| (i % 1000) as i16).collect();
    let staged = save::stage_image(&path, &base.header, &grid, &Voxels::I16(values), 1).unwrap();
    save::commit_together(staged).unwrap();
    for name in ["big.mha", "big.mhd"] {
        let path = dir.join(name);
        if name.ends_with(".mhd") {
            let staged = save::stage_image(
                &path,
                &base.header,
                &grid,
                &Voxels::I16((0..64 * 64 * 64).map(|i| (i % 1000) as i16).collect()),
                1,
            )
            .unwrap();
            save::commit_together(staged).unwrap();
        }
        let seen = std::cell::RefCell::new(Vec::new());
        volume::load_reporting(&path, &LoadOptions::default(), &|f| {
            seen.borrow_mut().push(f)
        })
        .unwrap();
        let seen = seen.into_inner();
        assert!(seen.len() >= 2, "{name}: {seen:?}");
        assert!(seen.windows(2).all(|w| w[0] <= w[1]), "{name}: {seen:?}");
        assert_eq!(*seen.last().unwrap(), 1.0, "{name}");
    }
}

fn sitk_geometry(python: &Path, file: &Path) -> Value {
    common::python_json(
        python,
        "import sys, json, SimpleITK as s\n\
         i = s.ReadImage(sys.argv[1])\n\
         a = s.GetArrayFromImage(i)\n\
         print(json.dumps(dict(direction=i.GetDirection(), origin=i.GetOrigin(), spacing=i.GetSpacing(),\n\
             size=i.GetSize(), sum=float(a.astype('float64').sum()), pixel=i.GetPixelIDTypeAsString())))",
        &[file.as_os_str()],
    )
}

fn assert_same_geometry(ours: &Value, base: &Value, what: &str) {
    for key in ["direction", "origin", "spacing"] {
        let (a, b) = (numbers(&ours[key]), numbers(&base[key]));
        assert_eq!(a.len(), b.len(), "{what}: {key}");
        let diff = a
            .iter()
            .zip(&b)
            .map(|(x, y)| (x - y).abs())
            .fold(0.0, f64::max);
        assert!(diff < 1e-6, "{what}: {key} {a:?} against the base's {b:?}");
    }
    assert_eq!(ours["size"], base["size"], "{what}");
}

/// `rasview edges` over an oblique `.mha`, written as `.mha`, `.mhd` and
/// `.nii.gz`: SimpleITK reads each back with the base's direction, origin
/// and spacing (1e-6), and rasview reads back the same mask.
#[test]
fn edges_over_an_mha_read_back_in_simpleitk_with_the_base_geometry() {
    let dir = common::scratch_dir("metaimage_edges_out");
    let base_path = common::data_file("formats/mha_oblique_sagittal_u16.mha");
    let mut masks = Vec::new();
    for name in ["edges.mha", "edges.mhd", "edges.nii.gz"] {
        let out = dir.join(name);
        let run = rasview(&[
            "edges",
            &base_path.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ]);
        assert!(
            run.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&run.stderr)
        );
        let back = volume::load(&out).unwrap();
        assert_eq!(back.grid.shape, [48, 56, 40]);
        let base = volume::load(&base_path).unwrap();
        let diff = common::max_abs_diff(
            &back.grid.world_from_voxel.matrix(),
            &base.grid.world_from_voxel.matrix(),
        );
        // NIfTI's srow is float32.
        let tolerance = if name.ends_with(".nii.gz") {
            1e-5
        } else {
            1e-9
        };
        assert!(diff < tolerance, "{name}: {diff}");
        masks.push(back.voxels.clone());
        assert!(dir.join("edges.json").exists(), "{name}: the sidecar");
    }
    assert!(dir.join("edges.raw").exists(), "the .mhd's data file");
    assert_eq!(masks[0], masks[1]);
    assert_eq!(masks[0], masks[2]);
    let Some(python) = common::python_with(&["SimpleITK"]) else {
        return;
    };
    let base = sitk_geometry(&python, &base_path);
    for name in ["edges.mha", "edges.mhd", "edges.nii.gz"] {
        let ours = sitk_geometry(&python, &dir.join(name));
        assert_same_geometry(&ours, &base, name);
        assert!(ours["sum"].as_f64().unwrap() > 100.0, "{name}: edges found");
        assert_eq!(
            ours["sum"],
            sitk_geometry(&python, &dir.join("edges.mha"))["sum"]
        );
    }
}

/// rasview's writer for every voxel type, 3D and 4D, read back by SimpleITK.
#[test]
fn written_files_read_back_in_simpleitk() {
    let Some(python) = common::python_with(&["SimpleITK", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("metaimage_writer");
    let base = volume::load(&common::data_file("formats/mha_oblique_sagittal_u16.mha")).unwrap();
    let grid = rasview::geometry::Grid::new([5, 4, 3], base.grid.world_from_voxel);
    let base_geometry = sitk_geometry(
        &python,
        &common::data_file("formats/mha_oblique_sagittal_u16.mha"),
    );
    let n = 60;
    let cases: Vec<(&str, Voxels, usize, &str)> = vec![
        (
            "i8.mha",
            Voxels::I8((0..n).map(|i| i as i8 - 30).collect()),
            1,
            "8-bit signed integer",
        ),
        (
            "u64.mha",
            Voxels::U64((0..n as u64).map(|i| i << 40).collect()),
            1,
            "64-bit unsigned integer",
        ),
        (
            "f64.mhd",
            Voxels::F64((0..n).map(|i| i as f64 / 7.0).collect()),
            1,
            "64-bit float",
        ),
        (
            "rgb.mha",
            Voxels::Rgb24(
                (0..n)
                    .map(|i| [i as u8, 2 * i as u8, 255 - i as u8])
                    .collect(),
            ),
            1,
            "vector of 8-bit unsigned integer",
        ),
        (
            "four.mha",
            Voxels::I16((0..2 * n).map(|i| i as i16 - 50).collect()),
            2,
            "16-bit signed integer",
        ),
    ];
    for (name, voxels, volumes, pixel) in cases {
        let path = dir.join(name);
        let staged = save::stage_image(&path, &base.header, &grid, &voxels, volumes).unwrap();
        save::commit_together(staged).unwrap();
        let back = volume::load(&path).unwrap();
        assert_eq!(back.voxels, voxels, "{name}");
        let sitk = sitk_geometry(&python, &path);
        assert_eq!(sitk["pixel"], pixel, "{name}");
        let expected_sum: f64 = match &voxels {
            Voxels::Rgb24(v) => v.iter().flatten().map(|&b| b as f64).sum(),
            other => (0..other.len()).map(|i| other.stored_f64(i)).sum(),
        };
        assert_eq!(sitk["sum"].as_f64().unwrap(), expected_sum, "{name}");
        let (d, o, s) = (
            numbers(&sitk["direction"]),
            numbers(&sitk["origin"]),
            numbers(&sitk["spacing"]),
        );
        let dim = if volumes > 1 { 4 } else { 3 };
        let (bd, bo, bs) = (
            numbers(&base_geometry["direction"]),
            numbers(&base_geometry["origin"]),
            numbers(&base_geometry["spacing"]),
        );
        for r in 0..3 {
            assert!(
                (o[r] - bo[r]).abs() < 1e-6 && (s[r] - bs[r]).abs() < 1e-6,
                "{name}"
            );
            for c in 0..3 {
                assert!(
                    (d[r * dim + c] - bd[r * 3 + c]).abs() < 1e-6,
                    "{name}: direction"
                );
            }
        }
    }
}

/// A NIfTI mask made on an `.mha`'s grid sits on it (`rasview check`
/// exit 0); the same mask 5 mm off does not (exit 3).
#[test]
fn a_nifti_mask_over_an_mha_checks_aligned() {
    let dir = common::scratch_dir("metaimage_check");
    let base_path = common::data_file("formats/mha_oblique_sagittal_u16.mha");
    let mask = dir.join("mask.nii.gz");
    let run = rasview(&[
        "edges",
        &base_path.to_string_lossy(),
        "--out",
        &mask.to_string_lossy(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let check = |overlay: &Path| {
        rasview(&[
            "check",
            &base_path.to_string_lossy(),
            &overlay.to_string_lossy(),
        ])
        .status
        .code()
        .unwrap()
    };
    assert_eq!(check(&mask), 0);
    let mha_mask = dir.join("mask.mha");
    let run = rasview(&[
        "edges",
        &base_path.to_string_lossy(),
        "--out",
        &mha_mask.to_string_lossy(),
    ]);
    assert!(run.status.success());
    assert_eq!(check(&mha_mask), 0, "an .mha overlay too");
    let m = volume::load(&mask).unwrap();
    let mut shifted = m.header.clone();
    shifted.srow[1][3] += 5.0;
    let off = dir.join("shifted.nii.gz");
    save::save(&off, &shifted, &m.voxels, m.grid.shape, 1).unwrap();
    assert_eq!(check(&off), 3);
}

#[test]
fn info_names_the_format_the_affine_and_the_warnings() {
    let dir = common::scratch_dir("metaimage_info");
    let base = common::data_file("formats/mhd_flipped_f32.mhd");
    let text = std::fs::read_to_string(&base).unwrap();
    let wrong = dir.join("wrong.mhd");
    std::fs::write(
        &wrong,
        text.replace("AnatomicalOrientation = SLA", "AnatomicalOrientation = RAI")
            .replace(
                "mhd_flipped_f32.raw",
                &common::data_file("formats/mhd_flipped_f32.raw").to_string_lossy(),
            ),
    )
    .unwrap();
    let out = rasview(&["info", &wrong.to_string_lossy()]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("format        MetaImage"), "{stdout}");
    assert!(stdout.contains("from the TransformMatrix"), "{stdout}");
    assert!(
        stdout.contains("-80.00000"),
        "the offset, LPS x 80 -> RAS -80: {stdout}"
    );
    assert!(
        stdout.contains("AnatomicalOrientation = RAI contradicts"),
        "{stdout}"
    );
    let out = rasview(&["info", "--json", &base.to_string_lossy()]);
    let json: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["format"], "MetaImage");
    assert_eq!(json["affine_source"], "TransformMatrix");
    assert_eq!(json["warnings"], Value::Array(vec![]));
    let m = matrix(&json["world_from_voxel"]);
    assert_eq!(
        m[2][0], -2.0,
        "voxel axis 0 runs to RAS -z (LPS -z), 2 mm a step"
    );
}

/// Where the data files are, for tests that break them.
pub fn copy_case(from: &str, dir: &Path) -> PathBuf {
    let src = common::data_file(&format!("formats/{from}"));
    let to = dir.join(from);
    std::fs::copy(&src, &to).unwrap();
    if let Some(stem) = from.strip_suffix(".mhd") {
        std::fs::copy(
            common::data_file(&format!("formats/{stem}.raw")),
            dir.join(format!("{stem}.raw")),
        )
        .unwrap();
    }
    to
}
