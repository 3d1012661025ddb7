//! What an NRRD header says about its data: the element type, the sizes,
//! the encoding and byte order, where the bytes are (attached, one file, a
//! list or a numbered pattern of files) and what to skip before them.

use super::header::HeaderText;
use crate::volume::datatype::Datatype;
use crate::volume::error::LoadError;
use crate::volume::header::ByteOrder;
use std::path::{Path, PathBuf};

/// Most axes a header may declare (teem's NRRD_DIM_MAX).
const MAX_DIMENSION: usize = 16;

/// How the data bytes are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Raw,
    Gzip,
    /// Numbers as text, separated by white space (or commas).
    Ascii,
}

/// What comes before the data in each data file, after any line skip.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteSkip {
    Bytes(u64),
    /// `byte skip: -1`: the data is the last bytes of the file (of its
    /// decompressed stream for gzip).
    ToEnd,
}

/// Where the data lives.
#[derive(Debug, Clone, PartialEq)]
pub enum DataFiles {
    /// After the header, in the same file.
    Attached,
    /// One or more files (`data file:` a name, `LIST`, or a pattern), each
    /// holding an equal share of the data, in order.
    Detached(Vec<PathBuf>),
}

/// The header's description of the data, every field checked.
#[derive(Debug, Clone, PartialEq)]
pub struct DataSpec {
    pub datatype: Datatype,
    /// Per axis, fastest first.
    pub sizes: Vec<u64>,
    pub encoding: Encoding,
    pub byte_order: ByteOrder,
    pub files: DataFiles,
    pub line_skip: u64,
    pub byte_skip: ByteSkip,
}

/// The NRRD type names teem accepts, and the voxel type each is read as.
pub fn datatype_of(name: &str) -> Option<Datatype> {
    Some(match name {
        "signed char" | "int8" | "int8_t" => Datatype::I8,
        "uchar" | "unsigned char" | "uint8" | "uint8_t" => Datatype::U8,
        "short" | "short int" | "signed short" | "signed short int" | "int16" | "int16_t" => {
            Datatype::I16
        }
        "ushort" | "unsigned short" | "unsigned short int" | "uint16" | "uint16_t" => Datatype::U16,
        "int" | "signed int" | "int32" | "int32_t" => Datatype::I32,
        "uint" | "unsigned int" | "uint32" | "uint32_t" => Datatype::U32,
        "longlong"
        | "long long"
        | "long long int"
        | "signed long long"
        | "signed long long int"
        | "int64"
        | "int64_t" => Datatype::I64,
        "ulonglong" | "unsigned long long" | "unsigned long long int" | "uint64" | "uint64_t" => {
            Datatype::U64
        }
        "float" => Datatype::F32,
        "double" => Datatype::F64,
        _ => return None,
    })
}

/// The name rasview writes for a voxel type (teem's canonical names).
pub fn type_name(datatype: Datatype) -> &'static str {
    match datatype {
        Datatype::I8 => "int8",
        Datatype::U8 | Datatype::Rgb24 => "uint8",
        Datatype::I16 => "int16",
        Datatype::U16 => "uint16",
        Datatype::I32 => "int32",
        Datatype::U32 => "uint32",
        Datatype::I64 => "int64",
        Datatype::U64 => "uint64",
        Datatype::F32 => "float",
        Datatype::F64 => "double",
    }
}

fn required<'a>(path: &Path, h: &'a HeaderText, name: &str) -> Result<&'a str, LoadError> {
    h.get(name)
        .ok_or_else(|| LoadError::bad_field(path, name, "", "is missing from the NRRD header"))
}

impl DataSpec {
    pub fn of(path: &Path, h: &HeaderText) -> Result<Self, LoadError> {
        let type_text = required(path, h, "type")?;
        let datatype = match datatype_of(type_text) {
            Some(d) => d,
            None if type_text == "block" => return Err(LoadError::bad_field(
                path,
                "type",
                type_text,
                "(opaque blocks of bytes) is not supported: rasview reads the NRRD scalar types",
            )),
            None => {
                return Err(LoadError::bad_field(
                    path,
                    "type",
                    type_text,
                    "is not an NRRD type (int8 to uint64, float, double and their C names)",
                ))
            }
        };

        let dim_text = required(path, h, "dimension")?;
        let dimension = dim_text
            .parse::<usize>()
            .ok()
            .filter(|d| (1..=MAX_DIMENSION).contains(d))
            .ok_or_else(|| {
                LoadError::bad_field(
                    path,
                    "dimension",
                    dim_text,
                    format!("is not a number of axes (1 to {MAX_DIMENSION})"),
                )
            })?;
        let sizes_text = required(path, h, "sizes")?;
        let sizes = sizes_text
            .split_whitespace()
            .map(|s| s.parse::<u64>().ok().filter(|&n| n >= 1))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| {
                LoadError::bad_field(
                    path,
                    "sizes",
                    sizes_text,
                    "are not whole numbers of at least 1",
                )
            })?;
        if sizes.len() != dimension {
            return Err(LoadError::bad_field(
                path,
                "sizes",
                sizes_text,
                format!("give {} sizes but dimension = {dimension}", sizes.len()),
            ));
        }

        let enc_text = required(path, h, "encoding")?;
        let encoding = match enc_text.to_lowercase().as_str() {
            "raw" => Encoding::Raw,
            "gz" | "gzip" => Encoding::Gzip,
            "txt" | "text" | "ascii" => Encoding::Ascii,
            "bz2" | "bzip2" => {
                return Err(LoadError::bad_field(
                    path,
                    "encoding",
                    enc_text,
                    "is not supported (rasview reads raw, gzip and ascii NRRD data); \
                     convert it with `unu save -e gzip`",
                ))
            }
            "hex" => {
                return Err(LoadError::bad_field(
                    path,
                    "encoding",
                    enc_text,
                    "is not supported (rasview reads raw, gzip and ascii NRRD data)",
                ))
            }
            _ => {
                return Err(LoadError::bad_field(
                    path,
                    "encoding",
                    enc_text,
                    "is not an NRRD encoding (raw, gzip, bzip2, ascii, hex)",
                ))
            }
        };

        // Byte order matters only where bytes hold more than one byte of a
        // value; teem requires the field there, and so does rasview rather
        // than guess.
        let byte_order = match h.get("endian") {
            Some("little") => ByteOrder::Little,
            Some("big") => ByteOrder::Big,
            Some(other) => {
                return Err(LoadError::bad_field(
                    path,
                    "endian",
                    other,
                    "is neither little nor big",
                ))
            }
            None if encoding != Encoding::Ascii && datatype.bytes_per_voxel() > 1 => {
                return Err(LoadError::bad_field(
                    path,
                    "endian",
                    "",
                    format!(
                        "is missing, and {} data of type {type_text} needs it",
                        enc_text
                    ),
                ))
            }
            None => ByteOrder::Little,
        };

        let line_skip = match h.get("line skip").or(h.get("lineskip")) {
            None => 0,
            Some(t) => t.parse::<u64>().map_err(|_| {
                LoadError::bad_field(path, "line skip", t, "is not a number of lines (0 or more)")
            })?,
        };
        let byte_skip = match h.get("byte skip").or(h.get("byteskip")) {
            None => ByteSkip::Bytes(0),
            Some("-1") if encoding == Encoding::Ascii => {
                return Err(LoadError::bad_field(
                    path,
                    "byte skip",
                    -1,
                    "(data at the end of the file) cannot be used with ascii data",
                ))
            }
            Some("-1") => ByteSkip::ToEnd,
            Some(t) => ByteSkip::Bytes(t.parse::<u64>().map_err(|_| {
                LoadError::bad_field(
                    path,
                    "byte skip",
                    t,
                    "is not a number of bytes (0 or more, or -1 for the end of the file)",
                )
            })?),
        };

        let files = data_files(path, h, &sizes)?;
        Ok(DataSpec {
            datatype,
            sizes,
            encoding,
            byte_order,
            files,
            line_skip,
            byte_skip,
        })
    }
}

/// The data files a detached header names, resolved against its folder,
/// or `Attached` when it names none.
fn data_files(path: &Path, h: &HeaderText, sizes: &[u64]) -> Result<DataFiles, LoadError> {
    let (field, text) = match (h.get("data file"), h.get("datafile")) {
        (Some(t), _) => ("data file", t),
        (None, Some(t)) => ("datafile", t),
        (None, None) => return Ok(DataFiles::Attached),
    };
    let folder = path.parent().unwrap_or(Path::new(""));
    let resolve = |name: &str| -> PathBuf {
        let p = Path::new(name);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            folder.join(p)
        }
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    let bad = |problem: String| LoadError::bad_field(path, field, text, problem);
    let dimension = sizes.len();

    let (names, subdim): (Vec<String>, Option<&str>) = if words.first() == Some(&"LIST") {
        if words.len() > 2 {
            return Err(bad("has more than LIST and a dimension".into()));
        }
        (h.list_lines.clone(), words.get(1).copied())
    } else if words.len() >= 4 && words[0].contains('%') {
        let numbers: Vec<i64> = words[1..4]
            .iter()
            .map(|w| w.parse::<i64>())
            .collect::<Result<_, _>>()
            .map_err(|_| bad("is not a pattern with whole-number min, max and step".into()))?;
        if words.len() > 5 {
            return Err(bad(
                "has more than a pattern, min, max, step and a dimension".into(),
            ));
        }
        let (min, max, step) = (numbers[0], numbers[1], numbers[2]);
        if step == 0 || (max as i128 - min as i128).signum() * (step.signum() as i128) < 0 {
            return Err(bad(format!(
                "counts from {min} to {max} in steps of {step}, which never gets there"
            )));
        }
        // In i128: min, max and step may each be near i64's limits.
        let (min, max, step) = (min as i128, max as i128, step as i128);
        let count = (max - min) / step + 1;
        // Checked against the sizes before one name is made: a pattern
        // cannot make a billion names.
        if count as u128 > sizes.iter().map(|&s| s as u128).product() {
            return Err(bad(format!(
                "names {count} files, more than the data has elements"
            )));
        }
        let names = (0..count)
            .map(|n| crate::volume::name_pattern::fill(words[0], (min + n * step) as i64))
            .collect::<Option<Vec<_>>>()
            .ok_or_else(|| bad("has no single %d conversion (as in name%03d.raw)".into()))?;
        (names, words.get(4).copied())
    } else {
        (vec![text.to_string()], None)
    };
    if names.is_empty() {
        return Err(bad("LIST names no files".into()));
    }
    // Each file holds the first `subdim` axes; by default one slice
    // (dimension - 1) for a list or a pattern, all of it for one file.
    let subdim = match subdim {
        None if names.len() == 1 => dimension,
        None => dimension.saturating_sub(1).max(1),
        Some(t) => t
            .parse::<usize>()
            .ok()
            .filter(|d| (1..=dimension).contains(d))
            .ok_or_else(|| {
                bad(format!(
                    "gives {t} as the dimension of each file, not 1 to {dimension}"
                ))
            })?,
    };
    let expected: u128 = sizes[subdim..].iter().map(|&s| s as u128).product();
    if names.len() as u128 != expected {
        return Err(bad(format!(
            "names {} files, but sizes with {subdim} axes a file need {expected}",
            names.len()
        )));
    }
    Ok(DataFiles::Detached(
        names.iter().map(|n| resolve(n)).collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::nrrd::header::parse;

    fn spec(text: &str) -> Result<DataSpec, String> {
        let p = Path::new("/d/h.nhdr");
        let h = parse(p, text.as_bytes()).map_err(|e| e.to_string())?;
        DataSpec::of(p, &h).map_err(|e| e.to_string())
    }

    #[test]
    fn every_type_name() {
        for (name, dt) in [
            ("signed char", Datatype::I8),
            ("uchar", Datatype::U8),
            ("short", Datatype::I16),
            ("unsigned short int", Datatype::U16),
            ("int", Datatype::I32),
            ("uint32_t", Datatype::U32),
            ("long long", Datatype::I64),
            ("ulonglong", Datatype::U64),
            ("float", Datatype::F32),
            ("double", Datatype::F64),
        ] {
            assert_eq!(datatype_of(name), Some(dt), "{name}");
        }
        let e = spec("NRRD0004\ntype: block\ndimension: 1\nsizes: 2\nencoding: raw\n").unwrap_err();
        assert!(e.contains("type = block"), "{e}");
    }

    #[test]
    fn detached_list_and_pattern() {
        let s = spec("NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 3\nencoding: raw\ndata file: LIST\na.raw\n/abs/b.raw\nc.raw\n").unwrap();
        assert_eq!(
            s.files,
            DataFiles::Detached(vec![
                "/d/a.raw".into(),
                "/abs/b.raw".into(),
                "/d/c.raw".into()
            ])
        );
        let s = spec("NRRD0004\ntype: uchar\ndimension: 4\nsizes: 2 2 3 2\nencoding: raw\ndata file: v%02d.raw 1 2 1 3\n").unwrap();
        assert_eq!(
            s.files,
            DataFiles::Detached(vec!["/d/v01.raw".into(), "/d/v02.raw".into()])
        );
        let e = spec("NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 3\nencoding: raw\ndata file: v%02d.raw 1 2 1\n").unwrap_err();
        assert!(
            e.contains("data file") && e.contains("names 2 files"),
            "{e}"
        );
        let e = spec("NRRD0004\ntype: uchar\ndimension: 3\nsizes: 2 2 3\nencoding: raw\ndata file: v%02d.raw 1 999999999999 1\n").unwrap_err();
        assert!(e.contains("more than the data has elements"), "{e}");
    }

    #[test]
    fn encodings_endian_and_skips() {
        let base = "NRRD0004\ntype: short\ndimension: 1\nsizes: 4\n";
        let e = spec(&format!("{base}encoding: bzip2\nendian: little\n")).unwrap_err();
        assert!(e.contains("encoding = bzip2 is not supported"), "{e}");
        let e = spec(&format!("{base}encoding: zstd\nendian: little\n")).unwrap_err();
        assert!(e.contains("encoding = zstd"), "{e}");
        let e = spec(&format!("{base}encoding: raw\n")).unwrap_err();
        assert!(e.contains("endian"), "{e}");
        assert!(spec(&format!("{base}encoding: ascii\n")).is_ok());
        let s = spec(&format!(
            "{base}encoding: gz\nendian: big\nbyte skip: -1\nline skip: 2\n"
        ))
        .unwrap();
        assert_eq!(
            (s.encoding, s.byte_order, s.byte_skip, s.line_skip),
            (Encoding::Gzip, ByteOrder::Big, ByteSkip::ToEnd, 2)
        );
        let e = spec(&format!(
            "{base}encoding: raw\nendian: little\nbyte skip: -2\n"
        ))
        .unwrap_err();
        assert!(e.contains("byte skip = -2"), "{e}");
    }
}
