//! What a change of the edge settings did: the voxels that became edges
//! and those that stopped being edges, between two results on one grid.

use ndarray::{Array3, ShapeBuilder, Zip};

/// Edges added and removed by the last change, as masks (1 where added or
/// removed, 0 elsewhere) on the volume's grid, with their counts.
#[derive(Debug, Clone, PartialEq)]
pub struct EdgeDifference {
    pub added: Array3<f32>,
    pub removed: Array3<f32>,
    pub added_count: usize,
    pub removed_count: usize,
}

impl EdgeDifference {
    /// "+1,204 / -3,877 edge voxels".
    pub fn summary(&self) -> String {
        format!(
            "+{} / -{} edge voxels",
            crate::words::thousands(self.added_count as u64),
            crate::words::thousands(self.removed_count as u64)
        )
    }
}

/// The set differences of two edge results (an edge is any non-zero,
/// non-NaN value): `current \ previous` and `previous \ current`. `None`
/// when the grids differ (another volume), where nothing compares.
pub fn difference(previous: &Array3<f32>, current: &Array3<f32>) -> Option<EdgeDifference> {
    if previous.dim() != current.dim() {
        return None;
    }
    let is_edge = |v: f32| v != 0.0 && !v.is_nan();
    // Fortran order like the frames, so the masks index the same way.
    let mut added = Array3::<f32>::zeros(current.raw_dim().f());
    let mut removed = Array3::<f32>::zeros(current.raw_dim().f());
    let (mut added_count, mut removed_count) = (0, 0);
    Zip::from(&mut added)
        .and(&mut removed)
        .and(previous)
        .and(current)
        .for_each(|a, r, &p, &c| match (is_edge(p), is_edge(c)) {
            (false, true) => {
                *a = 1.0;
                added_count += 1;
            }
            (true, false) => {
                *r = 1.0;
                removed_count += 1;
            }
            _ => {}
        });
    Some(EdgeDifference {
        added,
        removed,
        added_count,
        removed_count,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn added_and_removed_are_the_two_set_differences() {
        let mut a = Array3::<f32>::zeros((4, 3, 2).f());
        let mut b = Array3::<f32>::zeros((4, 3, 2).f());
        a[[0, 0, 0]] = 1.0; // kept
        b[[0, 0, 0]] = 1.0;
        a[[1, 2, 1]] = 1.0; // removed
        b[[3, 1, 0]] = 0.5; // added
        b[[2, 2, 1]] = 1.0; // added
        a[[2, 0, 0]] = f32::NAN; // missing is no edge
        let d = difference(&a, &b).unwrap();
        assert_eq!((d.added_count, d.removed_count), (2, 1));
        assert_eq!(d.added[[3, 1, 0]], 1.0);
        assert_eq!(d.removed[[1, 2, 1]], 1.0);
        assert_eq!(d.added.sum() as usize, 2);
        assert_eq!(d.summary(), "+2 / -1 edge voxels");
        assert!(difference(&a, &Array3::zeros((4, 3, 3))).is_none());
    }
}
