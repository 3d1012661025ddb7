//! Bad MetaImage files: each gives one error naming the file and the field
//! (or the data file), never a panic, and never an allocation the header
//! asks for before it is checked against the data on disk.

use crate::common;
use crate::metaimage::copy_case;

use rasview::volume::{self, LoadError, LoadOptions};
use std::path::{Path, PathBuf};

const MHA: &str = "mha_oblique_sagittal_u16.mha";
const MHD: &str = "mhd_flipped_f32.mhd";

/// The header text and the bytes after it.
fn split(bytes: &[u8]) -> (String, Vec<u8>) {
    let at = bytes
        .windows(15)
        .position(|w| w == b"ElementDataFile")
        .unwrap();
    let end = at + bytes[at..].iter().position(|&b| b == b'\n').unwrap() + 1;
    (
        String::from_utf8(bytes[..end].to_vec()).unwrap(),
        bytes[end..].to_vec(),
    )
}

fn mha_parts() -> (String, Vec<u8>) {
    split(&std::fs::read(common::data_file(&format!("formats/{MHA}"))).unwrap())
}

fn write(dir: &Path, name: &str, header: &str, data: &[u8]) -> PathBuf {
    let path = dir.join(name);
    let mut bytes = header.as_bytes().to_vec();
    bytes.extend_from_slice(data);
    std::fs::write(&path, bytes).unwrap();
    path
}

fn error_of(path: &Path) -> String {
    let e = volume::load(path).expect_err("must be refused").to_string();
    assert!(
        e.ends_with(&*path.to_string_lossy()) || e.contains(&*path.to_string_lossy()),
        "{e}"
    );
    e
}

/// Replaces the value of `field` (a whole line) in a header.
fn with_field(header: &str, field: &str, value: &str) -> String {
    header
        .lines()
        .map(|l| {
            if l.split(" = ").next() == Some(field) {
                format!("{field} = {value}")
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n")
        + "\n"
}

#[test]
fn each_kind_of_bad_metaimage_names_file_and_field() {
    let dir = common::scratch_dir("metaimage_bad");
    let (header, data) = mha_parts();

    // Compressed stream cut short (the data half gone; the last 4 bytes gone).
    for (name, cut) in [
        ("half.mha", data.len() / 2),
        ("noadler.mha", data.len() - 4),
    ] {
        let path = write(
            &dir,
            name,
            &with_field(&header, "CompressedDataSize", &cut.to_string()),
            &data[..cut],
        );
        let e = error_of(&path);
        assert!(e.contains("cut short"), "{name}: {e}");
    }
    // A flipped byte inside the stream, a bad Adler-32, garbage after it.
    let mut flipped = data.clone();
    flipped[data.len() / 2] ^= 0x40;
    let e = error_of(&write(&dir, "flipped.mha", &header, &flipped));
    assert!(e.contains("compressed data is corrupt"), "{e}");
    let mut adler = data.clone();
    *adler.last_mut().unwrap() ^= 1;
    let e = error_of(&write(&dir, "adler.mha", &header, &adler));
    assert!(e.contains("compressed data is corrupt"), "{e}");
    let mut trailing = data.clone();
    trailing.extend_from_slice(b"garbage");
    let e = error_of(&write(&dir, "trailing.mha", &header, &trailing));
    assert!(
        e.contains("7 bytes follow the end of the zlib stream"),
        "{e}"
    );
    // CompressedDataSize that disagrees with the stream.
    let wrong = with_field(
        &header,
        "CompressedDataSize",
        &(data.len() - 10).to_string(),
    );
    let e = error_of(&write(&dir, "size.mha", &wrong, &data));
    assert!(e.starts_with("CompressedDataSize"), "{e}");

    // DimSize disagreeing with the data: more voxels than the stream holds,
    // and fewer.
    let e = error_of(&write(
        &dir,
        "more.mha",
        &with_field(&header, "DimSize", "48 56 41"),
        &data,
    ));
    assert!(e.contains("DimSize and ElementType declare"), "{e}");
    let e = error_of(&write(
        &dir,
        "fewer.mha",
        &with_field(&header, "DimSize", "48 56 39"),
        &data,
    ));
    assert!(
        e.starts_with("DimSize") && e.contains("inflates to more"),
        "{e}"
    );

    // Unknown ElementType, named.
    let e = error_of(&write(
        &dir,
        "type.mha",
        &with_field(&header, "ElementType", "MET_HALF"),
        &data,
    ));
    assert!(
        e.starts_with("ElementType = MET_HALF is not a type rasview reads"),
        "{e}"
    );

    // Absurd DimSize: refused by the memory limit, or by the data on disk,
    // before any buffer is made.
    let e = error_of(&write(
        &dir,
        "absurd.mha",
        &with_field(&header, "DimSize", "100000 100000 100000"),
        &data,
    ));
    assert!(e.contains("memory limit"), "{e}");
    let roomy = LoadOptions {
        memory_limit_bytes: u64::MAX,
        ..LoadOptions::default()
    };
    let path = write(
        &dir,
        "huge.mha",
        &with_field(&header, "DimSize", "100000 100000 1000"),
        &data,
    );
    match volume::load_with(&path, &roomy) {
        Err(LoadError::Truncated { detail, .. }) => {
            assert!(detail.contains("cannot inflate"), "{detail}")
        }
        other => panic!("{other:?}"),
    }

    // Detached: missing, short, and a raw file that is too long.
    let mhd = copy_case(MHD, &dir);
    let raw = dir.join("mhd_flipped_f32.raw");
    let full = std::fs::read(&raw).unwrap();
    std::fs::remove_file(&raw).unwrap();
    let e = error_of(&mhd);
    assert!(
        e.contains("ElementDataFile") && e.contains("mhd_flipped_f32.raw"),
        "{e}"
    );
    std::fs::write(&raw, &full[..full.len() - 1]).unwrap();
    let e = volume::load(&mhd).unwrap_err().to_string();
    assert!(
        e.contains("DimSize and ElementType declare 253440 bytes")
            && e.ends_with("mhd_flipped_f32.raw"),
        "{e}"
    );
    let mut longer = full.clone();
    longer.extend_from_slice(&[0; 8]);
    std::fs::write(&raw, &longer).unwrap();
    let v = volume::load(&mhd).unwrap();
    assert!(
        v.warnings
            .iter()
            .any(|w| w.contains("8 bytes after the voxels")),
        "{:?}",
        v.warnings
    );

    // Not a MetaImage at all; an empty file; a folder.
    let e = error_of(&write(&dir, "binary.mha", "", &data));
    assert!(
        e.contains("not a MetaImage header") || e.contains("header line 1"),
        "{e}"
    );
    let empty = write(&dir, "empty.mha", "", &[]);
    assert!(error_of(&empty).contains("is empty"));
    let folder = dir.join("folder.mha");
    std::fs::create_dir_all(&folder).unwrap();
    assert!(volume::load(&folder).is_err());
}

/// Each header field of both shared cases corrupted in turn (removed,
/// emptied, garbage, out of range, NaN, a number too few or too many,
/// its name misspelt, given twice): the file loads, or the error names
/// the field (or, for fields that set the data's size, the data that
/// disagrees), and never a panic.
#[test]
fn every_header_field_corrupted_in_turn() {
    let dir = common::scratch_dir("metaimage_mutations");
    let mhd_dir = dir.join("mhd");
    std::fs::create_dir_all(&mhd_dir).unwrap();
    copy_case(MHD, &mhd_dir);
    let (mha_header, mha_data) = mha_parts();
    let mhd_header = std::fs::read_to_string(common::data_file(&format!("formats/{MHD}"))).unwrap();
    let (mut loaded, mut refused) = (0, 0);
    for (header, data, folder, ext) in [
        (&mha_header, &mha_data[..], &dir, "mha"),
        (&mhd_header, &[][..], &mhd_dir, "mhd"),
    ] {
        let lines: Vec<&str> = header.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            let (name, value) = line.split_once(" = ").unwrap();
            let first = value.split(' ').next().unwrap();
            let mutations: Vec<(&str, String)> = vec![
                ("removed", String::new()),
                ("empty", format!("{name} = ")),
                ("garbage", format!("{name} = garbage")),
                ("negative", format!("{name} = -1")),
                ("huge", format!("{name} = 1e308")),
                ("nan", format!("{name} = nan")),
                (
                    "one less",
                    format!("{name} = {}", value.rsplit_once(' ').map_or("", |p| p.0)),
                ),
                ("one more", format!("{name} = {value} {first}")),
                ("misspelt", format!("{}x = {value}", name.to_lowercase())),
                ("twice", format!("{line}\n{name} = {first}")),
                ("zero", format!("{name} = 0")),
            ];
            for (what, replacement) in mutations {
                let mut new_lines = lines.clone();
                new_lines[n] = &replacement;
                let text = new_lines
                    .iter()
                    .filter(|l| !l.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("\n")
                    + "\n";
                let file = format!("{}_{n}_{}.{ext}", name, what.replace(' ', "_"));
                let path = write(folder, &file, &text, data);
                let outcome = std::panic::catch_unwind(|| volume::load(&path));
                match outcome {
                    Err(_) => panic!("{name} {what}: panicked; kept at {}", path.display()),
                    Ok(Ok(v)) => {
                        let _ = v.frame_range(0);
                        loaded += 1;
                    }
                    Ok(Err(e)) => {
                        let e = e.to_string();
                        let about_data = e.contains("DimSize and ElementType declare")
                            || e.contains("compressed data is corrupt")
                            || e.contains("cannot inflate")
                            || e.contains("inflates to more");
                        let data_fields = [
                            "CompressedData",
                            "CompressedDataSize",
                            "DimSize",
                            "ElementType",
                            "ElementDataFile",
                            "NDims",
                            "BinaryData",
                            "HeaderSize",
                        ];
                        assert!(
                            e.contains(name)
                                || (about_data && data_fields.contains(&name))
                                || (name == "ElementDataFile" && e.contains("header")),
                            "{name} {what}: {e}"
                        );
                        refused += 1;
                    }
                }
            }
        }
    }
    eprintln!("MetaImage header mutations: {loaded} loaded, {refused} refused");
    assert!(
        loaded > 40 && refused > 100,
        "{loaded} loaded, {refused} refused"
    );
}
