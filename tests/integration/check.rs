//! `rasview check` on a real oblique scan: the base's own edge mask is
//! aligned; a shifted header, stripped orientation, a (z, y, x) array saved
//! with identity geometry and swapped axes are each named and exit 3.

use crate::common;

use rasview::volume::{self, save, Voxels};
use serde_json::Value;
use std::path::Path;
use std::process::Command;

fn check(base: &Path, overlay: &Path) -> (i32, Value) {
    let out = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args([
            "check",
            &base.to_string_lossy(),
            &overlay.to_string_lossy(),
            "--json",
        ])
        .output()
        .unwrap();
    let json = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), json)
}

/// The findings' words, joined; every finding must also carry its kind.
fn findings(json: &Value) -> String {
    json["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            assert!(f["kind"].is_string(), "a finding without a kind: {f}");
            f["text"].as_str().unwrap()
        })
        .collect::<Vec<_>>()
        .join(" | ")
}

#[test]
fn header_mistakes_on_oblique_scans_are_named() {
    for name in ["coreg-qa/highres.nii.gz", "coreg-qa/example_func.nii.gz"] {
        header_mistakes_are_named(name);
    }
}

fn header_mistakes_are_named(name: &str) {
    let dir = common::scratch_dir(&format!("check_headers_{}", name.replace('/', "_")));
    let base_path = common::data_file(name);
    let base = volume::load(&base_path).unwrap();
    let shape = base.grid.shape;
    // The base's own edge mask: same header, same grid.
    let (edges, mask_values) = own_edges(&base_path, &dir);
    let (code, json) = check(&base_path, &edges);
    assert_eq!(code, 0, "{}", findings(&json));
    assert_eq!(json["aligned"], true);
    assert!(json["max_corner_distance_mm"].as_f64().unwrap() < 0.01);

    // A header shifted 5 mm along y.
    let mut shifted = base.header.clone();
    shifted.srow[1][3] += 5.0;
    shifted.qoffset[1] += 5.0;
    let path = dir.join("shifted.nii.gz");
    save::save(&path, &shifted, &Voxels::U8(mask_values.clone()), shape, 1).unwrap();
    let (code, json) = check(&base_path, &path);
    assert_eq!(code, 3);
    assert!(
        findings(&json).contains("pure shift") && findings(&json).contains("5.00"),
        "{}",
        findings(&json)
    );
    assert!((json["max_corner_distance_mm"].as_f64().unwrap() - 5.0).abs() < 0.01);

    // sform and qform stripped.
    let mut stripped = base.header.clone();
    stripped.sform_code = 0;
    stripped.qform_code = 0;
    let path = dir.join("stripped.nii.gz");
    save::save(&path, &stripped, &Voxels::U8(mask_values.clone()), shape, 1).unwrap();
    let (code, json) = check(&base_path, &path);
    assert_eq!(code, 3);
    assert!(
        findings(&json).contains("no orientation"),
        "{}",
        findings(&json)
    );

    // A (z, y, x) array written with identity geometry (numpy's default layout).
    let [nx, ny, nz] = shape;
    let mut zyx = vec![0u8; mask_values.len()];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                // In the new file, axis 0 is z, axis 1 is y, axis 2 is x.
                zyx[k + nz * (j + ny * i)] = mask_values[i + nx * (j + ny * k)];
            }
        }
    }
    let identity = rasview::volume::RawHeader {
        sform_code: 0,
        qform_code: 0,
        ..Default::default()
    };
    let path = dir.join("zyx.nii.gz");
    save::save(&path, &identity, &Voxels::U8(zyx), [nz, ny, nx], 1).unwrap();
    let (code, json) = check(&base_path, &path);
    assert_eq!(code, 3);
    assert!(
        findings(&json).contains("(k, j, i)") && findings(&json).contains("(z, y, x)"),
        "{}",
        findings(&json)
    );

    // Two axes swapped under the base's header.
    let mut swapped = vec![0u8; mask_values.len()];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                swapped[j + ny * (i + nx * k)] = mask_values[i + nx * (j + ny * k)];
            }
        }
    }
    let path = dir.join("swapped.nii.gz");
    save::save(&path, &base.header, &Voxels::U8(swapped), [ny, nx, nz], 1).unwrap();
    let (code, json) = check(&base_path, &path);
    assert_eq!(code, 3);
    // With nx != ny the dims give it away; with nx == ny (a 64 x 64 EPI)
    // only the content can.
    assert!(findings(&json).contains("(j, i, k)"), "{}", findings(&json));
    if shape[0] != shape[1] {
        assert!(
            findings(&json).contains("two axes swapped"),
            "{}",
            findings(&json)
        );
    } else {
        assert_eq!(json["content"]["fits_better_otherwise"], true);
    }
}

/// Writes the base's own edge mask (via `rasview edges`) and returns it as
/// values in storage order.
pub(crate) fn own_edges(base_path: &Path, dir: &Path) -> (std::path::PathBuf, Vec<u8>) {
    let edges = dir.join("edges.nii.gz");
    let run = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args([
            "edges",
            &base_path.to_string_lossy(),
            "--out",
            &edges.to_string_lossy(),
        ])
        .output()
        .unwrap();
    assert!(run.status.success());
    let mask = volume::load(&edges).unwrap();
    let values = mask
        .frame_f32(0)
        .as_slice_memory_order()
        .unwrap()
        .iter()
        .map(|&v| v as u8)
        .collect();
    (edges, values)
}

/// The forum's case: an array written back flipped under the base's own,
/// unchanged header. The geometry check cannot see it; the content check
/// must, and must name the axis in anatomical words. On two real oblique
/// scans (a 1 mm T1 and a 3 mm EPI).
#[test]
fn an_array_flipped_under_an_unchanged_header_is_named() {
    for (name, flips) in [
        (
            "coreg-qa/highres.nii.gz",
            &["left to right", "front to back", "top to bottom"][..],
        ),
        ("coreg-qa/example_func.nii.gz", &["front to back"][..]),
    ] {
        let dir = common::scratch_dir(&format!("check_flip_{}", name.replace('/', "_")));
        let base_path = common::data_file(name);
        let base = volume::load(&base_path).unwrap();
        let (edges, values) = own_edges(&base_path, &dir);

        let (code, json) = check(&base_path, &edges);
        assert_eq!(code, 0, "{name}: {}", findings(&json));
        assert_eq!(json["content"]["confirmed_as_stored"], true, "{name}");

        let directions =
            rasview::geometry::orientation::axis_directions(&base.grid.world_from_voxel);
        for &words in flips {
            let world_axis = ["left to right", "front to back", "top to bottom"]
                .iter()
                .position(|w| *w == words)
                .unwrap();
            let axis = (0..3)
                .find(|&a| directions[a].world_axis == world_axis)
                .unwrap();
            let flipped = common::flip_axis(&values, base.grid.shape, axis);
            let path = dir.join(format!("flipped_{axis}.nii.gz"));
            save::save(
                &path,
                &base.header,
                &Voxels::U8(flipped),
                base.grid.shape,
                1,
            )
            .unwrap();
            let (code, json) = check(&base_path, &path);
            let text = findings(&json);
            assert_eq!(code, 3, "{name} flipped {words}: {text}");
            assert_eq!(json["same_grid"], true);
            assert!(
                text.contains(&format!("better flipped {words} (")),
                "{name} flipped {words}: {text}"
            );
            let content = &json["content"];
            assert_eq!(content["fits_better_otherwise"], true);
            let best = content["best_other"]["score"].as_f64().unwrap();
            let stored = content["as_stored"].as_f64().unwrap();
            assert!(best > 0.95 && best > 1.3 * stored, "{best} vs {stored}");
        }
    }
}

/// A copy stored in another axis order whose header says so (NIfTIspace's
/// PSL beside RAS) and a mask on another, oblique grid are aligned.
#[test]
fn reoriented_copies_and_other_grids_placed_by_their_headers_are_aligned() {
    let dir = common::scratch_dir("check_other_grids");
    let (code, json) = check(
        &common::data_file("nifti-space/RAS.nii.gz"),
        &common::data_file("nifti-space/PSL.nii.gz"),
    );
    assert_eq!(code, 0, "{}", findings(&json));
    assert!(findings(&json).contains("reoriented copy"));

    // highres's edges over example_func: another grid, oblique, 1 mm vs 3 mm.
    let (edges, _) = own_edges(&common::data_file("coreg-qa/highres.nii.gz"), &dir);
    let (code, json) = check(&common::data_file("coreg-qa/example_func.nii.gz"), &edges);
    assert_eq!(code, 0, "{}", findings(&json));
    assert_eq!(json["same_grid"], false);
    assert!(findings(&json).contains("another grid, placed by both headers"));
}
