//! Reading a MetaImage's voxels from its data files into rasview's layout:
//! raw or compressed, one volume of a 4D file alone where the layout
//! allows, channels split into volumes, progress as bytes arrive.

use super::header::MetaHeader;
use super::layout::Layout;
use super::sources::DataFile;
use super::zlib::StrictInflate;
use crate::volume::datatype::Datatype;
use crate::volume::error::LoadError;
use crate::volume::files::{self, FileRead, OpenedFile};
use crate::volume::header::ByteOrder;
use crate::volume::voxels::Voxels;
use std::io::Read;
use std::path::Path;

/// Where decoded bytes go: straight into the voxels, or, for channels that
/// become volumes, into one plane per channel.
enum Sink {
    Direct(Voxels),
    Channels {
        /// Only this channel is kept (a single volume was asked for).
        keep: Option<usize>,
        channels: usize,
        element_bytes: usize,
        frame_voxels: usize,
        /// Channel planes one after the other (or just the kept one).
        planes: Vec<u8>,
        next_voxel: usize,
    },
}

impl Sink {
    fn new(path: &Path, layout: &Layout) -> Result<Self, LoadError> {
        let out_of_memory = || LoadError::OutOfMemory {
            path: path.to_path_buf(),
            shape: format!("{:?} x {} volumes", layout.shape, layout.volumes_read),
            bytes: (layout.kept_voxels * layout.datatype.bytes_per_voxel()) as u128,
        };
        if layout.split_channels == 1 {
            return Voxels::try_with_capacity(layout.datatype, layout.kept_voxels)
                .map(Sink::Direct)
                .ok_or_else(out_of_memory);
        }
        let element_bytes = layout.element.bytes();
        let keep = (layout.volumes_read == 1).then_some(layout.first_volume);
        let mut planes = Vec::new();
        planes
            .try_reserve_exact(layout.kept_voxels * element_bytes)
            .map_err(|_| out_of_memory())?;
        if keep.is_none() {
            planes.resize(layout.kept_voxels * element_bytes, 0);
        }
        Ok(Sink::Channels {
            keep,
            channels: layout.split_channels,
            element_bytes,
            frame_voxels: layout.frame_voxels() as usize,
            planes,
            next_voxel: 0,
        })
    }

    /// Takes whole voxels (every channel of each).
    fn take(&mut self, bytes: &[u8], order: ByteOrder) {
        match self {
            Sink::Direct(v) => v.extend_from_bytes(bytes, order),
            Sink::Channels {
                keep,
                channels,
                element_bytes,
                frame_voxels,
                planes,
                next_voxel,
            } => {
                let e = *element_bytes;
                for record in bytes.chunks_exact(*channels * e) {
                    match keep {
                        Some(c) => planes.extend_from_slice(&record[*c * e..(*c + 1) * e]),
                        None => {
                            for (c, value) in record.chunks_exact(e).enumerate() {
                                let at = (c * *frame_voxels + *next_voxel) * e;
                                planes[at..at + e].copy_from_slice(value);
                            }
                        }
                    }
                    *next_voxel += 1;
                }
            }
        }
    }

    fn into_voxels(
        self,
        path: &Path,
        datatype: Datatype,
        order: ByteOrder,
    ) -> Result<Voxels, LoadError> {
        match self {
            Sink::Direct(v) => Ok(v),
            Sink::Channels {
                planes,
                element_bytes,
                ..
            } => {
                let count = planes.len() / element_bytes;
                let mut v = Voxels::try_with_capacity(datatype, count).ok_or_else(|| {
                    LoadError::OutOfMemory {
                        path: path.to_path_buf(),
                        shape: format!("{count} voxels"),
                        bytes: planes.len() as u128,
                    }
                })?;
                v.extend_from_bytes(&planes, order);
                Ok(v)
            }
        }
    }
}

/// What reading the data gave.
pub struct DataRead {
    pub voxels: Voxels,
    pub files_read: Vec<FileRead>,
    pub warnings: Vec<String>,
}

/// Reads the wanted part of the data. `header` is the header file, opened
/// and read up to `header_len` (the end of its header lines).
pub fn read_data(
    header_path: &Path,
    header: OpenedFile,
    header_len: u64,
    h: &MetaHeader,
    layout: &Layout,
    data_files: &[DataFile],
    progress: &dyn Fn(f32),
) -> Result<DataRead, LoadError> {
    let order = if h.msb {
        ByteOrder::Big
    } else {
        ByteOrder::Little
    };
    let mut sink = Sink::new(header_path, layout)?;
    let mut files_read = Vec::new();
    let mut warnings = Vec::new();
    let mut header = Some(header);
    if !data_files.iter().any(|f| f.local) {
        if let Some(opened) = header.take() {
            files_read.push(opened.finish()?);
        }
    }
    let mut progress = Progress {
        done: 0,
        total: layout.wanted.end - layout.wanted.start,
        report: progress,
    };
    let single_stream = data_files.len() == 1;
    for file in data_files {
        let from = layout.wanted.start.max(file.start);
        let to = layout.wanted.end.min(file.start + file.bytes);
        if from >= to {
            continue;
        }
        let span = from - file.start..to - file.start;
        let opened = if file.local { header.take() } else { None };
        let at = if file.local { header_len } else { 0 };
        let step = FileStep {
            file,
            span,
            record_bytes: layout.record_bytes,
            order,
        };
        let read = if h.compressed {
            let size = h.compressed_size.filter(|_| single_stream);
            step.compressed(header_path, opened, at, size, &mut sink, &mut progress)?
        } else {
            step.raw(opened, at, &mut sink, &mut progress)?
        };
        if !h.compressed && file.trailing > 0 && h.header_size != -1 {
            warnings.push(format!(
                "{} has {} bytes after the voxels DimSize and ElementType declare; they were not read",
                file.path.display(),
                file.trailing
            ));
        }
        files_read.push(read);
    }
    if let Some(unused) = header {
        // The only volume asked for lies in other files than the header.
        files_read.insert(0, unused.finish_partial()?);
    }
    let voxels = sink.into_voxels(header_path, layout.datatype, order)?;
    Ok(DataRead {
        voxels,
        files_read,
        warnings,
    })
}

struct Progress<'a> {
    done: u64,
    total: u64,
    report: &'a dyn Fn(f32),
}

impl Progress<'_> {
    fn add(&mut self, bytes: usize) {
        self.done += bytes as u64;
        (self.report)(self.done as f32 / self.total.max(1) as f32);
    }
}

/// Reading `span` (bytes of this file's share of the data) of one file.
struct FileStep<'a> {
    file: &'a DataFile,
    span: std::ops::Range<u64>,
    record_bytes: u64,
    order: ByteOrder,
}

/// Bytes per read: whole voxels, about a 64th of the data (so progress
/// moves every few percent), between 64 KiB and 1 MiB.
fn chunk_len(record_bytes: u64, total: u64) -> usize {
    let record = record_bytes.max(1) as usize;
    let target = (total / 64).clamp(1 << 16, 1 << 20) as usize;
    record * target.div_ceil(record)
}

impl FileStep<'_> {
    fn raw(
        &self,
        opened: Option<OpenedFile>,
        at: u64,
        sink: &mut Sink,
        progress: &mut Progress,
    ) -> Result<FileRead, LoadError> {
        let path = &self.file.path;
        let start = self.file.position + self.span.start;
        // Jump to one volume of a 4D file rather than read the ones before it.
        let jump = self.span.start > 0;
        let (mut file, at) = match (opened, jump) {
            (Some(o), false) => (o, at),
            (o, true) => {
                if let Some(o) = o {
                    o.finish_partial()?;
                }
                (files::open_at(path, start)?, start)
            }
            (None, false) => (files::open_plain(path)?, 0),
        };
        skip(path, &mut file.reader, start - at, |e| {
            LoadError::io(path, e)
        })?;
        copy(
            path,
            &mut file.reader,
            self.span.end - self.span.start,
            self,
            sink,
            progress,
            |e| LoadError::io(path, e),
        )?;
        if !jump && self.span.end == self.file.bytes {
            file.finish()
        } else {
            file.finish_partial()
        }
    }

    fn compressed(
        &self,
        header_path: &Path,
        opened: Option<OpenedFile>,
        at: u64,
        compressed_size: Option<u64>,
        sink: &mut Sink,
        progress: &mut Progress,
    ) -> Result<FileRead, LoadError> {
        let path = &self.file.path;
        let (mut file, at) = match opened {
            Some(o) => (o, at),
            None => (files::open_plain(path)?, 0),
        };
        skip(path, &mut file.reader, self.file.position - at, |e| {
            LoadError::io(path, e)
        })?;
        let corrupt = |e: std::io::Error| match e.kind() {
            std::io::ErrorKind::InvalidData | std::io::ErrorKind::UnexpectedEof => {
                LoadError::Compressed {
                    path: path.clone(),
                    detail: e.to_string(),
                }
            }
            _ => LoadError::io(path, e),
        };
        let mut stream = StrictInflate::new(&mut file.reader).map_err(corrupt)?;
        skip(path, &mut stream, self.span.start, corrupt)?;
        copy(
            path,
            &mut stream,
            self.span.end - self.span.start,
            self,
            sink,
            progress,
            corrupt,
        )?;
        if self.span.end < self.file.bytes {
            // One early volume: the rest of the stream is never inflated.
            drop(stream);
            return file.finish_partial();
        }
        let mut more = [0u8; 1];
        if stream.read(&mut more).map_err(corrupt)? > 0 {
            return Err(LoadError::bad_field(
                header_path,
                "DimSize",
                "",
                format!(
                    "and ElementType declare {} bytes, but the compressed data in {} inflates to more",
                    self.file.bytes,
                    path.display()
                ),
            ));
        }
        let gzip = stream.is_gzip();
        let trailing = stream.finish().map_err(corrupt)?;
        // `finish` has read the stream to its end.
        if trailing > 0 {
            return Err(LoadError::Compressed {
                path: path.clone(),
                detail: format!(
                    "{trailing} bytes follow the end of the {} stream",
                    if gzip { "gzip" } else { "zlib" }
                ),
            });
        }
        if let Some(size) = compressed_size {
            let taken = file.disk_len - self.file.position;
            if taken != size {
                return Err(LoadError::bad_field(
                    header_path,
                    "CompressedDataSize",
                    size,
                    format!("disagrees with the compressed stream, which takes {taken} bytes"),
                ));
            }
        }
        file.finish()
    }
}

/// Passes over `count` bytes of `reader`.
fn skip(
    path: &Path,
    reader: &mut dyn Read,
    count: u64,
    error: impl Fn(std::io::Error) -> LoadError,
) -> Result<(), LoadError> {
    let skipped = std::io::copy(&mut reader.take(count), &mut std::io::sink()).map_err(error)?;
    if skipped < count {
        return Err(LoadError::Truncated {
            path: path.to_path_buf(),
            detail: format!("the voxels should start {count} bytes further, but the data ends {skipped} bytes in"),
        });
    }
    Ok(())
}

/// Moves `count` bytes of voxels from `reader` into `sink`.
fn copy(
    path: &Path,
    reader: &mut dyn Read,
    count: u64,
    step: &FileStep,
    sink: &mut Sink,
    progress: &mut Progress,
    error: impl Fn(std::io::Error) -> LoadError,
) -> Result<(), LoadError> {
    let mut chunk = vec![
        0u8;
        chunk_len(step.record_bytes, progress.total)
            .min(count as usize)
            .max(1)
    ];
    let mut remaining = count;
    while remaining > 0 {
        let want = (remaining as usize).min(chunk.len());
        let got = files::read_up_to(reader, &mut chunk[..want]).map_err(&error)?;
        if got < want {
            return Err(LoadError::Truncated {
                path: path.to_path_buf(),
                detail: format!(
                    "DimSize and ElementType declare {} bytes of voxels here, the data holds {}",
                    step.file.bytes,
                    step.span.start + count - remaining + got as u64
                ),
            });
        }
        sink.take(&chunk[..got], step.order);
        remaining -= got as u64;
        progress.add(got);
    }
    Ok(())
}
