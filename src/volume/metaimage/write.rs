//! Writing a MetaImage as ITK writes one: `.mha` with its voxels
//! zlib-compressed after the header, or `.mhd` with a raw `.raw` beside
//! it; geometry from the grid's RAS affine turned into LPS, each number
//! printed so that it reads back to the same f64 (Rust's `Display` for
//! f64 is the shortest text that round-trips).

use super::element::ElementType;
use super::geometry::meta_geometry;
use crate::geometry::Grid;
use crate::volume::datatype::Datatype;
use crate::volume::header::ByteOrder;
use crate::volume::save::{stage, SaveError, Staged};
use crate::volume::voxels::Voxels;
use flate2::write::ZlibEncoder;
use flate2::Compression;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// Stages `voxels` (`volume_count` frames on `grid`) as a MetaImage under
/// temporary names: one `.mha`, or a `.mhd` and its `.raw` (data first,
/// so that once in place the header never names a missing file). Put in
/// place with [`crate::volume::save::commit_together`].
pub fn stage_metaimage(
    path: &Path,
    grid: &Grid,
    voxels: &Voxels,
    volume_count: usize,
) -> Result<Vec<Staged>, SaveError> {
    if voxels.len() != grid.voxel_count() * volume_count {
        return Err(SaveError::WrongLength {
            path: path.to_path_buf(),
            voxels: voxels.len(),
            shape: grid.shape,
            volumes: volume_count,
        });
    }
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let detached = name.to_lowercase().ends_with(".mhd");
    let data = voxels.to_bytes(ByteOrder::Little);
    if detached {
        let stem = &name[..name.len() - 4];
        let raw_name = format!("{stem}.raw");
        let header = header_text(grid, voxels.datatype(), volume_count, None, &raw_name);
        let raw = path.with_file_name(&raw_name);
        Ok(vec![
            stage(&raw, false, &[&data])?,
            stage(path, false, &[header.as_bytes()])?,
        ])
    } else {
        let compressed = zlib(&data).map_err(|error| SaveError::Io {
            path: path.to_path_buf(),
            error,
        })?;
        drop(data);
        let header = header_text(
            grid,
            voxels.datatype(),
            volume_count,
            Some(compressed.len()),
            "LOCAL",
        );
        Ok(vec![stage(path, false, &[header.as_bytes(), &compressed])?])
    }
}

fn zlib(data: &[u8]) -> std::io::Result<Vec<u8>> {
    let mut encoder = ZlibEncoder::new(Vec::with_capacity(data.len() / 4), Compression::fast());
    encoder.write_all(data)?;
    encoder.finish()
}

fn numbers(values: impl IntoIterator<Item = f64>) -> String {
    values
        .into_iter()
        .map(|v| v.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// The header ITK writes, field for field in its order.
fn header_text(
    grid: &Grid,
    datatype: Datatype,
    volume_count: usize,
    compressed_size: Option<usize>,
    data_file: &str,
) -> String {
    let g = meta_geometry(&grid.world_from_voxel);
    let four = volume_count > 1;
    let n = if four { 4 } else { 3 };
    // Each group of n numbers is one axis's direction (a column); a 4th
    // axis (volumes) is its own direction, 1 apart, at 0.
    let mut matrix = Vec::with_capacity(n * n);
    for axis in 0..n {
        for r in 0..n {
            matrix.push(match (axis < 3, r < 3) {
                (true, true) => g.directions[axis][r],
                _ => (axis == r) as u8 as f64,
            });
        }
    }
    let pad = |v: [f64; 3], fourth: f64| {
        let mut out = v.to_vec();
        if four {
            out.push(fourth);
        }
        out
    };
    let mut dims: Vec<f64> = grid.shape.iter().map(|&d| d as f64).collect();
    if four {
        dims.push(volume_count as f64);
    }

    let mut h = String::new();
    let mut line = |name: &str, value: &str| {
        let _ = writeln!(h, "{name} = {value}");
    };
    line("ObjectType", "Image");
    line("NDims", &n.to_string());
    line("BinaryData", "True");
    line("BinaryDataByteOrderMSB", "False");
    match compressed_size {
        Some(size) => {
            line("CompressedData", "True");
            line("CompressedDataSize", &size.to_string());
        }
        None => line("CompressedData", "False"),
    }
    line("TransformMatrix", &numbers(matrix));
    line("Offset", &numbers(pad(g.offset, 0.0)));
    line("CenterOfRotation", &numbers(vec![0.0; n]));
    // ITK writes the code for 3D images only.
    if let (false, Some(code)) = (four, &g.orientation) {
        line("AnatomicalOrientation", code);
    }
    line("ElementSpacing", &numbers(pad(g.spacing, 1.0)));
    line("DimSize", &numbers(dims));
    if datatype == Datatype::Rgb24 {
        line("ElementNumberOfChannels", "3");
    }
    line("ElementType", ElementType::for_datatype(datatype).name());
    line("ElementDataFile", data_file);
    h
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Affine;

    #[test]
    fn the_header_round_trips_every_number() {
        let a = Affine::from_rows([
            [0.1, -0.7, 0.0, 1.0 / 3.0],
            [0.0, 0.2, 1.3, -7e-17],
            [0.9, 0.0, 0.1, 12345.678901234567],
        ])
        .unwrap();
        let grid = Grid::new([4, 5, 6], a);
        let text = header_text(&grid, Datatype::I16, 1, Some(99), "LOCAL");
        let g = meta_geometry(&a);
        let field = |name: &str| -> Vec<f64> {
            text.lines()
                .find_map(|l| l.strip_prefix(&format!("{name} = ")))
                .unwrap()
                .split(' ')
                .map(|x| x.parse().unwrap())
                .collect()
        };
        assert_eq!(field("Offset"), g.offset.to_vec(), "exactly");
        assert_eq!(field("ElementSpacing"), g.spacing.to_vec());
        assert_eq!(field("TransformMatrix")[3..6], g.directions[1]);
        assert_eq!(field("DimSize"), vec![4.0, 5.0, 6.0]);
        assert!(text.contains("ElementType = MET_SHORT\nElementDataFile = LOCAL\n"));
        assert!(text.contains("CompressedDataSize = 99\n"));
        let four = header_text(&grid, Datatype::Rgb24, 2, None, "x.raw");
        assert!(four.contains("NDims = 4\n"));
        assert!(four.contains("DimSize = 4 5 6 2\n"));
        assert!(four.contains("ElementNumberOfChannels = 3\nElementType = MET_UCHAR\n"));
        assert!(!four.contains("AnatomicalOrientation"));
        assert_eq!(field_in(&four, "TransformMatrix").len(), 16);
    }

    fn field_in(text: &str, name: &str) -> Vec<String> {
        text.lines()
            .find_map(|l| l.strip_prefix(&format!("{name} = ")))
            .unwrap()
            .split(' ')
            .map(String::from)
            .collect()
    }
}
