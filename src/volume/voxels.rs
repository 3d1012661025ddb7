//! Voxel values in their stored type, decoded from bytes in either byte order.
//!
//! Values stay in the file's own type so integers keep every bit and an int16
//! volume costs two bytes a voxel; `frame_f32` converts one 3D frame for
//! processing and display.

use super::datatype::Datatype;
use super::header::ByteOrder;
use ndarray::{Array3, ShapeBuilder};

/// All voxels of a file, 4D included, in storage order (i fastest, then j, k, t).
#[derive(Debug, Clone, PartialEq)]
pub enum Voxels {
    U8(Vec<u8>),
    I8(Vec<i8>),
    U16(Vec<u16>),
    I16(Vec<i16>),
    U32(Vec<u32>),
    I32(Vec<i32>),
    U64(Vec<u64>),
    I64(Vec<i64>),
    F32(Vec<f32>),
    F64(Vec<f64>),
    Rgb24(Vec<[u8; 3]>),
}

/// Calls `$body` with `$v` bound to the typed vector of every scalar variant,
/// and `$rgb` for the colour one.
macro_rules! dispatch {
    ($self:expr, $v:ident => $body:expr, $rgb:ident => $rgb_body:expr) => {
        match $self {
            Voxels::U8($v) => $body,
            Voxels::I8($v) => $body,
            Voxels::U16($v) => $body,
            Voxels::I16($v) => $body,
            Voxels::U32($v) => $body,
            Voxels::I32($v) => $body,
            Voxels::U64($v) => $body,
            Voxels::I64($v) => $body,
            Voxels::F32($v) => $body,
            Voxels::F64($v) => $body,
            Voxels::Rgb24($rgb) => $rgb_body,
        }
    };
}

/// A stored value that widens to f64 (exactly, for every integer a NIfTI
/// file can hold below 2^53).
pub trait Scalar: Copy + Send + Sync + 'static {
    const SIZE: usize;
    fn from_bytes(b: &[u8], order: ByteOrder) -> Self;
    fn to_bytes(self, order: ByteOrder, out: &mut Vec<u8>);
    fn to_f64(self) -> f64;
    /// The finite span of a run of values (before scaling).
    fn span(values: &[Self]) -> ValueRange;
}

macro_rules! scalar {
    (int $t:ty) => {
        scalar!($t, |values: &[$t]| {
            // Integers are all finite: min and max in their own type, in
            // one pass written so that it vectorises (Iterator::min does
            // not, and was ten times slower at 512^3).
            if values.is_empty() {
                return ValueRange::EMPTY;
            }
            let (mut lo, mut hi) = (<$t>::MAX, <$t>::MIN);
            for &x in values {
                lo = lo.min(x);
                hi = hi.max(x);
            }
            ValueRange {
                min: lo as f64,
                max: hi as f64,
                non_finite: 0,
            }
        });
    };
    (float $t:ty) => {
        scalar!($t, |values: &[$t]| {
            let mut r = ValueRange::EMPTY;
            for &x in values {
                r.include(x as f64);
            }
            r
        });
    };
    ($t:ty, $span:expr) => {
        impl Scalar for $t {
            const SIZE: usize = std::mem::size_of::<$t>();
            #[inline]
            fn from_bytes(b: &[u8], order: ByteOrder) -> Self {
                let mut a = [0u8; std::mem::size_of::<$t>()];
                a.copy_from_slice(b);
                match order {
                    ByteOrder::Little => <$t>::from_le_bytes(a),
                    ByteOrder::Big => <$t>::from_be_bytes(a),
                }
            }
            #[inline]
            fn to_bytes(self, order: ByteOrder, out: &mut Vec<u8>) {
                match order {
                    ByteOrder::Little => out.extend_from_slice(&self.to_le_bytes()),
                    ByteOrder::Big => out.extend_from_slice(&self.to_be_bytes()),
                }
            }
            #[inline]
            fn to_f64(self) -> f64 {
                self as f64
            }
            fn span(values: &[$t]) -> ValueRange {
                let span = $span;
                span(values)
            }
        }
    };
}
scalar!(int u8);
scalar!(int i8);
scalar!(int u16);
scalar!(int i16);
scalar!(int u32);
scalar!(int i32);
scalar!(int u64);
scalar!(int i64);
scalar!(float f32);
scalar!(float f64);

/// ITU-R BT.601 luma: the grey value a colour voxel has for processing.
#[inline]
pub fn luminance(rgb: [u8; 3]) -> f64 {
    0.299 * rgb[0] as f64 + 0.587 * rgb[1] as f64 + 0.114 * rgb[2] as f64
}

/// The linear map from stored to real values (`scl_slope`, `scl_inter`).
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Scaling {
    pub slope: f64,
    pub inter: f64,
}

impl Scaling {
    pub const IDENTITY: Scaling = Scaling {
        slope: 1.0,
        inter: 0.0,
    };

    #[inline]
    pub fn apply(self, v: f64) -> f64 {
        v * self.slope + self.inter
    }

    pub fn is_identity(self) -> bool {
        self == Self::IDENTITY
    }
}

impl Voxels {
    /// An empty buffer of `datatype` with room for `count` voxels, or `None`
    /// when the allocator refuses (never an abort).
    pub fn try_with_capacity(datatype: Datatype, count: usize) -> Option<Self> {
        fn vec<T>(count: usize) -> Option<Vec<T>> {
            let mut v = Vec::new();
            v.try_reserve_exact(count).ok()?;
            Some(v)
        }
        Some(match datatype {
            Datatype::U8 => Voxels::U8(vec(count)?),
            Datatype::I8 => Voxels::I8(vec(count)?),
            Datatype::U16 => Voxels::U16(vec(count)?),
            Datatype::I16 => Voxels::I16(vec(count)?),
            Datatype::U32 => Voxels::U32(vec(count)?),
            Datatype::I32 => Voxels::I32(vec(count)?),
            Datatype::U64 => Voxels::U64(vec(count)?),
            Datatype::I64 => Voxels::I64(vec(count)?),
            Datatype::F32 => Voxels::F32(vec(count)?),
            Datatype::F64 => Voxels::F64(vec(count)?),
            Datatype::Rgb24 => Voxels::Rgb24(vec(count)?),
        })
    }

    /// Appends the voxels encoded in `bytes` (a whole number of voxels).
    pub fn extend_from_bytes(&mut self, bytes: &[u8], order: ByteOrder) {
        fn extend<T: Scalar>(v: &mut Vec<T>, bytes: &[u8], order: ByteOrder) {
            v.extend(bytes.chunks_exact(T::SIZE).map(|b| T::from_bytes(b, order)));
        }
        dispatch!(self, v => extend(v, bytes, order),
            rgb => rgb.extend(bytes.chunks_exact(3).map(|b| [b[0], b[1], b[2]])))
    }

    /// Encodes every voxel in `order`.
    pub fn to_bytes(&self, order: ByteOrder) -> Vec<u8> {
        fn encode<T: Scalar>(v: &[T], order: ByteOrder) -> Vec<u8> {
            let mut out = Vec::with_capacity(v.len() * T::SIZE);
            for x in v {
                x.to_bytes(order, &mut out);
            }
            out
        }
        dispatch!(self, v => encode(v, order), rgb => rgb.iter().flatten().copied().collect())
    }

    pub fn datatype(&self) -> Datatype {
        match self {
            Voxels::U8(_) => Datatype::U8,
            Voxels::I8(_) => Datatype::I8,
            Voxels::U16(_) => Datatype::U16,
            Voxels::I16(_) => Datatype::I16,
            Voxels::U32(_) => Datatype::U32,
            Voxels::I32(_) => Datatype::I32,
            Voxels::U64(_) => Datatype::U64,
            Voxels::I64(_) => Datatype::I64,
            Voxels::F32(_) => Datatype::F32,
            Voxels::F64(_) => Datatype::F64,
            Voxels::Rgb24(_) => Datatype::Rgb24,
        }
    }

    pub fn len(&self) -> usize {
        dispatch!(self, v => v.len(), rgb => rgb.len())
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The stored value at a linear index, widened (luminance for colour).
    #[inline]
    pub fn stored_f64(&self, index: usize) -> f64 {
        dispatch!(self, v => v[index].to_f64(), rgb => luminance(rgb[index]))
    }

    /// The colour at a linear index, for RGB volumes.
    pub fn rgb(&self, index: usize) -> Option<[u8; 3]> {
        match self {
            Voxels::Rgb24(v) => Some(v[index]),
            _ => None,
        }
    }

    /// Values `start..start + len` as f32 with `scaling` applied, in an array
    /// of `shape` in Fortran (i fastest) order.
    pub fn frame_f32(&self, start: usize, shape: [usize; 3], scaling: Scaling) -> Array3<f32> {
        let len = shape.iter().product::<usize>();
        let mut values = vec![0f32; len];
        dispatch!(self, v => convert_parallel(&v[start..start + len], &mut values, |x| {
            if scaling.is_identity() { x.to_f64() as f32 } else { scaling.apply(x.to_f64()) as f32 }
        }), rgb => convert_parallel(&rgb[start..start + len], &mut values, |c| luminance(c) as f32));
        Array3::from_shape_vec(shape.f(), values).expect("length equals the product of the shape")
    }

    /// Smallest and largest finite value in `start..start + len`, after scaling,
    /// and how many values are NaN or infinite.
    /// Split across the cores: `info` and the window both wait for it.
    pub fn range(&self, start: usize, len: usize, scaling: Scaling) -> ValueRange {
        fn scan<T: Scalar>(v: &[T], scaling: Scaling) -> ValueRange {
            use rayon::prelude::*;
            v.par_chunks(1 << 20)
                .map(T::span)
                .reduce(|| ValueRange::EMPTY, ValueRange::merge)
                .scaled(scaling)
        }
        dispatch!(self, v => scan(&v[start..start + len], scaling), rgb => {
            let mut r = ValueRange::EMPTY;
            for c in &rgb[start..start + len] {
                r.include(luminance(*c));
            }
            r
        })
    }
}

/// Writes `f(input[n])` into `output[n]`, split across the machine's cores:
/// on a fresh buffer the cost is mostly page faults, which parallelise well.
fn convert_parallel<T: Copy + Sync>(input: &[T], output: &mut [f32], f: impl Fn(T) -> f32 + Sync) {
    const MIN_PER_THREAD: usize = 1 << 20;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    let per_thread = input.len().div_ceil(threads).max(MIN_PER_THREAD);
    if per_thread >= input.len() {
        output.iter_mut().zip(input).for_each(|(o, &x)| *o = f(x));
        return;
    }
    std::thread::scope(|scope| {
        for (out, inp) in output.chunks_mut(per_thread).zip(input.chunks(per_thread)) {
            let f = &f;
            scope.spawn(move || out.iter_mut().zip(inp).for_each(|(o, &x)| *o = f(x)));
        }
    });
}

/// The span of finite values of a frame.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct ValueRange {
    pub min: f64,
    pub max: f64,
    pub non_finite: usize,
}

impl ValueRange {
    const EMPTY: ValueRange = ValueRange {
        min: f64::INFINITY,
        max: f64::NEG_INFINITY,
        non_finite: 0,
    };

    #[inline]
    fn include(&mut self, v: f64) {
        if v.is_finite() {
            self.min = self.min.min(v);
            self.max = self.max.max(v);
        } else {
            self.non_finite += 1;
        }
    }

    fn merge(a: ValueRange, b: ValueRange) -> ValueRange {
        ValueRange {
            min: a.min.min(b.min),
            max: a.max.max(b.max),
            non_finite: a.non_finite + b.non_finite,
        }
    }

    fn scaled(self, s: Scaling) -> ValueRange {
        if self.min > self.max {
            return self;
        }
        let (a, b) = (s.apply(self.min), s.apply(self.max));
        ValueRange {
            min: a.min(b),
            max: a.max(b),
            non_finite: self.non_finite,
        }
    }

    /// True when the frame had at least one finite value.
    pub fn has_values(&self) -> bool {
        self.min <= self.max
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_both_byte_orders() {
        let mut le = Voxels::try_with_capacity(Datatype::I16, 2).unwrap();
        le.extend_from_bytes(&[0x34, 0x12, 0xff, 0xff], ByteOrder::Little);
        assert_eq!(le, Voxels::I16(vec![0x1234, -1]));
        let mut be = Voxels::try_with_capacity(Datatype::F32, 1).unwrap();
        be.extend_from_bytes(&1.5f32.to_be_bytes(), ByteOrder::Big);
        assert_eq!(be.stored_f64(0), 1.5);
        assert_eq!(be.to_bytes(ByteOrder::Big), 1.5f32.to_be_bytes().to_vec());
    }

    #[test]
    fn frame_is_fortran_ordered_and_scaled() {
        let v = Voxels::U8((0..24).collect());
        let f = v.frame_f32(
            0,
            [2, 3, 4],
            Scaling {
                slope: 2.0,
                inter: 1.0,
            },
        );
        assert_eq!(f[[1, 0, 0]], 3.0); // index 1
        assert_eq!(f[[0, 1, 0]], 5.0); // index 2
        assert_eq!(f[[1, 2, 3]], 47.0); // index 1 + 2*2 + 3*6 = 23
    }

    #[test]
    fn range_finds_extremes_in_any_chunk_and_any_part() {
        // Three chunks of the parallel scan; the extremes in the last and
        // in the middle, and a part that leaves one of them out.
        let n = 3 << 20;
        let mut values: Vec<i16> = (0..n).map(|i| (i % 1000) as i16).collect();
        values[n - 1] = -32768;
        values[(3 << 19) + 7] = 32767;
        let v = Voxels::I16(values);
        let r = v.range(0, n, Scaling::IDENTITY);
        assert_eq!((r.min, r.max, r.non_finite), (-32768.0, 32767.0, 0));
        let r = v.range(0, n - 1, Scaling::IDENTITY);
        assert_eq!((r.min, r.max), (0.0, 32767.0));
        let empty = Voxels::U8(Vec::new()).range(0, 0, Scaling::IDENTITY);
        assert!(!empty.has_values());
    }

    #[test]
    fn range_skips_nan_and_flips_with_negative_slope() {
        let v = Voxels::F32(vec![1.0, f32::NAN, -2.0, f32::INFINITY]);
        let r = v.range(
            0,
            4,
            Scaling {
                slope: -1.0,
                inter: 0.0,
            },
        );
        assert_eq!((r.min, r.max, r.non_finite), (-1.0, 2.0, 2));
    }
}
