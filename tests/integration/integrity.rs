//! Inputs are what they claim to be and outputs tell the truth about them:
//! corrupt gzip is refused by every command, a sidecar names the bytes that
//! were read (and a run fails when its input changed since), and an image
//! and its sidecar appear together or not at all.

use crate::common;

use flate2::{write::GzEncoder, Compression};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

fn rasview(args: &[&str]) -> (Option<i32>, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = GzEncoder::new(Vec::new(), Compression::default());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

/// A good .nii.gz (inflated: the EPI of coreg-qa) and the four ways its
/// gzip can go bad that `gzip -t` rejects.
fn corrupted_copies(dir: &Path) -> Vec<(&'static str, PathBuf)> {
    let source = common::data_file("coreg-qa/example_func.nii.gz");
    let mut raw = Vec::new();
    flate2::read::MultiGzDecoder::new(std::fs::File::open(source).unwrap())
        .read_to_end(&mut raw)
        .unwrap();
    let good = gzip(&raw);
    let mut cases = Vec::new();
    let mut write = |name: &'static str, bytes: Vec<u8>| {
        let path = dir.join(format!("{name}.nii.gz"));
        std::fs::write(&path, bytes).unwrap();
        cases.push((name, path));
    };
    let mut bad_crc = good.clone();
    let n = bad_crc.len();
    bad_crc[n - 8] ^= 0xff;
    write("bad_crc", bad_crc);
    let mut flipped = good.clone();
    flipped[n / 2] ^= 0x01;
    write("flipped_byte", flipped);
    write("cut_trailer", good[..n - 8].to_vec());
    let mut garbage = good.clone();
    garbage.extend_from_slice(b"this is not another gzip member at all");
    write("trailing_garbage", garbage);
    cases
}

#[test]
fn corrupt_gzip_is_refused_by_every_command() {
    let dir = common::scratch_dir("integrity_gzip");
    for (case, file) in corrupted_copies(&dir) {
        let f = file.to_string_lossy().into_owned();
        let out_nii = dir.join("out.nii.gz").to_string_lossy().into_owned();
        let out_png = dir.join("out.png").to_string_lossy().into_owned();
        let good = common::data_file("coreg-qa/example_func.nii.gz");
        let good = good.to_string_lossy();
        let commands: Vec<Vec<&str>> = vec![
            vec!["info", &f],
            vec!["probe", &f, "--ras", "0,0,0"],
            vec![
                "render", &f, "--plane", "axial", "--ras", "0,0,0", "--out", &out_png,
            ],
            vec!["mosaic", &f, "--out", &out_png],
            vec!["edges", &f, "--out", &out_nii],
            vec!["check", &good, &f],
            vec!["resample", &f, "--like", &good, "--out", &out_nii],
        ];
        for args in commands {
            let (code, stderr) = rasview(&args);
            assert_eq!(code, Some(1), "{case}: {args:?} exit {code:?}: {stderr}");
            assert!(
                stderr.contains("gzip") && stderr.contains(&*f),
                "{case}: {args:?}: {stderr}"
            );
        }
        let written: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with("out") || n.starts_with(".out"))
            .collect();
        assert!(written.is_empty(), "{case}: wrote {written:?}");
    }
}

#[test]
fn the_sidecar_names_the_bytes_that_were_read_and_a_changed_input_fails() {
    let dir = common::scratch_dir("integrity_changed");
    let input = dir.join("in.nii.gz");
    std::fs::copy(common::data_file("coreg-qa/example_func.nii.gz"), &input).unwrap();
    let volume = rasview::volume::load(&input).unwrap();
    let read_hash = rasview::export::sha256_of(&input).unwrap();
    assert_eq!(volume.files_read.len(), 1);
    assert_eq!(
        volume.files_read[0].sha256.as_deref(),
        Some(read_hash.as_str())
    );
    let records = rasview::export::input_records(&volume).unwrap();
    assert_eq!(records[0].sha256, read_hash);

    // The file is replaced after it was read: its outputs may not say
    // they came from the new bytes, nor from the old file's name alone.
    let other = dir.join("other.nii.gz");
    std::fs::copy(common::data_file("coreg-qa/highres.nii.gz"), &other).unwrap();
    std::fs::rename(&other, &input).unwrap();
    let err = rasview::export::input_records(&volume).unwrap_err();
    let message = format!("{err:#}");
    assert!(
        message.contains("changed on disk") && message.contains("in.nii.gz"),
        "{message}"
    );
}

/// The sidecar's edge count is the image's: they come from one run.
fn pair_agrees(image: &Path, sidecar: &Path) -> bool {
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(sidecar).unwrap()).unwrap();
    let volume = rasview::volume::load(image).unwrap();
    let rasview::volume::Voxels::U8(mask) = &volume.voxels else {
        panic!("an edge mask is uint8");
    };
    let count = mask.iter().filter(|&&m| m != 0).count() as u64;
    json["edge_voxels"].as_u64() == Some(count)
}

#[test]
fn two_writers_of_one_output_leave_one_runs_image_beside_its_own_sidecar() {
    let dir = common::scratch_dir("integrity_two_writers");
    let out = dir.join("edges.nii.gz");
    let sidecar = dir.join("edges.json");
    let inputs = [
        common::data_file("coreg-qa/example_func.nii.gz"),
        common::data_file("nifti-space/RAS.nii.gz"),
    ];
    for attempt in 0..10 {
        // Both at once, as two shells or two cluster jobs would.
        let racers: Vec<_> = inputs
            .iter()
            .map(|input| {
                Command::new(env!("CARGO_BIN_EXE_rasview"))
                    .arg("edges")
                    .arg(input)
                    .arg("--out")
                    .arg(&out)
                    .spawn()
                    .unwrap()
            })
            .collect();
        for mut r in racers {
            assert!(r.wait().unwrap().success(), "attempt {attempt}");
        }
        assert!(
            pair_agrees(&out, &sidecar),
            "attempt {attempt}: a mixed pair"
        );
    }
}

#[test]
fn an_image_whose_sidecar_cannot_be_put_in_place_is_not_left_behind() {
    let dir = common::scratch_dir("integrity_orphan");
    let out = dir.join("edges.nii.gz");
    // The sidecar's name is taken by a folder: its rename fails after the
    // image is ready, as a full disk would fail its write.
    std::fs::create_dir(dir.join("edges.json")).unwrap();
    std::fs::write(dir.join("edges.json").join("keep"), b"x").unwrap();
    let input = common::data_file("coreg-qa/example_func.nii.gz");
    let (code, stderr) = rasview(&[
        "edges",
        &input.to_string_lossy(),
        "--out",
        &out.to_string_lossy(),
    ]);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("edges.json"), "{stderr}");
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(
        left,
        vec!["edges.json".to_string()],
        "no image without its sidecar"
    );
}

/// Value of voxel (i, j, k) of volume t in the 4D phantom below.
fn four_d_value(i: usize, j: usize, k: usize, t: usize) -> i16 {
    (i + 10 * j + 100 * k) as i16 - 1000 * t as i16
}

/// One volume of a 4D file is read alone, compressed or not: the right
/// values, its index kept, the memory limit applying to it alone, the gzip
/// trailer checked only when the read reaches the end of the file.
#[test]
fn one_volume_of_a_4d_file_is_read_alone() {
    use rasview::volume::{self, save, LoadError, LoadOptions, Voxels};
    let dir = common::scratch_dir("integrity_4d");
    let shape = [10, 12, 8];
    let volumes = 5;
    let mut values = Vec::new();
    for t in 0..volumes {
        for k in 0..shape[2] {
            for j in 0..shape[1] {
                for i in 0..shape[0] {
                    values.push(four_d_value(i, j, k, t));
                }
            }
        }
    }
    let affine = rasview::geometry::Affine::from_rows(common::rows(
        common::rotation_xz(0.2, 0.1),
        [4.0, -3.0, 2.0],
    ))
    .unwrap();
    let header = common::sform_header(&affine);
    let frame_bytes = (shape.iter().product::<usize>() * 2) as u64;
    for name in ["four_d.nii", "four_d.nii.gz", "four_d.hdr"] {
        let path = dir.join(name);
        save::save(&path, &header, &Voxels::I16(values.clone()), shape, volumes).unwrap();
        for t in 0..volumes {
            let options = LoadOptions {
                // Room for one volume, not for the file.
                memory_limit_bytes: 2 * frame_bytes,
                only_volume: Some(t),
                ..LoadOptions::default()
            };
            let v = volume::load_with(&path, &options).unwrap();
            assert_eq!(v.volume_count, volumes, "{name}");
            assert_eq!(v.volumes_held(), t..t + 1, "{name}");
            assert_eq!(v.voxels.len(), shape.iter().product::<usize>());
            for voxel in [[0, 0, 0], [9, 11, 7], [3, 5, 2]] {
                let [i, j, k] = voxel;
                assert_eq!(
                    v.value_at(voxel, t),
                    four_d_value(i, j, k, t) as f64,
                    "{name} volume {t} voxel {voxel:?}"
                );
            }
            // A hash of every byte (and for gzip, its trailer checked) comes
            // only with a read through to the end: the last volume of a
            // compressed file. Otherwise the file is hashed when asked.
            let read_through = t + 1 == volumes && name.ends_with(".gz");
            let image = v.files_read.last().unwrap();
            assert_eq!(image.sha256.is_some(), read_through, "{name} volume {t}");
            let records = rasview::export::input_records(&v).unwrap();
            let on_disk = rasview::export::sha256_of(&image.path).unwrap();
            assert_eq!(records.last().unwrap().sha256, on_disk, "{name}");
        }
        let past = volume::load_with(
            &path,
            &LoadOptions {
                only_volume: Some(volumes),
                ..LoadOptions::default()
            },
        );
        assert!(
            matches!(
                past,
                Err(LoadError::NoSuchVolume {
                    asked: 5,
                    count: 5,
                    ..
                })
            ),
            "{name}: {past:?}"
        );
        // The whole file does not fit the limit that one volume fits.
        let whole = volume::load_with(
            &path,
            &LoadOptions {
                memory_limit_bytes: 2 * frame_bytes,
                only_volume: None,
                ..LoadOptions::default()
            },
        );
        assert!(matches!(whole, Err(LoadError::TooLarge { .. })), "{name}");
    }
    // The command line reads the value of volume 3 from volume 3 alone.
    let gz = dir.join("four_d.nii.gz");
    let world = affine.apply([3.0, 5.0, 2.0]);
    let out = Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args([
            "probe",
            &gz.to_string_lossy(),
            "--volume",
            "3",
            "--json",
            "--ras",
        ])
        .arg(format!("{},{},{}", world[0], world[1], world[2]))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        json["value"].as_f64(),
        Some(four_d_value(3, 5, 2, 3) as f64)
    );
}
