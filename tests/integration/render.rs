//! Rendering: pictures are sampled in world space, so the same world cursor
//! gives the same picture whatever the storage order, and every pixel shows
//! the value at the world point its `world_from_pixel` names.

use crate::common;

use common::{phantom_label, phantom_labels, rotation_xz, rows};
use rasview::geometry::{Affine, Grid};
use rasview::geometry::{Convention, Interpolation, Plane};
use rasview::render::{self, Colormap, DisplaySettings, FrameSource, ViewSpec, WindowLevel};
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
    let world_from_pixel = common::affine_of(&json["world_from_pixel"]);

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

/// A ball of radius 18 mm at a world point, stored three ways: permuted,
/// flipped and oblique. Its edges, drawn over each view, must lie on the
/// ball's surface in world mm whatever the storage.
#[test]
fn edge_overlays_land_on_the_phantom_boundary_in_world_mm() {
    use rasview::edges::{self, Control, EdgeParams};
    let centre = [4.0, -6.0, 9.0];
    let radius = 18.0;
    let r = rotation_xz(8f64.to_radians(), 21f64.to_radians());
    let storages = [
        (
            "permuted",
            rows(
                [[0.0, 0.0, 1.2], [1.0, 0.0, 0.0], [0.0, 1.5, 0.0]],
                [-26.0, -34.0, -22.0],
            ),
        ),
        (
            "flipped",
            rows(
                [[-1.1, 0.0, 0.0], [0.0, -1.3, 0.0], [0.0, 0.0, 1.6]],
                [34.0, 26.0, -22.0],
            ),
        ),
        (
            "oblique",
            rows(
                [0, 1, 2].map(|a| [r[a][0] * 1.1, r[a][1] * 1.2, r[a][2] * 1.7]),
                [-30.0, -40.0, -25.0],
            ),
        ),
    ];
    for (name, rows_) in storages {
        let affine = Affine::from_rows(rows_).unwrap();
        let shape = [52, 52, 40];
        let grid = Grid::new(shape, affine);
        let mut values = Vec::new();
        for k in 0..shape[2] {
            for j in 0..shape[1] {
                for i in 0..shape[0] {
                    let w = grid.world_from_index([i, j, k]);
                    values.push(if rasview::geometry::affine::distance(w, centre) < radius {
                        100.0
                    } else {
                        0.0
                    });
                }
            }
        }
        let result = edges::detect(
            &values,
            shape,
            grid.spacing_mm(),
            None,
            &EdgeParams::default(),
            None,
            &Control::none(),
        )
        .unwrap();
        let edge_frame = result.to_frame();
        let frame =
            ndarray::Array3::from_shape_vec(ndarray::ShapeBuilder::f(shape), values.clone())
                .unwrap();
        let spacing = grid.spacing_mm();
        let diagonal = spacing.iter().map(|s| s * s).sum::<f64>().sqrt();
        for plane in Plane::ALL {
            let spec = ViewSpec::fit_volume(&grid, plane, Convention::Radiological, centre);
            let layer = render::OverlayLayer::mask(&edge_frame, &grid, render::EDGE_COLOUR, 1.0);
            let view = render::render_view_with(
                &FrameSource::Scalar(&frame),
                &grid,
                &spec,
                &settings(),
                &[layer],
            );
            let mut drawn = 0;
            for row in 0..spec.height {
                for col in 0..spec.width {
                    let px = view.image.get(col, row);
                    if px[..3] != render::EDGE_COLOUR {
                        continue;
                    }
                    drawn += 1;
                    let world = view.world_from_pixel.apply([col as f64, row as f64, 0.0]);
                    let off = (rasview::geometry::affine::distance(world, centre) - radius).abs();
                    assert!(
                        off <= 1.5 * diagonal,
                        "{name} {}: an edge pixel at {world:?} is {off:.2} mm off the surface",
                        plane.name()
                    );
                }
            }
            assert!(
                drawn > 50,
                "{name} {}: only {drawn} edge pixels",
                plane.name()
            );
        }
    }
}

/// The seed's bug: an overlay on two slices at once. Each view shows exactly
/// the edges of the voxels nearest its plane, and stepping one slice moves
/// the overlay with the image.
#[test]
fn stepping_a_slice_moves_the_overlay_with_it() {
    use rasview::edges::{self, Control, EdgeParams};
    let v = volume::load(&common::data_file("coreg-qa/highres.nii.gz")).unwrap();
    let result =
        edges::detect_volume(&v, 0, &EdgeParams::default(), None, &Control::none()).unwrap();
    let edge_frame = result.to_frame();
    let frame = v.frame_f32(0);
    let mut cursor = [2.0, -20.0, 14.3];
    let mut previous: Option<Vec<bool>> = None;
    for _ in 0..2 {
        let spec = ViewSpec::fit_volume(&v.grid, Plane::Axial, Convention::Radiological, cursor);
        let layer = render::OverlayLayer::mask(&edge_frame, &v.grid, render::EDGE_COLOUR, 1.0);
        let view = render::render_view_with(
            &FrameSource::Scalar(&frame),
            &v.grid,
            &spec,
            &settings(),
            &[layer],
        );
        let mut shown = Vec::with_capacity(spec.width * spec.height);
        for row in 0..spec.height {
            for col in 0..spec.width {
                let world = view.world_from_pixel.apply([col as f64, row as f64, 0.0]);
                // Independently: is the voxel nearest this pixel's world point an edge?
                let expected = v
                    .grid
                    .nearest_voxel(world)
                    .is_some_and(|[i, j, k]| edge_frame[[i, j, k]] != 0.0);
                let is_red = view.image.get(col, row)[..3] == render::EDGE_COLOUR;
                assert_eq!(is_red, expected, "pixel ({col}, {row}) at {world:?}");
                shown.push(is_red);
            }
        }
        if let Some(before) = &previous {
            let changed = shown.iter().zip(before).filter(|(a, b)| a != b).count();
            assert!(
                changed > 100,
                "one slice further, the overlay changed in only {changed} pixels"
            );
        }
        previous = Some(shown);
        cursor[2] += v.grid.spacing_mm()[2];
    }
}

/// coreg-qa, the use case itself: highres's edges drawn over example_func
/// (another, coarser, oblique grid) land where highres's own render puts
/// them. Both views pass through the same world plane; every overlay pixel
/// over example_func must have an edge pixel of highres's own render near
/// its world point, in all three planes.
#[test]
fn highres_edges_over_example_func_land_where_highres_draws_them() {
    use rasview::edges::{self, Control, EdgeParams};
    let highres = volume::load(&common::data_file("coreg-qa/highres.nii.gz")).unwrap();
    let func = volume::load(&common::data_file("coreg-qa/example_func.nii.gz")).unwrap();
    let result =
        edges::detect_volume(&highres, 0, &EdgeParams::default(), None, &Control::none()).unwrap();
    let edge_frame = result.to_frame();
    let (highres_frame, func_frame) = (highres.frame_f32(0), func.frame_f32(0));
    let cursor = [4.0, -12.0, 18.0];
    for plane in Plane::ALL {
        let red_points = |frame, grid: &Grid| {
            let spec = ViewSpec::fit_volume(grid, plane, Convention::Radiological, cursor);
            let layer =
                render::OverlayLayer::mask(&edge_frame, &highres.grid, render::EDGE_COLOUR, 1.0);
            let view = render::render_view_with(
                &FrameSource::Scalar(frame),
                grid,
                &spec,
                &settings(),
                &[layer],
            );
            let mut points = Vec::new();
            for row in 0..spec.height {
                for col in 0..spec.width {
                    if view.image.get(col, row)[..3] == render::EDGE_COLOUR {
                        points.push(view.world_from_pixel.apply([col as f64, row as f64, 0.0]));
                    }
                }
            }
            (points, spec.pixel_mm)
        };
        let (own, own_pixel) = red_points(&highres_frame, &highres.grid);
        let (over_func, func_pixel) = red_points(&func_frame, &func.grid);
        assert!(
            own_pixel < 1.01 && func_pixel > 2.9,
            "{own_pixel} {func_pixel}"
        );
        assert!(
            over_func.len() > 100,
            "{}: {} pixels",
            plane.name(),
            over_func.len()
        );
        // Both views lie in the world plane through the cursor.
        let n = plane.normal_axis();
        assert!(over_func
            .iter()
            .chain(&own)
            .all(|p| (p[n] - cursor[n]).abs() < 1e-6));
        // Nearest sampling on both sides: an overlay pixel samples the highres
        // voxel nearest its point, and the 1 mm render may pick a neighbour
        // of that voxel, so a few may be a pixel further; none a whole
        // example_func pixel (3 mm) away.
        let nearest_own = |p: &[f64; 3]| {
            own.iter()
                .map(|q| rasview::geometry::affine::distance(*p, *q))
                .fold(f64::INFINITY, f64::min)
        };
        let distances: Vec<f64> = over_func.iter().map(nearest_own).collect();
        let within = distances.iter().filter(|&&d| d <= 1.5).count();
        let worst = distances.iter().copied().fold(0.0, f64::max);
        assert!(
            within as f64 >= 0.99 * over_func.len() as f64 && worst < 3.0,
            "{}: {within} of {} overlay pixels over example_func within 1.5 mm of a highres edge pixel; worst {worst:.2} mm",
            plane.name(),
            over_func.len()
        );
    }
}
