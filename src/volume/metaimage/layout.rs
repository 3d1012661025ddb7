//! How many voxels a header declares, how they are laid out in the data
//! (channels interleaved in each voxel, then i, j, k, then volumes), and
//! which of them a load keeps: all checked against the memory limit before
//! anything is allocated.

use super::element::ElementType;
use super::header::MetaHeader;
use crate::volume::datatype::Datatype;
use crate::volume::error::LoadError;
use crate::volume::load::LoadOptions;
use std::ops::Range;
use std::path::Path;

/// What the data holds and what is read of it.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    pub shape: [usize; 3],
    /// Volumes of the rasview volume: the 4th dimension, or the channels of
    /// a multi-channel (not RGB) image.
    pub volume_count: usize,
    pub first_volume: usize,
    pub volumes_read: usize,
    /// The voxel type held (RGB24 for 3 channels of MET_UCHAR).
    pub datatype: Datatype,
    pub element: ElementType,
    /// Channels that become volumes (1 when they do not).
    pub split_channels: usize,
    /// Bytes of one voxel in the data (every channel).
    pub record_bytes: u64,
    /// Bytes of the whole data, every file together.
    pub total_bytes: u64,
    /// The part of the data that is read.
    pub wanted: Range<u64>,
    /// Voxels kept (of `datatype`).
    pub kept_voxels: usize,
}

impl Layout {
    pub fn check(path: &Path, h: &MetaHeader, options: &LoadOptions) -> Result<Self, LoadError> {
        let dims = &h.dim_size;
        let shape_text = || {
            dims.iter()
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join("x")
        };
        let rgb = h.channels == 3 && h.element == ElementType::UChar;
        let datatype = if rgb {
            Datatype::Rgb24
        } else {
            h.element.datatype()
        };
        let split_channels = if rgb { 1 } else { h.channels };
        if split_channels > 1 && h.ndims == 4 {
            return Err(LoadError::bad_field(
                path,
                "ElementNumberOfChannels",
                h.channels,
                "with NDims = 4 is not read (channels and volumes would both be a 4th dimension)",
            ));
        }
        let record_bytes = (h.element.bytes() * h.channels) as u64;

        // u128: DimSize values are below 2^63, at most four of them, and
        // every product is compared with the limit before it grows again.
        let limit = options.memory_limit_bytes as u128;
        let too_large = |declared: u128| LoadError::TooLarge {
            path: path.to_path_buf(),
            shape: shape_text(),
            declared_bytes: declared,
            limit_bytes: options.memory_limit_bytes,
        };
        let mut frame: u128 = 1;
        for &d in dims.iter().take(3) {
            frame *= d as u128;
            if frame * record_bytes as u128 > limit {
                return Err(too_large(frame * record_bytes as u128));
            }
        }
        let file_volumes = if h.ndims == 4 { dims[3] } else { 1 };
        let total = frame * record_bytes as u128 * file_volumes as u128;
        if total > u64::MAX as u128 / 2 {
            return Err(too_large(total));
        }
        let total_bytes = total as u64;
        let volume_count = if split_channels > 1 {
            split_channels
        } else {
            file_volumes as usize
        };
        let (first_volume, volumes_read) = match options.only_volume {
            None => (0, volume_count),
            Some(t) if t < volume_count => (t, 1),
            Some(t) => {
                return Err(LoadError::NoSuchVolume {
                    path: path.to_path_buf(),
                    asked: t,
                    count: volume_count,
                })
            }
        };
        let frame_bytes = frame as u64 * record_bytes;
        let wanted = if split_channels > 1 {
            // Channels are interleaved: every byte goes by to keep one.
            0..total_bytes
        } else {
            first_volume as u64 * frame_bytes..(first_volume + volumes_read) as u64 * frame_bytes
        };
        let kept_voxels = frame * volumes_read as u128;
        let kept_bytes = kept_voxels * datatype.bytes_per_voxel() as u128;
        if kept_bytes > limit {
            return Err(too_large(kept_bytes));
        }
        let shape = [
            dims[0] as usize,
            dims[1] as usize,
            dims.get(2).copied().unwrap_or(1) as usize,
        ];
        Ok(Layout {
            shape,
            volume_count,
            first_volume,
            volumes_read,
            datatype,
            element: h.element,
            split_channels,
            record_bytes,
            total_bytes,
            wanted,
            kept_voxels: kept_voxels as usize,
        })
    }

    pub fn frame_voxels(&self) -> u64 {
        self.shape.iter().map(|&n| n as u64).product()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::metaimage::header::{read_fields, MetaHeader};

    fn layout(fields: &str, options: &LoadOptions) -> Result<Layout, LoadError> {
        let text = format!("{fields}ElementDataFile = LOCAL\n");
        let f = read_fields(Path::new("t.mha"), &mut text.as_bytes())
            .unwrap()
            .fields;
        Layout::check(
            Path::new("t.mha"),
            &MetaHeader::parse(Path::new("t.mha"), &f)?,
            options,
        )
    }

    fn options() -> LoadOptions {
        LoadOptions {
            memory_limit_bytes: 1 << 30,
            only_volume: None,
            series: None,
            label_table: None,
        }
    }

    #[test]
    fn channels_become_colour_or_volumes() {
        let l = layout(
            "NDims = 3\nDimSize = 4 3 2\nElementType = MET_UCHAR\nElementNumberOfChannels = 3\n",
            &options(),
        )
        .unwrap();
        assert_eq!(
            (l.datatype, l.volume_count, l.record_bytes),
            (Datatype::Rgb24, 1, 3)
        );
        let l = layout(
            "NDims = 3\nDimSize = 4 3 2\nElementType = MET_FLOAT\nElementNumberOfChannels = 3\n",
            &options(),
        )
        .unwrap();
        assert_eq!(
            (l.datatype, l.volume_count, l.record_bytes),
            (Datatype::F32, 3, 12)
        );
        assert_eq!(l.wanted, 0..24 * 12);
        let err = layout(
            "NDims = 4\nDimSize = 4 3 2 2\nElementType = MET_FLOAT\nElementNumberOfChannels = 2\n",
            &options(),
        )
        .unwrap_err();
        assert!(
            err.to_string().starts_with("ElementNumberOfChannels = 2"),
            "{err}"
        );
    }

    #[test]
    fn one_volume_of_a_4d_file_is_a_range() {
        let mut o = options();
        o.only_volume = Some(2);
        let l = layout(
            "NDims = 4\nDimSize = 4 3 2 5\nElementType = MET_SHORT\n",
            &o,
        )
        .unwrap();
        assert_eq!(l.wanted, 2 * 48..3 * 48);
        assert_eq!((l.volume_count, l.first_volume, l.kept_voxels), (5, 2, 24));
        o.only_volume = Some(5);
        assert!(matches!(
            layout(
                "NDims = 4\nDimSize = 4 3 2 5\nElementType = MET_SHORT\n",
                &o
            ),
            Err(LoadError::NoSuchVolume { .. })
        ));
    }

    #[test]
    fn absurd_sizes_are_refused_before_any_allocation() {
        let err = layout(
            "NDims = 4\nDimSize = 9000000000 9000000000 9000000000 9000000000\nElementType = MET_DOUBLE\n",
            &options(),
        )
        .unwrap_err();
        assert!(matches!(err, LoadError::TooLarge { .. }), "{err}");
        let l = layout(
            "NDims = 2\nDimSize = 7 5\nElementType = MET_CHAR\n",
            &options(),
        )
        .unwrap();
        assert_eq!(l.shape, [7, 5, 1]);
    }
}
