//! Label tables (FreeSurfer, ITK-SNAP, Slicer) from the command line: found
//! beside a label file, given with `probe --lut`, refused with the line
//! named; `info` of a Slicer segmentation lists its segments.

use crate::common;

use rasview::geometry::Affine;
use rasview::volume::{save, Voxels};
use serde_json::Value;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Real lines of FreeSurferColorLUT.txt, with its header comments.
pub const FREESURFER_LUT: &str = "\
#$Id: FreeSurferColorLUT.txt,v 1.105 2015/07/29 18:15:34 greve Exp $

#No. Label Name:                            R   G   B   A

0   Unknown                                 0   0   0   0
1   Left-Cerebral-Exterior                  70  130 180 0
2   Left-Cerebral-White-Matter              245 245 245 0
17  Left-Hippocampus                        220 216 20  0
53  Right-Hippocampus                       220 216 20  0
1000    ctx-lh-unknown                      25  5   25  0
";

/// The same values in ITK-SNAP's label description format (other names,
/// so a test can tell which table was used).
pub const ITK_SNAP_LABELS: &str = "\
################################################
# ITK-SnAP Label Description File
# File format:
# IDX   -R-  -G-  -B-  -A--  VIS MSH  LABEL
################################################
    0     0    0    0        0  0  0    \"Clear Label\"
   17   255    0    0        1  1  1    \"hippocampus left\"
   53     0  255    0        1  1  1    \"hippocampus right\"
";

/// And in Slicer's colour table format.
pub const SLICER_CTBL: &str = "\
# Color table file /home/user/Slicer/seg_ColorTable.ctbl
# 3 values
0 background 0 0 0 0
17 left_hippocampus_(Slicer) 10 20 30 255
53 right_hippocampus_(Slicer) 40 50 60 255
";

/// Where each label sits, in voxels (ranges of i, j, k), on a 24x20x16
/// grid: 53 directly above 17 (a border along k), labels 1, 2 and 1000
/// with a gap in their numbers, and 5, which no table names.
pub const LABEL_BOXES: [(i16, [std::ops::Range<usize>; 3]); 6] = [
    (17, [2..8, 2..8, 2..6]),
    (53, [2..8, 2..8, 6..10]),
    (1, [12..16, 2..6, 2..6]),
    (2, [12..16, 10..14, 2..6]),
    (1000, [16..22, 10..18, 8..14]),
    (5, [18..20, 2..4, 2..3]),
];

pub const LABEL_SHAPE: [usize; 3] = [24, 20, 16];

/// Writes the label phantom (int16) under `world_from_voxel`.
pub fn write_label_phantom(path: &Path, world_from_voxel: &Affine) {
    let [ni, nj, nk] = LABEL_SHAPE;
    let mut values = vec![0i16; ni * nj * nk];
    for (label, [ri, rj, rk]) in LABEL_BOXES.iter().cloned() {
        for k in rk {
            for j in rj.clone() {
                for i in ri.clone() {
                    values[i + ni * (j + nj * k)] = label;
                }
            }
        }
    }
    save::save(
        path,
        &common::sform_header(world_from_voxel),
        &Voxels::I16(values),
        LABEL_SHAPE,
        1,
    )
    .unwrap();
}

/// A slightly oblique grid with unequal spacing, so a point reaches its
/// voxel only through the affine.
pub fn oblique_affine() -> Affine {
    let r = common::rotation_xz(0.1, 0.05);
    let s = [2.0, 1.5, 3.0];
    let m = [
        [r[0][0] * s[0], r[0][1] * s[1], r[0][2] * s[2]],
        [r[1][0] * s[0], r[1][1] * s[1], r[1][2] * s[2]],
        [r[2][0] * s[0], r[2][1] * s[1], r[2][2] * s[2]],
    ];
    Affine::from_rows(common::rows(m, [-20.0, -15.0, -24.0])).unwrap()
}

fn rasview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn probe_json(file: &Path, ras: [f64; 3], lut: Option<&Path>) -> Value {
    let point = format!("{},{},{}", ras[0], ras[1], ras[2]);
    let mut args = vec!["probe", file.to_str().unwrap(), "--ras", &point, "--json"];
    if let Some(lut) = lut {
        args.extend(["--lut", lut.to_str().unwrap()]);
    }
    let out = rasview(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The centre of a label's box in RAS mm.
fn box_centre(affine: &Affine, label: i16) -> [f64; 3] {
    let (_, [ri, rj, rk]) = LABEL_BOXES.iter().find(|(l, _)| *l == label).unwrap();
    let mid = |r: &std::ops::Range<usize>| (r.start + r.end - 1) as f64 / 2.0;
    affine.apply([mid(ri), mid(rj), mid(rk)])
}

#[test]
fn a_table_beside_the_label_file_named_like_it_is_used_whatever_its_kind() {
    let affine = oblique_affine();
    let hippocampus = box_centre(&affine, 17);
    let cases: [(&str, &str, &str); 5] = [
        ("seg.txt", FREESURFER_LUT, "Left-Hippocampus"),
        ("seg.lut", ITK_SNAP_LABELS, "hippocampus left"),
        ("seg.ctbl", SLICER_CTBL, "left hippocampus (Slicer)"),
        ("seg.label", ITK_SNAP_LABELS, "hippocampus left"),
        ("seg_lut.txt", SLICER_CTBL, "left hippocampus (Slicer)"),
    ];
    for (n, (table_name, table, expected)) in cases.iter().enumerate() {
        let dir = common::scratch_dir(&format!("lut_beside_{n}"));
        let seg = dir.join("seg.nii.gz");
        write_label_phantom(&seg, &affine);
        std::fs::write(dir.join(table_name), table).unwrap();
        let report = probe_json(&seg, hippocampus, None);
        assert_eq!(report["value"], 17.0, "{table_name}");
        assert_eq!(report["label"], *expected, "{table_name}");
    }

    // Notes named like the file are passed over for the next name.
    let dir = common::scratch_dir("lut_beside_notes");
    let seg = dir.join("seg.nii.gz");
    write_label_phantom(&seg, &affine);
    std::fs::write(dir.join("seg.txt"), "Scanned on Tuesday; ask Ana.\n").unwrap();
    std::fs::write(dir.join("seg.ctbl"), SLICER_CTBL).unwrap();
    assert_eq!(
        probe_json(&seg, hippocampus, None)["label"],
        "left hippocampus (Slicer)"
    );

    // Nothing named like it: no name. A table of another name is not used.
    let dir = common::scratch_dir("lut_beside_none");
    let seg = dir.join("seg.nii.gz");
    write_label_phantom(&seg, &affine);
    std::fs::write(dir.join("other.txt"), FREESURFER_LUT).unwrap();
    let report = probe_json(&seg, hippocampus, None);
    assert_eq!(report["value"], 17.0);
    assert_eq!(report["label"], Value::Null);
}

#[test]
fn a_bad_table_beside_the_file_is_a_warning_and_a_bad_lut_asked_for_an_error() {
    let affine = oblique_affine();
    let dir = common::scratch_dir("lut_bad");
    let seg = dir.join("seg.nii.gz");
    write_label_phantom(&seg, &affine);
    let bad = "# Color table file x\n0 background 0 0 0 0\n17 hippo 300 0 0 255\n";
    std::fs::write(dir.join("seg.ctbl"), bad).unwrap();

    // Not asked for: the volume loads, and info says why the table was not used.
    let out = rasview(&["info", seg.to_str().unwrap()]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("label table beside it was not used")
            && text.contains("line 3")
            && text.contains("seg.ctbl"),
        "{text}"
    );

    // Asked for: exit 1, the file and the line named, no panic.
    let lut = dir.join("seg.ctbl");
    let out = rasview(&[
        "probe",
        seg.to_str().unwrap(),
        "--ras",
        "0,0,0",
        "--lut",
        lut.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 3")
            && err.contains("red = 300")
            && err.contains("seg.ctbl")
            && !err.contains("panicked"),
        "{err}"
    );
    let out = rasview(&[
        "probe",
        seg.to_str().unwrap(),
        "--ras",
        "0,0,0",
        "--lut",
        dir.join("missing.txt").to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("missing.txt"), "{err}");
}

/// The table's names by value, read here with no help from rasview.
fn freesurfer_names() -> HashMap<i64, String> {
    FREESURFER_LUT
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f[0].parse().unwrap(), f[1].to_string())
        })
        .collect()
}

#[test]
fn probe_with_a_lut_names_the_value_nibabel_reads_there() {
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let affine = oblique_affine();
    let dir = common::scratch_dir("lut_probe_nibabel");
    let seg = dir.join("labels.nii.gz");
    write_label_phantom(&seg, &affine);
    // Elsewhere and named otherwise, so only --lut can bring it.
    let tables = common::scratch_dir("lut_probe_nibabel_tables");
    let lut = tables.join("FreeSurferColorLUT.txt");
    std::fs::write(&lut, FREESURFER_LUT).unwrap();
    let mut points: Vec<[f64; 3]> = LABEL_BOXES
        .iter()
        .map(|(l, _)| box_centre(&affine, *l))
        .collect();
    points.push(affine.apply([0.0, 0.0, 0.0]));
    points.push([500.0, 0.0, 0.0]);
    // Near the border between 17 and 53 (k = 5.4 and 5.6).
    points.push(affine.apply([4.0, 4.0, 5.4]));
    points.push(affine.apply([4.0, 4.0, 5.6]));
    let script = r#"
import json, sys
import nibabel as nib, numpy as np
img = nib.load(sys.argv[1])
data = np.asanyarray(img.dataobj)
inv = np.linalg.inv(img.affine)
out = []
for p in json.loads(sys.argv[2]):
    ijk = np.floor(inv @ np.array(p + [1.0]) + 0.5)[:3].astype(int)
    inside = all(0 <= c < n for c, n in zip(ijk, data.shape))
    out.append(float(data[tuple(ijk)]) if inside else None)
print(json.dumps(out))
"#;
    let expected = common::python_json(
        &python,
        script,
        &[
            seg.as_os_str(),
            serde_json::to_string(&points).unwrap().as_ref(),
        ],
    );
    let names = freesurfer_names();
    let mut named = 0;
    for (p, value) in points.iter().zip(expected.as_array().unwrap()) {
        let report = probe_json(&seg, *p, Some(&lut));
        assert_eq!(report["value"], *value, "value at {p:?}");
        let want = value
            .as_f64()
            .and_then(|v| names.get(&(v as i64)))
            .map_or(Value::Null, |n| Value::from(n.as_str()));
        named += want.is_string() as usize;
        assert_eq!(report["label"], want, "label at {p:?}");
    }
    assert!(named >= 6, "most points named: {named}");
}

#[test]
fn info_lists_the_segments_of_a_slicer_segmentation() {
    let path = common::data_file("formats/nrrd_seg_two_layers.seg.nrrd");
    // The segments as the header states them, read here from its text.
    let bytes = std::fs::read(&path).unwrap();
    let header_end = bytes.windows(2).position(|w| w == b"\n\n").unwrap();
    let header = String::from_utf8_lossy(&bytes[..header_end]);
    let field = |n: usize, f: &str| {
        header
            .lines()
            .find_map(|l| l.strip_prefix(&format!("Segment{n}_{f}:=")))
            .map(str::to_string)
    };
    let mut segments = Vec::new();
    for n in 0.. {
        let Some(name) = field(n, "Name") else { break };
        let value: i64 = field(n, "LabelValue").unwrap().parse().unwrap();
        let layer: u64 = field(n, "Layer").unwrap().parse().unwrap();
        segments.push((name, value, layer));
    }
    assert!(segments.len() >= 3, "{header}");

    let out = rasview(&["info", path.to_str().unwrap(), "--json"]);
    assert!(out.status.success());
    let report: Value = serde_json::from_slice(&out.stdout).unwrap();
    let listed: Vec<(String, i64, u64)> = report["labels"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["name"].as_str().unwrap().to_string(),
                l["value"].as_i64().unwrap(),
                l["layer"].as_u64().unwrap(),
            )
        })
        .collect();
    let mut want = segments.clone();
    want.sort_by_key(|s| (s.2, s.1));
    assert_eq!(listed, want);

    let out = rasview(&["info", path.to_str().unwrap()]);
    let text = String::from_utf8_lossy(&out.stdout);
    for (name, value, layer) in &segments {
        let line = format!("{value} = {name} #");
        assert!(
            text.lines()
                .any(|l| l.contains(&line) && l.ends_with(&format!("(layer {layer})"))),
            "{name}: {text}"
        );
    }
}

/// A label file with a FreeSurfer table beside it, for the window's tests.
#[cfg_attr(not(feature = "gui"), allow(dead_code))]
pub fn phantom_with_table(dir_name: &str, affine: &Affine) -> PathBuf {
    let dir = common::scratch_dir(dir_name);
    let seg = dir.join("aseg.nii.gz");
    write_label_phantom(&seg, affine);
    std::fs::write(dir.join("aseg.txt"), FREESURFER_LUT).unwrap();
    seg
}

#[test]
fn render_draws_an_overlay_in_the_colours_of_the_table_beside_it() {
    let affine = oblique_affine();
    let dir = common::scratch_dir("lut_render");
    let seg = dir.join("seg.nii.gz");
    write_label_phantom(&seg, &affine);
    std::fs::write(dir.join("seg.txt"), FREESURFER_LUT).unwrap();
    let centre = box_centre(&affine, 1000);
    let out = dir.join("axial.png");
    let ras = format!("{},{},{}", centre[0], centre[1], centre[2]);
    let result = rasview(&[
        "render",
        seg.to_str().unwrap(),
        "--plane",
        "axial",
        "--ras",
        &ras,
        "--overlay",
        seg.to_str().unwrap(),
        "--overlay-opacity",
        "1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        result.status.success(),
        "{}",
        String::from_utf8_lossy(&result.stderr)
    );
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.join("axial.json")).unwrap()).unwrap();
    let width = json["width"].as_u64().unwrap() as usize;
    let pixel = common::affine_of(&json["world_from_pixel"])
        .inverse()
        .apply(centre);
    let (col, row) = (pixel[0].round() as usize, pixel[1].round() as usize);
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    reader.next_frame(&mut buf).unwrap();
    let at = (row * width + col) * 4;
    // ctx-lh-unknown's colour in the table, not the colour of label 1000 by number.
    assert_eq!(buf[at..at + 3], [25, 5, 25]);
}
