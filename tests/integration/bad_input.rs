//! Bad input: every kind gets an error that names the file and the field,
//! never a panic, never an abort from a giant allocation.

use crate::common;

use rasview::volume::{self, LoadError, LoadOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A real file, decompressed, so byte edits land on header fields.
fn real_nii_bytes() -> Vec<u8> {
    let gz = std::fs::read(common::data_file("nifti-space/LPI.nii.gz")).unwrap();
    let mut out = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
    out
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    enc.write_all(bytes).unwrap();
    enc.finish().unwrap()
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn set_i16(b: &mut [u8], at: usize, v: i16) {
    b[at..at + 2].copy_from_slice(&v.to_le_bytes());
}
fn set_f32(b: &mut [u8], at: usize, v: f32) {
    b[at..at + 4].copy_from_slice(&v.to_le_bytes());
}

/// Loads a file and returns the error message, which must name the file.
fn error_of(path: &Path) -> String {
    let e = volume::load(path)
        .err()
        .unwrap_or_else(|| panic!("{} loaded", path.display()));
    let text = e.to_string();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        text.contains(&name),
        "message does not name the file: {text}"
    );
    text
}

#[test]
fn each_kind_of_bad_file_names_file_and_field() {
    let dir = common::scratch_dir("bad_named");
    let good = real_nii_bytes();
    assert!(volume::load(&write(&dir, "good.nii", &good)).is_ok());

    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.nii", vec![], "is empty"),
        ("tiny.nii", good[..100].to_vec(), "header needs 348 bytes"),
        (
            "truncated.nii",
            good[..good.len() / 2].to_vec(),
            "file ends early",
        ),
        ("truncated.nii.gz", gzip(&good)[..20_000].to_vec(), "gzip"),
        (
            "corrupt.nii.gz",
            {
                let mut z = gzip(&good);
                for b in &mut z[40..400] {
                    *b ^= 0x5a;
                }
                z
            },
            "gzip",
        ),
        (
            "terabytes.nii",
            {
                let mut b = good.clone();
                for (axis, v) in [(1, 30000), (2, 30000), (3, 30000)] {
                    set_i16(&mut b, 40 + 2 * axis, v);
                }
                b
            },
            "memory limit",
        ),
        (
            "negative_dim.nii",
            {
                let mut b = good.clone();
                set_i16(&mut b, 44, -5);
                b
            },
            "dim[2] = -5",
        ),
        (
            "zero_dim.nii",
            {
                let mut b = good.clone();
                set_i16(&mut b, 46, 0);
                b
            },
            "dim[3] = 0",
        ),
        (
            "dim0.nii",
            {
                let mut b = good.clone();
                set_i16(&mut b, 40, 0);
                b
            },
            "dim[0] = 0",
        ),
        (
            "offset_past_end.nii",
            {
                let mut b = good.clone();
                set_f32(&mut b, 108, 1.0e7);
                b
            },
            "file ends early",
        ),
        (
            "offset_inside_header.nii",
            {
                let mut b = good.clone();
                set_f32(&mut b, 108, 100.0);
                b
            },
            "vox_offset = 100",
        ),
        (
            "nan_pixdim.nii",
            {
                let mut b = good.clone();
                set_f32(&mut b, 80, f32::NAN);
                b
            },
            "pixdim[1] = NaN",
        ),
        (
            "nan_srow.nii",
            {
                let mut b = good.clone();
                set_f32(&mut b, 300, f32::NAN);
                b
            },
            "srow_y[1] = NaN",
        ),
        (
            "singular.nii",
            {
                let mut b = good.clone();
                for c in 0..4 {
                    set_f32(&mut b, 312 + 4 * c, 0.0);
                }
                b
            },
            "singular",
        ),
        (
            "datatype.nii",
            {
                let mut b = good.clone();
                set_i16(&mut b, 70, 32);
                b
            },
            "datatype = 32 (complex64)",
        ),
        (
            "unknown_datatype.nii",
            {
                let mut b = good.clone();
                set_i16(&mut b, 70, 77);
                b
            },
            "datatype = 77",
        ),
        (
            "magic.nii",
            {
                let mut b = good.clone();
                b[344..348].copy_from_slice(b"xyz\0");
                b
            },
            "magic",
        ),
        (
            "not_nifti.nii",
            b"this is a text file, not an image, but long enough to hold a header ...".repeat(8),
            "sizeof_hdr",
        ),
        (
            "nan_inter.nii",
            {
                let mut b = good.clone();
                set_f32(&mut b, 112, 2.0);
                set_f32(&mut b, 116, f32::NAN);
                b
            },
            "scl_inter = NaN",
        ),
    ];
    for (name, bytes, expected) in &cases {
        let text = error_of(&write(&dir, name, bytes));
        assert!(
            text.contains(expected),
            "{name}: expected \"{expected}\" in: {text}"
        );
    }

    // A folder is read as a DICOM series; this one holds none.
    let folder = error_of(&dir);
    assert!(folder.contains("no DICOM image"), "{folder}");
    assert!(folder.contains("not DICOM"), "{folder}");
    let header_only = write(&dir, "lonely.hdr", &good[..348]);
    assert!(
        error_of(&header_only).contains("no image file"),
        "missing .img"
    );
    // A MetaImage under a NIfTI name is read as NIfTI, and refused by it.
    let metaimage = dir.join("mha_named.nii");
    std::fs::copy(common::data_file("niivue/mha.mha"), &metaimage).unwrap();
    assert!(error_of(&metaimage).contains("sizeof_hdr"));
    let missing = dir.join("does_not_exist.nii");
    assert!(error_of(&missing).contains("cannot read"));
}

/// A 4 KB file whose header claims 3000^3 int16 voxels must not allocate them.
#[test]
fn giant_dims_in_a_small_file_do_not_allocate() {
    let dir = common::scratch_dir("bad_giant");
    let mut b = real_nii_bytes()[..4096].to_vec();
    for axis in 1..=3 {
        set_i16(&mut b, 40 + 2 * axis, 3000);
    }
    set_i16(&mut b, 70, 4);
    set_i16(&mut b, 72, 16);
    let gz = write(&dir, "giant.nii.gz", &gzip(&b));
    let plain = write(&dir, "giant.nii", &b);
    // With a limit below the claim: refused from the header alone.
    let small = LoadOptions {
        memory_limit_bytes: 1 << 30,
        ..LoadOptions::default()
    };
    for p in [&gz, &plain] {
        match volume::load_with(p, &small) {
            Err(LoadError::TooLarge { declared_bytes, .. }) => {
                assert_eq!(declared_bytes, 3000u128.pow(3) * 2)
            }
            other => panic!("{}: {other:?}", p.display()),
        }
    }
    // With a limit above the claim (54 GB): the plain file is refused by its
    // size on disk, the gzip stream ends early; neither touches 54 GB.
    let roomy = LoadOptions {
        memory_limit_bytes: 1 << 40,
        ..LoadOptions::default()
    };
    assert!(matches!(
        volume::load_with(&plain, &roomy),
        Err(LoadError::Truncated { .. })
    ));
    // Where the system refuses 54 GB outright, the allocation fails instead.
    match volume::load_with(&gz, &roomy) {
        Err(LoadError::Truncated { .. }) | Err(LoadError::OutOfMemory { .. }) => {}
        other => panic!("{other:?}"),
    }
}

/// Hundreds of mutated real headers and truncations: each load gives an
/// error or a valid volume, never a panic.
#[test]
fn mutated_headers_never_panic() {
    let dir = common::scratch_dir("bad_fuzz");
    let sources = [real_nii_bytes(), {
        // A big-endian, no-transform file and a sheared one too.
        let gz = std::fs::read(common::data_file("niivue/minimal.nii.gz")).unwrap();
        let mut out = Vec::new();
        std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut out).unwrap();
        out
    }];
    let mut rng = common::Rng::new(2026);
    let (mut loaded, mut refused) = (0, 0);
    let mut check = |bytes: &[u8], name: &str| {
        let path = write(&dir, name, bytes);
        let outcome = std::panic::catch_unwind(|| {
            volume::load(&path).map(|v| {
                // A volume that loads must be usable: probe its centre.
                let centre = v
                    .grid
                    .world_from_voxel
                    .apply(v.grid.index_extent().map(|e| e / 2.0));
                let _ = v.probe(centre, 0);
                v.frame_range(0)
            })
        });
        match outcome {
            Ok(Ok(_)) => loaded += 1,
            Ok(Err(e)) => {
                assert!(e.to_string().contains(name), "{e}");
                refused += 1
            }
            Err(_) => panic!(
                "load panicked on {name}; the file is kept at {}",
                path.display()
            ),
        }
    };
    for round in 0..600 {
        let mut b = sources[round % sources.len()].clone();
        let flips = 1 + rng.below(4);
        for _ in 0..flips {
            let at = rng.below(352);
            b[at] ^= 1 << rng.below(8);
            if rng.below(4) == 0 {
                b[at] = rng.next_u64() as u8;
            }
        }
        let name = format!("mut{round}.nii");
        check(&b, &name);
        if round % 3 == 0 {
            check(&gzip(&b), &format!("mut{round}.nii.gz"));
        }
    }
    for round in 0..200 {
        let b = &sources[round % sources.len()];
        let cut = rng.below(b.len());
        check(&b[..cut], &format!("cut{round}.nii"));
        if round % 2 == 0 {
            let z = gzip(b);
            let zcut = rng.below(z.len());
            check(&z[..zcut], &format!("cut{round}.nii.gz"));
        }
    }
    eprintln!("mutations: {loaded} loaded, {refused} refused");
    assert!(
        loaded > 50 && refused > 300,
        "{loaded} loaded, {refused} refused"
    );
}

/// A header whose voxels fit the memory limit but not the machine: the
/// allocation fails, and the message says how much was asked for and that it
/// was not available (it once said "more than the memory limit of 0 bytes").
#[test]
fn a_failed_allocation_names_the_size_asked_for() {
    let dir = common::scratch_dir("bad_alloc");
    let mut b = real_nii_bytes()[..4096].to_vec();
    // 32767^4 uint8 voxels: about 1 EiB, more than any address space.
    set_i16(&mut b, 40, 4);
    for axis in 1..=4 {
        set_i16(&mut b, 40 + 2 * axis, 32767);
    }
    set_i16(&mut b, 70, 2);
    set_i16(&mut b, 72, 8);
    let gz = write(&dir, "exabyte.nii.gz", &gzip(&b));
    let unlimited = LoadOptions {
        memory_limit_bytes: u64::MAX,
        ..LoadOptions::default()
    };
    let e = volume::load_with(&gz, &unlimited).expect_err("1 EiB cannot be allocated");
    let text = e.to_string();
    assert!(
        matches!(e, LoadError::OutOfMemory { bytes, .. } if bytes == 32767u128.pow(4)),
        "{e:?}"
    );
    assert!(text.contains("1152780773560811521 bytes"), "{text}");
    assert!(text.contains("not available"), "{text}");
    assert!(!text.contains("limit of 0 bytes"), "{text}");
    assert!(text.contains("exabyte.nii.gz"), "{text}");
}
