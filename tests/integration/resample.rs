//! `rasview resample`: an overlay from another (finer, oblique) grid written
//! on the base's grid with the base's geometry; each voxel holds the
//! overlay's value at that voxel's world point.

use crate::common;

use rasview::volume;
use std::process::Command;

#[test]
fn an_overlay_on_another_grid_lands_on_the_base_grid_with_its_geometry() {
    let dir = common::scratch_dir("resample");
    let highres = common::data_file("coreg-qa/highres.nii.gz");
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    let edges = dir.join("edges.nii.gz");
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_rasview"))
            .args(args)
            .output()
            .unwrap()
    };
    let s = |p: &std::path::Path| p.to_string_lossy().into_owned();
    assert!(run(&["edges", &s(&highres), "--out", &s(&edges)])
        .status
        .success());
    let out = dir.join("edges_on_func.nii.gz");
    let done = run(&[
        "resample",
        &s(&edges),
        "--like",
        &s(&base_path),
        "--out",
        &s(&out),
    ]);
    assert!(
        done.status.success(),
        "{}",
        String::from_utf8_lossy(&done.stderr)
    );

    let (base, overlay, saved) = (
        volume::load(&base_path).unwrap(),
        volume::load(&edges).unwrap(),
        volume::load(&out).unwrap(),
    );
    assert_eq!(saved.grid.shape, base.grid.shape);
    let (a, b) = (
        saved.grid.world_from_voxel.matrix(),
        base.grid.world_from_voxel.matrix(),
    );
    assert!(common::max_abs_diff(&a, &b) < 1e-6);
    assert_eq!(saved.header.sform_code, base.header.sform_code);
    assert_eq!(saved.header.qform_code, base.header.qform_code);
    assert_eq!(saved.datatype().name(), "uint8");
    let [nx, ny, nz] = base.grid.shape;
    let (mut on, mut checked) = (0, 0);
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let world = base.grid.world_from_index([i, j, k]);
                // Skip points halfway between overlay voxels: either is right.
                let v = overlay.grid.voxel_from_world(world);
                if v.iter().any(|c| ((c + 0.5).fract() - 0.5).abs() > 0.499) {
                    continue;
                }
                let expected = overlay.probe(world, 0).map_or(0.0, |(_, value)| value);
                assert_eq!(saved.value_at([i, j, k], 0), expected, "voxel {i} {j} {k}");
                on += (expected != 0.0) as usize;
                checked += 1;
            }
        }
    }
    assert!(checked > 100_000 && on > 1000, "{checked} checked, {on} on");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("edges_on_func.json")).unwrap()).unwrap();
    assert_eq!(sidecar["interpolation"], "nearest");
    assert_eq!(sidecar["check"]["aligned"], true);

    // Never over an input.
    let refused = run(&[
        "resample",
        &s(&edges),
        "--like",
        &s(&base_path),
        "--out",
        &s(&edges),
    ]);
    assert_eq!(refused.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&refused.stderr).contains("refusing to overwrite"));
}
