//! `rasview import-npy`: NumPy arrays back onto the grid they came from.
//!
//! The regression this guards: a researcher took one slice of a scan as a
//! numpy array, processed it, and wrote it into a new volume with default
//! geometry and the wrong shape; it landed on two slices, rotated. Here a
//! slice cut with numpy's usual (z, y, x) layout must land on exactly the
//! voxels it came from, with the base's geometry.

use crate::common;

use common::{f32_bytes, write_npy};

use rasview::npy::read_npy;
use rasview::volume::{self, save, Volume, Voxels};
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};
use std::process::Output;

/// Writes a version 1.0 .npy file by hand, as numpy does: the magic, the
/// version, the header length, the dict padded with spaces to a multiple
/// of 64 bytes and ended by a newline, then the values.
fn rasview(args: &[&str]) -> Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn highres() -> Volume {
    volume::load(&common::data_file("coreg-qa/highres.nii.gz")).unwrap()
}

fn f32_values(v: &Volume) -> &[f32] {
    match &v.voxels {
        Voxels::F32(x) => x,
        other => panic!("expected float32, got {:?}", other.datatype()),
    }
}

/// The output sits on the base's grid: the same shape, and every corner of
/// the grid at the same world point to 1e-6 mm.
fn assert_same_geometry(out: &Volume, base: &Volume) {
    assert_eq!(out.grid.shape, base.grid.shape);
    let [nx, ny, nz] = base.grid.shape;
    for corner in [
        [0, 0, 0],
        [nx - 1, 0, 0],
        [0, ny - 1, 0],
        [0, 0, nz - 1],
        [nx - 1, ny - 1, 0],
        [nx - 1, 0, nz - 1],
        [0, ny - 1, nz - 1],
        [nx - 1, ny - 1, nz - 1],
    ] {
        let (a, b) = (
            out.grid.world_from_index(corner),
            base.grid.world_from_index(corner),
        );
        for axis in 0..3 {
            assert!(
                (a[axis] - b[axis]).abs() < 1e-6,
                "corner {corner:?}: {a:?} vs {b:?}"
            );
        }
    }
    assert_eq!(out.header.sform_code, base.header.sform_code);
    assert_eq!(out.header.qform_code, base.header.qform_code);
}

/// The base as numpy's usual (z, y, x) C-order array, built index by index:
/// element [k][j][i] is voxel (i, j, k).
fn zyx_array(base: &Volume) -> (Vec<usize>, Vec<f32>) {
    let [nx, ny, nz] = base.grid.shape;
    let mut arr = vec![0f32; nz * ny * nx];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                arr[(k * ny + j) * nx + i] = base.value_at([i, j, k], 0) as f32;
            }
        }
    }
    (vec![nz, ny, nx], arr)
}

/// `arr[:, :, i]`, `arr[:, j, :]` or `arr[k, :, :]` of a (z, y, x) array,
/// cut the way numpy would: the remaining axes keep their order.
fn cut(shape: &[usize], arr: &[f32], zyx_axis: usize, index: usize) -> (Vec<usize>, Vec<f32>) {
    let (nz, ny, nx) = (shape[0], shape[1], shape[2]);
    let at = |z: usize, y: usize, x: usize| arr[(z * ny + y) * nx + x];
    let mut out = Vec::new();
    match zyx_axis {
        0 => {
            for y in 0..ny {
                for x in 0..nx {
                    out.push(at(index, y, x));
                }
            }
            (vec![ny, nx], out)
        }
        1 => {
            for z in 0..nz {
                for x in 0..nx {
                    out.push(at(z, index, x));
                }
            }
            (vec![nz, nx], out)
        }
        _ => {
            for z in 0..nz {
                for y in 0..ny {
                    out.push(at(z, y, index));
                }
            }
            (vec![nz, ny], out)
        }
    }
}

/// Every voxel on slice `index` across voxel axis `axis` equals the base's,
/// every other voxel is 0.
fn assert_only_slice(out: &Volume, base: &Volume, axis: usize, index: usize) {
    let [nx, ny, _] = base.grid.shape;
    let (got, want) = (f32_values(out), f32_values(base));
    assert_eq!(got.len(), want.len());
    let mut on_slice = 0;
    for (n, (&g, &w)) in got.iter().zip(want).enumerate() {
        let ijk = [n % nx, (n / nx) % ny, n / (nx * ny)];
        if ijk[axis] == index {
            assert_eq!(g.to_bits(), w.to_bits(), "voxel {ijk:?}: {g} vs {w}");
            on_slice += 1;
        } else {
            assert_eq!(g, 0.0, "voxel {ijk:?} is off the slice but holds {g}");
        }
    }
    assert_eq!(on_slice, got.len() / base.grid.shape[axis]);
}

/// THE required test: a 2D slice cut from a volume with numpy's usual
/// (z, y, x) layout and re-imported goes back to exactly the slice it came
/// from, for an axial, a coronal and a sagittal slice of a real oblique scan.
#[test]
fn a_zyx_slice_reimported_lands_exactly_on_the_slice_it_came_from() {
    let dir = common::scratch_dir("npy_zyx_slice");
    let base_path = common::data_file("coreg-qa/highres.nii.gz");
    let base = highres();
    assert!(base.grid.is_oblique(), "the test wants an oblique base");
    let (shape, arr) = zyx_array(&base);
    // Slices with real anatomy in them, so a wrong placement cannot match by
    // being all zeros.
    for (plane, zyx_axis, voxel_axis, index) in [
        ("axial", 0, 2, 90),
        ("coronal", 1, 1, 100),
        ("sagittal", 2, 0, 88),
    ] {
        let (slice_shape, slice) = cut(&shape, &arr, zyx_axis, index);
        assert!(slice.iter().filter(|&&v| v != 0.0).count() > 1000);
        let npy = dir.join(format!("{plane}.npy"));
        write_npy(&npy, "<f4", false, &slice_shape, &f32_bytes(&slice));
        let out_path = dir.join(format!("{plane}.nii.gz"));
        let out = rasview(&[
            "import-npy",
            s(&npy),
            "--like",
            s(&base_path),
            "--plane",
            plane,
            "--slice",
            &index.to_string(),
            "--out",
            s(&out_path),
        ]);
        assert!(out.status.success(), "{plane}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!(
                "placed on slice {} = {index} ({plane})",
                ["i", "j", "k"][voxel_axis]
            )),
            "{}",
            stderr(&out)
        );
        let reloaded = volume::load(&out_path).unwrap();
        assert_same_geometry(&reloaded, &base);
        assert_only_slice(&reloaded, &base, voxel_axis, index);
    }
}

/// The same slice transposed (nibabel's `get_fdata()[:, :, k]` layout) is
/// recognised by its shape and lands on the same voxels.
#[test]
fn a_nibabel_layout_slice_is_recognised_by_its_shape() {
    let dir = common::scratch_dir("npy_nibabel_slice");
    let base_path = common::data_file("coreg-qa/highres.nii.gz");
    let base = highres();
    let [nx, ny, _] = base.grid.shape;
    let k = 70;
    let mut slice = Vec::new(); // shape (nx, ny): element [i][j]
    for i in 0..nx {
        for j in 0..ny {
            slice.push(base.value_at([i, j, k], 0) as f32);
        }
    }
    let npy = dir.join("ij.npy");
    write_npy(&npy, "<f4", false, &[nx, ny], &f32_bytes(&slice));
    let out_path = dir.join("ij.nii");
    let out = rasview(&[
        "import-npy",
        s(&npy),
        "--like",
        s(&base_path),
        "--plane",
        "axial",
        "--slice",
        "70",
        "--out",
        s(&out_path),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stderr(&out).contains("nibabel"), "{}", stderr(&out));
    assert_only_slice(&volume::load(&out_path).unwrap(), &base, 2, k);
    // Forcing the other layout is refused, naming the shape it would need.
    let out = rasview(&[
        "import-npy",
        s(&npy),
        "--like",
        s(&base_path),
        "--plane",
        "axial",
        "--slice",
        "70",
        "--transpose",
        "no",
        "--out",
        s(&dir.join("forced.nii")),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains(&format!("({ny}, {nx})")),
        "{}",
        stderr(&out)
    );
    assert!(!dir.join("forced.nii").exists());
}

/// 3D: the whole volume as (z, y, x) in C order is read as kji; as (x, y, z)
/// in Fortran order (what np.save writes for nibabel's get_fdata()) as ijk.
/// Both reproduce the base exactly, on its geometry.
#[test]
fn a_whole_volume_in_either_order_reproduces_the_base() {
    let dir = common::scratch_dir("npy_volume");
    let base_path = common::data_file("coreg-qa/highres.nii.gz");
    let base = highres();
    let [nx, ny, nz] = base.grid.shape;
    let (shape, arr) = zyx_array(&base);
    assert_eq!(shape, vec![nz, ny, nx]);
    let zyx = dir.join("zyx.npy");
    write_npy(&zyx, "<f4", false, &shape, &f32_bytes(&arr));
    // An (x, y, z) array in Fortran order: x fastest in memory, so the same
    // bytes, but the header says (nx, ny, nz).
    let xyz = dir.join("xyz_fortran.npy");
    write_npy(&xyz, "<f4", true, &[nx, ny, nz], &f32_bytes(&arr));
    for (npy, order) in [(&zyx, "kji"), (&xyz, "ijk")] {
        let out_path = dir.join(format!("{order}.nii"));
        let out = rasview(&[
            "import-npy",
            s(npy),
            "--like",
            s(&base_path),
            "--out",
            s(&out_path),
        ]);
        assert!(out.status.success(), "{order}: {}", stderr(&out));
        assert!(
            stderr(&out).contains(&format!("order {order} (suggested by the shape)")),
            "{}",
            stderr(&out)
        );
        let reloaded = volume::load(&out_path).unwrap();
        assert_same_geometry(&reloaded, &base);
        assert!(
            f32_values(&reloaded)
                .iter()
                .zip(f32_values(&base))
                .all(|(a, b)| a.to_bits() == b.to_bits()),
            "{order}: the values differ from the base"
        );
    }
}

/// Writes a small oblique base ([4, 3, 2], anisotropic voxels, rotated a
/// few degrees) and returns its path.
fn small_base(dir: &Path) -> PathBuf {
    let m = common::rotation_xz(0.06, 0.09);
    let spacing = [1.5, 2.0, 2.5];
    let linear = [0, 1, 2].map(|r| [0, 1, 2].map(|c| m[r][c] * spacing[c]));
    let affine =
        rasview::geometry::Affine::from_rows(common::rows(linear, [-3.0, 4.0, -5.0])).unwrap();
    let path = dir.join("base.nii.gz");
    let values: Vec<i16> = (0..24).map(|n| 7 * n as i16 - 50).collect();
    save::save(
        &path,
        &common::sform_header(&affine),
        &Voxels::I16(values),
        [4, 3, 2],
        1,
    )
    .unwrap();
    path
}

fn fixture(name: &str) -> PathBuf {
    common::data_file(&format!("npy/{name}"))
}

/// Each numpy-written file reads back with the values of the formula that
/// make_npy.py used, in C order, with its type kept.
#[test]
fn numpy_written_files_read_back_with_their_values() {
    let a = read_npy(&fixture("bool_2x3.npy")).unwrap();
    assert_eq!(a.shape, vec![2, 3]);
    assert_eq!(
        a.values,
        Voxels::U8((0..6).map(|n| (n % 2 == 0) as u8).collect())
    );

    let a = read_npy(&fixture("u2_big_2x3x4.npy")).unwrap();
    assert_eq!(
        (a.shape.as_slice(), a.descr.as_str()),
        ([2, 3, 4].as_slice(), ">u2")
    );
    assert_eq!(a.values, Voxels::U16((0..24).map(|n| 1000 * n).collect()));

    let a = read_npy(&fixture("f2_3x4.npy")).unwrap();
    assert_eq!(a.shape, vec![3, 4]);
    assert_eq!(
        a.values,
        Voxels::F32((0..12).map(|n| n as f32 / 8.0 - 0.5).collect())
    );

    let a = read_npy(&fixture("i8_4x3x2.npy")).unwrap();
    assert_eq!(a.shape, vec![4, 3, 2]);
    assert_eq!(
        a.values,
        Voxels::I64((0..24).map(|n| (n - 12) * 1_000_000_000_000).collect())
    );

    let a = read_npy(&fixture("f4_fortran_2x3x4.npy")).unwrap();
    assert!(a.fortran_order);
    assert_eq!(a.shape, vec![2, 3, 4]);
    // In C order, index n is [a, b, c] with n = 12a + 4b + c: the value is n + 0.25.
    assert_eq!(
        a.values,
        Voxels::F32((0..24).map(|n| n as f32 + 0.25).collect())
    );

    let a = read_npy(&fixture("f8_v2_2x3.npy")).unwrap();
    assert_eq!((a.version, a.shape.clone()), ((2, 0), vec![2, 3]));
    assert_eq!(
        a.values,
        Voxels::F64((0..6).map(|n| 1.5 * n as f64).collect())
    );

    let a = read_npy(&fixture("i2_v3_2x3.npy")).unwrap();
    assert_eq!(a.version, (3, 0));
    assert_eq!(a.values, Voxels::I16((-3..3).collect()));
}

/// Through the CLI, numpy-written arrays keep their dtype in the NIfTI and
/// land where their order says: kji, ijk, Fortran, big-endian, and a bool slice.
#[test]
fn numpy_written_files_import_with_their_dtype_kept() {
    let dir = common::scratch_dir("npy_fixtures_cli");
    let base_path = small_base(&dir);
    let base = volume::load(&base_path).unwrap();
    let value = |name: &str, extra: &[&str]| -> Volume {
        let out_path = dir.join(format!("{name}.nii"));
        let npy = fixture(name);
        let mut args = vec![
            "import-npy",
            s(&npy),
            "--like",
            s(&base_path),
            "--out",
            s(&out_path),
        ];
        args.extend(extra);
        let out = rasview(&args);
        assert!(out.status.success(), "{name}: {}", stderr(&out));
        let v = volume::load(&out_path).unwrap();
        assert_same_geometry(&v, &base);
        v
    };
    // (2, 3, 4) on a [4, 3, 2] grid is kji: array [k, j, i] is voxel (i, j, k).
    let v = value("u2_big_2x3x4.npy", &[]);
    assert_eq!(v.voxels.datatype(), volume::Datatype::U16);
    let v2 = value("f4_fortran_2x3x4.npy", &[]);
    assert_eq!(v2.voxels.datatype(), volume::Datatype::F32);
    // (4, 3, 2) is ijk: array [i, j, k] is voxel (i, j, k).
    let v3 = value("i8_4x3x2.npy", &[]);
    let Voxels::I64(v3) = &v3.voxels else {
        panic!("int64 should stay int64, got {:?}", v3.voxels.datatype())
    };
    for k in 0..2 {
        for j in 0..3 {
            for i in 0..4 {
                let zyx = (12 * k + 4 * j + i) as f64;
                assert_eq!(v.value_at([i, j, k], 0), 1000.0 * zyx);
                assert_eq!(v2.value_at([i, j, k], 0), zyx + 0.25);
                let xyz = (6 * i + 2 * j + k) as i64;
                // Exact beyond 2^53: compared as stored integers, not as f64.
                assert_eq!(v3[i + 4 * (j + 3 * k)], (xyz - 12) * 1_000_000_000_000);
            }
        }
    }
    // A (2, 3) bool slice is a sagittal slice of [4, 3, 2] (rows along k,
    // columns along j): element [k][j] is voxel (1, j, k); elsewhere 0.
    let b = value("bool_2x3.npy", &["--plane", "sagittal", "--slice", "1"]);
    assert_eq!(b.voxels.datatype(), volume::Datatype::U8);
    for k in 0..2 {
        for j in 0..3 {
            for i in 0..4 {
                let expected = if i == 1 {
                    ((3 * k + j) % 2 == 0) as u8
                } else {
                    0
                };
                assert_eq!(b.value_at([i, j, k], 0), expected as f64, "({i}, {j}, {k})");
            }
        }
    }
}

/// The sidecar names every input with its SHA-256, every parameter and the
/// placement in words.
#[test]
fn the_sidecar_records_inputs_parameters_and_placement() {
    let dir = common::scratch_dir("npy_sidecar");
    let base_path = small_base(&dir);
    let npy = dir.join("slice.npy");
    // A coronal slice of [4, 3, 2]: (n_k, n_i) = (2, 4).
    write_npy(&npy, "<f4", false, &[2, 4], &f32_bytes(&[1.0; 8]));
    let out_path = dir.join("out.nii.gz");
    let out = rasview(&[
        "import-npy",
        s(&npy),
        "--like",
        s(&base_path),
        "--plane",
        "coronal",
        "--slice",
        "2",
        "--flip-rows",
        "--out",
        s(&out_path),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("out.json")).unwrap()).unwrap();
    let sha = |p: &Path| -> String {
        Sha256::digest(std::fs::read(p).unwrap())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert_eq!(json["command"], "import-npy");
    assert_eq!(json["rasview_version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(json["array"]["sha256"], sha(&npy));
    assert_eq!(json["base"][0]["sha256"], sha(&base_path));
    assert_eq!(json["parameters"]["plane"], "coronal");
    assert_eq!(json["parameters"]["slice"], 2);
    assert_eq!(json["parameters"]["flip_rows"], true);
    assert_eq!(json["parameters"]["transpose"], "auto");
    assert_eq!(json["array_facts"]["shape"], serde_json::json!([2, 4]));
    assert_eq!(json["output_datatype"], "float32");
    let placement = json["placement"].to_string();
    assert!(
        placement.contains("axis 0 (2 rows) -> voxel axis k, axis 1 (4 columns) -> voxel axis i, placed on slice j = 2 (coronal)"),
        "{placement}"
    );
    assert!(placement.contains("rows reversed"), "{placement}");
    // The sentences went to stderr too.
    assert!(
        stderr(&out).contains("placed on slice j = 2"),
        "{}",
        stderr(&out)
    );
}

/// The files in a folder, sorted: to show nothing (not even a partial file)
/// was left behind.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

/// Runs an import expected to fail: exit 1, no panic, a message containing
/// every one of `needles`, and nothing new in the folder.
fn assert_refused(dir: &Path, args: &[&str], needles: &[&str]) {
    let before = listing(dir);
    let out = rasview(args);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    for n in needles {
        assert!(err.contains(n), "{args:?}: expected '{n}' in: {err}");
    }
    assert_eq!(listing(dir), before, "{args:?} left files behind");
}

#[test]
fn bad_arrays_are_refused_with_the_problem_named_and_nothing_written() {
    let dir = common::scratch_dir("npy_bad_arrays");
    let base_path = small_base(&dir);
    let base = s(&base_path).to_owned();
    let out = dir.join("out.nii.gz");
    let out = s(&out).to_owned();
    let good: Vec<u8> = f32_bytes(&[2.0; 24]);

    // Truncated: the file ends inside the header.
    let path = dir.join("truncated.npy");
    write_npy(&path, "<f4", false, &[2, 3, 4], &good);
    let bytes = std::fs::read(&path).unwrap();
    std::fs::write(&path, &bytes[..30]).unwrap();
    assert_refused(
        &dir,
        &["import-npy", s(&path), "--like", &base, "--out", &out],
        &["cut short", "truncated.npy"],
    );

    // A lying shape: the data is longer, or shorter, than the shape says.
    let path = dir.join("long.npy");
    write_npy(&path, "<f4", false, &[2, 3, 3], &good);
    assert_refused(
        &dir,
        &["import-npy", s(&path), "--like", &base, "--out", &out],
        &[
            "does not describe the data",
            "needs 72 bytes",
            "holds 96",
            "long.npy",
        ],
    );
    let path = dir.join("short.npy");
    write_npy(&path, "<f4", false, &[2, 3, 5], &good);
    assert_refused(
        &dir,
        &["import-npy", s(&path), "--like", &base, "--out", &out],
        &["ends early", "needs 120 bytes", "short.npy"],
    );

    // Python objects.
    let path = dir.join("object.npy");
    write_npy(&path, "|O", false, &[2, 3, 4], &[0; 192]);
    assert_refused(
        &dir,
        &["import-npy", s(&path), "--like", &base, "--out", &out],
        &["'|O'", "Python objects", "object.npy"],
    );

    // Not a .npy at all (the base itself).
    assert_refused(
        &dir,
        &["import-npy", &base, "--like", &base, "--out", &out],
        &["not a .npy file"],
    );
}

#[test]
fn shapes_and_slices_that_do_not_fit_are_refused_naming_both() {
    let dir = common::scratch_dir("npy_bad_shapes");
    let base_path = small_base(&dir);
    let base = s(&base_path).to_owned();
    let out = dir.join("out.nii");
    let out = s(&out).to_owned();

    // (3, 4, 2): the base's dims in an order neither tool gives.
    let path = dir.join("permuted.npy");
    write_npy(&path, "<f4", false, &[3, 4, 2], &f32_bytes(&[1.0; 24]));
    assert_refused(
        &dir,
        &["import-npy", s(&path), "--like", &base, "--out", &out],
        &[
            "(3, 4, 2)",
            "[4, 3, 2]",
            "(4, 3, 2) for ijk",
            "(2, 3, 4) for kji",
            "permuted.npy",
        ],
    );
    // A given order that the shape does not fit.
    let path = dir.join("kji.npy");
    write_npy(&path, "<f4", false, &[2, 3, 4], &f32_bytes(&[1.0; 24]));
    assert_refused(
        &dir,
        &[
            "import-npy",
            s(&path),
            "--like",
            &base,
            "--order",
            "ijk",
            "--out",
            &out,
        ],
        &["--order ijk needs shape (4, 3, 2)", "(2, 3, 4)"],
    );

    // A 2D array that fits no slice of the axial plane (4 x 3 voxels).
    let path = dir.join("slice.npy");
    write_npy(&path, "<f4", false, &[5, 7], &f32_bytes(&[1.0; 35]));
    assert_refused(
        &dir,
        &[
            "import-npy",
            s(&path),
            "--like",
            &base,
            "--plane",
            "axial",
            "--slice",
            "0",
            "--out",
            &out,
        ],
        &["(5, 7)", "4 x 3", "(3, 4)", "(4, 3)"],
    );
    // A 2D array without a plane.
    assert_refused(
        &dir,
        &["import-npy", s(&path), "--like", &base, "--out", &out],
        &["--plane"],
    );

    // Slice out of range: the axial slices of [4, 3, 2] are 0 and 1.
    let path = dir.join("axial.npy");
    write_npy(&path, "<f4", false, &[3, 4], &f32_bytes(&[1.0; 12]));
    assert_refused(
        &dir,
        &[
            "import-npy",
            s(&path),
            "--like",
            &base,
            "--plane",
            "axial",
            "--slice",
            "2",
            "--out",
            &out,
        ],
        &["slice 2 is out of range", "0 to 1"],
    );
}

#[test]
fn an_output_never_replaces_an_input() {
    let dir = common::scratch_dir("npy_overwrite");
    let base_path = small_base(&dir);
    let npy = dir.join("kji.npy");
    write_npy(&npy, "<f4", false, &[2, 3, 4], &f32_bytes(&[1.0; 24]));
    let (base_before, npy_before) = (
        std::fs::read(&base_path).unwrap(),
        std::fs::read(&npy).unwrap(),
    );
    assert_refused(
        &dir,
        &[
            "import-npy",
            s(&npy),
            "--like",
            s(&base_path),
            "--out",
            s(&base_path),
        ],
        &["refusing to overwrite", "base.nii.gz"],
    );
    assert_refused(
        &dir,
        &[
            "import-npy",
            s(&npy),
            "--like",
            s(&base_path),
            "--out",
            s(&npy),
        ],
        &["refusing to overwrite", "kji.npy"],
    );
    assert_eq!(std::fs::read(&base_path).unwrap(), base_before);
    assert_eq!(std::fs::read(&npy).unwrap(), npy_before);
}
