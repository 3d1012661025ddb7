//! The NIfTI header as stored: NIfTI-1 (348 bytes) and NIfTI-2 (540 bytes),
//! either byte order, read into one format-independent struct and written back.
//!
//! NIfTI-1 headers are decoded by the `nifti` crate; it has no NIfTI-2, so that
//! layout is decoded here. Nothing in this file interprets the fields: that is
//! the job of `header_geometry` and `load`.

/// Byte order of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteOrder {
    Little,
    Big,
}

impl ByteOrder {
    pub fn name(self) -> &'static str {
        match self {
            ByteOrder::Little => "little-endian",
            ByteOrder::Big => "big-endian",
        }
    }
}

/// NIfTI-1 or NIfTI-2.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NiftiVersion {
    One,
    Two,
}

impl NiftiVersion {
    /// `sizeof_hdr`: the header length in bytes, without the 4 extension bytes.
    pub fn header_len(self) -> usize {
        match self {
            NiftiVersion::One => 348,
            NiftiVersion::Two => 540,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            NiftiVersion::One => "NIfTI-1",
            NiftiVersion::Two => "NIfTI-2",
        }
    }
}

/// Every header field rasview uses, widened to the NIfTI-2 types.
#[derive(Debug, Clone, PartialEq)]
pub struct RawHeader {
    pub version: NiftiVersion,
    pub byte_order: ByteOrder,
    /// The 4 (NIfTI-1) or 8 (NIfTI-2) magic bytes; all zero in an ANALYZE 7.5 header.
    pub magic: [u8; 8],
    pub dim: [i64; 8],
    pub datatype: i16,
    pub bitpix: i16,
    pub pixdim: [f64; 8],
    pub vox_offset: f64,
    pub scl_slope: f64,
    pub scl_inter: f64,
    pub cal_min: f64,
    pub cal_max: f64,
    pub xyzt_units: i32,
    pub intent_code: i32,
    pub qform_code: i32,
    pub sform_code: i32,
    pub quatern: [f64; 3],
    pub qoffset: [f64; 3],
    pub srow: [[f64; 4]; 3],
    pub descrip: [u8; 80],
}

impl Default for RawHeader {
    fn default() -> Self {
        Self {
            version: NiftiVersion::One,
            byte_order: ByteOrder::Little,
            magic: *b"n+1\0\0\0\0\0",
            dim: [3, 1, 1, 1, 1, 1, 1, 1],
            datatype: 2,
            bitpix: 8,
            pixdim: [1.0; 8],
            vox_offset: 352.0,
            scl_slope: 1.0,
            scl_inter: 0.0,
            cal_min: 0.0,
            cal_max: 0.0,
            // mm and seconds
            xyzt_units: 2 | 8,
            intent_code: 0,
            qform_code: 0,
            sform_code: 0,
            quatern: [0.0; 3],
            qoffset: [0.0; 3],
            srow: [
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 1.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0],
            ],
            descrip: [0; 80],
        }
    }
}

/// Why the first bytes of a file are not a NIfTI header.
#[derive(Debug, Clone, PartialEq)]
pub struct HeaderFormatError {
    pub field: &'static str,
    pub value: String,
    pub problem: String,
}

impl RawHeader {
    /// Which format and byte order the first four bytes (`sizeof_hdr`) announce.
    pub fn detect(first4: [u8; 4]) -> Result<(NiftiVersion, ByteOrder), HeaderFormatError> {
        let le = i32::from_le_bytes(first4);
        let be = i32::from_be_bytes(first4);
        match (le, be) {
            (348, _) => Ok((NiftiVersion::One, ByteOrder::Little)),
            (_, 348) => Ok((NiftiVersion::One, ByteOrder::Big)),
            (540, _) => Ok((NiftiVersion::Two, ByteOrder::Little)),
            (_, 540) => Ok((NiftiVersion::Two, ByteOrder::Big)),
            _ => Err(HeaderFormatError {
                field: "sizeof_hdr",
                value: le.to_string(),
                problem: "is neither 348 (NIfTI-1) nor 540 (NIfTI-2) in either byte order: not a NIfTI file, or its header is corrupt".into(),
            }),
        }
    }

    /// Decodes a header from exactly `version.header_len()` bytes.
    pub fn parse(bytes: &[u8]) -> Result<Self, HeaderFormatError> {
        let first4 = [bytes[0], bytes[1], bytes[2], bytes[3]];
        let (version, byte_order) = Self::detect(first4)?;
        match version {
            NiftiVersion::One => parse_nifti1(bytes, byte_order),
            NiftiVersion::Two => Ok(parse_nifti2(bytes, byte_order)),
        }
    }

    /// The magic string without trailing NULs, for messages.
    pub fn magic_text(&self) -> String {
        let len = match self.version {
            NiftiVersion::One => 4,
            NiftiVersion::Two => 8,
        };
        self.magic[..len]
            .iter()
            .take_while(|&&b| b != 0)
            .map(|&b| if b.is_ascii_graphic() { b as char } else { '?' })
            .collect()
    }

    /// True for "n+1"/"n+2": header and voxels in one file.
    pub fn magic_says_single_file(&self) -> bool {
        self.magic[1] == b'+'
    }

    /// True when the magic is one the standard defines for this version.
    pub fn has_valid_magic(&self) -> bool {
        match self.version {
            NiftiVersion::One => &self.magic[..4] == b"n+1\0" || &self.magic[..4] == b"ni1\0",
            NiftiVersion::Two => {
                (&self.magic[..3] == b"n+2" || &self.magic[..3] == b"ni2")
                    && self.magic[3..8] == *b"\0\r\n\x1a\n"
            }
        }
    }

    /// Encodes the header followed by the four extension bytes (all zero:
    /// no extensions), `header_len() + 4` bytes in all.
    pub fn encode(&self) -> Vec<u8> {
        let mut w = FieldWriter {
            out: vec![0; self.version.header_len() + 4],
            order: self.byte_order,
        };
        match self.version {
            NiftiVersion::One => self.encode_nifti1(&mut w),
            NiftiVersion::Two => self.encode_nifti2(&mut w),
        }
        w.out
    }

    fn encode_nifti1(&self, w: &mut FieldWriter) {
        w.i32(0, 348);
        w.bytes(38, b"r"); // "regular", as ANALYZE readers expect
        for (n, d) in self.dim.iter().enumerate() {
            w.i16(40 + 2 * n, *d as i16);
        }
        w.i16(68, self.intent_code as i16);
        w.i16(70, self.datatype);
        w.i16(72, self.bitpix);
        for (n, p) in self.pixdim.iter().enumerate() {
            w.f32(76 + 4 * n, *p);
        }
        w.f32(108, self.vox_offset);
        w.f32(112, self.scl_slope);
        w.f32(116, self.scl_inter);
        w.bytes(123, &[self.xyzt_units as u8]);
        w.f32(124, self.cal_max);
        w.f32(128, self.cal_min);
        w.bytes(148, &self.descrip);
        w.i16(252, self.qform_code as i16);
        w.i16(254, self.sform_code as i16);
        for n in 0..3 {
            w.f32(256 + 4 * n, self.quatern[n]);
            w.f32(268 + 4 * n, self.qoffset[n]);
        }
        for (r, row) in self.srow.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                w.f32(280 + 16 * r + 4 * c, *v);
            }
        }
        w.bytes(344, &self.magic[..4]);
    }

    fn encode_nifti2(&self, w: &mut FieldWriter) {
        w.i32(0, 540);
        w.bytes(4, &self.magic);
        w.i16(12, self.datatype);
        w.i16(14, self.bitpix);
        for (n, d) in self.dim.iter().enumerate() {
            w.i64(16 + 8 * n, *d);
        }
        for (n, p) in self.pixdim.iter().enumerate() {
            w.f64(104 + 8 * n, *p);
        }
        w.i64(168, self.vox_offset as i64);
        w.f64(176, self.scl_slope);
        w.f64(184, self.scl_inter);
        w.f64(192, self.cal_max);
        w.f64(200, self.cal_min);
        w.bytes(240, &self.descrip);
        w.i32(344, self.qform_code);
        w.i32(348, self.sform_code);
        for n in 0..3 {
            w.f64(352 + 8 * n, self.quatern[n]);
            w.f64(376 + 8 * n, self.qoffset[n]);
        }
        for (r, row) in self.srow.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                w.f64(400 + 32 * r + 8 * c, *v);
            }
        }
        w.i32(500, self.xyzt_units);
        w.i32(504, self.intent_code);
    }
}

fn parse_nifti1(bytes: &[u8], byte_order: ByteOrder) -> Result<RawHeader, HeaderFormatError> {
    // The nifti crate refuses a header without NIfTI magic; ANALYZE 7.5 pairs
    // have none, and a bad magic deserves a message naming it. So the crate
    // sees a copy with valid magic, and the real magic is kept for the checks.
    let mut patched = [0u8; 348];
    patched.copy_from_slice(&bytes[..348]);
    let mut magic = [0u8; 8];
    magic[..4].copy_from_slice(&bytes[344..348]);
    patched[344..348].copy_from_slice(b"n+1\0");
    let h = nifti::NiftiHeader::from_reader(&patched[..]).map_err(|e| HeaderFormatError {
        field: "header",
        value: String::new(),
        problem: format!("could not be decoded: {e}"),
    })?;
    // The nifti crate guesses the byte order from dim[0] (> 7 means swapped);
    // sizeof_hdr decides here, so a corrupt dim[0] cannot flip every field.
    let crate_order = match h.endianness {
        nifti::Endianness::Little => ByteOrder::Little,
        nifti::Endianness::Big => ByteOrder::Big,
    };
    if crate_order != byte_order {
        let dim0 = FieldReader {
            bytes,
            order: byte_order,
        }
        .i16(40);
        return Err(HeaderFormatError {
            field: "dim[0]",
            value: dim0.to_string(),
            problem: "is not a number of dimensions (1 to 7)".into(),
        });
    }
    let mut descrip = [0u8; 80];
    let n = h.descrip.len().min(80);
    descrip[..n].copy_from_slice(&h.descrip[..n]);
    let f = |v: f32| v as f64;
    Ok(RawHeader {
        version: NiftiVersion::One,
        byte_order,
        magic,
        // The crate reads dims as u16; the standard's type is signed, and a
        // negative size must be seen as negative to be reported as such.
        dim: h.dim.map(|d| d as i16 as i64),
        datatype: h.datatype,
        bitpix: h.bitpix,
        pixdim: h.pixdim.map(f),
        vox_offset: f(h.vox_offset),
        scl_slope: f(h.scl_slope),
        scl_inter: f(h.scl_inter),
        cal_min: f(h.cal_min),
        cal_max: f(h.cal_max),
        xyzt_units: h.xyzt_units as i32,
        intent_code: h.intent_code as i32,
        qform_code: h.qform_code as i32,
        sform_code: h.sform_code as i32,
        quatern: [f(h.quatern_b), f(h.quatern_c), f(h.quatern_d)],
        qoffset: [f(h.quatern_x), f(h.quatern_y), f(h.quatern_z)],
        srow: [h.srow_x.map(f), h.srow_y.map(f), h.srow_z.map(f)],
        descrip,
    })
}

fn parse_nifti2(bytes: &[u8], byte_order: ByteOrder) -> RawHeader {
    let r = FieldReader {
        bytes,
        order: byte_order,
    };
    let mut magic = [0u8; 8];
    magic.copy_from_slice(&bytes[4..12]);
    let mut descrip = [0u8; 80];
    descrip.copy_from_slice(&bytes[240..320]);
    RawHeader {
        version: NiftiVersion::Two,
        byte_order,
        magic,
        dim: [0, 1, 2, 3, 4, 5, 6, 7].map(|n| r.i64(16 + 8 * n)),
        datatype: r.i16(12),
        bitpix: r.i16(14),
        pixdim: [0, 1, 2, 3, 4, 5, 6, 7].map(|n| r.f64(104 + 8 * n)),
        vox_offset: r.i64(168) as f64,
        scl_slope: r.f64(176),
        scl_inter: r.f64(184),
        cal_max: r.f64(192),
        cal_min: r.f64(200),
        qform_code: r.i32(344),
        sform_code: r.i32(348),
        quatern: [0, 1, 2].map(|n| r.f64(352 + 8 * n)),
        qoffset: [0, 1, 2].map(|n| r.f64(376 + 8 * n)),
        srow: [0, 1, 2].map(|row| [0, 1, 2, 3].map(|c| r.f64(400 + 32 * row + 8 * c))),
        xyzt_units: r.i32(500),
        intent_code: r.i32(504),
        descrip,
    }
}

struct FieldReader<'a> {
    bytes: &'a [u8],
    order: ByteOrder,
}

macro_rules! reader_fn {
    ($name:ident, $t:ty, $n:expr) => {
        fn $name(&self, at: usize) -> $t {
            let mut b = [0u8; $n];
            b.copy_from_slice(&self.bytes[at..at + $n]);
            match self.order {
                ByteOrder::Little => <$t>::from_le_bytes(b),
                ByteOrder::Big => <$t>::from_be_bytes(b),
            }
        }
    };
}

impl FieldReader<'_> {
    reader_fn!(i16, i16, 2);
    reader_fn!(i32, i32, 4);
    reader_fn!(i64, i64, 8);
    reader_fn!(f64, f64, 8);
}

struct FieldWriter {
    out: Vec<u8>,
    order: ByteOrder,
}

macro_rules! writer_fn {
    ($name:ident, $t:ty, $n:expr) => {
        fn $name(&mut self, at: usize, v: $t) {
            let b = match self.order {
                ByteOrder::Little => v.to_le_bytes(),
                ByteOrder::Big => v.to_be_bytes(),
            };
            self.out[at..at + $n].copy_from_slice(&b);
        }
    };
}

impl FieldWriter {
    writer_fn!(i16, i16, 2);
    writer_fn!(i32, i32, 4);
    writer_fn!(i64, i64, 8);
    writer_fn!(f64, f64, 8);

    fn f32(&mut self, at: usize, v: f64) {
        let v = v as f32;
        let b = match self.order {
            ByteOrder::Little => v.to_le_bytes(),
            ByteOrder::Big => v.to_be_bytes(),
        };
        self.out[at..at + 4].copy_from_slice(&b);
    }

    fn bytes(&mut self, at: usize, b: &[u8]) {
        self.out[at..at + b.len()].copy_from_slice(b);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample(version: NiftiVersion, byte_order: ByteOrder) -> RawHeader {
        RawHeader {
            version,
            byte_order,
            magic: match version {
                NiftiVersion::One => *b"n+1\0\0\0\0\0",
                NiftiVersion::Two => *b"n+2\0\r\n\x1a\n",
            },
            dim: [4, 7, 5, 3, 2, 1, 1, 1],
            datatype: 4,
            bitpix: 16,
            pixdim: [-1.0, 0.5, 1.25, 2.5, 2.0, 0.0, 0.0, 0.0],
            vox_offset: match version {
                NiftiVersion::One => 352.0,
                NiftiVersion::Two => 544.0,
            },
            scl_slope: 2.0,
            scl_inter: -3.0,
            qform_code: 1,
            sform_code: 2,
            quatern: [0.0, 0.5, 0.5],
            qoffset: [-10.0, 20.5, 3.25],
            srow: [
                [0.5, 0.0, 0.0, -10.0],
                [0.0, 1.25, 0.0, 20.5],
                [0.0, 0.0, 2.5, 3.25],
            ],
            ..RawHeader::default()
        }
    }

    #[test]
    fn encode_then_parse_is_identity_in_all_four_layouts() {
        for version in [NiftiVersion::One, NiftiVersion::Two] {
            for order in [ByteOrder::Little, ByteOrder::Big] {
                let h = sample(version, order);
                let bytes = h.encode();
                assert_eq!(bytes.len(), version.header_len() + 4);
                let back = RawHeader::parse(&bytes[..version.header_len()]).unwrap();
                assert_eq!(back, h, "{version:?} {order:?}");
                assert!(back.has_valid_magic());
            }
        }
    }

    #[test]
    fn unknown_sizeof_hdr_is_named() {
        let err = RawHeader::detect([1, 2, 3, 4]).unwrap_err();
        assert_eq!(err.field, "sizeof_hdr");
    }
}
