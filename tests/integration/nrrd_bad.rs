//! Bad NRRD files: each gives one message naming the file and the field,
//! never a panic, and never an allocation a header asks for before it is
//! checked against the data on disk.

use crate::common;

use rasview::volume::{self, LoadError, LoadOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

/// A valid 4x3x2 int16 header, one field a line, and its 48 data bytes.
const FIELDS: [(&str, &str); 10] = [
    ("type", "short"),
    ("dimension", "3"),
    ("space", "left-posterior-superior"),
    ("sizes", "4 3 2"),
    ("space directions", "(0.5,0,0.1) (0,1.5,0) (0,0,2)"),
    ("kinds", "domain domain domain"),
    ("endian", "little"),
    ("encoding", "raw"),
    ("space origin", "(10,-20,30)"),
    ("measurement frame", "(1,0,0) (0,1,0) (0,0,1)"),
];

fn header_with(fields: &[(&str, &str)]) -> String {
    let mut h = String::from("NRRD0004\n");
    for (k, v) in fields {
        h.push_str(&format!("{k}: {v}\n"));
    }
    h.push('\n');
    h
}

fn data() -> Vec<u8> {
    (0..24i16).flat_map(|v| (v * 3 - 7).to_le_bytes()).collect()
}

/// `FIELDS` with `name` set to `value` (`None`: left out), or added.
fn fields_with(name: &str, value: Option<&str>) -> Vec<(&'static str, String)> {
    let mut out: Vec<(&'static str, String)> = Vec::new();
    let mut found = false;
    for (k, v) in FIELDS {
        if k == name {
            found = true;
            if let Some(v) = value {
                out.push((k, v.to_string()));
            }
        } else {
            out.push((k, v.to_string()));
        }
    }
    if !found {
        if let Some(v) = value {
            out.push((Box::leak(name.to_string().into_boxed_str()), v.to_string()));
        }
    }
    out
}

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

fn nrrd(fields: &[(&str, String)], data: &[u8]) -> Vec<u8> {
    let refs: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let mut b = header_with(&refs).into_bytes();
    b.extend_from_slice(data);
    b
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn error_of(path: &Path, options: &LoadOptions) -> (LoadError, String) {
    let e = volume::load_with(path, options)
        .err()
        .unwrap_or_else(|| panic!("{} loaded", path.display()));
    let text = e.to_string();
    let name = path.file_name().unwrap().to_string_lossy().into_owned();
    assert!(
        text.contains(&name),
        "message does not name the file: {text}"
    );
    (e, text)
}

#[test]
fn each_kind_of_bad_nrrd_names_file_and_field() {
    let dir = common::scratch_dir("nrrd_bad_named");
    let good = fields_with("", None);
    let v = volume::load(&write(&dir, "good.nrrd", &nrrd(&good, &data()))).unwrap();
    assert_eq!(v.value_at([3, 2, 1], 0), (23 * 3 - 7) as f64);

    let gz = |f: &[(&'static str, String)]| {
        let mut f = f.to_vec();
        for (k, v) in f.iter_mut() {
            if *k == "encoding" {
                *v = "gzip".into();
            }
        }
        f
    };
    let gz_fields = gz(&good);
    let stream = gzip(&data());
    let mut bad_crc = stream.clone();
    let n = bad_crc.len();
    bad_crc[n - 6] ^= 0x40;
    let mut trailing = stream.clone();
    trailing.extend_from_slice(b"garbage!");
    let ascii = fields_with("encoding", Some("ascii"));

    let cases: Vec<(&str, Vec<u8>, &[&str])> = vec![
        (
            "truncated.nrrd",
            nrrd(&good, &data()[..40]),
            &["sizes 4 3 2", "48 bytes"],
        ),
        (
            "sizes_too_big.nrrd",
            nrrd(&fields_with("sizes", Some("4 3 3")), &data()),
            &["sizes 4 3 3", "72 bytes"],
        ),
        (
            "gzip_cut.nrrd",
            nrrd(&gz_fields, &stream[..stream.len() / 2]),
            &["gzip"],
        ),
        ("gzip_crc.nrrd", nrrd(&gz_fields, &bad_crc), &["gzip"]),
        ("gzip_trailing.nrrd", nrrd(&gz_fields, &trailing), &["gzip"]),
        (
            "gzip_short.nrrd",
            nrrd(&gz(&fields_with("sizes", Some("4 3 3"))), &stream),
            &["sizes 4 3 3", "decompressed"],
        ),
        (
            "ascii_short.nrrd",
            nrrd(&ascii, b"1 2 3 4 5\n"),
            &["sizes 4 3 2", "24 numbers"],
        ),
        (
            "ascii_word.nrrd",
            nrrd(
                &ascii,
                b"1 2 3 four 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24\n",
            ),
            &["data (number 3)", "four"],
        ),
        (
            "encoding.nrrd",
            nrrd(&fields_with("encoding", Some("zstd")), &data()),
            &["encoding = zstd"],
        ),
        (
            "bzip2.nrrd",
            nrrd(&fields_with("encoding", Some("bzip2")), &data()),
            &["encoding = bzip2 is not supported"],
        ),
        (
            "block.nrrd",
            nrrd(&fields_with("type", Some("block")), &data()),
            &["type = block"],
        ),
        (
            "complex.nrrd",
            nrrd(&fields_with("type", Some("complex")), &data()),
            &["type = complex"],
        ),
        (
            "missing.nhdr",
            nrrd(&fields_with("data file", Some("missing.raw")), b""),
            &["no image file", "missing.raw"],
        ),
        (
            "missing_pattern.nhdr",
            nrrd(&fields_with("data file", Some("slice%02d.raw 0 1 1")), b""),
            &["no image file", "slice00.raw"],
        ),
        (
            "no_blank_line.nrrd",
            header_with(&FIELDS).trim_end().as_bytes().to_vec(),
            &["no blank line", "no data"],
        ),
        (
            "line_skip.nrrd",
            nrrd(
                &fields_with("line skip", Some("5")),
                &[&b"one\ntwo\n"[..], &data()].concat(),
            ),
            &["line skip = 5", "2 lines"],
        ),
        (
            "skip_end_short.nrrd",
            nrrd(&fields_with("byte skip", Some("-1")), &data()[..30]),
            &["sizes 4 3 2", "48 bytes"],
        ),
        (
            "time_space.nrrd",
            nrrd(
                &fields_with("space", Some("right-anterior-superior-time")),
                &data(),
            ),
            &["space = right-anterior-superior-time", "time"],
        ),
        (
            "singular.nrrd",
            nrrd(
                &fields_with("space directions", Some("(1,0,0) (2,0,0) (0,0,1)")),
                &data(),
            ),
            &["space directions"],
        ),
    ];
    for (name, bytes, needles) in cases {
        let path = write(&dir, name, &bytes);
        let (_, text) = error_of(&path, &LoadOptions::default());
        for needle in needles {
            assert!(text.contains(needle), "{name}: {needle:?} not in {text}");
        }
    }
    // A data file a header names that does exist but holds too little.
    write(&dir, "short.raw", &data()[..20]);
    let path = write(
        &dir,
        "short.nhdr",
        &nrrd(&fields_with("data file", Some("short.raw")), b""),
    );
    let text = volume::load(&path).unwrap_err().to_string();
    assert!(
        text.contains("short.raw") && text.contains("sizes 4 3 2"),
        "{text}"
    );
}

/// Sizes that claim terabytes in a file of a few hundred bytes: refused by
/// the memory limit, or (with no limit to speak of) by the file's size,
/// before any voxel buffer is asked for.
#[test]
fn absurd_sizes_do_not_allocate() {
    let dir = common::scratch_dir("nrrd_bad_absurd");
    let huge = fields_with("sizes", Some("100000 100000 100000"));
    let path = write(&dir, "huge.nrrd", &nrrd(&huge, &data()));
    let (e, text) = error_of(&path, &LoadOptions::default());
    assert!(matches!(e, LoadError::TooLarge { .. }), "{text}");
    assert!(text.contains("sizes 100000 100000 100000"), "{text}");

    let no_limit = LoadOptions {
        memory_limit_bytes: u64::MAX / 8,
        ..LoadOptions::default()
    };
    let big = fields_with("sizes", Some("4096 4096 4096"));
    for (name, encoding, bytes) in [
        ("big_raw.nrrd", "raw", data()),
        ("big_gzip.nrrd", "gzip", gzip(&data())),
        ("big_ascii.nrrd", "ascii", b"1 2 3".to_vec()),
    ] {
        let mut f = big.clone();
        f.iter_mut()
            .filter(|(k, _)| *k == "encoding")
            .for_each(|(_, v)| *v = encoding.into());
        let path = write(&dir, name, &nrrd(&f, &bytes));
        let (e, text) = error_of(&path, &no_limit);
        assert!(
            matches!(e, LoadError::Truncated { .. }),
            "{name}: checked against the file before allocating: {text}"
        );
    }
    let many = fields_with("sizes", Some("18446744073709551615 18446744073709551615 2"));
    let path = write(&dir, "overflow.nrrd", &nrrd(&many, &data()));
    let (e, _) = error_of(&path, &no_limit);
    assert!(matches!(e, LoadError::TooLarge { .. }));
}

/// Every field of a header corrupted in turn (and left out in turn): an
/// error that names the file and that field, or a volume that loads and
/// can be probed; never a panic.
#[test]
fn mutated_nrrd_header_fields_name_the_field_or_load() {
    let dir = common::scratch_dir("nrrd_bad_mutated");
    let values = [
        "",
        "x",
        "-1",
        "0",
        "1",
        "3",
        "nan",
        "1e400",
        "99999999999999999999",
        "4 3",
        "4 3 2 1",
        "(1,2)",
        "(1,0,0) (0,1,0)",
        "(nan,0,0) (0,1,0) (0,0,1)",
        "(1,0,0) (0,1,0) (0,0,1) (0,0,1)",
        "none none none",
        "none (1,0,0) (0,1,0)",
        "((((",
        "LIST",
        "%d 1 1 1",
        "domain list domain",
        "RGB-color domain domain",
        "scanner-xyz",
        "gzip",
        "big",
    ];
    let long = "9".repeat(5000);
    let extra = [
        ("byte skip", "0"),
        ("line skip", "0"),
        ("spacings", "1 1 1"),
        ("data file", "d.raw"),
    ];
    write(&dir, "d.raw", &data());
    let mut names: Vec<&str> = FIELDS.iter().map(|(k, _)| *k).collect();
    names.extend(extra.iter().map(|(k, _)| *k));
    let (mut loaded, mut refused) = (0, 0);
    let mut n = 0;
    for field in names {
        let mut trials: Vec<Option<&str>> = values.iter().map(|v| Some(*v)).collect();
        trials.push(Some(&long));
        trials.push(None);
        for value in trials {
            n += 1;
            let name = format!("m{n}.nrrd");
            let path = write(&dir, &name, &nrrd(&fields_with(field, value), &data()));
            let outcome = std::panic::catch_unwind(|| {
                volume::load(&path).map(|v| {
                    let centre = v
                        .grid
                        .world_from_voxel
                        .apply(v.grid.index_extent().map(|e| e / 2.0));
                    let _ = v.probe(centre, v.volume_count - 1);
                    v.frame_range(0)
                })
            });
            match outcome {
                Ok(Ok(_)) => loaded += 1,
                Ok(Err(e)) => {
                    let text = e.to_string();
                    assert!(text.contains(&name), "{field} = {value:?}: {text}");
                    // The field, or what it decides (a data file's name).
                    assert!(
                        text.contains(field)
                            || (field == "data file" && text.contains("no image file")),
                        "{field} = {value:?}: the message does not name the field: {text}"
                    );
                    refused += 1;
                }
                Err(_) => panic!("{field} = {value:?} panicked; kept at {}", path.display()),
            }
        }
    }
    eprintln!("NRRD field mutations: {loaded} loaded, {refused} refused");
    assert!(
        loaded > 40 && refused > 150,
        "{loaded} loaded, {refused} refused"
    );
}
