//! The binary as users run it: exit codes, JSON keys, messages.

mod common;

use serde_json::Value;
use std::process::{Command, Output};

fn rasview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn path_of(relative: &str) -> String {
    common::data_file(relative).to_string_lossy().into_owned()
}

fn json_line(out: &Output) -> Value {
    let text = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(text.lines().next().unwrap()).unwrap_or_else(|e| panic!("{e}: {text}"))
}

#[test]
fn info_json_has_the_documented_keys_and_values() {
    let out = rasview(&["info", &path_of("coreg-qa/highres.nii.gz"), "--json"]);
    assert!(out.status.success());
    let j = json_line(&out);
    assert_eq!(j["shape"], serde_json::json!([176, 211, 163]));
    assert_eq!(j["datatype"], "float32");
    assert_eq!(j["affine_source"], "sform");
    assert_eq!(j["axcodes"], "RAS");
    assert_eq!(j["oblique"], true);
    assert!(j["warnings"].as_array().unwrap().is_empty());
    for (s, expected) in j["spacing_mm"]
        .as_array()
        .unwrap()
        .iter()
        .zip([1.0, 1.0, 1.0])
    {
        assert!((s.as_f64().unwrap() - expected).abs() < 1e-3);
    }
    let m = j["world_from_voxel"].as_array().unwrap();
    assert_eq!(m.len(), 4);
    assert_eq!(m[3], serde_json::json!([0.0, 0.0, 0.0, 1.0]));
    // Translation as nibabel reads it (oracle.json).
    assert!((m[0][3].as_f64().unwrap() - -86.49967).abs() < 1e-3);
    assert!((m[1][3].as_f64().unwrap() - -124.42908).abs() < 1e-3);
}

#[test]
fn info_warns_about_missing_orientation_and_disagreeing_forms() {
    let j = json_line(&rasview(&[
        "info",
        "--json",
        &path_of("niivue/minimal.nii.gz"),
    ]));
    assert_eq!(j["affine_source"], "pixdim");
    assert!(j["warnings"][0]
        .as_str()
        .unwrap()
        .contains("no orientation"));
    let j = json_line(&rasview(&[
        "info",
        "--json",
        &path_of("niivue/shear.nii.gz"),
    ]));
    assert_eq!(j["affine_source"], "sform");
    assert!(j["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .any(|w| w.as_str().unwrap().contains("disagree")));
}

#[test]
fn probe_takes_negative_coordinates_as_typed() {
    // rand02 in oracle.json for LAS: RAS (-33.65, -31.92, -0.93) is voxel [45, 33, 30].
    let file = path_of("nifti-space/LAS.nii.gz");
    let out = rasview(&["probe", &file, "--ras", "-33.65,-31.92,-0.93", "--json"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let j = json_line(&out);
    assert_eq!(j["voxel"], serde_json::json!([45, 33, 30]));
    assert_eq!(j["inside"], true);
    assert!((j["value"].as_f64().unwrap() - 76.58380138874054).abs() < 1e-9);
    // The same point with '=' syntax, and a point far outside.
    let j = json_line(&rasview(&[
        "probe",
        &file,
        "--ras=-33.65,-31.92,-0.93",
        "--json",
    ]));
    assert_eq!(j["voxel"], serde_json::json!([45, 33, 30]));
    let j = json_line(&rasview(&["probe", &file, "--ras", "-900,0,0", "--json"]));
    assert_eq!(j["inside"], false);
    assert_eq!(j["value"], Value::Null);
}

#[test]
fn exit_codes_follow_the_contract() {
    // 2: bad usage.
    assert_eq!(
        rasview(&["probe", &path_of("nifti-space/LAS.nii.gz")])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(
        rasview(&["probe", &path_of("nifti-space/LAS.nii.gz"), "--ras", "1,2"])
            .status
            .code(),
        Some(2)
    );
    assert_eq!(rasview(&["info"]).status.code(), Some(2));
    // 1: a bad file, named on stderr.
    let out = rasview(&["info", &path_of("niivue/mha.mha")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("mha.mha"));
    // 1: past the last volume.
    let out = rasview(&[
        "probe",
        &path_of("nifti-space/LAS.nii.gz"),
        "--ras",
        "0,0,0",
        "--volume",
        "3",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--volume 3"));
}

#[test]
fn a_batch_goes_on_past_a_bad_file_and_fails_as_a_whole() {
    let good = path_of("nifti-space/RAS.nii.gz");
    let out = rasview(&["info", "--json", &path_of("niivue/mha.mha"), &good]);
    assert_eq!(out.status.code(), Some(1));
    let j = json_line(&out);
    assert_eq!(
        j["axcodes"], "RAS",
        "the good file after the bad one is still reported"
    );
}

#[test]
fn analyze_pair_without_magic_loads_with_a_warning() {
    let dir = common::scratch_dir("cli_analyze");
    let mut header = std::fs::read(common::data_file("niivue/ras.hdr")).unwrap();
    header[344..348].copy_from_slice(&[0, 0, 0, 0]);
    std::fs::write(dir.join("old.hdr"), &header).unwrap();
    std::fs::copy(common::data_file("niivue/ras.img"), dir.join("old.img")).unwrap();
    let j = json_line(&rasview(&[
        "info",
        "--json",
        &dir.join("old.img").to_string_lossy(),
    ]));
    assert_eq!(j["affine_source"], "pixdim");
    assert!(
        j["warnings"][0].as_str().unwrap().contains("ANALYZE"),
        "{j}"
    );
}
