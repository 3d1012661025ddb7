//! world_from_voxel of a stack. Voxel i runs along a row (the row direction
//! r, PixelSpacing[1] apart: the spacing between columns), j down the
//! columns (c, PixelSpacing[0]: between rows), k from slice to slice (the
//! step, sheared when the gantry was tilted). DICOM's patient space is LPS;
//! RAS is diag(-1, -1, 1) of it.

use super::stack::{scale, Stack};
use crate::geometry::{Affine, AffineError};

/// The RAS affine of a stack.
pub fn world_from_voxel(stack: &Stack) -> Result<Affine, AffineError> {
    let i = scale(stack.row, stack.pixel_spacing[1]);
    let j = scale(stack.column, stack.pixel_spacing[0]);
    let k = stack.step;
    let t = stack.origin;
    let lps = [
        [i[0], j[0], k[0], t[0]],
        [i[1], j[1], k[1], t[1]],
        [i[2], j[2], k[2], t[2]],
    ];
    let flip = [-1.0, -1.0, 1.0];
    Affine::from_rows([0, 1, 2].map(|r| lps[r].map(|v| v * flip[r])))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stack(row: [f64; 3], column: [f64; 3], step: [f64; 3], spacing: [f64; 2]) -> Stack {
        Stack {
            order: Vec::new(),
            positions: 2,
            volumes: 1,
            placed: true,
            origin: [10.0, 20.0, 30.0],
            row,
            column,
            step,
            pixel_spacing: spacing,
            warnings: Vec::new(),
        }
    }

    #[test]
    fn pixel_spacing_is_rows_then_columns() {
        // Axial: rows run to patient left (+x LPS), columns to posterior.
        let a = world_from_voxel(&stack(
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.0, 3.0],
            [0.5, 0.8],
        ))
        .unwrap();
        // One column along a row moves PixelSpacing[1] = 0.8 mm to the left,
        // which is -x in RAS.
        let p = a.apply([1.0, 0.0, 0.0]);
        assert!(
            (p[0] - (-10.8)).abs() < 1e-12 && (p[1] + 20.0).abs() < 1e-12,
            "{p:?}"
        );
        // One row down moves PixelSpacing[0] = 0.5 mm posterior (-y in RAS).
        let p = a.apply([0.0, 1.0, 0.0]);
        assert!((p[1] - (-20.5)).abs() < 1e-12, "{p:?}");
        let p = a.apply([0.0, 0.0, 1.0]);
        assert!((p[2] - 33.0).abs() < 1e-12, "{p:?}");
    }

    #[test]
    fn a_tilted_step_gives_a_sheared_affine() {
        let a = world_from_voxel(&stack(
            [1.0, 0.0, 0.0],
            [0.0, 1.0, 0.0],
            [0.0, 0.5, 2.0],
            [1.0, 1.0],
        ))
        .unwrap();
        let m = a.linear();
        // The third column is the step (LPS y flipped), not the normal.
        assert_eq!([m[0][2], m[1][2], m[2][2]], [0.0, -0.5, 2.0]);
    }
}
