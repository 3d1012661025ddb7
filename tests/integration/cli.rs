//! The binary as users run it: exit codes, JSON keys, messages.

use crate::common;

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

/// A file that is no image at all (MetaImage, which this used to take
/// from niivue/mha.mha, is read now): a MetaImage header whose data file
/// is missing.
fn bad_file(name: &str) -> String {
    let dir = common::scratch_dir(&format!("cli_bad_{name}"));
    let path = dir.join("bad.mha");
    std::fs::write(
        &path,
        "NDims = 3\nDimSize = 2 2 2\nElementType = MET_UCHAR\nElementDataFile = gone.raw\n",
    )
    .unwrap();
    path.to_string_lossy().into_owned()
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
    let out = rasview(&["info", &bad_file("exit")]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("bad.mha"));
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
    let out = rasview(&["info", "--json", &bad_file("batch"), &good]);
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

#[test]
fn edges_cli_writes_a_mask_with_the_input_geometry_and_a_sidecar() {
    let dir = common::scratch_dir("cli_edges");
    let input = common::data_file("coreg-qa/example_func.nii.gz");
    let out = dir.join("sub-01.func.edges.nii.gz");
    let run = rasview(&[
        "edges",
        &input.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--mode",
        "axial",
        "--sigma-mm",
        "2",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    assert!(out.exists(), "the dotted name is kept");
    let base = rasview::volume::load(&input).unwrap();
    let edges = rasview::volume::load(&out).unwrap();
    assert_eq!(edges.grid.shape, base.grid.shape);
    assert_eq!(edges.datatype(), rasview::volume::Datatype::U8);
    // Same place in the world, to the precision the header stores.
    let gap = edges
        .grid
        .world_from_voxel
        .max_corner_distance(&base.grid.world_from_voxel, base.grid.index_extent());
    assert!(gap < 1e-4, "{gap} mm");
    assert_eq!(
        (edges.header.sform_code, edges.header.qform_code),
        (base.header.sform_code, base.header.qform_code)
    );
    assert_eq!(edges.header.pixdim[1..4], base.header.pixdim[1..4]);
    assert_eq!(edges.header.xyzt_units, base.header.xyzt_units);
    let qgap = edges
        .qform
        .unwrap()
        .max_corner_distance(&base.qform.unwrap(), base.grid.index_extent());
    assert!(qgap < 1e-4, "qform moved by {qgap} mm");
    let edge_count = edges.frame_f32(0).iter().filter(|&&v| v == 1.0).count();
    assert!(edge_count > 500);

    let sidecar: Value =
        serde_json::from_slice(&std::fs::read(dir.join("sub-01.func.edges.json")).unwrap())
            .unwrap();
    assert_eq!(sidecar["params"]["sigma_mm"], 2.0);
    assert_eq!(sidecar["params"]["detector"], "canny");
    // Whether the window plots a histogram is no parameter of the edges.
    assert!(sidecar["params"].get("plot_histogram").is_none());
    assert_eq!(sidecar["edge_voxels"], edge_count);
    assert!(sidecar["slices"].as_str().unwrap().contains("axis k"));
    assert_eq!(sidecar["rasview_version"], env!("CARGO_PKG_VERSION"));
    // The recorded hash is the input file's, computed independently here.
    let recorded = sidecar["input"][0]["sha256"].as_str().unwrap();
    let sha = Command::new("sha256sum").arg(&input).output();
    if let Some(sha) = sha.ok().filter(|o| o.status.success()) {
        let expected = String::from_utf8_lossy(&sha.stdout)
            .split_whitespace()
            .next()
            .unwrap()
            .to_string();
        assert_eq!(recorded, expected);
    }
    assert_eq!(recorded.len(), 64);
}

#[test]
fn edges_cli_never_overwrites_its_input() {
    let dir = common::scratch_dir("cli_edges_input");
    let input = dir.join("scan.nii.gz");
    std::fs::copy(common::data_file("nifti-space/RAS.nii.gz"), &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let run = rasview(&[
        "edges",
        &input.to_string_lossy(),
        "--out",
        &input.to_string_lossy(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
    // Bad parameters are named, and nothing is written.
    let out = dir.join("e.nii.gz");
    let run = rasview(&[
        "edges",
        &input.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--low",
        "1.5",
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("between 0 and 1"));
    assert!(!out.exists());
    let leftovers: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "{leftovers:?}");
}

#[test]
fn edges_mask_on_another_grid_limits_edges_in_world_space() {
    let dir = common::scratch_dir("cli_edges_mask");
    let input = common::data_file("nifti-space/LPI.nii.gz");
    // A coarse RAS mask, 4 mm voxels, that admits only the patient's right (x > 0).
    let affine = rasview::geometry::Affine::from_rows(common::rows(
        [[4.0, 0.0, 0.0], [0.0, 4.0, 0.0], [0.0, 0.0, 4.0]],
        [-100.0, -130.0, -80.0],
    ))
    .unwrap();
    let shape = [50, 60, 50];
    let labels: Vec<u8> = (0..shape.iter().product::<usize>())
        .map(|n| {
            let i = n % shape[0];
            (affine.apply([i as f64, 0.0, 0.0])[0] > 0.0) as u8
        })
        .collect();
    let mask = dir.join("right.nii.gz");
    rasview::volume::save::save(
        &mask,
        &common::sform_header(&affine),
        &rasview::volume::Voxels::U8(labels),
        shape,
        1,
    )
    .unwrap();
    let out = dir.join("edges.nii.gz");
    let run = rasview(&[
        "edges",
        &input.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
        "--mask",
        &mask.to_string_lossy(),
        "--background",
        "1",
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let edges = rasview::volume::load(&out).unwrap();
    let frame = edges.frame_f32(0);
    let mut count = 0;
    for ((i, j, k), &v) in frame.indexed_iter() {
        if v != 0.0 {
            count += 1;
            let x = edges.grid.world_from_index([i, j, k])[0];
            // The mask's voxel centres are 4 mm apart: its edge at x = 0 is
            // sampled to the nearest one, 2 mm either way.
            assert!(x > -2.0 - 1e-6, "an edge at x = {x} mm, left of the mask");
        }
    }
    assert!(count > 200, "{count} edges on the right");
    let sidecar: Value =
        serde_json::from_slice(&std::fs::read(dir.join("edges.json")).unwrap()).unwrap();
    assert_eq!(sidecar["background"], 1.0);
    assert!(sidecar["mask"][0]["sha256"].as_str().unwrap().len() == 64);
}

/// `rasview info ... --json | head -1`: the reader closes the pipe while
/// rasview still has lines to write; it must stop quietly, as ripgrep does,
/// not panic.
#[test]
fn a_closed_output_pipe_ends_the_program_quietly() {
    use std::io::BufRead;
    use std::process::Stdio;
    let file = path_of("niivue/minimal.nii.gz");
    // Far more output than a pipe holds, so rasview is still writing when
    // the reader goes away.
    let mut args = vec!["info".to_string(), "--json".to_string()];
    args.extend(std::iter::repeat_n(file, 400));
    let mut child = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut reader = std::io::BufReader::new(child.stdout.take().unwrap());
    let mut first = String::new();
    reader.read_line(&mut first).unwrap();
    assert!(first.starts_with('{'), "{first}");
    drop(reader); // what `head -1` does once it has its line
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(
        stderr.is_empty(),
        "nothing is said about the pipe: {stderr}"
    );
    assert_eq!(out.status.code(), Some(0), "{stderr}");
}
