//! The text header of a MetaImage: `Name = value` lines, up to and
//! including `ElementDataFile`, checked field by field into a
//! [`MetaHeader`] before anything is allocated.
//!
//! Field names are case-sensitive and `=` or `:` separates them from the
//! value, as in MetaIO (ITK's reader). Where MetaIO has synonyms it gives
//! them a fixed precedence, whatever their order in the file; SimpleITK
//! 2.5 confirms: `Origin` over `Offset` over `Position`, `TransformMatrix`
//! over `Rotation` over `Orientation`, `BinaryDataByteOrderMSB` over
//! `ElementByteOrderMSB`, `ElementSpacing` over `ElementSize`. A field
//! given twice keeps its last value.

use super::element::ElementType;
use crate::volume::error::LoadError;
use crate::volume::files::read_up_to;
use std::io::Read;
use std::path::Path;

/// Longest header line: MetaIO stops at 500 characters; a longer line is
/// binary data, not a header.
const MAX_LINE: usize = 64 * 1024;
/// Most header bytes before `ElementDataFile` (LIST names not counted).
const MAX_HEADER: u64 = 1 << 20;

/// One `Name = value` line.
#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: String,
    pub value: String,
}

/// The lines of a header as read, and how many bytes they took: in a
/// `.mha` the voxels start right after them.
#[derive(Debug)]
pub struct HeaderText {
    pub fields: Vec<Field>,
    pub len: u64,
}

/// Reads header lines from `reader` up to and including the
/// `ElementDataFile` line; nothing past its newline is consumed.
pub fn read_fields(path: &Path, reader: &mut dyn Read) -> Result<HeaderText, LoadError> {
    let mut fields = Vec::new();
    let mut len = 0u64;
    let mut line_no = 0;
    loop {
        let Some(line) = read_line(path, reader, &mut len)? else {
            return Err(if fields.is_empty() {
                LoadError::bad_field(
                    path,
                    "ElementDataFile",
                    "",
                    "is missing: the file has no MetaImage header lines",
                )
            } else {
                LoadError::bad_field(
                    path,
                    "ElementDataFile",
                    "",
                    "is missing: the header ends without naming where the voxels are",
                )
            });
        };
        line_no += 1;
        if len > MAX_HEADER {
            return Err(LoadError::bad_field(
                path,
                "ElementDataFile",
                "",
                format!("is missing from the first {MAX_HEADER} bytes: not a MetaImage header"),
            ));
        }
        let text = line.trim();
        if text.is_empty() {
            continue;
        }
        let Some(at) = text.find(['=', ':']) else {
            return Err(LoadError::bad_field(
                path,
                format!("header line {line_no}"),
                format!("\"{}\"", shorten(text)),
                "is not a `Name = value` line: not a MetaImage header, or a broken one",
            ));
        };
        let field = Field {
            name: text[..at].trim().to_string(),
            value: text[at + 1..].trim().to_string(),
        };
        let last = field.name == "ElementDataFile";
        fields.push(field);
        if last {
            return Ok(HeaderText { fields, len });
        }
    }
}

/// Reads `count` more lines (the file names after `ElementDataFile = LIST`).
pub fn read_list_lines(
    path: &Path,
    reader: &mut dyn Read,
    count: usize,
    len: &mut u64,
) -> Result<Vec<String>, LoadError> {
    let mut names = Vec::with_capacity(count.min(1 << 16));
    while names.len() < count {
        match read_line(path, reader, len)? {
            Some(line) if line.trim().is_empty() => {}
            Some(line) => names.push(line.trim().to_string()),
            None => {
                return Err(LoadError::bad_field(
                    path,
                    "ElementDataFile",
                    "LIST",
                    format!(
                        "names {} data file(s) after it, but DimSize needs {count}",
                        names.len()
                    ),
                ))
            }
        }
    }
    Ok(names)
}

/// One line without its end (`\n`, `\r\n`), or None at the end of the file.
/// Read a byte at a time so that nothing after the header is taken: the
/// reader is buffered underneath.
fn read_line(
    path: &Path,
    reader: &mut dyn Read,
    len: &mut u64,
) -> Result<Option<String>, LoadError> {
    let mut line = Vec::new();
    let mut byte = [0u8; 1];
    loop {
        let got = read_up_to(reader, &mut byte).map_err(|e| LoadError::io(path, e))?;
        if got == 0 {
            if line.is_empty() {
                return Ok(None);
            }
            break;
        }
        *len += 1;
        if byte[0] == b'\n' {
            break;
        }
        if line.len() >= MAX_LINE {
            return Err(LoadError::bad_field(
                path,
                "header",
                "",
                format!("has a line longer than {MAX_LINE} bytes: not a MetaImage header"),
            ));
        }
        line.push(byte[0]);
    }
    Ok(Some(String::from_utf8_lossy(&line).into_owned()))
}

fn shorten(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    if cut.len() < text.len() {
        format!("{cut}...")
    } else {
        cut
    }
}

/// Where the voxels are, as `ElementDataFile` says.
#[derive(Debug, Clone, PartialEq)]
pub enum DataFileSpec {
    /// Right after the header, in the same file.
    Local,
    /// One file, relative to the header's folder unless absolute.
    File(String),
    /// `LIST [dims]`: one file per block of `dims` dimensions (by default
    /// NDims - 1: a slice of a 3D image, a volume of a 4D one), named on
    /// the lines that follow.
    List { file_dims: usize },
    /// `name%03d.raw min max step`: one file per slice along the last axis.
    Pattern {
        format: String,
        min: i64,
        max: Option<i64>,
        step: i64,
    },
}

/// Every field rasview uses, each checked.
#[derive(Debug, Clone)]
pub struct MetaHeader {
    pub ndims: usize,
    pub dim_size: Vec<u64>,
    pub element: ElementType,
    pub channels: usize,
    pub msb: bool,
    pub compressed: bool,
    pub compressed_size: Option<u64>,
    /// Bytes to skip at the start of each data file; -1: the data is the
    /// last bytes of the file.
    pub header_size: i64,
    /// Spacing and the field it came from (None: not given).
    pub spacing: Option<(Vec<f64>, &'static str)>,
    /// ndims x ndims numbers, each group of ndims one axis's direction.
    pub matrix: Option<(Vec<f64>, &'static str)>,
    pub offset: Option<(Vec<f64>, &'static str)>,
    pub anatomical_orientation: Option<String>,
    pub data_file: DataFileSpec,
    pub warnings: Vec<String>,
}

/// The last value of each of `names`, in order of precedence (first wins),
/// with the name it came under.
fn pick<'a>(fields: &'a [Field], names: &[&'static str]) -> Option<(&'a str, &'static str)> {
    names.iter().find_map(|name| {
        fields
            .iter()
            .rev()
            .find(|f| f.name == *name)
            .map(|f| (f.value.as_str(), *name))
    })
}

impl MetaHeader {
    pub fn parse(path: &Path, fields: &[Field]) -> Result<Self, LoadError> {
        let bad = |field: &str, value: &str, problem: String| {
            LoadError::bad_field(path, field, value, problem)
        };
        let mut warnings = Vec::new();

        if let Some((value, _)) = pick(fields, &["ObjectType"]) {
            if value != "Image" {
                return Err(bad(
                    "ObjectType",
                    value,
                    "is not Image: rasview reads MetaImage images only".into(),
                ));
            }
        }

        let (ndims_text, _) =
            pick(fields, &["NDims"]).ok_or_else(|| bad("NDims", "", "is missing".into()))?;
        let ndims = parse_int(ndims_text)
            .filter(|n| (2..=4).contains(n))
            .ok_or_else(|| {
                bad(
                    "NDims",
                    ndims_text,
                    "is not a number of dimensions rasview reads (2, 3 or 4)".into(),
                )
            })? as usize;

        let (dims_text, _) =
            pick(fields, &["DimSize"]).ok_or_else(|| bad("DimSize", "", "is missing".into()))?;
        let dim_size = parse_list(dims_text, ndims, parse_int).ok_or_else(|| {
            bad(
                "DimSize",
                dims_text,
                format!("is not {ndims} whole numbers (NDims = {ndims})"),
            )
        })?;
        if let Some(d) = dim_size.iter().find(|&&d| d < 1) {
            return Err(bad(
                "DimSize",
                dims_text,
                format!("has a size of {d}: each must be at least 1"),
            ));
        }
        let dim_size: Vec<u64> = dim_size.into_iter().map(|d| d as u64).collect();

        let (type_text, _) = pick(fields, &["ElementType"])
            .ok_or_else(|| bad("ElementType", "", "is missing".into()))?;
        let element = ElementType::parse(type_text).ok_or_else(|| {
            bad(
                "ElementType",
                type_text,
                format!(
                    "is not a type rasview reads ({})",
                    ElementType::ALL.map(|t| t.name()).join(", ")
                ),
            )
        })?;

        let channels = match pick(fields, &["ElementNumberOfChannels"]) {
            None => 1,
            Some((text, _)) => parse_int(text)
                .filter(|&n| (1..=4096).contains(&n))
                .ok_or_else(|| {
                    bad(
                        "ElementNumberOfChannels",
                        text,
                        "is not a number of channels (1 to 4096)".into(),
                    )
                })? as usize,
        };

        if let Some((text, _)) = pick(fields, &["BinaryData"]) {
            if !parse_bool(path, "BinaryData", text)? {
                return Err(bad(
                    "BinaryData",
                    text,
                    "(voxels written as text) is not read by rasview".into(),
                ));
            }
        }
        let msb = match pick(fields, &["BinaryDataByteOrderMSB", "ElementByteOrderMSB"]) {
            Some((text, name)) => parse_bool(path, name, text)?,
            None => false,
        };
        let compressed = match pick(fields, &["CompressedData"]) {
            Some((text, name)) => parse_bool(path, name, text)?,
            None => false,
        };
        let compressed_size = match pick(fields, &["CompressedDataSize"]) {
            None => None,
            Some((text, _)) => Some(parse_int(text).filter(|&n| n >= 0).ok_or_else(|| {
                bad(
                    "CompressedDataSize",
                    text,
                    "is not a number of bytes".into(),
                )
            })? as u64),
        };
        // MetaIO takes 0 for "not given".
        let compressed_size = compressed_size.filter(|&n| n > 0);
        let header_size = match pick(fields, &["HeaderSize"]) {
            None => 0,
            Some((text, _)) => parse_int(text).filter(|&n| n >= -1).ok_or_else(|| {
                bad(
                    "HeaderSize",
                    text,
                    "is not a number of bytes to skip (or -1: the data ends the file)".into(),
                )
            })?,
        };

        let spacing = match pick(fields, &["ElementSpacing", "ElementSize"]) {
            None => None,
            Some((text, name)) => {
                let values = parse_list(text, ndims, parse_float).ok_or_else(|| {
                    bad(
                        name,
                        text,
                        format!("is not {ndims} numbers (NDims = {ndims})"),
                    )
                })?;
                if values.iter().any(|s| !s.is_finite() || *s == 0.0) {
                    return Err(bad(
                        name,
                        text,
                        "has a spacing that is zero or not finite".into(),
                    ));
                }
                Some((values, name))
            }
        };
        let matrix = match pick(fields, &["TransformMatrix", "Rotation", "Orientation"]) {
            None => None,
            Some((text, name)) => {
                let values = parse_list(text, ndims * ndims, parse_float).ok_or_else(|| {
                    bad(
                        name,
                        text,
                        format!("is not {} numbers (NDims = {ndims})", ndims * ndims),
                    )
                })?;
                if values.iter().any(|v| !v.is_finite()) {
                    return Err(bad(name, text, "has a value that is not finite".into()));
                }
                Some((values, name))
            }
        };
        let offset = match pick(fields, &["Origin", "Offset", "Position"]) {
            None => None,
            Some((text, name)) => {
                let values = parse_list(text, ndims, parse_float).ok_or_else(|| {
                    bad(
                        name,
                        text,
                        format!("is not {ndims} numbers (NDims = {ndims})"),
                    )
                })?;
                if values.iter().any(|v| !v.is_finite()) {
                    return Err(bad(name, text, "has a value that is not finite".into()));
                }
                Some((values, name))
            }
        };
        synonyms_disagree(fields, &["Origin", "Offset", "Position"], &mut warnings);
        synonyms_disagree(
            fields,
            &["TransformMatrix", "Rotation", "Orientation"],
            &mut warnings,
        );

        for (name, identity) in [
            ("ElementToIntensityFunctionSlope", 1.0),
            ("ElementToIntensityFunctionOffset", 0.0),
        ] {
            if let Some((text, _)) = pick(fields, &[name]) {
                if parse_float(text) != Some(identity) {
                    warnings.push(format!(
                        "{name} = {text} is not applied (ITK does not apply it either); values are shown as stored"
                    ));
                }
            }
        }

        let (file_text, _) = pick(fields, &["ElementDataFile"])
            .ok_or_else(|| bad("ElementDataFile", "", "is missing".into()))?;
        let data_file = parse_data_file(path, file_text, ndims)?;

        Ok(MetaHeader {
            ndims,
            dim_size,
            element,
            channels,
            msb,
            compressed,
            compressed_size,
            header_size,
            spacing,
            matrix,
            offset,
            anatomical_orientation: pick(fields, &["AnatomicalOrientation"])
                .map(|(t, _)| t.to_string()),
            data_file,
            warnings,
        })
    }
}

/// A warning when two synonyms are both given with different values: the
/// one MetaIO prefers was used, but the writer may have meant the other.
fn synonyms_disagree(fields: &[Field], names: &[&'static str], warnings: &mut Vec<String>) {
    let given: Vec<(&str, &str)> = names
        .iter()
        .filter_map(|n| pick(fields, &[n]).map(|(v, _)| (*n, v)))
        .collect();
    if let [(used, value), rest @ ..] = given.as_slice() {
        let used_numbers = parse_numbers(value);
        for (other, other_value) in rest {
            if parse_numbers(other_value) != used_numbers {
                warnings.push(format!(
                    "{used} = {value} and {other} = {other_value} disagree; {used} was used, as ITK does"
                ));
            }
        }
    }
}

fn parse_numbers(text: &str) -> Vec<Option<f64>> {
    text.split_whitespace().map(parse_float).collect()
}

fn parse_data_file(path: &Path, text: &str, ndims: usize) -> Result<DataFileSpec, LoadError> {
    if text.is_empty() {
        return Err(LoadError::bad_field(
            path,
            "ElementDataFile",
            "",
            "is empty: it must be LOCAL, LIST, a file name or a name pattern",
        ));
    }
    if matches!(text, "LOCAL" | "Local" | "local") {
        return Ok(DataFileSpec::Local);
    }
    if let Some(rest) = text.strip_prefix("LIST") {
        if rest.is_empty() || rest.starts_with(char::is_whitespace) {
            // As MetaIO: a missing, unreadable or out-of-range dimension
            // means NDims - 1. "2D" reads as 2, as atof reads it.
            let digits: String = rest
                .trim()
                .chars()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            let file_dims = digits
                .parse::<usize>()
                .ok()
                .filter(|d| (1..ndims).contains(d))
                .unwrap_or(ndims - 1);
            return Ok(DataFileSpec::List { file_dims });
        }
    }
    if text.contains('%') {
        let words: Vec<&str> = text.split_whitespace().collect();
        // The last up-to-three words are numbers; the rest is the name,
        // which may hold spaces.
        let numbers = words
            .iter()
            .rev()
            .take(3.min(words.len().saturating_sub(1)))
            .take_while(|w| w.parse::<i64>().is_ok())
            .count();
        let name_words = words.len() - numbers;
        let format = words[..name_words].join(" ");
        let nums: Vec<i64> = words[name_words..]
            .iter()
            .map(|w| w.parse().unwrap_or(0))
            .collect();
        let (min, max, step) = match nums.as_slice() {
            [] => (1, None, 1),
            [min] => (*min, None, 1),
            // MetaIO divides (max - min) by the slice count for the step
            // here, which is 0 for "1 10" and loops forever: 1 is meant.
            [min, max] => (*min, Some(*max), 1),
            [min, max, step, ..] => (*min, Some(*max), *step),
        };
        if step < 1 {
            return Err(LoadError::bad_field(
                path,
                "ElementDataFile",
                text,
                "has a step that is not a positive whole number",
            ));
        }
        check_pattern(path, &format, text)?;
        return Ok(DataFileSpec::Pattern {
            format,
            min,
            max,
            step,
        });
    }
    Ok(DataFileSpec::File(text.to_string()))
}

/// A pattern must hold exactly one integer conversion (`%d`, `%i`, `%03d`,
/// `%4d`); `%%` is a literal percent sign.
fn check_pattern(path: &Path, format: &str, text: &str) -> Result<(), LoadError> {
    if crate::volume::name_pattern::fill(format, 0).is_none() {
        return Err(LoadError::bad_field(
            path,
            "ElementDataFile",
            text,
            "is a name pattern without exactly one %d (or %0Nd) for the slice number",
        ));
    }
    Ok(())
}

/// MetaIO's booleans: anything starting with T, t or 1 is true, with F, f
/// or 0 false; rasview refuses anything else rather than guess.
fn parse_bool(path: &Path, name: &str, text: &str) -> Result<bool, LoadError> {
    match text.chars().next() {
        Some('T' | 't' | '1') => Ok(true),
        Some('F' | 'f' | '0') => Ok(false),
        _ => Err(LoadError::bad_field(
            path,
            name,
            text,
            "is not True or False",
        )),
    }
}

fn parse_int(text: &str) -> Option<i64> {
    text.trim().parse().ok()
}

fn parse_float(text: &str) -> Option<f64> {
    text.trim().parse().ok()
}

fn parse_list<T>(text: &str, count: usize, parse: impl Fn(&str) -> Option<T>) -> Option<Vec<T>> {
    let values: Vec<T> = text.split_whitespace().map(&parse).collect::<Option<_>>()?;
    (values.len() == count).then_some(values)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fields(text: &str) -> Vec<Field> {
        let mut reader = text.as_bytes();
        read_fields(Path::new("t.mha"), &mut reader).unwrap().fields
    }

    fn header(text: &str) -> Result<MetaHeader, LoadError> {
        MetaHeader::parse(Path::new("t.mha"), &fields(text))
    }

    const BASE: &str = "NDims = 3\nDimSize = 4 3 2\nElementType = MET_SHORT\n";

    #[test]
    fn reading_stops_after_element_data_file() {
        let text = "ObjectType = Image\r\nNDims: 3\nElementDataFile = LOCAL\nBINARY";
        let mut reader = text.as_bytes();
        let h = read_fields(Path::new("t.mha"), &mut reader).unwrap();
        assert_eq!(h.fields.len(), 3);
        assert_eq!(h.fields[1].value, "3", "':' separates too");
        assert_eq!(h.len as usize, text.len() - "BINARY".len());
        assert_eq!(reader, b"BINARY", "nothing after the header is taken");
    }

    #[test]
    fn synonyms_follow_metaio_precedence_not_file_order() {
        let h = header(&format!(
            "{BASE}Origin = 4 5 6\nOffset = 1 2 3\nPosition = 7 8 9\nElementDataFile = LOCAL\n"
        ))
        .unwrap();
        assert_eq!(h.offset.as_ref().unwrap().0, vec![4.0, 5.0, 6.0]);
        assert_eq!(h.offset.as_ref().unwrap().1, "Origin");
        assert!(h.warnings.iter().any(|w| w.contains("disagree")));
        let h = header(&format!(
            "{BASE}Offset = 1 2 3\nOffset = 4 5 6\nElementDataFile = LOCAL\n"
        ))
        .unwrap();
        assert_eq!(h.offset.unwrap().0, vec![4.0, 5.0, 6.0], "the last one");
        let h = header(&format!(
            "{BASE}BinaryDataByteOrderMSB = False\nElementByteOrderMSB = True\nElementDataFile = x.raw\n"
        ))
        .unwrap();
        assert!(!h.msb);
        let h = header(&format!(
            "{BASE}ElementSize = 5 6 7\nElementDataFile = LOCAL\n"
        ))
        .unwrap();
        assert_eq!(h.spacing.unwrap(), (vec![5.0, 6.0, 7.0], "ElementSize"));
    }

    #[test]
    fn data_file_forms() {
        let spec = |s: &str| parse_data_file(Path::new("t.mhd"), s, 3).unwrap();
        assert_eq!(spec("LOCAL"), DataFileSpec::Local);
        assert_eq!(spec("LIST"), DataFileSpec::List { file_dims: 2 });
        assert_eq!(spec("LIST 2D"), DataFileSpec::List { file_dims: 2 });
        assert_eq!(spec("LIST 7"), DataFileSpec::List { file_dims: 2 });
        assert_eq!(
            spec("LISTING.raw"),
            DataFileSpec::File("LISTING.raw".into())
        );
        assert_eq!(
            spec("slice %03d.raw 1 10 2"),
            DataFileSpec::Pattern {
                format: "slice %03d.raw".into(),
                min: 1,
                max: Some(10),
                step: 2
            }
        );
        assert_eq!(
            spec("s%d.raw"),
            DataFileSpec::Pattern {
                format: "s%d.raw".into(),
                min: 1,
                max: None,
                step: 1
            }
        );
        assert!(parse_data_file(Path::new("t.mhd"), "s%s.raw", 3).is_err());
        assert!(parse_data_file(Path::new("t.mhd"), "s%d.raw 1 3 0", 3).is_err());
        // A width no file name needs is refused, not filled with spaces.
        assert!(parse_data_file(Path::new("t.mhd"), "s%999999999d.raw 1 3 1", 3).is_err());
    }

    #[test]
    fn each_bad_field_is_named() {
        for (text, field) in [
            (
                "NDims = 5\nDimSize = 1 1 1 1 1\nElementType = MET_SHORT\n",
                "NDims",
            ),
            (
                "NDims = 3\nDimSize = 4 3\nElementType = MET_SHORT\n",
                "DimSize",
            ),
            (
                "NDims = 3\nDimSize = 4 0 2\nElementType = MET_SHORT\n",
                "DimSize",
            ),
            (
                "NDims = 3\nDimSize = 4 3 2\nElementType = MET_HALF\n",
                "ElementType",
            ),
            (&format!("{BASE}ElementSpacing = 1 0 1\n"), "ElementSpacing"),
            (
                &format!("{BASE}ElementSpacing = 1 nan 1\n"),
                "ElementSpacing",
            ),
            (
                &format!("{BASE}TransformMatrix = 1 0 0 0 1 0 0 0\n"),
                "TransformMatrix",
            ),
            (&format!("{BASE}Offset = 1 inf 0\n"), "Offset"),
            (&format!("{BASE}CompressedData = maybe\n"), "CompressedData"),
            (&format!("{BASE}BinaryData = False\n"), "BinaryData"),
            (&format!("{BASE}HeaderSize = -2\n"), "HeaderSize"),
            (
                &format!("{BASE}ElementNumberOfChannels = 0\n"),
                "ElementNumberOfChannels",
            ),
            (&format!("{BASE}ObjectType = Transform\n"), "ObjectType"),
            ("DimSize = 4 3 2\nElementType = MET_SHORT\n", "NDims"),
        ] {
            let err = header(&format!("{text}ElementDataFile = LOCAL\n"))
                .unwrap_err()
                .to_string();
            assert!(err.starts_with(field), "{field}: {err}");
            assert!(err.ends_with("t.mha"), "{err}");
        }
        let err = MetaHeader::parse(Path::new("t.mha"), &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("NDims"), "{err}");
    }

    #[test]
    fn binary_is_not_a_header() {
        let junk = [0u8; 100_000];
        let err = read_fields(Path::new("t.mha"), &mut &junk[..])
            .unwrap_err()
            .to_string();
        assert!(err.contains("longer than"), "{err}");
        let err = read_fields(Path::new("t.mha"), &mut &b"hello\n"[..])
            .unwrap_err()
            .to_string();
        assert!(err.contains("header line 1"), "{err}");
    }
}
