//! Rendering: pictures are sampled in world space, so the same world cursor
//! gives the same picture whatever the storage order, and every pixel shows
//! the value at the world point its `world_from_pixel` names.

mod common;

use common::{phantom_label, phantom_labels, rotation_xz, rows};
use rasview::geometry::{Affine, Grid};
use rasview::render::{
    self, Colormap, Convention, DisplaySettings, FrameSource, Interpolation, Plane, ViewSpec,
    WindowLevel,
};
use rasview::volume::{self, save, Voxels};
use serde_json::Value;
use std::process::Command;

fn settings() -> DisplaySettings {
    DisplaySettings {
        window: WindowLevel {
            window: 100.0,
            level: 50.0,
        },
        colormap: Colormap::Grey,
        interpolation: Interpolation::Nearest,
    }
}

#[test]
fn all_48_storage_orders_render_the_same_picture() {
    let reference = volume::load(&common::data_file("nifti-space/RAS.nii.gz")).unwrap();
    // A cursor off the voxel grid, so no pixel sits exactly between two voxels.
    let cursor = reference.grid.world_from_voxel.apply([31.37, 40.21, 30.63]);
    for plane in Plane::ALL {
        let mut spec =
            ViewSpec::fit_volume(&reference.grid, plane, Convention::Radiological, cursor);
        spec.centre_ras = spec.centre_ras.map(|c| c + 0.311);
        let mut first: Option<(String, Vec<u8>)> = None;
        let mut non_black = 0;
        for order in common::ORDERS {
            let v =
                volume::load(&common::data_file(&format!("nifti-space/{order}.nii.gz"))).unwrap();
            let frame = v.frame_f32(0);
            let view =
                render::render_view(&FrameSource::Scalar(&frame), &v.grid, &spec, &settings());
            let grey: Vec<u8> = view.image.pixels.iter().map(|p| p[0]).collect();
            match &first {
                None => {
                    non_black = grey.iter().filter(|&&g| g > 0).count();
                    first = Some((order.to_string(), grey));
                }
                Some((name, expected)) => {
                    let differing = grey.iter().zip(expected).filter(|(a, b)| a != b).count();
                    assert_eq!(
                        differing,
                        0,
                        "{} view of {order} differs from {name} in {differing} pixels",
                        plane.name()
                    );
                }
            }
        }
        assert!(
            non_black > 1000,
            "{} view shows only {non_black} head pixels",
            plane.name()
        );
    }
}

#[test]
fn oblique_phantom_pixels_hold_the_value_at_their_world_point() {
    let dir = common::scratch_dir("render_oblique");
    let r = rotation_xz(6f64.to_radians(), -11f64.to_radians());
    let intended = Affine::from_rows(rows(
        [0, 1, 2].map(|a| [r[a][0] * 0.8, r[a][1] * 1.1, r[a][2] * 2.5]),
        [-20.0, -24.0, -18.0],
    ))
    .unwrap();
    let shape = [50, 44, 15];
    let header = common::sform_header(&intended);
    let path = dir.join("oblique.nii.gz");
    save::save(
        &path,
        &header,
        &Voxels::U8(phantom_labels(shape, &intended)),
        shape,
        1,
    )
    .unwrap();
    let v = volume::load(&path).unwrap();
    let frame = v.frame_f32(0);
    let truth = Grid::new(shape, intended);
    let cursor = intended.apply([24.3, 21.7, 7.2]);
    for plane in Plane::ALL {
        let spec = ViewSpec::fit_volume(&v.grid, plane, Convention::Neurological, cursor);
        let view = render::render_view(&FrameSource::Scalar(&frame), &v.grid, &spec, &settings());
        let (mut checked, mut inside) = (0, 0);
        for row in (0..spec.height).step_by(3) {
            for col in (0..spec.width).step_by(3) {
                let world = view.world_from_pixel.apply([col as f64, row as f64, 0.0]);
                // The value straight from the intended geometry, not from rasview's.
                let c = truth.voxel_from_world(world);
                if c.iter().any(|x| ((x + 0.5).fract() - 0.5).abs() > 0.49) {
                    continue; // too near a voxel boundary for "nearest" to be certain
                }
                let value = view.values[row * spec.width + col];
                match truth.nearest_voxel(world) {
                    Some(index) => {
                        let expected = phantom_label(intended.apply(index.map(|x| x as f64)));
                        assert_eq!(
                            value,
                            expected as f32,
                            "{} pixel ({col}, {row}) at RAS {world:?}",
                            plane.name()
                        );
                        inside += 1;
                    }
                    None => assert!(
                        value.is_nan(),
                        "{} pixel ({col}, {row}) outside but {value}",
                        plane.name()
                    ),
                }
                checked += 1;
            }
        }
        assert!(
            inside > 200 && checked > inside,
            "{}: {inside} inside of {checked}",
            plane.name()
        );
        // The view is tilted: the plane through the cursor is not a voxel slice.
        assert!(v.grid.is_oblique());
    }
}

#[test]
fn cli_render_writes_png_and_geometry_that_agree() {
    let dir = common::scratch_dir("render_cli");
    let file = common::data_file("coreg-qa/highres.nii.gz");
    let out = dir.join("cor.png");
    let status = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args([
            "render",
            &file.to_string_lossy(),
            "--plane",
            "coronal",
            "--ras",
            "-3.5,-20,12",
        ])
        .args([
            "--window",
            "600",
            "--level",
            "300",
            "--out",
            &out.to_string_lossy(),
        ])
        .status()
        .unwrap();
    assert!(status.success());
    let json: Value =
        serde_json::from_slice(&std::fs::read(dir.join("cor.json")).unwrap()).unwrap();
    assert_eq!(json["plane"], "coronal");
    assert_eq!(json["convention"], "radiological");
    let (w, h) = (
        json["width"].as_u64().unwrap() as usize,
        json["height"].as_u64().unwrap() as usize,
    );
    let m: Vec<Vec<f64>> = json["world_from_pixel"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    let world_from_pixel =
        Affine::from_rows([0, 1, 2].map(|r| [m[r][0], m[r][1], m[r][2], m[r][3]])).unwrap();

    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&out).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let frame_info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(
        (frame_info.width as usize, frame_info.height as usize),
        (w, h)
    );

    // Every 7th pixel: the grey in the PNG is the windowed value at its world point.
    let v = volume::load(&file).unwrap();
    let wl = WindowLevel {
        window: 600.0,
        level: 300.0,
    };
    let mut bright = 0;
    for row in (0..h).step_by(7) {
        for col in (0..w).step_by(7) {
            let world = world_from_pixel.apply([col as f64, row as f64, 0.0]);
            assert!(
                (world[1] - -20.0).abs() < 1e-9,
                "a coronal pixel lies on y = -20"
            );
            let grey = buf[(row * w + col) * 4];
            let expected = match v.probe(world, 0) {
                Some((_, value)) => (wl.normalise(value as f32).unwrap() * 255.0).round() as u8,
                None => 0,
            };
            assert!(
                grey.abs_diff(expected) <= 1,
                "pixel ({col}, {row}) at {world:?}: {grey} vs {expected}"
            );
            bright += (grey > 100) as usize;
        }
    }
    assert!(bright > 100);
}
