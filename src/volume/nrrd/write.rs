//! Writing `.nrrd`: a text header in ITK's and Slicer's own convention
//! (`space: left-posterior-superior`), then the voxels gzipped, little
//! endian. Directions and origin are printed with Rust's shortest
//! round-trip formatting, so a reader gets back the very same f64s.

use super::spec::type_name;
use crate::geometry::Grid;
use crate::volume::datatype::Datatype;
use crate::volume::header::ByteOrder;
use crate::volume::save::{stage, SaveError, Staged};
use crate::volume::voxels::Voxels;
use flate2::write::GzEncoder;
use flate2::Compression;
use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

/// A number as text that reads back as the same f64 (`-0` written as `0`).
fn number(x: f64) -> String {
    format!("{}", x + 0.0)
}

/// RAS to LPS: x and y change sign.
fn lps(v: [f64; 3]) -> String {
    format!("({},{},{})", number(-v[0]), number(-v[1]), number(v[2]))
}

/// The header for voxels on `grid` (`volume_count` volumes after i, j, k).
pub fn header_text(grid: &Grid, datatype: Datatype, volume_count: usize, content: &str) -> String {
    let m = grid.world_from_voxel.matrix();
    let column = |c: usize| [m[0][c], m[1][c], m[2][c]];
    let [ni, nj, nk] = grid.shape;
    let rgb = datatype == Datatype::Rgb24;
    let mut sizes = Vec::new();
    let mut directions = Vec::new();
    let mut kinds = Vec::new();
    if rgb {
        // Colour is interleaved: its axis is the fastest.
        sizes.push(3);
        directions.push("none".to_string());
        kinds.push("RGB-color");
    }
    for (a, n) in [ni, nj, nk].into_iter().enumerate() {
        sizes.push(n);
        directions.push(lps(column(a)));
        kinds.push("domain");
    }
    if volume_count > 1 {
        sizes.push(volume_count);
        directions.push("none".to_string());
        kinds.push("list");
    }
    let mut h = String::new();
    let _ = writeln!(h, "NRRD0004");
    let _ = writeln!(
        h,
        "# Written by rasview {}; space directions and origin in LPS, as ITK and Slicer write them",
        env!("CARGO_PKG_VERSION")
    );
    let content: String = content
        .chars()
        .filter(|c| !c.is_control())
        .collect::<String>();
    if !content.trim().is_empty() {
        let _ = writeln!(h, "content: {}", content.trim());
    }
    let _ = writeln!(h, "type: {}", type_name(datatype));
    let _ = writeln!(h, "dimension: {}", sizes.len());
    let _ = writeln!(h, "space: left-posterior-superior");
    let sizes: Vec<String> = sizes.iter().map(|s| s.to_string()).collect();
    let _ = writeln!(h, "sizes: {}", sizes.join(" "));
    let _ = writeln!(h, "space directions: {}", directions.join(" "));
    let _ = writeln!(h, "kinds: {}", kinds.join(" "));
    let _ = writeln!(h, "endian: little");
    let _ = writeln!(h, "encoding: gzip");
    let _ = writeln!(h, "space origin: {}", lps(column(3)));
    h.push('\n');
    h
}

/// Writes a gzip `.nrrd` under a temporary name beside `path`; put in
/// place with [`crate::volume::save::commit_together`].
pub fn stage_nrrd(
    path: &Path,
    grid: &Grid,
    voxels: &Voxels,
    volume_count: usize,
    content: &str,
) -> Result<Vec<Staged>, SaveError> {
    let header = header_text(grid, voxels.datatype(), volume_count, content);
    let io = |error| SaveError::Io {
        path: path.to_path_buf(),
        error,
    };
    // Only the data is compressed; the header stays text.
    let mut gz = GzEncoder::new(Vec::new(), Compression::fast());
    gz.write_all(&voxels.to_bytes(ByteOrder::Little))
        .map_err(io)?;
    let data = gz.finish().map_err(io)?;
    Ok(vec![stage(path, false, &[header.as_bytes(), &data])?])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::geometry::Affine;

    #[test]
    fn numbers_round_trip_and_ras_becomes_lps() {
        for x in [0.1, 1.0 / 3.0, -2.5e-17, 123456.789012345, -0.0] {
            assert_eq!(number(x).parse::<f64>().unwrap(), x + 0.0);
        }
        let a = Affine::from_rows([
            [0.5, 0.0, 0.0, 10.0],
            [0.0, 0.7, 0.1, -20.0],
            [0.0, 0.0, 2.0, 3.0],
        ])
        .unwrap();
        let h = header_text(&Grid::new([2, 3, 4], a), Datatype::I16, 5, "edges");
        assert!(
            h.contains("space directions: (-0.5,0,0) (0,-0.7,0) (0,-0.1,2) none\n"),
            "{h}"
        );
        assert!(h.contains("space origin: (-10,20,3)\n"), "{h}");
        assert!(h.contains("sizes: 2 3 4 5\n"), "{h}");
        assert!(h.contains("kinds: domain domain domain list\n"), "{h}");
        assert!(
            h.contains("type: int16\n") && h.contains("content: edges\n"),
            "{h}"
        );
        assert!(h.ends_with("\n\n"));
    }
}
