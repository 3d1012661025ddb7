//! The voxels of a stack: each file read whole (hashed on the way), parsed,
//! its frames decoded by dicom-rs's pure-Rust codecs, and written straight
//! into their slice of the volume, files in parallel.
//!
//! Values stay in their stored type with one Scaling when every slice
//! shares RescaleSlope and RescaleIntercept; otherwise each slice is
//! rescaled on its own into float32.

use super::header::{FileHeader, PixelFormat, Rescale, PIXEL_DATA};
use super::series::{count, SliceRef};
use super::stack::Stack;
use crate::volume::datatype::Datatype;
use crate::volume::error::LoadError;
use crate::volume::files::{self, FileRead};
use crate::volume::voxels::{Scaling, Voxels};
use dicom_encoding::transfer_syntax::TransferSyntaxIndex;
use dicom_pixeldata::PixelDecoder;
use dicom_transfer_syntax_registry::TransferSyntaxRegistry;
use rayon::prelude::*;
use std::path::Path;

/// What the voxels become, decided from the headers before any is read.
#[derive(Debug, Clone)]
pub struct PixelPlan {
    pub datatype: Datatype,
    pub scaling: Scaling,
    /// Rescale each slice on its own into float32.
    pub per_slice: bool,
    /// The slices read, in storage order (one volume of a 4D series, or all).
    pub slices: Vec<SliceRef>,
    pub first_volume: usize,
    pub warnings: Vec<String>,
}

impl PixelPlan {
    pub fn check(
        folder: &Path,
        images: &[FileHeader],
        stack: &Stack,
        only_volume: Option<usize>,
        memory_limit_bytes: u64,
    ) -> Result<PixelPlan, LoadError> {
        let mut warnings = Vec::new();
        let (first_volume, slices) = match only_volume {
            None => (0, stack.order.clone()),
            Some(t) if t < stack.volumes => (
                t,
                stack.order[t * stack.positions..(t + 1) * stack.positions].to_vec(),
            ),
            Some(t) => {
                return Err(LoadError::NoSuchVolume {
                    path: folder.to_path_buf(),
                    asked: t,
                    count: stack.volumes,
                })
            }
        };
        for s in &slices {
            check_transfer_syntax(&images[s.file])?;
        }
        let first = &images[slices[0].file].pixels;
        let stored = stored_type(first);
        let same_type = slices
            .iter()
            .all(|s| stored_type(&images[s.file].pixels) == stored);
        let rescale_of = |s: &SliceRef| images[s.file].frames[s.frame].rescale;
        let rescale = rescale_of(&slices[0]);
        let same_rescale = slices.iter().all(|s| rescale_of(s) == rescale);
        let rgb = stored == Datatype::Rgb24;
        if rgb && !same_type {
            return Err(LoadError::bad_field(
                &images[slices[0].file].path,
                "SamplesPerPixel",
                3,
                "differs between the images of the series (colour and grey mixed)",
            ));
        }
        let (datatype, scaling, per_slice) = if rgb {
            (Datatype::Rgb24, Scaling::IDENTITY, false)
        } else if same_type && same_rescale {
            let scaling = Scaling {
                slope: rescale.slope,
                inter: rescale.intercept,
            };
            (stored, scaling, false)
        } else {
            let distinct = distinct_rescales(images, &slices);
            warnings.push(format!(
                "{}: each slice was rescaled on its own, into float32",
                if same_type {
                    format!(
                        "RescaleSlope/RescaleIntercept differ between slices ({distinct} pairs)"
                    )
                } else {
                    "the slices are stored in different types".to_string()
                }
            ));
            (Datatype::F32, Scaling::IDENTITY, true)
        };
        if first.photometric == "MONOCHROME1" {
            warnings.push(
                "PhotometricInterpretation MONOCHROME1: higher values are meant to be shown darker (as on an X-ray film); the values are kept as stored, so use the inverted-grey colormap to see it as the modality shows it"
                    .into(),
            );
        }
        let per_slice_voxels = first.rows as u64 * first.columns as u64;
        let total =
            per_slice_voxels as u128 * slices.len() as u128 * datatype.bytes_per_voxel() as u128;
        if total > memory_limit_bytes as u128 {
            return Err(LoadError::TooLarge {
                path: folder.to_path_buf(),
                shape: format!("{}x{}x{}", first.columns, first.rows, slices.len()),
                declared_bytes: total,
                limit_bytes: memory_limit_bytes,
            });
        }
        Ok(PixelPlan {
            datatype,
            scaling,
            per_slice,
            slices,
            first_volume,
            warnings,
        })
    }

    /// Reads every slice into one buffer, calling `progress` as files finish.
    pub fn read(
        &self,
        folder: &Path,
        images: &[FileHeader],
        progress: &dyn Fn(f32),
    ) -> Result<(Voxels, Vec<FileRead>), LoadError> {
        let first = &images[self.slices[0].file].pixels;
        let slice_len = first.rows as usize * first.columns as usize;
        match self.datatype {
            Datatype::U8 => self.read_as::<u8>(folder, images, slice_len, progress, Voxels::U8),
            Datatype::I8 => self.read_as::<i8>(folder, images, slice_len, progress, Voxels::I8),
            Datatype::U16 => self.read_as::<u16>(folder, images, slice_len, progress, Voxels::U16),
            Datatype::I16 => self.read_as::<i16>(folder, images, slice_len, progress, Voxels::I16),
            Datatype::U32 => self.read_as::<u32>(folder, images, slice_len, progress, Voxels::U32),
            Datatype::I32 => self.read_as::<i32>(folder, images, slice_len, progress, Voxels::I32),
            Datatype::F32 => self.read_as::<f32>(folder, images, slice_len, progress, Voxels::F32),
            Datatype::Rgb24 => {
                self.read_as::<[u8; 3]>(folder, images, slice_len, progress, Voxels::Rgb24)
            }
            other => Err(LoadError::bad_field(
                folder,
                "BitsAllocated",
                other.name(),
                "is not a type rasview reads from DICOM",
            )),
        }
    }

    fn read_as<T: Sample>(
        &self,
        folder: &Path,
        images: &[FileHeader],
        slice_len: usize,
        progress: &dyn Fn(f32),
        wrap: fn(Vec<T>) -> Voxels,
    ) -> Result<(Voxels, Vec<FileRead>), LoadError> {
        let total = slice_len * self.slices.len();
        let mut values: Vec<T> = Vec::new();
        values
            .try_reserve_exact(total)
            .map_err(|_| LoadError::OutOfMemory {
                path: folder.to_path_buf(),
                shape: format!("{} slices of {slice_len} voxels", self.slices.len()),
                bytes: (total * std::mem::size_of::<T>()) as u128,
            })?;
        values.resize(total, T::default());
        // One job per file, holding the slices of the volume its frames fill.
        let mut jobs: Vec<FileJob<T>> = Vec::new();
        let mut job_of_file = std::collections::HashMap::new();
        for (s, out) in self.slices.iter().zip(values.chunks_mut(slice_len)) {
            let n = *job_of_file.entry(s.file).or_insert_with(|| {
                jobs.push((s.file, Vec::new()));
                jobs.len() - 1
            });
            jobs[n].1.push((s.frame, out));
        }
        let file_count = jobs.len();
        let per_slice = self.per_slice;
        let (tx, rx) = std::sync::mpsc::channel::<()>();
        let results = std::thread::scope(|scope| {
            let worker = scope.spawn(move || {
                jobs.into_par_iter()
                    .map(|(file, frames)| {
                        let read = read_file(&images[file], frames, per_slice);
                        let _ = tx.send(());
                        read
                    })
                    .collect::<Result<Vec<FileRead>, LoadError>>()
            });
            // Progress from this thread: the callback need not be Sync.
            let mut done = 0;
            for () in rx {
                done += 1;
                progress(done as f32 / file_count as f32);
            }
            worker.join()
        });
        let files_read = match results {
            Ok(r) => r?,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        Ok((wrap(values), files_read))
    }
}

/// A file and the frames it fills: (frame, the volume's slice for it).
type FileJob<'a, T> = (usize, Vec<(usize, &'a mut [T])>);

/// The type a file's samples are stored in.
fn stored_type(p: &PixelFormat) -> Datatype {
    match (p.samples_per_pixel, p.bits_allocated, p.signed) {
        (3, _, _) => Datatype::Rgb24,
        (_, 8, false) => Datatype::U8,
        (_, 8, true) => Datatype::I8,
        (_, 16, false) => Datatype::U16,
        (_, 16, true) => Datatype::I16,
        (_, _, false) => Datatype::U32,
        (_, _, true) => Datatype::I32,
    }
}

fn distinct_rescales(images: &[FileHeader], slices: &[SliceRef]) -> usize {
    let mut seen: Vec<Rescale> = Vec::new();
    for s in slices {
        let r = images[s.file].frames[s.frame].rescale;
        if !seen.contains(&r) {
            seen.push(r);
        }
    }
    seen.len()
}

/// Transfer syntaxes other than the ones dicom-rs decodes in pure Rust are
/// refused by name before any voxel is read.
fn check_transfer_syntax(h: &FileHeader) -> Result<(), LoadError> {
    let uid = h.transfer_syntax.as_str();
    let (name, ok) = match TransferSyntaxRegistry.get(uid) {
        Some(ts) => (ts.name().to_string(), ts.can_decode_all()),
        None => ("an unknown transfer syntax".to_string(), false),
    };
    if ok {
        Ok(())
    } else {
        Err(LoadError::UnsupportedTransferSyntax {
            path: h.path.clone(),
            name,
            uid: uid.to_string(),
        })
    }
}

/// A voxel type the volume can hold, made from one stored sample.
trait Sample: Copy + Default + Send + Sync {
    /// From a grey sample; `rescale` is applied only for float32 output.
    fn from_grey(v: i64, rescale: Rescale) -> Self;
    fn from_rgb(_rgb: [u8; 3]) -> Self {
        Self::default()
    }
}

macro_rules! integer_sample {
    ($t:ty) => {
        impl Sample for $t {
            #[inline]
            fn from_grey(v: i64, _: Rescale) -> Self {
                v as $t
            }
        }
    };
}
integer_sample!(u8);
integer_sample!(i8);
integer_sample!(u16);
integer_sample!(i16);
integer_sample!(u32);
integer_sample!(i32);

impl Sample for f32 {
    #[inline]
    fn from_grey(v: i64, r: Rescale) -> Self {
        (v as f64 * r.slope + r.intercept) as f32
    }
}

impl Sample for [u8; 3] {
    fn from_grey(v: i64, _: Rescale) -> Self {
        let g = v as u8;
        [g, g, g]
    }
    fn from_rgb(rgb: [u8; 3]) -> Self {
        rgb
    }
}

/// Reads one file whole (hashing it), then decodes each of its frames into
/// its slice of the volume.
fn read_file<T: Sample>(
    h: &FileHeader,
    frames: Vec<(usize, &mut [T])>,
    per_slice: bool,
) -> Result<FileRead, LoadError> {
    let path = h.path.as_path();
    // Parsed straight from the hashing reader (no copy of the file), then
    // read to its end so that the hash covers every byte.
    let mut opened = files::open(path)?;
    // The scan found "DICM" after a 128-byte preamble (dicom-rs's own
    // detection peeks at a buffer, which this reader fills 2 bytes first).
    let obj = dicom_object::OpenFileOptions::new()
        .read_preamble(dicom_object::file::ReadPreamble::Always)
        .from_reader(&mut opened.reader)
        .map_err(|e| {
            LoadError::bad_field(
                path,
                "data set",
                "",
                format!("cannot be read as DICOM ({e})"),
            )
        })?;
    let read = opened.finish()?;
    let Some(element) = obj.get(PIXEL_DATA) else {
        return Err(LoadError::bad_field(
            path,
            "PixelData",
            "",
            "is missing: the file has a header but no image",
        ));
    };
    let p = &h.pixels;
    let samples = p.rows as usize * p.columns as usize * p.samples_per_pixel as usize;
    let frame_bytes = samples * (p.bits_allocated as usize / 8);
    // Native (uncompressed) data is taken as one run of bytes, each frame
    // a window into it; encapsulated data is decoded frame by frame.
    let native = match element.value().primitive() {
        Some(value) => {
            let native = Native::of(value, p.bits_allocated);
            let needed = frame_bytes * h.frames.len();
            if native.byte_len() < needed {
                return Err(LoadError::bad_field(
                    path,
                    "PixelData",
                    "",
                    format!(
                        "holds {} bytes where {} of Rows x Columns x SamplesPerPixel x BitsAllocated/8 = {}x{}x{}x{} need {needed}",
                        native.byte_len(),
                        count(h.frames.len(), "frame"),
                        p.rows,
                        p.columns,
                        p.samples_per_pixel,
                        p.bits_allocated / 8
                    ),
                ));
            }
            Some(native)
        }
        None => None,
    };
    for (frame, out) in frames {
        let rescale = if per_slice {
            h.frames[frame].rescale
        } else {
            Rescale {
                slope: 1.0,
                intercept: 0.0,
            }
        };
        match &native {
            Some(Native::U16(words)) => {
                let words = &words[frame * samples..(frame + 1) * samples];
                fill_grey(out, words.iter().map(|&w| w as u64), p, rescale)
            }
            Some(Native::I16(words)) => {
                let words = &words[frame * samples..(frame + 1) * samples];
                fill_grey(out, words.iter().map(|&w| w as u16 as u64), p, rescale)
            }
            Some(Native::Bytes(bytes)) => convert(
                &bytes[frame * frame_bytes..(frame + 1) * frame_bytes],
                p,
                false,
                rescale,
                out,
            ),
            None => {
                let (decoded, planar) = decode_frame(h, &obj, frame)?;
                if decoded.len() != frame_bytes {
                    return Err(LoadError::bad_field(
                        path,
                        "PixelData",
                        "",
                        format!(
                            "{} decodes to {} bytes where Rows x Columns x SamplesPerPixel x BitsAllocated/8 = {}x{}x{}x{} is {frame_bytes}",
                            if h.frames.len() > 1 { format!("frame {}", frame + 1) } else { "the image".to_string() },
                            decoded.len(),
                            p.rows,
                            p.columns,
                            p.samples_per_pixel,
                            p.bits_allocated / 8
                        ),
                    ));
                }
                convert(&decoded, p, planar, rescale, out);
            }
        }
    }
    Ok(read)
}

/// Decodes one encapsulated frame; a codec that fails (or panics on a
/// corrupt stream) becomes an error naming the file and the codec.
fn decode_frame(
    h: &FileHeader,
    obj: &dicom_object::DefaultDicomObject,
    frame: usize,
) -> Result<(Vec<u8>, bool), LoadError> {
    let codec = || {
        TransferSyntaxRegistry
            .get(&h.transfer_syntax)
            .map_or_else(|| h.transfer_syntax.clone(), |ts| ts.name().to_string())
    };
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        obj.decode_pixel_data_frame(frame as u32).map(|d| {
            let planar =
                d.planar_configuration() == dicom_pixeldata::PlanarConfiguration::PixelFirst;
            let photometric = d.photometric_interpretation().to_string();
            (d.into_data(), planar, photometric)
        })
    }));
    let which = if h.frames.len() > 1 {
        format!("frame {} ", frame + 1)
    } else {
        String::new()
    };
    match attempt {
        Ok(Ok((data, planar, photometric))) => {
            if h.pixels.samples_per_pixel == 3 && photometric != "RGB" {
                return Err(LoadError::bad_field(
                    &h.path,
                    "PhotometricInterpretation",
                    photometric,
                    "is not read by rasview for colour images (it reads RGB)",
                ));
            }
            Ok((data, planar))
        }
        Ok(Err(e)) => Err(LoadError::bad_field(
            &h.path,
            "PixelData",
            "",
            format!("{which}cannot be decoded ({}: {e})", codec()),
        )),
        Err(_) => Err(LoadError::bad_field(
            &h.path,
            "PixelData",
            "",
            format!(
                "{which}cannot be decoded ({}: the decoder failed on the stream)",
                codec()
            ),
        )),
    }
}

/// Stored samples (native byte order, as dicom-rs gives them) into voxels:
/// the bits above HighBit and below HighBit - BitsStored + 1 are dropped,
/// signed values sign-extended from BitsStored.
fn convert<T: Sample>(
    bytes: &[u8],
    p: &PixelFormat,
    planar: bool,
    rescale: Rescale,
    out: &mut [T],
) {
    if p.samples_per_pixel == 3 {
        let n = out.len();
        if planar {
            for (i, o) in out.iter_mut().enumerate() {
                *o = T::from_rgb([bytes[i], bytes[n + i], bytes[2 * n + i]]);
            }
        } else {
            for (o, c) in out.iter_mut().zip(bytes.chunks_exact(3)) {
                *o = T::from_rgb([c[0], c[1], c[2]]);
            }
        }
        return;
    }
    match p.bits_allocated {
        8 => fill_grey(out, bytes.iter().map(|&b| b as u64), p, rescale),
        16 => fill_grey(
            out,
            bytes
                .chunks_exact(2)
                .map(|c| u16::from_ne_bytes([c[0], c[1]]) as u64),
            p,
            rescale,
        ),
        _ => fill_grey(
            out,
            bytes
                .chunks_exact(4)
                .map(|c| u32::from_ne_bytes([c[0], c[1], c[2], c[3]]) as u64),
            p,
            rescale,
        ),
    }
}

/// Raw grey words into voxels: the bits above HighBit and below
/// HighBit - BitsStored + 1 dropped, signed values sign-extended from
/// BitsStored.
fn fill_grey<T: Sample>(
    out: &mut [T],
    raw: impl Iterator<Item = u64>,
    p: &PixelFormat,
    rescale: Rescale,
) {
    let shift = (p.high_bit + 1 - p.bits_stored) as u32;
    let bits = p.bits_stored as u32;
    let width = 64 - bits;
    let mask = if bits == 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    };
    let signed = p.signed;
    for (o, word) in out.iter_mut().zip(raw) {
        let v = (word >> shift) & mask;
        let v = if signed {
            ((v << width) as i64) >> width
        } else {
            v as i64
        };
        *o = T::from_grey(v, rescale);
    }
}

/// Native samples as dicom-rs holds them: 16-bit words it has already
/// decoded are used in place (no copy of the largest part of the file);
/// anything else as bytes in native order.
enum Native<'a> {
    U16(&'a [u16]),
    I16(&'a [i16]),
    Bytes(std::borrow::Cow<'a, [u8]>),
}

impl<'a> Native<'a> {
    fn of(value: &'a dicom_core::PrimitiveValue, bits_allocated: u16) -> Self {
        use dicom_core::PrimitiveValue;
        match value {
            PrimitiveValue::U16(words) if bits_allocated == 16 => Native::U16(words),
            PrimitiveValue::I16(words) if bits_allocated == 16 => Native::I16(words),
            other => Native::Bytes(other.to_bytes()),
        }
    }

    fn byte_len(&self) -> usize {
        match self {
            Native::U16(w) => w.len() * 2,
            Native::I16(w) => w.len() * 2,
            Native::Bytes(b) => b.len(),
        }
    }
}
