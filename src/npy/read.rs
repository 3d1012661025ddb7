//! Reading NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
//!
//! The format: the magic `\x93NUMPY`, two version bytes, the header length
//! (u16 little-endian in 1.0, u32 in 2.0 and 3.0), a Python dict literal
//! (`{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }`), then the
//! raw values. Every size is checked against the file's length before
//! anything is allocated, so a lying header is an error, never an abort.

use crate::volume::{ByteOrder, Datatype, Voxels};
use std::io::Read;
use std::path::{Path, PathBuf};
use thiserror::Error;

const MAGIC: &[u8; 6] = b"\x93NUMPY";

/// An array read from a `.npy` file.
#[derive(Debug, Clone, PartialEq)]
pub struct NpyArray {
    /// The size of each axis, as numpy reports `arr.shape` (unit axes kept).
    pub shape: Vec<usize>,
    /// Every value in logical C order (the last axis fastest), whatever
    /// order the file stored them in: element `[a, b, c]` of a 3D array is
    /// at `(a * shape[1] + b) * shape[2] + c`. The file's type is kept,
    /// except bool (0 or 1 as uint8) and float16 (widened to float32).
    pub values: Voxels,
    /// The dtype as the file spelled it, e.g. `<f4`.
    pub descr: String,
    /// Whether the file stored the values in Fortran order (they have been
    /// reordered into C order in `values`).
    pub fortran_order: bool,
    /// The format version, e.g. (1, 0).
    pub version: (u8, u8),
}

/// Everything that can go wrong reading a `.npy` file; each names the file last.
#[derive(Debug, Error)]
pub enum NpyError {
    // `error`, not `source`: the message already carries it.
    #[error("cannot read {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("{} is empty", path.display())]
    Empty { path: PathBuf },
    #[error("not a .npy file: it does not start with \\x93NUMPY, in {}", path.display())]
    BadMagic { path: PathBuf },
    #[error(".npy format version {major}.{minor} is not one rasview reads (1.0, 2.0, 3.0), in {}", path.display())]
    UnsupportedVersion { path: PathBuf, major: u8, minor: u8 },
    #[error("the header is cut short: {detail}, in {}", path.display())]
    TruncatedHeader { path: PathBuf, detail: String },
    #[error("the header cannot be read: {detail}, in {}", path.display())]
    BadHeader { path: PathBuf, detail: String },
    #[error("dtype '{descr}' ({what}) cannot be imported; rasview imports bool, integer and float arrays, in {}", path.display())]
    UnsupportedDtype {
        path: PathBuf,
        descr: String,
        what: String,
    },
    #[error("shape () is a single number (0 dimensions), not an image, in {}", path.display())]
    ZeroDimensions { path: PathBuf },
    #[error("shape {} has {count} axes longer than 1; rasview imports 2D or 3D arrays, in {}", shape_text(shape), path.display())]
    TooManyDimensions {
        path: PathBuf,
        shape: Vec<usize>,
        count: usize,
    },
    #[error("shape {} has an axis of length 0: the array holds no values, in {}", shape_text(shape), path.display())]
    NoValues { path: PathBuf, shape: Vec<usize> },
    #[error("shape {} of {item_bytes}-byte values is larger than any file can hold, in {}", shape_text(shape), path.display())]
    Overflow {
        path: PathBuf,
        shape: Vec<usize>,
        item_bytes: usize,
    },
    #[error("file ends early: shape {} of '{descr}' needs {expected} bytes of data, the file holds {actual}, in {}", shape_text(shape), path.display())]
    DataTooShort {
        path: PathBuf,
        shape: Vec<usize>,
        descr: String,
        expected: u64,
        actual: u64,
    },
    #[error("the header does not describe the data: shape {} of '{descr}' needs {expected} bytes, the file holds {actual} ({} too many), in {}", shape_text(shape), actual - expected, path.display())]
    DataTooLong {
        path: PathBuf,
        shape: Vec<usize>,
        descr: String,
        expected: u64,
        actual: u64,
    },
    #[error("cannot allocate {bytes} bytes for the array in {}", path.display())]
    OutOfMemory { path: PathBuf, bytes: u64 },
}

/// A shape the way numpy prints it: `(3,)`, `(211, 176)`.
pub fn shape_text(shape: &[usize]) -> String {
    match shape {
        [one] => format!("({one},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// Reads a `.npy` file.
pub fn read_npy(path: &Path) -> Result<NpyArray, NpyError> {
    let io = |error| NpyError::Io {
        path: path.to_path_buf(),
        error,
    };
    let file = std::fs::File::open(path).map_err(io)?;
    let meta = file.metadata().map_err(io)?;
    if meta.is_dir() {
        return Err(io(std::io::Error::other("it is a directory")));
    }
    read_from(std::io::BufReader::new(file), meta.len(), path)
}

/// Parses a `.npy` file held in memory; `path` only names it in errors.
pub fn parse_npy(bytes: &[u8], path: &Path) -> Result<NpyArray, NpyError> {
    read_from(bytes, bytes.len() as u64, path)
}

/// The element type of a file: how many bytes, which byte order, what it becomes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Element {
    Bool,
    F16(ByteOrder),
    /// Stored as the NIfTI type of the same name.
    Plain(Datatype, ByteOrder),
}

impl Element {
    fn bytes(self) -> usize {
        match self {
            Element::Bool => 1,
            Element::F16(_) => 2,
            Element::Plain(d, _) => d.bytes_per_voxel(),
        }
    }
}

fn read_from<R: Read>(mut r: R, total_len: u64, path: &Path) -> Result<NpyArray, NpyError> {
    let p = || path.to_path_buf();
    let io = |error| NpyError::Io { path: p(), error };
    if total_len == 0 {
        return Err(NpyError::Empty { path: p() });
    }
    // The magic and the version bytes.
    let start = read_up_to(&mut r, 8.min(total_len) as usize).map_err(io)?;
    let magic_len = start.len().min(MAGIC.len());
    if start[..magic_len] != MAGIC[..magic_len] {
        return Err(NpyError::BadMagic { path: p() });
    }
    if start.len() < 8 {
        return Err(NpyError::TruncatedHeader {
            path: p(),
            detail: format!(
                "the file ends after {} bytes, inside the magic",
                start.len()
            ),
        });
    }
    let (major, minor) = (start[6], start[7]);
    let length_bytes = match (major, minor) {
        (1, 0) => 2,
        (2, 0) | (3, 0) => 4,
        _ => {
            return Err(NpyError::UnsupportedVersion {
                path: p(),
                major,
                minor,
            })
        }
    };
    let preamble = 8 + length_bytes as u64;
    if total_len < preamble {
        return Err(NpyError::TruncatedHeader {
            path: p(),
            detail: format!("the file ends after {total_len} bytes, before the header length"),
        });
    }
    let len_field = read_up_to(&mut r, length_bytes).map_err(io)?;
    let header_len = len_field
        .iter()
        .rev()
        .fold(0u64, |acc, &b| (acc << 8) | b as u64);
    let available = total_len - preamble;
    if header_len > available {
        return Err(NpyError::TruncatedHeader {
            path: p(),
            detail: format!(
                "it says {header_len} bytes, the file has {available} after the header length"
            ),
        });
    }
    // header_len <= the file's length: safe to read.
    let header_bytes = read_up_to(&mut r, header_len as usize).map_err(io)?;
    if (header_bytes.len() as u64) < header_len {
        return Err(NpyError::TruncatedHeader {
            path: p(),
            detail: format!(
                "it says {header_len} bytes, only {} could be read",
                header_bytes.len()
            ),
        });
    }
    let header_text = if major == 3 {
        String::from_utf8(header_bytes).map_err(|_| NpyError::BadHeader {
            path: p(),
            detail: "a version 3.0 header that is not UTF-8".into(),
        })?
    } else {
        // Latin-1: every byte is the code point of the same value.
        header_bytes.iter().map(|&b| b as char).collect()
    };
    let header =
        parse_header(&header_text).map_err(|detail| NpyError::BadHeader { path: p(), detail })?;
    let element = element_of(&header.descr).map_err(|e| match e {
        DtypeProblem::Unsupported(what) => NpyError::UnsupportedDtype {
            path: p(),
            descr: header.descr.display(),
            what,
        },
        DtypeProblem::Malformed(detail) => NpyError::BadHeader { path: p(), detail },
    })?;
    let descr = header.descr.display();
    let shape = header.shape;

    if shape.is_empty() {
        return Err(NpyError::ZeroDimensions { path: p() });
    }
    let long_axes = shape.iter().filter(|&&n| n != 1).count();
    if long_axes > 3 {
        return Err(NpyError::TooManyDimensions {
            path: p(),
            shape,
            count: long_axes,
        });
    }
    if shape.contains(&0) {
        return Err(NpyError::NoValues { path: p(), shape });
    }
    let item_bytes = element.bytes();
    let Some(expected) = shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))
        .and_then(|count| count.checked_mul(item_bytes))
        .and_then(|b| u64::try_from(b).ok())
    else {
        return Err(NpyError::Overflow {
            path: p(),
            shape,
            item_bytes,
        });
    };
    let actual = total_len - preamble - header_len;
    if expected > actual {
        return Err(NpyError::DataTooShort {
            path: p(),
            shape,
            descr,
            expected,
            actual,
        });
    }
    if expected < actual {
        return Err(NpyError::DataTooLong {
            path: p(),
            shape,
            descr,
            expected,
            actual,
        });
    }

    // Now the size is known to be what the file really holds.
    let out_of_memory = || NpyError::OutOfMemory {
        path: p(),
        bytes: expected,
    };
    let mut data: Vec<u8> = Vec::new();
    data.try_reserve_exact(expected as usize)
        .map_err(|_| out_of_memory())?;
    r.take(expected)
        .read_to_end(&mut data)
        .map_err(|error| NpyError::Io { path: p(), error })?;
    if (data.len() as u64) < expected {
        return Err(NpyError::DataTooShort {
            path: p(),
            shape,
            descr,
            expected,
            actual: data.len() as u64,
        });
    }
    let values = decode(&data, element).ok_or_else(out_of_memory)?;
    drop(data);
    let values = if header.fortran_order && long_axes > 1 {
        super::place::fortran_to_c(&values, &shape).ok_or_else(out_of_memory)?
    } else {
        // One long axis: both orders are the same sequence.
        values
    };
    Ok(NpyArray {
        shape,
        values,
        descr,
        fortran_order: header.fortran_order,
        version: (major, minor),
    })
}

/// Reads `n` bytes, or fewer at the end of the input.
fn read_up_to<R: Read>(r: &mut R, n: usize) -> std::io::Result<Vec<u8>> {
    let mut out = Vec::with_capacity(n);
    r.take(n as u64).read_to_end(&mut out)?;
    Ok(out)
}

/// The bytes of values as the voxels they become.
fn decode(data: &[u8], element: Element) -> Option<Voxels> {
    let count = data.len() / element.bytes();
    match element {
        Element::Bool => {
            let mut v: Vec<u8> = Vec::new();
            v.try_reserve_exact(count).ok()?;
            v.extend(data.iter().map(|&b| (b != 0) as u8));
            Some(Voxels::U8(v))
        }
        Element::F16(order) => {
            let mut v: Vec<f32> = Vec::new();
            v.try_reserve_exact(count).ok()?;
            v.extend(data.chunks_exact(2).map(|b| {
                let bits = match order {
                    ByteOrder::Little => u16::from_le_bytes([b[0], b[1]]),
                    ByteOrder::Big => u16::from_be_bytes([b[0], b[1]]),
                };
                f16_to_f32(bits)
            }));
            Some(Voxels::F32(v))
        }
        Element::Plain(datatype, order) => {
            let mut v = Voxels::try_with_capacity(datatype, count)?;
            v.extend_from_bytes(data, order);
            Some(v)
        }
    }
}

/// IEEE 754 half precision to single, exactly (every half is a float).
pub fn f16_to_f32(h: u16) -> f32 {
    let sign = ((h >> 15) as u32) << 31;
    let exponent = ((h >> 10) & 0x1f) as u32;
    let mantissa = (h & 0x3ff) as u32;
    match exponent {
        0 => {
            // Zero or subnormal: mantissa * 2^-24.
            let magnitude = mantissa as f32 * (1.0 / 16_777_216.0);
            if sign != 0 {
                -magnitude
            } else {
                magnitude
            }
        }
        31 => f32::from_bits(sign | 0x7f80_0000 | (mantissa << 13)),
        _ => f32::from_bits(sign | ((exponent + 112) << 23) | (mantissa << 13)),
    }
}

enum DtypeProblem {
    Unsupported(String),
    Malformed(String),
}

fn element_of(descr: &Literal) -> Result<Element, DtypeProblem> {
    let text = match descr {
        Literal::Str(s) => s.as_str(),
        Literal::List(_) | Literal::Tuple(_) => {
            return Err(DtypeProblem::Unsupported(
                "a structured (record) dtype".into(),
            ))
        }
        other => {
            return Err(DtypeProblem::Malformed(format!(
                "'descr' is {}, not a dtype string",
                other.display()
            )))
        }
    };
    let (order_char, rest) = match text.chars().next() {
        Some(c @ ('<' | '>' | '|' | '=')) => (Some(c), &text[1..]),
        _ => (None, text),
    };
    let kind = rest
        .chars()
        .next()
        .ok_or_else(|| DtypeProblem::Malformed(format!("'descr' is '{text}', an empty dtype")))?;
    let size_text = &rest[kind.len_utf8()..];
    let what = |w: &str| Err(DtypeProblem::Unsupported(w.into()));
    match kind {
        'O' => return what("Python objects"),
        'c' => return what("complex numbers"),
        'S' | 'a' => return what("byte strings"),
        'U' => return what("unicode strings"),
        'V' => return what("raw or structured records"),
        'M' | 'm' => return what("dates or time spans"),
        'b' | 'i' | 'u' | 'f' => {}
        _ => return what("an unknown kind"),
    }
    let size: usize = size_text.parse().map_err(|_| {
        DtypeProblem::Malformed(format!("'descr' is '{text}', whose size is not a number"))
    })?;
    let order = match order_char {
        Some('<') => ByteOrder::Little,
        Some('>') => ByteOrder::Big,
        // Native, or "not applicable" (numpy writes '|' for one-byte types).
        Some('|') if size == 1 => ByteOrder::Little,
        Some('|') => {
            return Err(DtypeProblem::Malformed(format!(
                "'descr' is '{text}': byte order '|' on a {size}-byte type"
            )))
        }
        _ if cfg!(target_endian = "big") => ByteOrder::Big,
        _ => ByteOrder::Little,
    };
    let plain = |d| Ok(Element::Plain(d, order));
    match (kind, size) {
        ('b', 1) => Ok(Element::Bool),
        ('i', 1) => plain(Datatype::I8),
        ('u', 1) => plain(Datatype::U8),
        ('i', 2) => plain(Datatype::I16),
        ('u', 2) => plain(Datatype::U16),
        ('i', 4) => plain(Datatype::I32),
        ('u', 4) => plain(Datatype::U32),
        ('i', 8) => plain(Datatype::I64),
        ('u', 8) => plain(Datatype::U64),
        ('f', 2) => Ok(Element::F16(order)),
        ('f', 4) => plain(Datatype::F32),
        ('f', 8) => plain(Datatype::F64),
        ('f', 12 | 16) => what("extended-precision floats"),
        _ => what(&format!("{size}-byte values of kind '{kind}'")),
    }
}

/// What the header dict says.
struct Header {
    descr: Literal,
    fortran_order: bool,
    shape: Vec<usize>,
}

fn parse_header(text: &str) -> Result<Header, String> {
    let mut parser = Parser {
        chars: text.chars().collect(),
        at: 0,
    };
    let value = parser.value(0)?;
    parser.skip_space();
    if parser.at < parser.chars.len() {
        return Err(format!(
            "unexpected '{}' after the dictionary",
            parser.chars[parser.at]
        ));
    }
    let Literal::Dict(entries) = value else {
        return Err(format!(
            "the header is {}, not a dictionary",
            value.display()
        ));
    };
    let get = |key: &str| {
        entries
            .iter()
            .find(|(k, _)| matches!(k, Literal::Str(s) if s == key))
            .map(|(_, v)| v)
            .ok_or_else(|| format!("the dictionary has no '{key}'"))
    };
    let descr = get("descr")?.clone();
    let fortran_order = match get("fortran_order")? {
        Literal::Bool(b) => *b,
        other => {
            return Err(format!(
                "'fortran_order' is {}, not True or False",
                other.display()
            ))
        }
    };
    let shape = match get("shape")? {
        Literal::Tuple(items) | Literal::List(items) => items
            .iter()
            .map(|item| match item {
                Literal::Int(n) => usize::try_from(*n)
                    .map_err(|_| format!("'shape' has the size {n}, which is not a valid length")),
                Literal::BigInt(digits) => Err(format!(
                    "'shape' has the size {digits}, larger than any array"
                )),
                other => Err(format!(
                    "'shape' holds {}, not a whole number",
                    other.display()
                )),
            })
            .collect::<Result<Vec<usize>, String>>()?,
        other => return Err(format!("'shape' is {}, not a tuple", other.display())),
    };
    Ok(Header {
        descr,
        fortran_order,
        shape,
    })
}

/// The Python literals a header may hold.
#[derive(Debug, Clone, PartialEq)]
enum Literal {
    Str(String),
    Int(i64),
    /// An integer too large for i64, kept as written.
    BigInt(String),
    Bool(bool),
    None,
    Tuple(Vec<Literal>),
    List(Vec<Literal>),
    Dict(Vec<(Literal, Literal)>),
}

impl Literal {
    fn display(&self) -> String {
        match self {
            Literal::Str(s) => s.clone(),
            Literal::Int(n) => n.to_string(),
            Literal::BigInt(s) => s.clone(),
            Literal::Bool(true) => "True".into(),
            Literal::Bool(false) => "False".into(),
            Literal::None => "None".into(),
            Literal::Tuple(items) => format!(
                "({})",
                items
                    .iter()
                    .map(Literal::display)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Literal::List(items) => format!(
                "[{}]",
                items
                    .iter()
                    .map(Literal::display)
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Literal::Dict(_) => "a dictionary".into(),
        }
    }
}

/// Deep enough for any dtype numpy writes; bounds the recursion on junk.
const MAX_NESTING: usize = 32;

struct Parser {
    chars: Vec<char>,
    at: usize,
}

impl Parser {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while self.peek().is_some_and(char::is_whitespace) {
            self.at += 1;
        }
    }

    fn expect(&mut self, c: char) -> Result<(), String> {
        self.skip_space();
        match self.peek() {
            Some(x) if x == c => {
                self.at += 1;
                Ok(())
            }
            Some(x) => Err(format!("expected '{c}', found '{x}'")),
            None => Err(format!("expected '{c}', found the end of the header")),
        }
    }

    fn value(&mut self, depth: usize) -> Result<Literal, String> {
        if depth > MAX_NESTING {
            return Err("the header nests too deeply".into());
        }
        self.skip_space();
        match self.peek() {
            None => Err("the header ends where a value should be".into()),
            Some('{') => {
                self.at += 1;
                let mut entries = Vec::new();
                for (key, value) in self.sequence('}', depth, true)? {
                    entries.push((key, value.unwrap_or(Literal::None)));
                }
                Ok(Literal::Dict(entries))
            }
            Some('(') => {
                self.at += 1;
                let items = self.sequence(')', depth, false)?;
                Ok(Literal::Tuple(items.into_iter().map(|(v, _)| v).collect()))
            }
            Some('[') => {
                self.at += 1;
                let items = self.sequence(']', depth, false)?;
                Ok(Literal::List(items.into_iter().map(|(v, _)| v).collect()))
            }
            Some(q @ ('\'' | '"')) => {
                self.at += 1;
                let mut s = String::new();
                loop {
                    match self.peek() {
                        None => return Err("a string is not closed".into()),
                        Some('\\') => {
                            self.at += 1;
                            match self.peek() {
                                Some(c) => s.push(c),
                                None => return Err("a string is not closed".into()),
                            }
                        }
                        Some(c) if c == q => {
                            self.at += 1;
                            return Ok(Literal::Str(s));
                        }
                        Some(c) => s.push(c),
                    }
                    self.at += 1;
                }
            }
            Some(c) if c == '-' || c == '+' || c.is_ascii_digit() => {
                let begin = self.at;
                self.at += 1;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.at += 1;
                }
                let digits: String = self.chars[begin..self.at].iter().collect();
                // Python 2 wrote long integers with an L.
                if matches!(self.peek(), Some('L' | 'l')) {
                    self.at += 1;
                }
                if !digits.chars().any(|c| c.is_ascii_digit()) {
                    return Err(format!("'{digits}' is not a number"));
                }
                Ok(digits
                    .parse::<i64>()
                    .map(Literal::Int)
                    .unwrap_or(Literal::BigInt(digits)))
            }
            Some(c) if c.is_alphabetic() => {
                let begin = self.at;
                while self.peek().is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    self.at += 1;
                }
                let word: String = self.chars[begin..self.at].iter().collect();
                match word.as_str() {
                    "True" => Ok(Literal::Bool(true)),
                    "False" => Ok(Literal::Bool(false)),
                    "None" => Ok(Literal::None),
                    _ => Err(format!("'{word}' is not a Python literal")),
                }
            }
            Some(c) => Err(format!("unexpected '{c}'")),
        }
    }

    /// Items up to `close`, separated by commas (a trailing comma allowed);
    /// with `pairs`, each item is `key: value`.
    fn sequence(
        &mut self,
        close: char,
        depth: usize,
        pairs: bool,
    ) -> Result<Vec<(Literal, Option<Literal>)>, String> {
        let mut out = Vec::new();
        loop {
            self.skip_space();
            if self.peek() == Some(close) {
                self.at += 1;
                return Ok(out);
            }
            let first = self.value(depth + 1)?;
            let second = if pairs {
                self.expect(':')?;
                Some(self.value(depth + 1)?)
            } else {
                None
            };
            out.push((first, second));
            self.skip_space();
            match self.peek() {
                Some(',') => self.at += 1,
                Some(c) if c == close => {}
                Some(c) => return Err(format!("expected ',' or '{close}', found '{c}'")),
                None => return Err(format!("expected '{close}', found the end of the header")),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A .npy file: `header` is the dict text; padding and the newline are
    /// added as numpy does (to a multiple of 64 bytes).
    fn npy(version: (u8, u8), header: &str, data: &[u8]) -> Vec<u8> {
        let len_bytes = if version.0 == 1 { 2 } else { 4 };
        let unpadded = 8 + len_bytes + header.len() + 1;
        let padding = (64 - unpadded % 64) % 64;
        let text = format!("{header}{}\n", " ".repeat(padding));
        let mut out = MAGIC.to_vec();
        out.extend([version.0, version.1]);
        if len_bytes == 2 {
            out.extend((text.len() as u16).to_le_bytes());
        } else {
            out.extend((text.len() as u32).to_le_bytes());
        }
        out.extend(text.as_bytes());
        out.extend(data);
        out
    }

    fn dict(descr: &str, fortran: bool, shape: &str) -> String {
        let f = if fortran { "True" } else { "False" };
        format!("{{'descr': '{descr}', 'fortran_order': {f}, 'shape': {shape}, }}")
    }

    fn parse(bytes: &[u8]) -> Result<NpyArray, NpyError> {
        parse_npy(bytes, Path::new("test.npy"))
    }

    fn message(bytes: &[u8]) -> String {
        let e = parse(bytes).expect_err("should be refused");
        let m = e.to_string();
        assert!(m.ends_with("test.npy"), "names the file last: {m}");
        m
    }

    #[test]
    fn reads_every_integer_type_in_both_byte_orders() {
        macro_rules! check {
            ($t:ty, $code:literal, $variant:ident) => {
                let values: Vec<$t> = vec![0 as $t, 1 as $t, <$t>::MAX, <$t>::MIN];
                for (order, prefix) in [(false, '<'), (true, '>')] {
                    let bytes: Vec<u8> = values
                        .iter()
                        .flat_map(|v| {
                            if order {
                                v.to_be_bytes().to_vec()
                            } else {
                                v.to_le_bytes().to_vec()
                            }
                        })
                        .collect();
                    let descr = format!("{prefix}{}", $code);
                    let a = parse(&npy((1, 0), &dict(&descr, false, "(4,)"), &bytes)).unwrap();
                    assert_eq!(a.values, Voxels::$variant(values.clone()), "{descr}");
                    assert_eq!(a.shape, vec![4]);
                    assert_eq!(a.descr, descr);
                }
            };
        }
        check!(i8, "i1", I8);
        check!(u8, "u1", U8);
        check!(i16, "i2", I16);
        check!(u16, "u2", U16);
        check!(i32, "i4", I32);
        check!(u32, "u4", U32);
        check!(i64, "i8", I64);
        check!(u64, "u8", U64);
        let a = parse(&npy((1, 0), &dict("|u1", false, "(2,)"), &[7, 200])).unwrap();
        assert_eq!(a.values, Voxels::U8(vec![7, 200]));
        let a = parse(&npy((1, 0), &dict("|i1", false, "(2,)"), &[0xff, 3])).unwrap();
        assert_eq!(a.values, Voxels::I8(vec![-1, 3]));
    }

    #[test]
    fn reads_floats_in_both_byte_orders() {
        let v = [1.5f32, -0.25, f32::INFINITY];
        let le: Vec<u8> = v.iter().flat_map(|x| x.to_le_bytes()).collect();
        let be: Vec<u8> = v.iter().flat_map(|x| x.to_be_bytes()).collect();
        let a = parse(&npy((1, 0), &dict("<f4", false, "(3,)"), &le)).unwrap();
        assert_eq!(a.values, Voxels::F32(v.to_vec()));
        let a = parse(&npy((1, 0), &dict(">f4", false, "(3,)"), &be)).unwrap();
        assert_eq!(a.values, Voxels::F32(v.to_vec()));
        let d = [1e300f64, -3.0];
        let be: Vec<u8> = d.iter().flat_map(|x| x.to_be_bytes()).collect();
        let a = parse(&npy((1, 0), &dict(">f8", false, "(2,)"), &be)).unwrap();
        assert_eq!(a.values, Voxels::F64(d.to_vec()));
        let le: Vec<u8> = d.iter().flat_map(|x| x.to_le_bytes()).collect();
        let a = parse(&npy((1, 0), &dict("<f8", false, "(2,)"), &le)).unwrap();
        assert_eq!(a.values, Voxels::F64(d.to_vec()));
    }

    #[test]
    fn float16_widens_to_float32_exactly() {
        // 1.0, -2.5, 65504 (largest), the smallest subnormal, -0, inf.
        let halves: [u16; 6] = [0x3c00, 0xc100, 0x7bff, 0x0001, 0x8000, 0x7c00];
        let le: Vec<u8> = halves.iter().flat_map(|h| h.to_le_bytes()).collect();
        let a = parse(&npy((1, 0), &dict("<f2", false, "(6,)"), &le)).unwrap();
        let expected = [1.0, -2.5, 65504.0, 2f32.powi(-24), -0.0, f32::INFINITY];
        let Voxels::F32(got) = &a.values else {
            panic!("float16 becomes float32, got {:?}", a.values.datatype())
        };
        for (g, e) in got.iter().zip(expected) {
            assert_eq!(g.to_bits(), e.to_bits(), "{g} vs {e}");
        }
        let be: Vec<u8> = halves.iter().flat_map(|h| h.to_be_bytes()).collect();
        let b = parse(&npy((1, 0), &dict(">f2", false, "(6,)"), &be)).unwrap();
        assert_eq!(a.values, b.values);
        assert!(f16_to_f32(0x7e00).is_nan());
    }

    #[test]
    fn bool_becomes_zero_or_one() {
        let a = parse(&npy((1, 0), &dict("|b1", false, "(2, 2)"), &[1, 0, 0, 1])).unwrap();
        assert_eq!(a.values, Voxels::U8(vec![1, 0, 0, 1]));
        assert_eq!(a.shape, vec![2, 2]);
    }

    #[test]
    fn fortran_order_is_reordered_to_c() {
        // Logical [[0, 1, 2], [3, 4, 5]] stored column by column.
        let a = parse(&npy(
            (1, 0),
            &dict("|u1", true, "(2, 3)"),
            &[0, 3, 1, 4, 2, 5],
        ))
        .unwrap();
        assert_eq!(a.values, Voxels::U8(vec![0, 1, 2, 3, 4, 5]));
        assert!(a.fortran_order);
        // 3D: value 100a + 10b + c at [a, b, c] of a (2, 3, 4) array.
        let shape = [2, 3, 4];
        let mut fortran = Vec::new();
        for c in 0..4 {
            for b in 0..3 {
                for a in 0..2 {
                    fortran.push((100 * a + 10 * b + c) as i16);
                }
            }
        }
        let bytes: Vec<u8> = fortran.iter().flat_map(|v| v.to_le_bytes()).collect();
        let arr = parse(&npy((1, 0), &dict("<i2", true, "(2, 3, 4)"), &bytes)).unwrap();
        let Voxels::I16(v) = arr.values else { panic!() };
        for a in 0..2 {
            for b in 0..3 {
                for c in 0..4 {
                    let at = (a * shape[1] + b) * shape[2] + c;
                    assert_eq!(v[at], (100 * a + 10 * b + c) as i16);
                }
            }
        }
    }

    #[test]
    fn fortran_order_with_unit_axes() {
        // (2, 1, 3): Fortran stores a fastest.
        let a = parse(&npy(
            (1, 0),
            &dict("|u1", true, "(2, 1, 3)"),
            &[0, 3, 1, 4, 2, 5],
        ))
        .unwrap();
        assert_eq!(a.values, Voxels::U8(vec![0, 1, 2, 3, 4, 5]));
    }

    #[test]
    fn reads_versions_two_and_three() {
        let a = parse(&npy((2, 0), &dict("<u2", false, "(2,)"), &[1, 0, 0, 1])).unwrap();
        assert_eq!(a.values, Voxels::U16(vec![1, 256]));
        assert_eq!(a.version, (2, 0));
        let a = parse(&npy((3, 0), &dict("<u2", false, "(2,)"), &[1, 0, 0, 1])).unwrap();
        assert_eq!(a.version, (3, 0));
    }

    #[test]
    fn header_variants_numpy_and_others_write() {
        // Double quotes, key order, no trailing comma, Python 2 long sizes, list shape.
        for header in [
            "{\"shape\": (1, 2), \"fortran_order\": False, \"descr\": \"<u2\"}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (1L, 2L)}",
            "{'descr':'<u2','fortran_order':False,'shape':[1,2]}",
        ] {
            let a = parse(&npy((1, 0), header, &[1, 0, 2, 0])).unwrap();
            assert_eq!(a.shape, vec![1, 2], "{header}");
            assert_eq!(a.values, Voxels::U16(vec![1, 2]));
        }
    }

    #[test]
    fn refuses_bad_magic_and_versions() {
        assert!(message(b"PK\x03\x04 not numpy at all").contains("not a .npy file"));
        assert!(message(b"\x93NUM").contains("cut short"));
        let mut v = npy((1, 0), &dict("<u2", false, "(1,)"), &[0, 0]);
        v[6] = 4;
        assert!(message(&v).contains("version 4.0"));
        assert!(matches!(parse(b""), Err(NpyError::Empty { .. })));
    }

    #[test]
    fn refuses_truncated_headers() {
        let full = npy((1, 0), &dict("<u2", false, "(1,)"), &[0, 0]);
        // Cut before the header length, and inside the header.
        assert!(message(&full[..9]).contains("cut short"));
        assert!(message(&full[..40]).contains("cut short"));
        let full = npy((2, 0), &dict("<u2", false, "(1,)"), &[0, 0]);
        assert!(message(&full[..11]).contains("cut short"));
        // A version 2 header length of 4 GB in a tiny file.
        let mut v = full.clone();
        v[8..12].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(message(&v).contains("4294967295 bytes"));
    }

    #[test]
    fn refuses_unparsable_headers() {
        for header in [
            "not a dict",
            "{'descr': '<u2', 'fortran_order': False}",
            "{'descr': '<u2', 'fortran_order': 0, 'shape': (1,)}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': 'big'}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (-1,)}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (1.5,)}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (1,",
            "{'descr': '<u2 , 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<uX', 'fortran_order': False, 'shape': (1,)}",
            "{'descr': 7, 'fortran_order': False, 'shape': (1,)}",
            "{'descr': '<u2', 'fortran_order': False, 'shape': (1,)} extra",
            "{'descr': '|u2', 'fortran_order': False, 'shape': (1,)}",
            &"[".repeat(1000),
        ] {
            let m = message(&npy((1, 0), header, &[0, 0]));
            assert!(m.contains("header cannot be read"), "{header}: {m}");
        }
        // Not UTF-8 in a version 3 header.
        let mut v = npy((3, 0), &dict("<u2", false, "(1,)"), &[0, 0]);
        v[13] = 0xff;
        assert!(message(&v).contains("UTF-8"));
    }

    #[test]
    fn refuses_dtypes_that_are_not_numbers() {
        for (descr, what) in [
            ("|O", "Python objects"),
            ("<c8", "complex"),
            ("<c16", "complex"),
            ("|S5", "byte strings"),
            ("<U3", "unicode"),
            ("|V8", "records"),
            ("<M8[ns]", "dates"),
            ("<f16", "extended-precision"),
            ("<i16", "16-byte"),
        ] {
            let m = message(&npy((1, 0), &dict(descr, false, "(1,)"), &[0; 16]));
            assert!(m.contains(what) && m.contains(descr), "{descr}: {m}");
        }
        let structured =
            "{'descr': [('x', '<f4'), ('y', '<f4')], 'fortran_order': False, 'shape': (1,), }";
        let m = message(&npy((1, 0), structured, &[0; 8]));
        assert!(m.contains("structured"), "{m}");
    }

    #[test]
    fn refuses_shapes_that_are_not_images() {
        let m = message(&npy((1, 0), &dict("|u1", false, "()"), &[0]));
        assert!(m.contains("0 dimensions"), "{m}");
        let m = message(&npy((1, 0), &dict("|u1", false, "(2, 2, 2, 2)"), &[0; 16]));
        assert!(m.contains("(2, 2, 2, 2) has 4 axes"), "{m}");
        let m = message(&npy((1, 0), &dict("|u1", false, "(3, 0)"), &[]));
        assert!(m.contains("length 0"), "{m}");
        // Unit axes do not count.
        let a = parse(&npy(
            (1, 0),
            &dict("|u1", false, "(1, 2, 1, 2, 1, 2)"),
            &[0; 8],
        ))
        .unwrap();
        assert_eq!(a.shape, vec![1, 2, 1, 2, 1, 2]);
    }

    #[test]
    fn refuses_absurd_shapes_before_allocating() {
        // The product overflows usize.
        let m = message(&npy(
            (1, 0),
            &dict("<f8", false, "(4294967296, 4294967296, 4294967296)"),
            &[0; 8],
        ));
        assert!(m.contains("larger than any file"), "{m}");
        let m = message(&npy(
            (1, 0),
            &dict("<f8", false, "(99999999999999999999999,)"),
            &[0; 8],
        ));
        assert!(m.contains("larger than any array"), "{m}");
        // Fits in usize, but claims terabytes of a tiny file.
        let m = message(&npy(
            (1, 0),
            &dict("<f8", false, "(100000, 100000, 1000)"),
            &[0; 8],
        ));
        assert!(
            m.contains("needs 80000000000000 bytes") && m.contains("holds 8"),
            "{m}"
        );
    }

    #[test]
    fn refuses_files_shorter_or_longer_than_the_shape() {
        let m = message(&npy((1, 0), &dict("<u2", false, "(3,)"), &[0; 5]));
        assert!(
            m.contains("ends early") && m.contains("needs 6 bytes"),
            "{m}"
        );
        let m = message(&npy((1, 0), &dict("<u2", false, "(3,)"), &[0; 8]));
        assert!(
            m.contains("does not describe the data") && m.contains("2 too many"),
            "{m}"
        );
    }

    #[test]
    fn never_panics_on_any_prefix_or_corruption() {
        let good = npy((1, 0), &dict("<f4", true, "(2, 3)"), &[0x3f; 24]);
        for end in 0..good.len() {
            assert!(parse(&good[..end]).is_err(), "prefix of {end} bytes");
        }
        for at in 0..good.len() {
            for byte in [0u8, b'(', b'\'', b'9', 0xff] {
                let mut v = good.clone();
                v[at] = byte;
                let _ = parse(&v);
            }
        }
    }

    #[test]
    fn reads_a_real_file_through_the_path() {
        let dir = std::env::temp_dir().join(format!("rasview-npy-read-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("a.npy");
        std::fs::write(
            &path,
            npy((1, 0), &dict("<u2", false, "(2,)"), &[5, 0, 6, 0]),
        )
        .unwrap();
        assert_eq!(read_npy(&path).unwrap().values, Voxels::U16(vec![5, 6]));
        std::fs::write(
            &path,
            npy((1, 0), &dict("<u2", false, "(3,)"), &[5, 0, 6, 0]),
        )
        .unwrap();
        assert!(matches!(
            read_npy(&path),
            Err(NpyError::DataTooShort { .. })
        ));
        assert!(matches!(
            read_npy(&dir.join("missing.npy")),
            Err(NpyError::Io { .. })
        ));
        assert!(matches!(read_npy(&dir), Err(NpyError::Io { .. })));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
