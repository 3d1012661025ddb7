//! Reading an NRRD's data: from each data file in turn (or after the
//! header), past its `line skip` lines and `byte skip` bytes, raw, gzip
//! (inflated with its CRC and length checked) or ascii, into voxels.
//!
//! Every size was checked against the files on disk and the memory limit
//! before this allocates (see `check_files`).

use super::spec::{ByteSkip, DataSpec, Encoding};
use crate::volume::datatype::Datatype;
use crate::volume::error::LoadError;
use crate::volume::files::{self, FileRead, OpenedFile};
use crate::volume::header::ByteOrder;
use crate::volume::voxels::Voxels;
use flate2::read::MultiGzDecoder;
use std::io::Read;
use std::ops::Range;
use std::path::{Path, PathBuf};

/// Deflate's largest expansion is about 1032 to 1: a gzip stream of n
/// bytes cannot hold more than this many (plus a little for tiny streams).
const MAX_INFLATE_RATIO: u64 = 1032;

/// One file's share of the data.
pub struct Piece {
    pub path: PathBuf,
    /// For attached data: the header's own file, read up to the data, and
    /// the byte the data starts at.
    pub attached: Option<(OpenedFile, u64)>,
}

/// Where the voxels go, with progress over every element read.
pub struct Sink<'a> {
    pub voxels: Voxels,
    order: ByteOrder,
    total: u64,
    done: u64,
    progress: &'a dyn Fn(f32),
}

impl<'a> Sink<'a> {
    pub fn new(voxels: Voxels, order: ByteOrder, total: u64, progress: &'a dyn Fn(f32)) -> Self {
        Sink {
            voxels,
            order,
            total: total.max(1),
            done: 0,
            progress,
        }
    }

    fn advance(&mut self, elements: u64) {
        self.done += elements;
        (self.progress)(self.done as f32 / self.total as f32);
    }
}

/// The element bytes of the voxel type the data is read as.
fn element_bytes(datatype: Datatype) -> u64 {
    datatype.bytes_per_voxel() as u64
}

/// Checks every file that will be read, before any voxel is allocated: it
/// exists, and it is large enough to hold its share (for gzip: could
/// inflate to it; for ascii: has a character per number).
pub fn check_files(
    spec: &DataSpec,
    read_type: Datatype,
    header_path: &Path,
    header_len: u64,
    paths: &[(PathBuf, bool)],
    piece_elements: u64,
) -> Result<(), LoadError> {
    let piece_bytes = piece_elements * element_bytes(read_type);
    for (path, attached) in paths {
        let disk_len = match std::fs::metadata(path) {
            Ok(m) if m.is_file() => m.len(),
            Ok(_) => {
                return Err(LoadError::bad_field(
                    header_path,
                    "data file",
                    path.display(),
                    "is not a file",
                ))
            }
            Err(_) => {
                return Err(LoadError::MissingImage {
                    path: header_path.to_path_buf(),
                    tried: format!("the data file {}", path.display()),
                })
            }
        };
        let start = if *attached { header_len } else { 0 };
        let available = disk_len.saturating_sub(start);
        let skip = match spec.byte_skip {
            ByteSkip::Bytes(n) => n,
            ByteSkip::ToEnd => 0,
        };
        let sizes = sizes_text(spec);
        let short = match spec.encoding {
            Encoding::Raw => {
                (available < skip.saturating_add(piece_bytes)).then(|| {
                    format!(
                        "sizes {sizes} need {piece_bytes} bytes of data{}, but the file has {available} bytes{}",
                        if skip > 0 { format!(" after byte skip = {skip}") } else { String::new() },
                        if *attached { " after the header" } else { "" }
                    )
                })
            }
            Encoding::Gzip => (piece_bytes.saturating_add(skip)
                > available.saturating_mul(MAX_INFLATE_RATIO).saturating_add(1 << 16))
            .then(|| {
                format!(
                    "sizes {sizes} need {piece_bytes} bytes of data, more than {available} bytes of gzip can hold"
                )
            }),
            Encoding::Ascii => (piece_elements.saturating_mul(2).saturating_sub(1) > available)
                .then(|| {
                    format!(
                        "sizes {sizes} need {piece_elements} numbers, more than {available} bytes of text can hold"
                    )
                }),
        };
        if let Some(detail) = short {
            return Err(LoadError::Truncated {
                path: path.clone(),
                detail,
            });
        }
    }
    Ok(())
}

pub fn sizes_text(spec: &DataSpec) -> String {
    spec.sizes
        .iter()
        .map(|s| s.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// Reads elements `local` of a piece holding `piece_elements`, appending
/// them to `sink`. Returns the file as read: hashed whole when the read
/// went to its end, stamped only when it stopped early.
#[allow(clippy::too_many_arguments)]
pub fn read_piece(
    piece: Piece,
    spec: &DataSpec,
    read_type: Datatype,
    local: Range<u64>,
    piece_elements: u64,
    sink: &mut Sink,
    warnings: &mut Vec<String>,
) -> Result<FileRead, LoadError> {
    let path = piece.path.as_path();
    let (mut f, header_len) = match piece.attached {
        Some((f, start)) => (f, start),
        None => (files::open_plain(path)?, 0),
    };
    let mut pos = header_len;
    pos += skip_lines(path, &mut f, spec.line_skip)?;
    let bpe = element_bytes(read_type);
    let piece_bytes = piece_elements * bpe;
    let to_end = local.end == piece_elements;
    let sizes = sizes_text(spec);

    match spec.encoding {
        Encoding::Raw => {
            let data_start = match spec.byte_skip {
                ByteSkip::Bytes(n) => pos + n,
                ByteSkip::ToEnd => match f.disk_len.checked_sub(piece_bytes) {
                    Some(s) if s >= pos => s,
                    _ => {
                        return Err(LoadError::Truncated {
                            path: path.to_path_buf(),
                            detail: format!(
                                "byte skip = -1 puts the data in the last {piece_bytes} bytes (sizes {sizes}), \
                                 but only {} bytes follow the header",
                                f.disk_len.saturating_sub(pos)
                            ),
                        })
                    }
                },
            };
            if data_start + piece_bytes > f.disk_len {
                return Err(LoadError::Truncated {
                    path: path.to_path_buf(),
                    detail: format!(
                        "sizes {sizes} need {piece_bytes} bytes of data from byte {data_start}, but the file has {} bytes",
                        f.disk_len
                    ),
                });
            }
            if local.start == 0 && to_end {
                skip_bytes(path, &mut f, data_start - pos, "byte skip")?;
                read_binary(path, &mut f, piece_bytes, sink, spec)?;
                let trailing = f.disk_len - data_start - piece_bytes;
                if trailing > 0 {
                    warnings.push(format!(
                        "{} has {trailing} bytes after the data that sizes {sizes} describe; they were not read",
                        path.display()
                    ));
                }
                f.finish()
            } else {
                // Part of the file (one volume): straight to its bytes.
                f.finish_partial()?;
                let mut part = files::open_at(path, data_start + local.start * bpe)?;
                read_binary(path, &mut part, (local.end - local.start) * bpe, sink, spec)?;
                part.finish_partial()
            }
        }
        Encoding::Gzip => read_gzip(
            path,
            f,
            header_len,
            spec,
            local,
            piece_elements,
            sink,
            warnings,
        )
        .map_err(|e| match e {
            // The header said gzip: that is the field to doubt.
            LoadError::Gzip { path, detail } => LoadError::Gzip {
                path,
                detail: format!("encoding = gzip: {detail}"),
            },
            e => e,
        }),
        Encoding::Ascii => {
            if let ByteSkip::Bytes(n) = spec.byte_skip {
                skip_bytes(path, &mut f, n, "byte skip")?;
            }
            read_text(path, &mut f, local, sink, spec)?;
            if to_end {
                f.finish()
            } else {
                f.finish_partial()
            }
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn read_gzip(
    path: &Path,
    mut f: OpenedFile,
    header_len: u64,
    spec: &DataSpec,
    local: Range<u64>,
    piece_elements: u64,
    sink: &mut Sink,
    warnings: &mut Vec<String>,
) -> Result<FileRead, LoadError> {
    let bpe = sink.voxels.datatype().bytes_per_voxel() as u64;
    let piece_bytes = piece_elements * bpe;
    let to_end = local.end == piece_elements;
    let sizes = sizes_text(spec);
    inflate(&mut f);
    let skip = match spec.byte_skip {
        ByteSkip::Bytes(n) => n,
        ByteSkip::ToEnd => {
            let total = inflated_len(path, header_len, spec.line_skip)?;
            total.checked_sub(piece_bytes).ok_or_else(|| LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "sizes {sizes} need {piece_bytes} bytes of data, the decompressed data holds {total}"
                ),
            })?
        }
    };
    skip_bytes(path, &mut f, skip + local.start * bpe, "byte skip")?;
    read_binary(path, &mut f, (local.end - local.start) * bpe, sink, spec)?;
    if to_end {
        let extra = drain(path, &mut f)?;
        if extra > 0 && spec.byte_skip != ByteSkip::ToEnd {
            warnings.push(format!(
                "{} holds {extra} decompressed bytes after the data that sizes {sizes} describe; they were not read",
                path.display()
            ));
        }
        f.finish()
    } else {
        f.finish_partial()
    }
}

/// Replaces the reader with a gzip decoder over it: the data after an
/// NRRD header is a gzip stream of its own.
fn inflate(f: &mut OpenedFile) {
    let raw = std::mem::replace(&mut f.reader, Box::new(std::io::empty()));
    f.reader = Box::new(MultiGzDecoder::new(raw));
    f.gzipped = true;
}

/// The decompressed length of a gzip data file: what `byte skip: -1` needs
/// to know where its last bytes start. A first pass over the file.
fn inflated_len(path: &Path, header_len: u64, line_skip: u64) -> Result<u64, LoadError> {
    let mut f = files::open_plain(path)?;
    skip_bytes(path, &mut f, header_len, "header")?;
    skip_lines(path, &mut f, line_skip)?;
    inflate(&mut f);
    drain(path, &mut f)
}

/// Reads what is left, returning how many bytes that was.
fn drain(path: &Path, f: &mut OpenedFile) -> Result<u64, LoadError> {
    std::io::copy(&mut f.reader, &mut std::io::sink())
        .map_err(|e| files::stream_error(path, f.gzipped, e))
}

/// Skips `lines` lines, one byte at a time (the reader is buffered); returns
/// the bytes passed over.
fn skip_lines(path: &Path, f: &mut OpenedFile, lines: u64) -> Result<u64, LoadError> {
    let mut seen = 0;
    let mut consumed = 0u64;
    let mut byte = [0u8; 1];
    while seen < lines {
        let got = f
            .reader
            .read(&mut byte)
            .map_err(|e| files::stream_error(path, f.gzipped, e))?;
        if got == 0 {
            return Err(LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!("line skip = {lines}, but the data file has {seen} lines"),
            });
        }
        consumed += 1;
        if byte[0] == b'\n' {
            seen += 1;
        }
    }
    Ok(consumed)
}

fn skip_bytes(path: &Path, f: &mut OpenedFile, count: u64, field: &str) -> Result<(), LoadError> {
    let skipped = std::io::copy(&mut (&mut f.reader).take(count), &mut std::io::sink())
        .map_err(|e| files::stream_error(path, f.gzipped, e))?;
    if skipped < count {
        return Err(LoadError::Truncated {
            path: path.to_path_buf(),
            detail: format!(
                "{field} passes over {count} bytes, but the data ends {skipped} bytes in"
            ),
        });
    }
    Ok(())
}

/// Bytes per read: a multiple of every element size (1, 2, 4, 8).
const CHUNK_BYTES: usize = 1 << 20;

fn read_binary(
    path: &Path,
    f: &mut OpenedFile,
    bytes: u64,
    sink: &mut Sink,
    spec: &DataSpec,
) -> Result<(), LoadError> {
    let bpe = sink.voxels.datatype().bytes_per_voxel().max(1) as u64;
    let bpe = if sink.voxels.datatype() == Datatype::Rgb24 {
        1
    } else {
        bpe
    };
    let mut chunk = vec![0u8; CHUNK_BYTES.min(bytes as usize).max(1)];
    let mut remaining = bytes;
    while remaining > 0 {
        let want = (remaining as usize).min(chunk.len());
        let got = files::read_up_to(&mut f.reader, &mut chunk[..want])
            .map_err(|e| files::stream_error(path, f.gzipped, e))?;
        if got < want {
            return Err(LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "sizes {} need {bytes} bytes of data here, the {}data holds {}",
                    sizes_text(spec),
                    if f.gzipped { "decompressed " } else { "" },
                    bytes - remaining + got as u64
                ),
            });
        }
        sink.voxels.extend_from_bytes(&chunk[..got], sink.order);
        remaining -= got as u64;
        sink.advance(got as u64 / bpe);
    }
    Ok(())
}

/// Reads numbers written as text (separated by white space or commas),
/// passing over the first `range.start` of them.
fn read_text(
    path: &Path,
    f: &mut OpenedFile,
    range: Range<u64>,
    sink: &mut Sink,
    spec: &DataSpec,
) -> Result<(), LoadError> {
    let wanted = range.end - range.start;
    let mut index = 0u64; // numbers seen in this piece
    let mut parsed = 0u64;
    let mut carry: Vec<u8> = Vec::new();
    let mut chunk = vec![0u8; 1 << 16];
    let mut since_progress = 0u64;
    let is_sep = |b: u8| b.is_ascii_whitespace() || b == b',';
    loop {
        let got = f
            .reader
            .read(&mut chunk)
            .map_err(|e| files::stream_error(path, f.gzipped, e))?;
        let end = got == 0;
        carry.extend_from_slice(&chunk[..got]);
        // Numbers up to the last separator are whole; the rest may go on
        // in the next read.
        let cut = if end {
            carry.len()
        } else {
            match carry.iter().rposition(|&b| is_sep(b)) {
                Some(p) => p + 1,
                None => 0,
            }
        };
        for token in carry[..cut].split(|&b| is_sep(b)).filter(|t| !t.is_empty()) {
            if parsed == wanted {
                break;
            }
            if index >= range.start {
                let text = String::from_utf8_lossy(token);
                push_number(&mut sink.voxels, &text).map_err(|problem| {
                    LoadError::bad_field(
                        path,
                        format!("data (number {})", index),
                        format!("\"{}\"", text.chars().take(40).collect::<String>()),
                        problem,
                    )
                })?;
                parsed += 1;
                since_progress += 1;
            }
            index += 1;
        }
        carry.drain(..cut);
        if since_progress >= 1 << 16 {
            sink.advance(since_progress);
            since_progress = 0;
        }
        if parsed == wanted {
            break;
        }
        if end {
            return Err(LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "sizes {} need {} numbers here, the text holds {index}",
                    sizes_text(spec),
                    range.end
                ),
            });
        }
    }
    sink.advance(since_progress);
    Ok(())
}

/// Appends one number written as text, in the voxels' own type.
fn push_number(voxels: &mut Voxels, text: &str) -> Result<(), String> {
    fn int<T: TryFrom<i128>>(text: &str) -> Result<T, String> {
        let n: i128 = text
            .parse()
            .map_err(|_| "is not a whole number".to_string())?;
        T::try_from(n).map_err(|_| "does not fit the type".to_string())
    }
    match voxels {
        Voxels::U8(v) => v.push(int(text)?),
        Voxels::I8(v) => v.push(int(text)?),
        Voxels::U16(v) => v.push(int(text)?),
        Voxels::I16(v) => v.push(int(text)?),
        Voxels::U32(v) => v.push(int(text)?),
        Voxels::I32(v) => v.push(int(text)?),
        Voxels::U64(v) => v.push(int(text)?),
        Voxels::I64(v) => v.push(int(text)?),
        Voxels::F32(v) => v.push(text.parse().map_err(|_| "is not a number".to_string())?),
        Voxels::F64(v) => v.push(text.parse().map_err(|_| "is not a number".to_string())?),
        Voxels::Rgb24(_) => return Err("colour is read as bytes, not text".into()),
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_numbers_in_every_type() {
        let mut v = Voxels::I16(Vec::new());
        push_number(&mut v, "-300").unwrap();
        assert_eq!(v, Voxels::I16(vec![-300]));
        assert!(push_number(&mut v, "40000").is_err());
        assert!(push_number(&mut v, "1.5").is_err());
        let mut v = Voxels::F32(Vec::new());
        push_number(&mut v, "0.1").unwrap();
        push_number(&mut v, "nan").unwrap();
        push_number(&mut v, "-inf").unwrap();
        let Voxels::F32(f) = v else { unreachable!() };
        assert_eq!(f[0], 0.1f32);
        assert!(f[1].is_nan() && f[2] == f32::NEG_INFINITY);
        let mut v = Voxels::U64(Vec::new());
        push_number(&mut v, "18446744073709551615").unwrap();
        assert_eq!(v, Voxels::U64(vec![u64::MAX]));
    }
}
