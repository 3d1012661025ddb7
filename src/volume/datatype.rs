//! NIfTI datatype codes: which ones rasview reads, and their names.

/// A voxel type rasview can load.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Datatype {
    U8,
    I8,
    U16,
    I16,
    U32,
    I32,
    U64,
    I64,
    F32,
    F64,
    /// Three bytes per voxel, interleaved R, G, B.
    Rgb24,
}

impl Datatype {
    pub const ALL: [Datatype; 11] = [
        Datatype::U8,
        Datatype::I8,
        Datatype::U16,
        Datatype::I16,
        Datatype::U32,
        Datatype::I32,
        Datatype::U64,
        Datatype::I64,
        Datatype::F32,
        Datatype::F64,
        Datatype::Rgb24,
    ];

    /// The NIfTI `datatype` field value.
    pub fn code(self) -> i16 {
        match self {
            Datatype::U8 => 2,
            Datatype::I16 => 4,
            Datatype::I32 => 8,
            Datatype::F32 => 16,
            Datatype::F64 => 64,
            Datatype::Rgb24 => 128,
            Datatype::I8 => 256,
            Datatype::U16 => 512,
            Datatype::U32 => 768,
            Datatype::I64 => 1024,
            Datatype::U64 => 1280,
        }
    }

    pub fn from_code(code: i16) -> Result<Self, UnsupportedDatatype> {
        Datatype::ALL
            .into_iter()
            .find(|d| d.code() == code)
            .ok_or(UnsupportedDatatype { code })
    }

    pub fn bytes_per_voxel(self) -> usize {
        match self {
            Datatype::U8 | Datatype::I8 => 1,
            Datatype::U16 | Datatype::I16 => 2,
            Datatype::Rgb24 => 3,
            Datatype::U32 | Datatype::I32 | Datatype::F32 => 4,
            Datatype::U64 | Datatype::I64 | Datatype::F64 => 8,
        }
    }

    /// The name nibabel and numpy use.
    pub fn name(self) -> &'static str {
        match self {
            Datatype::U8 => "uint8",
            Datatype::I8 => "int8",
            Datatype::U16 => "uint16",
            Datatype::I16 => "int16",
            Datatype::U32 => "uint32",
            Datatype::I32 => "int32",
            Datatype::U64 => "uint64",
            Datatype::I64 => "int64",
            Datatype::F32 => "float32",
            Datatype::F64 => "float64",
            Datatype::Rgb24 => "rgb24",
        }
    }

    pub fn is_integer(self) -> bool {
        !matches!(self, Datatype::F32 | Datatype::F64 | Datatype::Rgb24)
    }
}

/// A datatype code rasview does not read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnsupportedDatatype {
    pub code: i16,
}

impl UnsupportedDatatype {
    /// What the NIfTI standard calls this code, when it names it at all.
    pub fn standard_name(&self) -> &'static str {
        match self.code {
            0 => "unknown",
            1 => "binary (1 bit)",
            32 => "complex64",
            1536 => "float128",
            1792 => "complex128",
            2048 => "complex256",
            2304 => "rgba32",
            _ => "not a NIfTI datatype",
        }
    }
}
