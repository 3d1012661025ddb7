//! MetaImage's `ElementType` values and the voxel type each becomes.

use crate::volume::datatype::Datatype;

/// A scalar `MET_` type. Sizes are MetaIO's own table, not the C types of
/// the machine that wrote the file: `MET_LONG` is 4 bytes everywhere.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ElementType {
    Char,
    UChar,
    Short,
    UShort,
    Int,
    UInt,
    Long,
    ULong,
    LongLong,
    ULongLong,
    Float,
    Double,
}

impl ElementType {
    pub const ALL: [ElementType; 12] = [
        ElementType::Char,
        ElementType::UChar,
        ElementType::Short,
        ElementType::UShort,
        ElementType::Int,
        ElementType::UInt,
        ElementType::Long,
        ElementType::ULong,
        ElementType::LongLong,
        ElementType::ULongLong,
        ElementType::Float,
        ElementType::Double,
    ];

    pub fn name(self) -> &'static str {
        match self {
            ElementType::Char => "MET_CHAR",
            ElementType::UChar => "MET_UCHAR",
            ElementType::Short => "MET_SHORT",
            ElementType::UShort => "MET_USHORT",
            ElementType::Int => "MET_INT",
            ElementType::UInt => "MET_UINT",
            ElementType::Long => "MET_LONG",
            ElementType::ULong => "MET_ULONG",
            ElementType::LongLong => "MET_LONG_LONG",
            ElementType::ULongLong => "MET_ULONG_LONG",
            ElementType::Float => "MET_FLOAT",
            ElementType::Double => "MET_DOUBLE",
        }
    }

    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|t| t.name() == text)
    }

    /// The voxel type of one channel.
    pub fn datatype(self) -> Datatype {
        match self {
            ElementType::Char => Datatype::I8,
            ElementType::UChar => Datatype::U8,
            ElementType::Short => Datatype::I16,
            ElementType::UShort => Datatype::U16,
            ElementType::Int | ElementType::Long => Datatype::I32,
            ElementType::UInt | ElementType::ULong => Datatype::U32,
            ElementType::LongLong => Datatype::I64,
            ElementType::ULongLong => Datatype::U64,
            ElementType::Float => Datatype::F32,
            ElementType::Double => Datatype::F64,
        }
    }

    pub fn bytes(self) -> usize {
        self.datatype().bytes_per_voxel()
    }

    /// The type ITK writes for voxels of `datatype` (one channel; RGB is
    /// three `MET_UCHAR` channels).
    pub fn for_datatype(datatype: Datatype) -> ElementType {
        match datatype {
            Datatype::I8 => ElementType::Char,
            Datatype::U8 | Datatype::Rgb24 => ElementType::UChar,
            Datatype::I16 => ElementType::Short,
            Datatype::U16 => ElementType::UShort,
            Datatype::I32 => ElementType::Int,
            Datatype::U32 => ElementType::UInt,
            Datatype::I64 => ElementType::LongLong,
            Datatype::U64 => ElementType::ULongLong,
            Datatype::F32 => ElementType::Float,
            Datatype::F64 => ElementType::Double,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_long_is_four_bytes() {
        for t in ElementType::ALL {
            assert_eq!(ElementType::parse(t.name()), Some(t));
        }
        assert_eq!(ElementType::Long.bytes(), 4);
        assert_eq!(ElementType::ULongLong.bytes(), 8);
        assert_eq!(ElementType::parse("MET_FLOAT_ARRAY"), None);
        for d in Datatype::ALL {
            let t = ElementType::for_datatype(d);
            if d != Datatype::Rgb24 {
                assert_eq!(t.datatype(), d);
            }
        }
    }
}
