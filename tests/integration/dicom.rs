//! DICOM series against oracles: SimpleITK's reading of the shared cases
//! (tests/data/formats/oracle.json), SimpleITK's ImageSeriesReader and
//! dcm2niix at run time on real series from pydicom's wheel
//! (tests/data/dicom), and pydicom's own positions for a tilted series
//! written here. Never against numbers rasview produced.

use crate::common;

use rasview::volume::{self, LoadError, LoadOptions, Volume};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rasview(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn os<S: AsRef<std::ffi::OsStr> + ?Sized>(s: &S) -> &std::ffi::OsStr {
    s.as_ref()
}

fn dicom(name: &str) -> PathBuf {
    common::data_file(&format!("dicom/{name}"))
}

fn formats(name: &str) -> PathBuf {
    common::data_file(&format!("formats/{name}"))
}

fn triple(v: &Value) -> [f64; 3] {
    let a = v.as_array().unwrap();
    [0, 1, 2].map(|n| a[n].as_f64().unwrap())
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

fn warnings_text(v: &Volume) -> String {
    v.warnings.join("\n")
}

/// Checks rasview's affine and the values at the oracle's world points.
fn assert_matches_oracle(
    v: &Volume,
    affine: &Value,
    points: &[Value],
    tolerance_mm: f64,
    what: &str,
) {
    let want = matrix(affine);
    let got = v.grid.world_from_voxel.matrix();
    let diff = common::max_abs_diff(&want, &got);
    assert!(
        diff < tolerance_mm,
        "{what}: affine differs by {diff}: {got:?} vs {want:?}"
    );
    assert!(!points.is_empty(), "{what}: no points to check");
    for p in points {
        let world = triple(&p["world_ras_mm"]);
        let voxel = p["voxel_nearest"].as_array().unwrap();
        let voxel = [0, 1, 2].map(|n| voxel[n].as_u64().unwrap() as usize);
        let (found, value) = v
            .probe(world, 0)
            .unwrap_or_else(|| panic!("{what}: {world:?} is outside"));
        assert_eq!(found, voxel, "{what}: nearest voxel of {world:?}");
        let want = p["value"].as_f64().unwrap();
        assert!(
            (value - want).abs() < 1e-3,
            "{what}: value at {voxel:?} is {value}, oracle {want}"
        );
    }
}

fn shared_case(name: &str) -> Value {
    let text = std::fs::read_to_string(formats("oracle.json")).unwrap();
    let all: Value = serde_json::from_str(&text).unwrap();
    all["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == name)
        .unwrap_or_else(|| panic!("{name} not in oracle.json"))
        .clone()
}

#[test]
fn shuffled_oblique_series_matches_simpleitk() {
    // File names in random order and InstanceNumber counting down: a reader
    // that stacks by either gets k reversed or scrambled, and these points
    // (on several slices) then read other values.
    let case = shared_case("dicom_oblique_shuffled");
    let v = volume::load(&formats("dicom_oblique_shuffled")).unwrap();
    assert_eq!(v.grid.shape, [64, 60, 24]);
    assert_matches_oracle(
        &v,
        &case["affine"],
        case["points"].as_array().unwrap(),
        1e-4,
        "dicom_oblique_shuffled",
    );
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
    assert_eq!(v.files_read.len(), 24);
    assert!(v.files_read.iter().all(|f| f.sha256.is_some()));
}

#[test]
fn missing_slice_loads_with_the_gap_named() {
    let v = volume::load(&formats("dicom_missing_slice")).unwrap();
    assert_eq!(v.grid.shape[2], 23);
    let text = warnings_text(&v);
    assert!(text.contains("missing"), "{text}");
    // Where, the expected and the found step.
    assert!(text.contains("between slices 10 and 11"), "{text}");
    assert!(
        text.contains("6.000 mm where 3.000 mm is expected"),
        "{text}"
    );
}

#[test]
fn two_series_are_listed_never_mixed() {
    let folder = formats("dicom_two_series");
    let list = volume::dicom::list_series(&folder).unwrap();
    assert_eq!(list.len(), 2);
    assert!(list
        .iter()
        .all(|s| s.slices == 24 && s.shape == [64, 60, 24]));

    let info = rasview(&[os("info"), folder.as_os_str(), os("--json")]);
    assert!(
        info.status.success(),
        "{}",
        String::from_utf8_lossy(&info.stderr)
    );
    let reports: Vec<Value> = String::from_utf8(info.stdout)
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(reports.len(), 2);
    for (r, s) in reports.iter().zip(&list) {
        assert_eq!(r["series_uid"], s.series_uid.as_str());
        assert_eq!(r["slices"], 24);
        assert_eq!(r["modality"], "MR");
        assert_eq!(r["series_number"], 3);
        assert_eq!(r["shape"], serde_json::json!([64, 60, 24]));
    }
    let descriptions: Vec<&str> = reports
        .iter()
        .map(|r| r["series_description"].as_str().unwrap())
        .collect();
    assert_eq!(descriptions, ["first", "second"]);

    let probe = rasview(&[os("probe"), folder.as_os_str(), os("--ras"), os("0,0,0")]);
    assert_eq!(probe.status.code(), Some(1));
    let err = String::from_utf8_lossy(&probe.stderr);
    assert!(err.contains("--series"), "{err}");
    for s in &list {
        assert!(err.contains(&s.series_uid), "{err}");
    }
    for s in &list {
        let probe = rasview(&[
            os("probe"),
            folder.as_os_str(),
            os("--ras"),
            os("0,0,0"),
            os("--series"),
            os(&s.series_uid),
            os("--json"),
        ]);
        assert!(
            probe.status.success(),
            "{}",
            String::from_utf8_lossy(&probe.stderr)
        );
    }
    // Both share SeriesNumber 3: the number alone is not a choice.
    let by_number = volume::load_with(
        &folder,
        &LoadOptions {
            series: Some("3".into()),
            ..LoadOptions::default()
        },
    );
    assert!(
        matches!(by_number, Err(LoadError::SeveralSeries { .. })),
        "{by_number:?}"
    );
}

/// SimpleITK's ImageSeriesReader on a folder: the RAS affine and, at the
/// centre of every voxel (or a spread of them), the world point and value.
const SITK_SERIES: &str = r#"
import sys, json, numpy as np, SimpleITK as sitk
folder = sys.argv[1]
r = sitk.ImageSeriesReader()
ids = r.GetGDCMSeriesIDs(folder)
files = r.GetGDCMSeriesFileNames(folder, ids[0])
r.SetFileNames(files)
img = r.Execute()
arr = sitk.GetArrayFromImage(img)
D = np.array(img.GetDirection()).reshape(3, 3) * np.array(img.GetSpacing())
A = np.eye(4); A[:3, :3] = D; A[:3, 3] = img.GetOrigin()
A = np.diag([-1.0, -1.0, 1.0, 1.0]) @ A
n = arr.shape
pts = []
rng = np.random.default_rng(3)
for _ in range(60):
    ijk = [int(rng.integers(0, n[2])), int(rng.integers(0, n[1])), int(rng.integers(0, n[0]))]
    w = A @ np.r_[np.array(ijk, float), 1.0]
    pts.append(dict(world_ras_mm=w[:3].tolist(), voxel_nearest=ijk, value=float(arr[ijk[2], ijk[1], ijk[0]])))
print(json.dumps(dict(affine=A.tolist(), shape=[n[2], n[1], n[0]], points=pts)))
"#;

#[test]
fn real_ct_series_with_names_against_positions_matches_simpleitk() {
    let Some(python) = common::python_with(&["SimpleITK", "numpy"]) else {
        return;
    };
    let folder = dicom("ct5n");
    let oracle = common::python_json(&python, SITK_SERIES, &[folder.as_os_str()]);
    let v = volume::load(&folder).unwrap();
    assert_eq!(oracle["shape"], serde_json::json!(v.grid.shape));
    assert_matches_oracle(
        &v,
        &oracle["affine"],
        oracle["points"].as_array().unwrap(),
        1e-4,
        "ct5n",
    );
    assert!(v.warnings.is_empty(), "{:?}", v.warnings);
}

#[test]
fn real_ct_series_matches_dcm2niix() {
    // dcm2niix stacks on its own; nibabel reads what it wrote.
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let Ok(dcm2niix) = Command::new("dcm2niix").arg("-v").output() else {
        if std::env::var_os("RASVIEW_REQUIRE_PYTHON").is_some() {
            panic!("dcm2niix is not installed (pip install dcm2niix)");
        }
        eprintln!("skipped: no dcm2niix");
        return;
    };
    drop(dcm2niix);
    let out = common::scratch_dir("dicom-dcm2niix");
    let folder = dicom("ct5n");
    let run = Command::new("dcm2niix")
        .args(["-z", "n", "-b", "n", "-f", "ct", "-o"])
        .arg(&out)
        .arg(&folder)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stdout)
    );
    let script = r#"
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
arr = img.get_fdata()
pts = []
for ijk in np.ndindex(*arr.shape[:3]):
    w = img.affine @ np.r_[np.array(ijk, float), 1.0]
    pts.append(dict(world_ras_mm=w[:3].tolist(), value=float(arr[ijk])))
print(json.dumps(dict(points=pts)))
"#;
    let nii = out.join("ct.nii");
    let oracle = common::python_json(&python, script, &[nii.as_os_str()]);
    let v = volume::load(&folder).unwrap();
    let points = oracle["points"].as_array().unwrap();
    assert_eq!(points.len(), 16 * 16 * 5);
    // dcm2niix may flip the voxel order; world points and values must agree.
    for p in points {
        let world = triple(&p["world_ras_mm"]);
        let voxel = v.grid.voxel_from_world(world);
        assert!(
            voxel.iter().all(|c| (c - c.round()).abs() < 1e-3),
            "dcm2niix's voxel centre {world:?} is not one of rasview's: {voxel:?}"
        );
        let (_, value) = v.probe(world, 0).expect("inside");
        assert_eq!(value, p["value"].as_f64().unwrap(), "at {world:?}");
    }
}

#[test]
fn rle_compressed_file_reads_as_its_uncompressed_twin_and_simpleitk() {
    let plain = volume::load(&dicom("mr_small")).unwrap();
    let rle = volume::load(&dicom("mr_small_rle/MR_small_RLE.dcm")).unwrap();
    assert_eq!(
        plain.grid.world_from_voxel.matrix(),
        rle.grid.world_from_voxel.matrix()
    );
    assert_eq!(plain.voxels, rle.voxels);
    let Some(python) = common::python_with(&["SimpleITK", "numpy"]) else {
        return;
    };
    let mut oracle =
        common::python_json(&python, SITK_SERIES, &[dicom("mr_small_rle").as_os_str()]);
    // One slice: ITK gives it 1 mm along the normal, rasview (like
    // dcm2niix) its SliceThickness, 0.8 mm. Only that length may differ.
    assert_eq!(oracle["affine"][2][2], 1.0);
    oracle["affine"][2][2] = serde_json::json!(0.8);
    assert_matches_oracle(
        &rle,
        &oracle["affine"],
        oracle["points"].as_array().unwrap(),
        1e-4,
        "RLE",
    );
}

#[test]
fn jpeg_baseline_colour_reads_as_rgb() {
    let v = volume::load(&dicom("sc_rgb_jpeg_dcmtk")).unwrap();
    assert_eq!(v.datatype(), volume::Datatype::Rgb24);
    assert_eq!(v.grid.shape, [100, 100, 1]);
    let Some(python) = common::python_with(&["SimpleITK", "numpy"]) else {
        return;
    };
    // GDCM's libjpeg and jpeg-decoder may round a lossy stream differently
    // by a step; a swapped or planar-misread image is off by far more.
    let script = r#"
import sys, json, SimpleITK as sitk
a = sitk.GetArrayFromImage(sitk.ReadImage(sys.argv[1]))
print(json.dumps(dict(shape=list(a.shape), rgb=[[int(c) for c in a[0, j, i]] for j, i in [(5, 5), (50, 20), (80, 90), (30, 70)]])))
"#;
    let file = dicom("sc_rgb_jpeg_dcmtk/SC_rgb_jpeg_dcmtk.dcm");
    let oracle = common::python_json(&python, script, &[file.as_os_str()]);
    for (n, (j, i)) in [(5, 5), (50, 20), (80, 90), (30, 70)]
        .into_iter()
        .enumerate()
    {
        let got = v.rgb_at([i, j, 0], 0).unwrap();
        let want = &oracle["rgb"][n];
        for c in 0..3 {
            let w = want[c].as_i64().unwrap();
            assert!(
                (got[c] as i64 - w).abs() <= 2,
                "pixel ({i}, {j}): {got:?} vs {want}"
            );
        }
    }
}

#[test]
fn jpeg_2000_is_refused_by_name() {
    let err = volume::load(&dicom("mr_small_jp2klossless")).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("JPEG 2000"), "{text}");
    assert!(text.contains("1.2.840.10008.1.2.4.90"), "{text}");
    assert!(text.contains("MR_small_jp2klossless.dcm"), "{text}");
}

#[test]
fn localizers_and_other_orientations_are_left_out_and_named() {
    let v = volume::load(&dicom("ct2n_localizers")).unwrap();
    assert_eq!(v.grid.shape[2], 1);
    let text = warnings_text(&v);
    assert!(text.contains("left out") && text.contains("6924"), "{text}");
}

#[test]
fn real_gap_is_named_with_the_expected_and_found_step() {
    let v = volume::load(&dicom("ct2_gap")).unwrap();
    let text = warnings_text(&v);
    assert!(
        text.contains("202.500 mm where 1.250 mm is expected"),
        "{text}"
    );
    assert!(text.contains("17106") && text.contains("17136"), "{text}");
}

#[test]
fn a_file_opens_its_folder_and_its_series() {
    let folder = formats("dicom_two_series");
    let list = volume::dicom::list_series(&folder).unwrap();
    let any_file = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.file_name().unwrap().to_string_lossy().starts_with('B'))
        .unwrap();
    let v = volume::load(&any_file).unwrap();
    assert_eq!(v.grid.shape, [64, 60, 24]);
    assert_eq!(v.files_read.len(), 24);
    let mine = volume::dicom::list_series(&any_file).unwrap();
    assert_eq!(mine.len(), 1);
    assert!(list.contains(&mine[0]));
}

#[test]
fn non_dicom_files_and_a_dicomdir_are_passed_over() {
    let dir = common::scratch_dir("dicom-passed-over");
    for e in std::fs::read_dir(dicom("ct5n")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.join(p.file_name().unwrap())).unwrap();
    }
    std::fs::copy(dicom("dicomdir/DICOMDIR"), dir.join("DICOMDIR")).unwrap();
    std::fs::write(dir.join("notes.txt"), "scanned on Tuesday").unwrap();
    std::fs::write(dir.join("empty"), "").unwrap();
    let v = volume::load(&dir).unwrap();
    assert_eq!(v.grid.shape, [16, 16, 5]);
    let text = warnings_text(&v);
    assert!(
        text.contains("DICOMDIR") && text.contains("notes.txt"),
        "{text}"
    );
}

#[test]
fn a_folder_without_images_is_an_error() {
    let dir = common::scratch_dir("dicom-empty");
    let err = volume::load(&dir).unwrap_err();
    assert!(matches!(err, LoadError::NoDicomImage { .. }), "{err}");
    std::fs::write(dir.join("readme.txt"), "nothing here").unwrap();
    let out = rasview(&[os("info"), dir.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("no DICOM image") && err.contains("readme.txt"),
        "{err}"
    );
}

/// Copies a file into a fresh folder, changed by `edit`.
fn edited_copy(name: &str, source: &Path, edit: impl FnOnce(&mut Vec<u8>)) -> PathBuf {
    let dir = common::scratch_dir(name);
    let mut bytes = std::fs::read(source).unwrap();
    edit(&mut bytes);
    let path = dir.join(source.file_name().unwrap());
    std::fs::write(&path, bytes).unwrap();
    path
}

/// Where the PixelData element (7FE0,0010) starts in an explicit little-endian file.
fn pixel_data_at(bytes: &[u8]) -> usize {
    bytes
        .windows(6)
        .rposition(|w| {
            w == [0xE0, 0x7F, 0x10, 0x00, b'O', b'W'] || w == [0xE0, 0x7F, 0x10, 0x00, b'O', b'B']
        })
        .expect("a PixelData element")
}

#[test]
fn a_file_without_pixel_data_is_an_error_naming_it() {
    let path = edited_copy("dicom-no-pixels", &dicom("mr_small/MR_small.dcm"), |b| {
        let at = pixel_data_at(b);
        b.truncate(at);
    });
    let out = rasview(&[os("info"), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("PixelData") && err.contains("MR_small.dcm"),
        "{err}"
    );
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_corrupt_rle_stream_is_an_error_naming_the_codec() {
    let path = edited_copy(
        "dicom-corrupt-rle",
        &dicom("mr_small_rle/MR_small_RLE.dcm"),
        |b| {
            // The RLE header of the first fragment: after PixelData's 12-byte
            // element header, the offset table item (8 bytes and its length)
            // and the fragment's 8-byte item header. A segment count of 15 (of
            // at most 15) with offsets past the end cannot be decoded.
            let table = pixel_data_at(b) + 12;
            let table_len =
                u32::from_le_bytes(b[table + 4..table + 8].try_into().unwrap()) as usize;
            let at = table + 8 + table_len + 8;
            b[at..at + 4].copy_from_slice(&15u32.to_le_bytes());
            for s in 1..15 {
                let o = at + 4 * s;
                b[o..o + 4].copy_from_slice(&0x00ff_ff00u32.to_le_bytes());
            }
        },
    );
    let out = rasview(&[os("info"), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("PixelData") && err.contains("MR_small_RLE.dcm"),
        "{err}"
    );
    assert!(err.contains("RLE"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn a_truncated_file_is_an_error_not_a_panic() {
    let path = edited_copy("dicom-truncated", &dicom("mr_small/MR_small.dcm"), |b| {
        let keep = b.len() - 3000;
        b.truncate(keep);
    });
    let out = rasview(&[os("info"), path.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("MR_small.dcm"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn dicom_outputs_are_refused() {
    let dir = common::scratch_dir("dicom-no-write");
    let out = dir.join("edges.dcm");
    let run = rasview(&[
        os("edges"),
        dicom("ct5n").as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(1));
    let err = String::from_utf8_lossy(&run.stderr);
    assert!(
        err.contains("does not write") && err.contains("DICOM"),
        "{err}"
    );
    assert!(!out.exists());
}

#[test]
fn rt_dose_frames_are_placed_by_grid_frame_offsets() {
    let Some(python) = common::python_with(&["pydicom", "numpy"]) else {
        return;
    };
    let file = dicom("rtdose/rtdose.dcm");
    let script = r#"
import sys, json, numpy as np, pydicom
d = pydicom.dcmread(sys.argv[1])
a = d.pixel_array.astype(float) * float(d.DoseGridScaling)
ipp = np.array([float(x) for x in d.ImagePositionPatient])
off = [float(x) for x in d.GridFrameOffsetVector]
ps = [float(x) for x in d.PixelSpacing]
pts = []
for k in range(a.shape[0]):
    for j, i in [(0, 0), (3, 7), (9, 2)]:
        lps = ipp + np.array([i * ps[1], j * ps[0], off[k] - off[0]])
        pts.append(dict(world_ras_mm=[-lps[0], -lps[1], lps[2]], value=a[k, j, i]))
print(json.dumps(dict(points=pts)))
"#;
    let oracle = common::python_json(&python, script, &[file.as_os_str()]);
    let v = volume::load(&file).unwrap();
    assert_eq!(v.grid.shape, [10, 10, 15]);
    for p in oracle["points"].as_array().unwrap() {
        let world = triple(&p["world_ras_mm"]);
        let (_, value) = v.probe(world, 0).expect("inside");
        assert!(
            (value - p["value"].as_f64().unwrap()).abs() < 1e-9,
            "at {world:?}: {value} vs {}",
            p["value"]
        );
    }
}

/// Writes a CT series with pydicom whose slices step sideways as they go
/// up (a tilted gantry), and returns each slice's position read back by
/// SimpleITK, one file at a time, in RAS.
const TILTED: &str = r#"
import sys, os, json, numpy as np, pydicom, SimpleITK as sitk
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.uid import ExplicitVRLittleEndian, CTImageStorage, generate_uid
out = sys.argv[1]
series, study, frame = generate_uid(), generate_uid(), generate_uid()
angle = 15.0
step = 2.5
rng = np.random.default_rng(5)
for k in range(12):
    ds = Dataset(); ds.file_meta = FileMetaDataset()
    ds.file_meta.MediaStorageSOPClassUID = CTImageStorage
    ds.file_meta.MediaStorageSOPInstanceUID = generate_uid()
    ds.file_meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds.SOPClassUID = CTImageStorage; ds.SOPInstanceUID = ds.file_meta.MediaStorageSOPInstanceUID
    ds.Modality = 'CT'; ds.SeriesInstanceUID = series; ds.StudyInstanceUID = study
    ds.FrameOfReferenceUID = frame; ds.SeriesNumber = 4; ds.InstanceNumber = k + 1
    ds.GantryDetectorTilt = str(angle)
    # Slices move along y as they go up z: stacked at `angle` off the normal.
    ds.ImagePositionPatient = [-40.0, -30.0 + k * step * np.tan(np.radians(angle)), 10.0 + k * step]
    ds.ImageOrientationPatient = [1, 0, 0, 0, 1, 0]
    ds.PixelSpacing = [0.8, 0.6]; ds.SliceThickness = str(step)
    ds.Rows, ds.Columns = 20, 24
    ds.SamplesPerPixel = 1; ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 16; ds.BitsStored = 16; ds.HighBit = 15; ds.PixelRepresentation = 1
    ds.RescaleSlope = '1'; ds.RescaleIntercept = '-1024'
    a = rng.integers(0, 2000, (20, 24)).astype(np.int16)
    ds.PixelData = a.tobytes()
    pydicom.dcmwrite(os.path.join(out, f"slice{(7 * k) % 12:02d}"), ds, enforce_file_format=True)
slices = []
for name in sorted(os.listdir(out)):
    img = sitk.ReadImage(os.path.join(out, name))
    o = img.GetOrigin(); a = sitk.GetArrayFromImage(img)[0]
    pts = [dict(ij=[i, j], world_ras_mm=[-(o[0] + i * 0.6), -(o[1] + j * 0.8), o[2]], value=float(a[j, i]))
           for i, j in [(0, 0), (23, 0), (5, 17), (23, 19)]]
    slices.append(dict(z=o[2], points=pts))
print(json.dumps(dict(angle=angle, slices=slices)))
"#;

#[test]
fn gantry_tilt_is_named_and_kept_as_a_sheared_affine() {
    let Some(python) = common::python_with(&["SimpleITK", "pydicom", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("dicom-tilt");
    let oracle = common::python_json(&python, TILTED, &[dir.as_os_str()]);
    let v = volume::load(&dir).unwrap();
    assert_eq!(v.grid.shape, [24, 20, 12]);
    let text = warnings_text(&v);
    assert!(
        text.contains("gantry tilt") && text.contains("15.00 degrees"),
        "{text}"
    );
    // Every voxel centre sits where SimpleITK places its own slice's pixel.
    let mut slices: Vec<&Value> = oracle["slices"].as_array().unwrap().iter().collect();
    slices.sort_by(|a, b| {
        a["z"]
            .as_f64()
            .unwrap()
            .total_cmp(&b["z"].as_f64().unwrap())
    });
    for (k, s) in slices.iter().enumerate() {
        for p in s["points"].as_array().unwrap() {
            let ij = p["ij"].as_array().unwrap();
            let voxel = [
                ij[0].as_u64().unwrap() as usize,
                ij[1].as_u64().unwrap() as usize,
                k,
            ];
            let world = v.grid.world_from_index(voxel);
            let want = triple(&p["world_ras_mm"]);
            let d = (0..3)
                .map(|a| (world[a] - want[a]).abs())
                .fold(0.0, f64::max);
            assert!(d < 1e-4, "voxel {voxel:?} at {world:?}, SimpleITK {want:?}");
            // SimpleITK applies RescaleIntercept -1024, as rasview does.
            assert_eq!(v.value_at(voxel, 0), p["value"].as_f64().unwrap());
        }
    }
}
