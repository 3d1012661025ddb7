//! The text of an NRRD header: its lines read from the file without reading
//! past the blank line that ends it, and split into fields
//! (`name: description`) and key/value pairs (`key:=value`).
//!
//! Nothing here knows what a field means; `spec` and `geometry` interpret
//! them. Field names are matched in lower case (teem itself is lenient).

use crate::volume::error::LoadError;
use crate::volume::files;
use std::io::Read;
use std::path::Path;

/// A header longer than this without its closing blank line is not an
/// NRRD header (a binary file that starts with the magic by chance): the
/// search stops instead of reading the whole file as text.
const MAX_HEADER_BYTES: usize = 16 << 20;

/// The lines of a header, split but not yet interpreted.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderText {
    /// The digit of `NRRD000X`.
    pub version: u8,
    /// `(name in lower case, description)` in file order.
    pub fields: Vec<(String, String)>,
    /// `key:=value` pairs in file order (a Slicer segmentation's segments).
    pub key_values: Vec<(String, String)>,
    /// For `data file: LIST`: the lines after that field, one file each.
    pub list_lines: Vec<String>,
    /// Bytes from the start of the file to the first data byte (just past
    /// the blank line), when the header ended with one.
    pub data_offset: Option<u64>,
}

impl HeaderText {
    /// The description of a field, if the header has it.
    pub fn get(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, d)| d.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Reads the header from the start of `opened` (an uninflated file). Stops
/// at the blank line that ends it, or at the end of the file (a detached
/// header may have none); the bytes read past it are handed back, so the
/// caller can read the data that follows from the same stream.
pub fn read(
    path: &Path,
    opened: &mut files::OpenedFile,
) -> Result<(HeaderText, Vec<u8>), LoadError> {
    let mut buf: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut searched = 0;
    loop {
        if let Some(end) = blank_line_end(&buf, searched) {
            let rest = buf.split_off(end);
            let mut text = parse(path, &buf)?;
            text.data_offset = Some(end as u64);
            return Ok((text, rest));
        }
        // A blank line can straddle two reads: look again from just
        // before where this search ended.
        searched = buf.len().saturating_sub(3);
        if buf.len() > MAX_HEADER_BYTES {
            return Err(LoadError::bad_field(
                path,
                "header",
                "",
                format!(
                    "runs past {} MiB without the blank line that ends an NRRD header",
                    MAX_HEADER_BYTES >> 20
                ),
            ));
        }
        let got = opened
            .reader
            .read(&mut chunk)
            .map_err(|e| LoadError::io(path, e))?;
        if got == 0 {
            let text = parse(path, &buf)?;
            return Ok((text, Vec::new()));
        }
        buf.extend_from_slice(&chunk[..got]);
    }
}

/// Where the data starts: just past the first empty line ("\n\n" or
/// "\n\r\n"), searching from `from`.
fn blank_line_end(buf: &[u8], from: usize) -> Option<usize> {
    let mut i = from;
    while i + 1 < buf.len() {
        if buf[i] == b'\n' {
            if buf[i + 1] == b'\n' {
                return Some(i + 2);
            }
            if buf[i + 1] == b'\r' && buf.get(i + 2) == Some(&b'\n') {
                return Some(i + 3);
            }
        }
        i += 1;
    }
    None
}

/// Splits the header's bytes into its magic, fields and key/value pairs.
pub fn parse(path: &Path, bytes: &[u8]) -> Result<HeaderText, LoadError> {
    let text = String::from_utf8_lossy(bytes);
    let mut lines = text.lines().map(|l| l.trim_end_matches('\r'));
    let magic = lines.next().unwrap_or("");
    let version = magic
        .strip_prefix("NRRD000")
        .and_then(|v| v.trim().parse::<u8>().ok())
        .filter(|v| (1..=5).contains(v))
        .ok_or_else(|| {
            LoadError::bad_field(
                path,
                "magic",
                format!("\"{}\"", magic.chars().take(16).collect::<String>()),
                "is not NRRD0001 to NRRD0005",
            )
        })?;
    let mut out = HeaderText {
        version,
        fields: Vec::new(),
        key_values: Vec::new(),
        list_lines: Vec::new(),
        data_offset: None,
    };
    let mut in_list = false;
    for line in lines {
        if line.trim().is_empty() {
            break;
        }
        if in_list {
            out.list_lines.push(line.trim().to_string());
            continue;
        }
        if line.starts_with('#') {
            continue;
        }
        // A key/value pair holds ":=" before any ": " (a description may
        // itself contain ":=", a key may not contain ": ").
        let kv = line.find(":=");
        let field = line.find(": ");
        match (kv, field) {
            (Some(k), f) if f.is_none_or(|f| k < f) => {
                out.key_values
                    .push((line[..k].to_string(), line[k + 2..].to_string()));
            }
            (_, Some(f)) => {
                let name = line[..f].trim().to_lowercase();
                let desc = line[f + 2..].trim().to_string();
                if out.has(&name) {
                    return Err(LoadError::bad_field(
                        path,
                        name,
                        "",
                        "appears twice in the header",
                    ));
                }
                in_list = (name == "data file" || name == "datafile")
                    && desc.split_whitespace().next() == Some("LIST");
                out.fields.push((name, desc));
            }
            _ => {
                return Err(LoadError::bad_field(
                    path,
                    "header",
                    format!("\"{}\"", line.chars().take(60).collect::<String>()),
                    "is neither a field (\"name: value\") nor a key/value pair (\"key:=value\")",
                ))
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p() -> &'static Path {
        Path::new("t.nrrd")
    }

    #[test]
    fn fields_key_values_and_comments() {
        let h = parse(
            p(),
            b"NRRD0004\n# a comment\ntype: short\nSpace Directions: (1,0,0) none\nSegment0_Name:=liver: left lobe\nkey:=a: b\n",
        )
        .unwrap();
        assert_eq!(h.version, 4);
        assert_eq!(h.get("type"), Some("short"));
        assert_eq!(h.get("space directions"), Some("(1,0,0) none"));
        assert_eq!(
            h.key_values,
            vec![
                ("Segment0_Name".into(), "liver: left lobe".into()),
                ("key".into(), "a: b".into())
            ]
        );
    }

    #[test]
    fn list_lines_follow_data_file_list() {
        let h = parse(
            p(),
            b"NRRD0004\ntype: uchar\ndata file: LIST 2\na.raw\nb.raw\n",
        )
        .unwrap();
        assert_eq!(h.get("data file"), Some("LIST 2"));
        assert_eq!(h.list_lines, vec!["a.raw", "b.raw"]);
    }

    #[test]
    fn bad_magic_duplicate_and_garbage_lines_are_named() {
        let e = parse(p(), b"NRRD0009\n").unwrap_err().to_string();
        assert!(e.contains("magic"), "{e}");
        let e = parse(p(), b"NRRD0004\ntype: short\ntype: float\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("type") && e.contains("twice"), "{e}");
        let e = parse(p(), b"NRRD0004\nwhat is this\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("header"), "{e}");
    }

    #[test]
    fn blank_line_ends_the_header_with_either_line_ending() {
        assert_eq!(blank_line_end(b"NRRD0004\ntype: x\n\nDATA", 0), Some(18));
        assert_eq!(blank_line_end(b"NRRD0004\r\ntype: x\r\n\r\nD", 0), Some(21));
        assert_eq!(blank_line_end(b"NRRD0004\ntype: x\n", 0), None);
    }
}
