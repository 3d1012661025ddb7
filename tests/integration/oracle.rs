//! rasview against nibabel on real files no one here wrote: affines, axis
//! codes, shapes and the values at sample world points (tests/data/oracle.json).

use crate::common;

use rasview::volume::{self, Volume};
use serde_json::Value;

fn oracle() -> Value {
    let text = std::fs::read_to_string(common::data_file("oracle.json")).unwrap();
    serde_json::from_str(&text).unwrap()
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

fn triple(v: &Value) -> [f64; 3] {
    let a = v.as_array().unwrap();
    [
        a[0].as_f64().unwrap(),
        a[1].as_f64().unwrap(),
        a[2].as_f64().unwrap(),
    ]
}

/// The value rasview reads at a voxel, as nibabel reports it (red channel for RGB).
fn value_like_nibabel(v: &Volume, voxel: [usize; 3]) -> f64 {
    match v.rgb_at(voxel, 0) {
        Some(rgb) => rgb[0] as f64,
        None => v.value_at(voxel, 0),
    }
}

/// Exact for unscaled integers; scaled integers may differ in the last bit
/// (nibabel multiplies and adds in another order); floats to 1e-5 relative.
fn values_agree(ours: f64, theirs: f64, integer_on_disk: bool, scaled: bool) -> bool {
    if integer_on_disk && !scaled {
        ours == theirs
    } else if integer_on_disk {
        (ours - theirs).abs() <= 1e-12 * theirs.abs().max(1.0)
    } else {
        (ours - theirs).abs() <= 1e-5 * theirs.abs().max(1e-30)
    }
}

#[test]
fn every_oracle_file_matches_nibabel() {
    let oracle = oracle();
    let files = oracle["files"].as_array().unwrap();
    assert!(files.len() >= 60, "the oracle lists {} files", files.len());
    let mut compared_points = 0;
    let mut worst_affine: f64 = 0.0;
    for f in files {
        let name = f["file"].as_str().unwrap();
        let v = volume::load(&common::data_file(name)).unwrap_or_else(|e| panic!("{name}: {e}"));

        let shape: Vec<usize> = f["shape"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| d.as_u64().unwrap() as usize)
            .collect();
        let ndim = v.header.dim[0] as usize;
        let ours: Vec<usize> = v.header.dim[1..=ndim].iter().map(|&d| d as usize).collect();
        assert_eq!(ours, shape, "{name}: shape");

        let no_transform =
            f["sform_code"].as_i64() == Some(0) && f["qform_code"].as_i64() == Some(0);
        if !no_transform {
            let theirs = matrix(&f["affine"]);
            let diff = common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &theirs);
            assert!(
                diff < 1e-4,
                "{name}: affine differs from nibabel's by {diff}"
            );
            worst_affine = worst_affine.max(diff);
            assert_eq!(
                v.grid.axcodes(),
                f["axcodes"].as_str().unwrap(),
                "{name}: axcodes"
            );
        } else {
            assert!(
                v.warnings.iter().any(|w| w.contains("no orientation")),
                "{name}: {:?}",
                v.warnings
            );
        }

        let dtype = f["on_disk_dtype"].as_str().unwrap();
        let integer_on_disk = dtype.contains("int")
            || dtype.contains("RGB")
            || dtype.contains("V3")
            || dtype.contains('[');
        for p in f["points"].as_array().unwrap() {
            if p["tie"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t.as_bool().unwrap())
            {
                continue;
            }
            let theirs = p["value"].as_f64();
            let nearest = triple(&p["voxel_nearest"]);
            let voxel = if no_transform {
                // Compare by voxel index only: nibabel invents an affine here.
                let inside =
                    (0..3).all(|a| nearest[a] >= 0.0 && (nearest[a] as usize) < v.grid.shape[a]);
                inside.then(|| nearest.map(|c| c as usize))
            } else {
                let world = triple(&p["world_ras_mm"]);
                let found = v.grid.nearest_voxel(world);
                if let Some(found) = found {
                    assert_eq!(
                        found.map(|c| c as f64),
                        nearest,
                        "{name} {}: nearest voxel",
                        p["name"]
                    );
                }
                found
            };
            match (voxel, theirs) {
                (Some(voxel), Some(theirs)) => {
                    let ours = value_like_nibabel(&v, voxel);
                    assert!(
                        values_agree(ours, theirs, integer_on_disk, !v.scaling.is_identity()),
                        "{name} {}: rasview {ours}, nibabel {theirs}",
                        p["name"]
                    );
                    compared_points += 1;
                }
                (None, None) => {}
                (ours, theirs) => panic!(
                    "{name} {}: inside disagrees: rasview {ours:?}, nibabel {theirs:?}",
                    p["name"]
                ),
            }
        }
    }
    eprintln!(
        "{} files, {compared_points} points agree; largest affine difference {worst_affine:e} mm",
        files.len()
    );
    assert!(
        compared_points > 1000,
        "only {compared_points} points compared"
    );
}

/// NIfTI-2, both byte orders, written by nibabel (an independent writer):
/// the same affine, shape and scaled values in every frame.
#[test]
fn nifti2_written_by_nibabel_reads_the_same() {
    let text = std::fs::read_to_string(common::data_file("nibabel/expected.json")).unwrap();
    let expected: Value = serde_json::from_str(&text).unwrap();
    let files = expected["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        let name = f["file"].as_str().unwrap();
        let v = volume::load(&common::data_file(&format!("nibabel/{name}"))).unwrap();
        assert_eq!(v.header.version, volume::NiftiVersion::Two, "{name}");
        let big = f["endianness"].as_str() == Some(">");
        assert_eq!(v.header.byte_order == volume::ByteOrder::Big, big, "{name}");
        let diff = common::max_abs_diff(&v.grid.world_from_voxel.matrix(), &matrix(&f["affine"]));
        assert!(diff < 1e-9, "{name}: affine off by {diff}");
        assert_eq!(v.volume_count, 2);
        for p in f["points"].as_array().unwrap() {
            let world = triple(&p["world_ras_mm"]);
            let voxel = triple(&p["voxel"]).map(|c| c as usize);
            for (t, value) in p["values"].as_array().unwrap().iter().enumerate() {
                let (found, ours) = v.probe(world, t).unwrap();
                assert_eq!(found, voxel, "{name}");
                assert_eq!(
                    ours,
                    value.as_f64().unwrap(),
                    "{name} frame {t} at {voxel:?}"
                );
            }
        }
    }
}
