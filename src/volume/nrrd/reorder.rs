//! Putting an NRRD's axes in rasview's storage order: a non-spatial axis
//! that the file stores first (the components of a vector image, Slicer's
//! segmentation layers) goes after i, j, k, so that each volume is one
//! contiguous frame; an RGB axis goes first, so that colours interleave.

use crate::volume::voxels::Voxels;
use std::ops::Range;

/// The elements of an array of `sizes` (file axes, first fastest) laid out
/// with `order[0]` fastest, then `order[1]`, ...; only the output elements
/// in `keep` (all of them when `None`).
pub fn permute<T: Copy>(
    input: &[T],
    sizes: &[usize],
    order: &[usize],
    keep: Option<Range<usize>>,
) -> Vec<T> {
    let n = sizes.len();
    let mut strides = vec![1usize; n];
    for a in 1..n {
        strides[a] = strides[a - 1] * sizes[a - 1];
    }
    let out_sizes: Vec<usize> = order.iter().map(|&a| sizes[a]).collect();
    let out_strides: Vec<usize> = order.iter().map(|&a| strides[a]).collect();
    let total: usize = sizes.iter().product();
    let keep = keep.unwrap_or(0..total);

    // The output multi-index of keep.start, then an odometer from there.
    let mut index = vec![0usize; n];
    let mut rest = keep.start;
    for (d, i) in index.iter_mut().enumerate() {
        *i = rest % out_sizes[d];
        rest /= out_sizes[d];
    }
    let mut at: usize = index.iter().zip(&out_strides).map(|(i, s)| i * s).sum();
    let mut out = Vec::with_capacity(keep.len());
    for _ in keep {
        out.push(input[at]);
        for d in 0..n {
            index[d] += 1;
            at += out_strides[d];
            if index[d] < out_sizes[d] {
                break;
            }
            at -= out_strides[d] * out_sizes[d];
            index[d] = 0;
        }
    }
    out
}

/// [`permute`] on every voxel type.
pub fn permute_voxels(
    voxels: &Voxels,
    sizes: &[usize],
    order: &[usize],
    keep: Option<Range<usize>>,
) -> Voxels {
    match voxels {
        Voxels::U8(v) => Voxels::U8(permute(v, sizes, order, keep)),
        Voxels::I8(v) => Voxels::I8(permute(v, sizes, order, keep)),
        Voxels::U16(v) => Voxels::U16(permute(v, sizes, order, keep)),
        Voxels::I16(v) => Voxels::I16(permute(v, sizes, order, keep)),
        Voxels::U32(v) => Voxels::U32(permute(v, sizes, order, keep)),
        Voxels::I32(v) => Voxels::I32(permute(v, sizes, order, keep)),
        Voxels::U64(v) => Voxels::U64(permute(v, sizes, order, keep)),
        Voxels::I64(v) => Voxels::I64(permute(v, sizes, order, keep)),
        Voxels::F32(v) => Voxels::F32(permute(v, sizes, order, keep)),
        Voxels::F64(v) => Voxels::F64(permute(v, sizes, order, keep)),
        Voxels::Rgb24(v) => Voxels::Rgb24(permute(v, sizes, order, keep)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vector_first_becomes_volumes_last() {
        // File: c fastest (2 components), then i (3).
        let input = [10, 20, 11, 21, 12, 22];
        assert_eq!(
            permute(&input, &[2, 3], &[1, 0], None),
            vec![10, 11, 12, 20, 21, 22]
        );
        // Only the second volume.
        assert_eq!(
            permute(&input, &[2, 3], &[1, 0], Some(3..6)),
            vec![20, 21, 22]
        );
        assert_eq!(permute(&input, &[2, 3], &[0, 1], None), input.to_vec());
    }

    #[test]
    fn three_axes_against_a_naive_loop() {
        let sizes = [3, 4, 5];
        let input: Vec<usize> = (0..60).collect();
        let order = [2, 0, 1];
        let out = permute(&input, &sizes, &order, None);
        let mut n = 0;
        for b in 0..4 {
            for a in 0..3 {
                for c in 0..5 {
                    // output index: c fastest, then a, then b
                    assert_eq!(out[n], a + 3 * b + 12 * c);
                    n += 1;
                }
            }
        }
        assert_eq!(n, 60);
    }
}
