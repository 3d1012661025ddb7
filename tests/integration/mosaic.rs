//! `rasview mosaic` and `rasview render --scale-bar`, checked in world
//! coordinates: every tile's pixels hold the windowed value at the world
//! point its `world_from_pixel` names, slices are where the sidecar says,
//! edges show in every tile through the head, the scale bar is as long as
//! its label, and no input is ever overwritten.

use crate::common;

use rasview::geometry::Affine;
use rasview::render::WindowLevel;
use rasview::volume::{self, Volume};
use serde_json::Value;
use sha2::{Digest, Sha256};
use std::path::Path;
use std::process::{Command, Output};

fn rasview(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn run_ok(args: &[&str]) {
    let out = rasview(args);
    assert!(
        out.status.success(),
        "rasview {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// RGBA bytes, width and height of a PNG.
fn decode_png(path: &Path) -> (Vec<u8>, usize, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    (buf, info.width as usize, info.height as usize)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn sha256_hex(path: &Path) -> String {
    Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The world box of the voxel centres, computed here from the affine.
fn world_box(v: &Volume) -> ([f64; 3], [f64; 3]) {
    let extent = v.grid.index_extent();
    let mut lo = [f64::INFINITY; 3];
    let mut hi = [f64::NEG_INFINITY; 3];
    for corner in 0..8 {
        let index = [0, 1, 2].map(|a| {
            if corner & (1 << a) != 0 {
                extent[a]
            } else {
                0.0
            }
        });
        let w = v.grid.world_from_voxel.apply(index);
        for a in 0..3 {
            lo[a] = lo[a].min(w[a]);
            hi[a] = hi[a].max(w[a]);
        }
    }
    (lo, hi)
}

/// The longest run of pure white pixels in any row of a rectangle
/// (left, top, right, bottom exclusive): a scale bar, found from the
/// picture alone.
fn longest_white_run(buf: &[u8], width: usize, rect: [usize; 4]) -> usize {
    let mut best = 0;
    for row in rect[1]..rect[3] {
        let mut run = 0;
        for col in rect[0]..rect[2] {
            let p = &buf[(row * width + col) * 4..][..3];
            run = if p == [255, 255, 255] { run + 1 } else { 0 };
            best = best.max(run);
        }
    }
    best
}

/// A scale bar's label ("50 mm") in mm.
fn label_mm(bar: &Value) -> f64 {
    let label = bar["label"].as_str().unwrap();
    let mm: f64 = label.strip_suffix(" mm").unwrap().parse().unwrap();
    assert_eq!(mm, bar["length_mm"].as_f64().unwrap());
    mm
}

/// Size of a pixel in mm, from a tile's world_from_pixel (its first column).
fn pixel_mm_of(world_from_pixel: &Affine) -> f64 {
    let l = world_from_pixel.linear();
    (0..3).map(|r| l[r][0] * l[r][0]).sum::<f64>().sqrt()
}

/// Pixels checked inside a tile: away from the letters on its edges and
/// the coordinate in its top-left corner.
const TEXT_MARGIN: usize = 26;

fn is_edge_red(p: &[u8]) -> bool {
    // [255, 40, 40] at opacity 0.85 over grey g: red >= 216, green = blue <= 73.
    p[0] >= 216 && p[1] == p[2] && (34..=73).contains(&p[1])
}

#[test]
fn mosaic_tiles_hold_the_windowed_value_at_their_world_points() {
    let dir = common::scratch_dir("mosaic_values");
    let file = common::data_file("coreg-qa/highres.nii.gz");
    let out = dir.join("qc.png");
    run_ok(&[
        "mosaic",
        &file.to_string_lossy(),
        "--slices",
        "4",
        "--window",
        "600",
        "--level",
        "300",
        "--out",
        &out.to_string_lossy(),
    ]);
    let json = read_json(&dir.join("qc.json"));
    let (buf, w, h) = decode_png(&out);
    assert_eq!(
        (json["width"].as_u64(), json["height"].as_u64()),
        (Some(w as u64), Some(h as u64))
    );
    assert_eq!(json["command"], "mosaic");
    assert_eq!(json["rasview_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["input"][0]["sha256"], sha256_hex(&file));
    assert_eq!(json["slices"], 4);
    assert_eq!(
        (json["window"].as_f64(), json["level"].as_f64()),
        (Some(600.0), Some(300.0))
    );

    let v = volume::load(&file).unwrap();
    assert!(
        v.grid.is_oblique(),
        "the tiles must be world slices, not voxel slices"
    );
    let (lo, hi) = world_box(&v);
    let wl = WindowLevel {
        window: 600.0,
        level: 300.0,
    };
    let tiles = json["tiles"].as_array().unwrap();
    assert_eq!(tiles.len(), 3 * 4);
    let mut previous: Option<(String, f64)> = None;
    let (mut bright, mut checked) = (0, 0);
    for tile in tiles {
        let plane = tile["plane"].as_str().unwrap().to_string();
        let axis = ["sagittal", "coronal", "axial"]
            .iter()
            .position(|p| *p == plane)
            .unwrap();
        assert_eq!(tile["axis"], ["x", "y", "z"][axis]);
        let position = tile["position_mm"].as_f64().unwrap();
        // Strictly increasing along each row, inside the volume's box.
        assert!(
            lo[axis] < position && position < hi[axis],
            "{plane} at {position}"
        );
        if let Some((p, before)) = &previous {
            if *p == plane {
                assert!(position > *before, "{plane}: {position} after {before}");
            }
        }
        previous = Some((plane.clone(), position));

        let rect: Vec<usize> = tile["rect_px"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        assert!(rect[0] + rect[2] <= w && rect[1] + rect[3] <= h);
        let world_from_pixel = common::affine_of(&tile["world_from_pixel"]);
        let (mut inside, mut mismatched) = (0, Vec::new());
        for row in (rect[1] + TEXT_MARGIN..rect[1] + rect[3] - TEXT_MARGIN).step_by(5) {
            for col in (rect[0] + TEXT_MARGIN..rect[0] + rect[2] - TEXT_MARGIN).step_by(5) {
                let world = world_from_pixel.apply([col as f64, row as f64, 0.0]);
                assert!(
                    (world[axis] - position).abs() < 1e-6,
                    "{plane} pixel ({col}, {row}) is off its slice: {world:?}"
                );
                let c = v.grid.voxel_from_world(world);
                if c.iter().any(|x| ((x + 0.5).fract() - 0.5).abs() > 0.499) {
                    continue; // on a voxel boundary, where "nearest" is a tie
                }
                let p = &buf[(row * w + col) * 4..][..4];
                let expected = match v.probe(world, 0) {
                    Some((_, value)) => {
                        inside += 1;
                        (wl.normalise(value as f32).unwrap() * 255.0).round() as u8
                    }
                    None => 0,
                };
                assert_eq!(
                    (p[0], p[0], p[3]),
                    (p[1], p[2], 255),
                    "grey at ({col}, {row})"
                );
                if p[0].abs_diff(expected) > 1 {
                    mismatched.push((col, row, p[0], expected));
                }
                bright += (p[0] > 100) as usize;
                checked += 1;
            }
        }
        assert!(
            mismatched.is_empty(),
            "{plane} at {position}: {mismatched:?}"
        );
        assert!(
            inside > 50,
            "the {plane} slice at {position} cuts the volume"
        );
    }
    assert!(bright > 1000 && checked > 10_000, "{bright} of {checked}");
    // Without --edges, nothing is red.
    let red = buf.chunks(4).filter(|p| is_edge_red(p)).count();
    assert_eq!(red, 0);
}

#[test]
fn mosaic_edges_show_in_every_tile_through_the_head_and_the_scale_bar_matches_its_label() {
    let dir = common::scratch_dir("mosaic_edges");
    let file = common::data_file("coreg-qa/highres.nii.gz");
    let out = dir.join("edges.png");
    run_ok(&[
        "mosaic",
        &file.to_string_lossy(),
        "--edges",
        "--sigma-mm",
        "1.5",
        "--planes",
        "coronal,axial",
        "--slices",
        "5",
        "--tile-px",
        "150",
        "--out",
        &out.to_string_lossy(),
    ]);
    let json = read_json(&dir.join("edges.json"));
    assert_eq!(json["edges"]["sigma_mm"], 1.5);
    assert_eq!(json["planes"], serde_json::json!(["coronal", "axial"]));
    let (buf, w, h) = decode_png(&out);
    let v = volume::load(&file).unwrap();
    let tiles = json["tiles"].as_array().unwrap();
    assert_eq!(tiles.len(), 10);
    let mut head_tiles = 0;
    let mut tiles_bottom = 0;
    for tile in tiles {
        let r: Vec<usize> = tile["rect_px"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_u64().unwrap() as usize)
            .collect();
        tiles_bottom = tiles_bottom.max(r[1] + r[3]);
        let world_from_pixel = common::affine_of(&tile["world_from_pixel"]);
        let (mut head, mut red) = (0, 0);
        for row in r[1]..r[1] + r[3] {
            for col in r[0]..r[0] + r[2] {
                let world = world_from_pixel.apply([col as f64, row as f64, 0.0]);
                let value = v.probe(world, 0).map(|(_, x)| x);
                head += value.is_some_and(|x| x > 100.0) as usize;
                if is_edge_red(&buf[(row * w + col) * 4..][..4]) {
                    red += 1;
                    // An edge is drawn only where the volume is.
                    assert!(value.is_some(), "red outside the volume at {world:?}");
                }
            }
        }
        if head > 100 {
            head_tiles += 1;
            assert!(
                red > 20,
                "{} tile at {}: {head} head pixels but {red} edge pixels",
                tile["plane"],
                tile["position_mm"]
            );
        }
    }
    // The outermost slab centres of each plane miss this skull-stripped
    // brain; the other eight cut it.
    assert!(head_tiles >= 8, "{head_tiles} tiles cut the head");

    // The scale bar sits below the tiles; its length is its label over the
    // pixel size read from a tile's geometry.
    let pixel_mm = pixel_mm_of(&common::affine_of(&tiles[0]["world_from_pixel"]));
    assert!(
        (pixel_mm - 1.5).abs() < 0.2,
        "150 px tiles of a ~220 mm box"
    );
    let mm = label_mm(&json["scale_bar"]);
    let run = longest_white_run(&buf, w, [0, tiles_bottom, w, h]);
    assert!(
        (run as f64 - mm / pixel_mm).abs() <= 1.0,
        "{run} px for {mm} mm at {pixel_mm} mm per pixel"
    );
}

#[test]
fn mosaic_refuses_to_overwrite_its_inputs() {
    let dir = common::scratch_dir("mosaic_inputs");
    let input = dir.join("scan.nii.gz");
    let overlay = dir.join("mask.nii.gz");
    std::fs::copy(common::data_file("nifti-space/RAS.nii.gz"), &input).unwrap();
    std::fs::copy(common::data_file("nifti-space/LPS.nii.gz"), &overlay).unwrap();
    let (before, overlay_before) = (
        std::fs::read(&input).unwrap(),
        std::fs::read(&overlay).unwrap(),
    );
    let file = input.to_string_lossy();
    for out in [&input, &overlay] {
        let run = rasview(&[
            "mosaic",
            &file,
            "--overlay",
            &overlay.to_string_lossy(),
            "--out",
            &out.to_string_lossy(),
        ]);
        assert_eq!(run.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&run.stderr).contains("refusing to overwrite"));
    }
    assert_eq!(std::fs::read(&input).unwrap(), before);
    assert_eq!(std::fs::read(&overlay).unwrap(), overlay_before);
    let left: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(left.len(), 2, "nothing written, no temporary left behind");
}

#[test]
fn render_scale_bar_matches_its_label_and_the_sidecar_hashes_the_inputs() {
    let dir = common::scratch_dir("render_scale_bar");
    let file = common::data_file("coreg-qa/highres.nii.gz");
    let overlay = common::data_file("coreg-qa/example_func.nii.gz");
    let out = dir.join("ax.png");
    run_ok(&[
        "render",
        &file.to_string_lossy(),
        "--plane",
        "axial",
        "--ras",
        "0,-10,20",
        "--scale-bar",
        "--labels",
        "--window",
        "2000",
        "--level",
        "1000",
        "--overlay",
        &overlay.to_string_lossy(),
        "--overlay-opacity",
        "0.3",
        "--out",
        &out.to_string_lossy(),
    ]);
    let json = read_json(&dir.join("ax.json"));
    assert_eq!(json["command"], "render");
    assert_eq!(json["rasview_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["input"][0]["sha256"], sha256_hex(&file));
    assert_eq!(json["overlay"][0]["sha256"], sha256_hex(&overlay));
    assert_eq!(json["overlay_opacity"].as_f64(), Some(0.3));
    assert_eq!(json["labels"], true);

    let (buf, w, h) = decode_png(&out);
    let pixel_mm = pixel_mm_of(&common::affine_of(&json["world_from_pixel"]));
    let mm = label_mm(&json["scale_bar"]);
    // Bottom-right quarter: a window so wide that no anatomy is white, so
    // the longest white run is the bar.
    let run = longest_white_run(&buf, w, [w / 2, h * 3 / 4, w, h]);
    assert!(
        (run as f64 - mm / pixel_mm).abs() <= 1.0,
        "{run} px for {mm} mm at {pixel_mm} mm per pixel"
    );
    let fraction = run as f64 / w as f64;
    assert!((0.12..=0.33).contains(&fraction), "{fraction} of the width");

    // Neither the PNG nor its sidecar may land on an input.
    let input = dir.join("scan.nii.gz");
    std::fs::copy(&file, &input).unwrap();
    let before = std::fs::read(&input).unwrap();
    let run = rasview(&[
        "render",
        &input.to_string_lossy(),
        "--plane",
        "axial",
        "--ras",
        "0,0,0",
        "--out",
        &input.to_string_lossy(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("refusing to overwrite"));
    assert_eq!(std::fs::read(&input).unwrap(), before);
}
