//! Placing an array on a base volume's voxel grid: pure functions, no I/O.
//!
//! The output is in NIfTI storage order (i fastest: voxel `(i, j, k)` at
//! `i + nx * (j + ny * k)`), with the array's own type. Arrays come in
//! logical C order (the last axis fastest), as `read_npy` returns them.
//!
//! A 3D array is read in one of the two axis orders the common tools give:
//! `(i, j, k)` from nibabel's `get_fdata()`, `(k, j, i)` from SimpleITK's
//! `GetArrayFromImage` and Slicer's `arrayFromVolume`. A 2D array is one
//! slice across the voxel axis closest to a plane's normal; its rows run
//! along one of the two other voxel axes `a < b` and its columns along the
//! other. A slice cut from a `(z, y, x)` array has shape `(n_b, n_a)`
//! (rows along b); nibabel's `get_fdata()[:, :, k]` has shape `(n_a, n_b)`.

use super::read::shape_text;
use crate::geometry::Plane;
use crate::volume::{Volume, Voxels};
use thiserror::Error;

/// Runs `$body` (generic over the element type, `$v` bound to the typed
/// slice, giving `Option<Vec<T>>`) on whichever vector `$values` holds,
/// keeping its variant.
macro_rules! map_voxels {
    ($values:expr, $v:ident => $body:expr) => {
        match $values {
            Voxels::U8($v) => $body.map(Voxels::U8),
            Voxels::I8($v) => $body.map(Voxels::I8),
            Voxels::U16($v) => $body.map(Voxels::U16),
            Voxels::I16($v) => $body.map(Voxels::I16),
            Voxels::U32($v) => $body.map(Voxels::U32),
            Voxels::I32($v) => $body.map(Voxels::I32),
            Voxels::U64($v) => $body.map(Voxels::U64),
            Voxels::I64($v) => $body.map(Voxels::I64),
            Voxels::F32($v) => $body.map(Voxels::F32),
            Voxels::F64($v) => $body.map(Voxels::F64),
            Voxels::Rgb24($v) => $body.map(Voxels::Rgb24),
        }
    };
}

/// How a 3D array's axes map to voxel axes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Order {
    /// Array axes are (i, j, k): nibabel's `get_fdata()`.
    Ijk,
    /// Array axes are (k, j, i): SimpleITK's `GetArrayFromImage`, Slicer's
    /// `arrayFromVolume`, or any `(z, y, x)` array.
    Kji,
}

impl Order {
    pub fn name(self) -> &'static str {
        match self {
            Order::Ijk => "ijk",
            Order::Kji => "kji",
        }
    }

    /// The array shape this order expects for a base grid.
    pub fn expected_shape(self, base_shape: [usize; 3]) -> [usize; 3] {
        let [nx, ny, nz] = base_shape;
        match self {
            Order::Ijk => [nx, ny, nz],
            Order::Kji => [nz, ny, nx],
        }
    }
}

/// How a 2D array's rows and columns map to the slice's voxel axes `a < b`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transpose {
    /// Chosen from the shape; a square slice is taken as `No`, with a warning.
    #[default]
    Auto,
    /// Rows run along a, columns along b: shape `(n_a, n_b)`, as nibabel's
    /// `get_fdata()[:, :, k]` gives (the transpose of the usual layout).
    Yes,
    /// Rows run along b, columns along a: shape `(n_b, n_a)`, a slice of a
    /// `(z, y, x)` array (SimpleITK, Slicer, OpenCV images of it).
    No,
}

/// Where a 2D array goes: a slice across one voxel axis.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SliceTarget {
    /// The plane asked for (for the words only; `axis` decides).
    pub plane: Plane,
    /// The voxel axis the slice is across (0 = i, 1 = j, 2 = k).
    pub axis: usize,
    /// The slice's index along `axis`.
    pub index: usize,
}

impl SliceTarget {
    /// Slice `index` of `plane` in `base`: across the voxel axis closest to
    /// the plane's normal, so oblique and permuted volumes work.
    pub fn in_volume(base: &Volume, plane: Plane, index: usize) -> Self {
        SliceTarget {
            plane,
            axis: base.grid.slice_axis(plane),
            index,
        }
    }
}

/// The choices for a 2D placement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize)]
pub struct SliceOptions {
    pub transpose: Transpose,
    /// Reverse the order of the rows (array axis 0, `np.flipud`) before placing.
    pub flip_rows: bool,
    /// Reverse the order of the columns (array axis 1, `np.fliplr`) before placing.
    pub flip_columns: bool,
}

/// An array on the base grid.
#[derive(Debug, Clone, PartialEq)]
pub struct Placed {
    /// The base grid's voxels in NIfTI order, the array's type; voxels the
    /// array does not cover are 0.
    pub voxels: Voxels,
    /// What was done, in words, one sentence each.
    pub sentences: Vec<String>,
    /// Guesses the user should check.
    pub warnings: Vec<String>,
}

/// Why an array cannot be placed. Messages name the shapes involved.
#[derive(Debug, Error, PartialEq)]
pub enum PlacementError {
    #[error("{values} values do not fill shape {}", shape_text(shape))]
    WrongLength { shape: Vec<usize>, values: usize },
    #[error("a {dims}D array of shape {} cannot be placed on a 3D grid; rasview places 3D arrays and 2D slices", shape_text(shape))]
    NotPlaceable { shape: Vec<usize>, dims: usize },
    #[error("a 2D array of shape {} is one slice: say where it goes with --plane axial|coronal|sagittal and --slice N", shape_text(shape))]
    SliceNeedsPlane { shape: Vec<usize> },
    #[error(
        "a 3D array of shape {} is a whole volume, not a slice; leave out --plane and --slice",
        shape_text(shape)
    )]
    VolumeGivenPlane { shape: Vec<usize> },
    #[error("shape {} fits both orders of the base grid {base:?} (its first and last dims are equal); pass --order ijk (nibabel's get_fdata) or --order kji (SimpleITK's GetArrayFromImage, Slicer's arrayFromVolume)", shape_text(shape))]
    BothOrdersFit { shape: Vec<usize>, base: [usize; 3] },
    #[error("shape {} fits no axis order of the base grid {base:?}: it would need {} for ijk (nibabel's get_fdata) or {} for kji (SimpleITK's GetArrayFromImage, Slicer's arrayFromVolume){hint}", shape_text(shape), shape_text(&Order::Ijk.expected_shape(*base)), shape_text(&Order::Kji.expected_shape(*base)))]
    NoOrderFits {
        shape: Vec<usize>,
        base: [usize; 3],
        hint: String,
    },
    #[error("--order {} needs shape {} on the base grid {base:?}, the array has shape {}", order.name(), shape_text(&order.expected_shape(*base)), shape_text(shape))]
    OrderDoesNotFit {
        order: Order,
        shape: Vec<usize>,
        base: [usize; 3],
    },
    #[error("slice {index} is out of range: the {} slices across voxel axis {} of the base grid {base:?} are 0 to {}", plane.name(), axis_name(*axis), base[*axis].saturating_sub(1))]
    SliceOutOfRange {
        plane: Plane,
        axis: usize,
        index: usize,
        base: [usize; 3],
    },
    #[error("a {} slice (across voxel axis {}) of the base grid {base:?} is {n_a} x {n_b} voxels ({} x {}): shape {} fits neither ({n_b}, {n_a}) (rows along {}, a (z, y, x) slice) nor ({n_a}, {n_b}) (rows along {})", plane.name(), axis_name(*axis), axis_name(other_axes(*axis).0), axis_name(other_axes(*axis).1), shape_text(shape), axis_name(other_axes(*axis).1), axis_name(other_axes(*axis).0))]
    SliceShapeFitsNeither {
        plane: Plane,
        axis: usize,
        shape: Vec<usize>,
        base: [usize; 3],
        n_a: usize,
        n_b: usize,
    },
    #[error("--transpose {} needs shape {} for a {} slice of the base grid {base:?}, the array has shape {}", if *transpose == Transpose::Yes { "yes" } else { "no" }, shape_text(expected), plane.name(), shape_text(shape))]
    TransposeDoesNotFit {
        transpose: Transpose,
        plane: Plane,
        shape: Vec<usize>,
        expected: Vec<usize>,
        base: [usize; 3],
    },
    #[error("cannot allocate {count} voxels for the placed array")]
    OutOfMemory { count: usize },
}

fn axis_name(axis: usize) -> &'static str {
    ["i", "j", "k"].get(axis).copied().unwrap_or("?")
}

/// The two voxel axes other than `axis`, smaller first.
fn other_axes(axis: usize) -> (usize, usize) {
    match axis {
        0 => (1, 2),
        1 => (0, 2),
        _ => (0, 1),
    }
}

/// The shape without its unit axes, unless it already has `dims` axes.
fn effective_shape(shape: &[usize], dims: usize) -> Vec<usize> {
    if shape.len() == dims {
        shape.to_vec()
    } else {
        shape.iter().copied().filter(|&n| n != 1).collect()
    }
}

/// The order a 3D array's shape suggests on a base grid: ijk when it is
/// `(nx, ny, nz)`, kji when it is `(nz, ny, nx)`; an error when both fit
/// (`nx == nz`) or neither does.
pub fn suggest_order(
    array_shape: &[usize],
    base_shape: [usize; 3],
) -> Result<Order, PlacementError> {
    let shape = array_shape.to_vec();
    let ijk = array_shape == Order::Ijk.expected_shape(base_shape);
    let kji = array_shape == Order::Kji.expected_shape(base_shape);
    match (ijk, kji) {
        (true, true) => Err(PlacementError::BothOrdersFit {
            shape,
            base: base_shape,
        }),
        (true, false) => Ok(Order::Ijk),
        (false, true) => Ok(Order::Kji),
        (false, false) => Err(PlacementError::NoOrderFits {
            hint: permutation_hint(array_shape, base_shape),
            shape,
            base: base_shape,
        }),
    }
}

/// When the shape is some other permutation of the base's dims, says which,
/// so the user knows how to transpose it.
fn permutation_hint(shape: &[usize], base: [usize; 3]) -> String {
    const PERMUTATIONS: [[usize; 3]; 6] = [
        [0, 1, 2],
        [2, 1, 0],
        [1, 0, 2],
        [0, 2, 1],
        [1, 2, 0],
        [2, 0, 1],
    ];
    if shape.len() != 3 {
        return format!("; the array has {} axes", shape.len());
    }
    PERMUTATIONS
        .iter()
        .find(|p| (0..3).all(|n| shape[n] == base[p[n]]))
        .map(|p| {
            format!(
                "; its axes match the base's dims read as ({}, {}, {}), an order neither tool gives: \
                 transpose it in numpy first (e.g. arr.transpose(...) to (i, j, k) or (k, j, i))",
                axis_name(p[0]),
                axis_name(p[1]),
                axis_name(p[2])
            )
        })
        .unwrap_or_default()
}

/// Places a 3D array (unit axes beyond three are dropped) on the base grid.
/// `order`: `None` to take the one the shape suggests.
pub fn place_volume(
    values: &Voxels,
    shape: &[usize],
    base_shape: [usize; 3],
    order: Option<Order>,
) -> Result<Placed, PlacementError> {
    check_length(values, shape)?;
    let dims = effective_shape(shape, 3);
    match dims.len() {
        3 => {}
        2 => return Err(PlacementError::SliceNeedsPlane { shape: dims }),
        n => {
            return Err(PlacementError::NotPlaceable {
                shape: shape.to_vec(),
                dims: n,
            })
        }
    }
    let (order, how) = match order {
        Some(o) => {
            if dims != o.expected_shape(base_shape) {
                return Err(PlacementError::OrderDoesNotFit {
                    order: o,
                    shape: dims,
                    base: base_shape,
                });
            }
            (o, "as chosen")
        }
        None => (suggest_order(&dims, base_shape)?, "suggested by the shape"),
    };
    let [nx, ny, nz] = base_shape;
    let voxels = match order {
        // A (k, j, i) C-order array is already i fastest.
        Order::Kji => values.clone(),
        Order::Ijk => map_voxels!(values, v => ijk_to_storage(v, base_shape)).ok_or(
            PlacementError::OutOfMemory {
                count: nx * ny * nz,
            },
        )?,
    };
    let letters = match order {
        Order::Ijk => ["i", "j", "k"],
        Order::Kji => ["k", "j", "i"],
    };
    let mut sentences = Vec::new();
    if dims.len() != shape.len() {
        sentences.push(format!(
            "unit axes dropped: shape {} read as {}",
            shape_text(shape),
            shape_text(&dims)
        ));
    }
    sentences.push(format!(
        "order {} ({how}): array axis 0 ({}) -> voxel axis {}, axis 1 ({}) -> voxel axis {}, axis 2 ({}) -> voxel axis {}",
        order.name(),
        dims[0],
        letters[0],
        dims[1],
        letters[1],
        dims[2],
        letters[2]
    ));
    Ok(Placed {
        voxels,
        sentences,
        warnings: Vec::new(),
    })
}

/// Places a 2D array (unit axes beyond two are dropped) on one slice of the
/// base grid; every other voxel is 0.
pub fn place_slice(
    values: &Voxels,
    shape: &[usize],
    base_shape: [usize; 3],
    target: SliceTarget,
    options: SliceOptions,
) -> Result<Placed, PlacementError> {
    check_length(values, shape)?;
    let dims = effective_shape(shape, 2);
    match dims.len() {
        2 => {}
        3 => return Err(PlacementError::VolumeGivenPlane { shape: dims }),
        n => {
            return Err(PlacementError::NotPlaceable {
                shape: shape.to_vec(),
                dims: n,
            })
        }
    }
    let SliceTarget { plane, axis, index } = target;
    let axis = axis.min(2);
    if index >= base_shape[axis] {
        return Err(PlacementError::SliceOutOfRange {
            plane,
            axis,
            index,
            base: base_shape,
        });
    }
    let (a, b) = other_axes(axis);
    let (n_a, n_b) = (base_shape[a], base_shape[b]);
    let (rows, columns) = (dims[0], dims[1]);
    let fits_usual = (rows, columns) == (n_b, n_a);
    let fits_transposed = (rows, columns) == (n_a, n_b);
    let mut warnings = Vec::new();
    let mut sentences = Vec::new();
    let transpose_error = |t: Transpose| PlacementError::TransposeDoesNotFit {
        transpose: t,
        plane,
        shape: dims.clone(),
        expected: if t == Transpose::Yes {
            vec![n_a, n_b]
        } else {
            vec![n_b, n_a]
        },
        base: base_shape,
    };
    let rows_along_a = match options.transpose {
        Transpose::Yes if fits_transposed => true,
        Transpose::No if fits_usual => false,
        Transpose::Yes | Transpose::No => return Err(transpose_error(options.transpose)),
        Transpose::Auto => match (fits_usual, fits_transposed) {
            (true, true) => {
                warnings.push(format!(
                    "the slice is square ({rows} x {columns}), so its shape cannot tell which way it lies: \
                     assumed the (z, y, x) layout (rows along voxel axis {}, as a slice of SimpleITK's or Slicer's array); \
                     if it came from nibabel's get_fdata()[...], choose the transposed layout (rows along voxel axis {})",
                    axis_name(b),
                    axis_name(a)
                ));
                false
            }
            (true, false) => false,
            (false, true) => true,
            (false, false) => {
                return Err(PlacementError::SliceShapeFitsNeither {
                    plane,
                    axis,
                    shape: dims,
                    base: base_shape,
                    n_a,
                    n_b,
                })
            }
        },
    };
    if dims.len() != shape.len() {
        sentences.push(format!(
            "unit axes dropped: shape {} read as {}",
            shape_text(shape),
            shape_text(&dims)
        ));
    }
    let (row_axis, column_axis) = if rows_along_a { (a, b) } else { (b, a) };
    let mut flips = Vec::new();
    if options.flip_rows {
        flips.push("the order of the rows reversed (flipud)");
    }
    if options.flip_columns {
        flips.push("the order of the columns reversed (fliplr)");
    }
    if !flips.is_empty() {
        sentences.push(format!("first {}", flips.join(" and ")));
    }
    sentences.push(format!(
        "array axis 0 ({rows} rows) -> voxel axis {}, axis 1 ({columns} columns) -> voxel axis {}, placed on slice {} = {index} ({}){}",
        axis_name(row_axis),
        axis_name(column_axis),
        axis_name(axis),
        plane.name(),
        match options.transpose {
            Transpose::Auto if !warnings.is_empty() => "; layout assumed",
            Transpose::Auto if rows_along_a => "; layout from the shape: nibabel's get_fdata()[...] (transposed)",
            Transpose::Auto => "; layout from the shape: a slice of a (z, y, x) array",
            _ => "; layout as chosen",
        }
    ));
    sentences.push(format!(
        "every voxel off slice {} = {index} is 0",
        axis_name(axis)
    ));

    let layout = SliceLayout {
        base: base_shape,
        axis,
        index,
        a,
        b,
        rows,
        columns,
        rows_along_a,
        flip_rows: options.flip_rows,
        flip_columns: options.flip_columns,
    };
    let voxels = map_voxels!(values, v => slice_to_storage(v, &layout)).ok_or(
        PlacementError::OutOfMemory {
            count: base_shape.iter().product(),
        },
    )?;
    Ok(Placed {
        voxels,
        sentences,
        warnings,
    })
}

fn check_length(values: &Voxels, shape: &[usize]) -> Result<(), PlacementError> {
    let product = shape.iter().try_fold(1usize, |acc, &n| acc.checked_mul(n));
    if product != Some(values.len()) {
        return Err(PlacementError::WrongLength {
            shape: shape.to_vec(),
            values: values.len(),
        });
    }
    Ok(())
}

fn try_vec<T>(count: usize) -> Option<Vec<T>> {
    let mut v = Vec::new();
    v.try_reserve_exact(count).ok()?;
    Some(v)
}

/// A C-order `(i, j, k)` array rearranged into NIfTI order (i fastest).
fn ijk_to_storage<T: Copy>(v: &[T], [nx, ny, nz]: [usize; 3]) -> Option<Vec<T>> {
    let mut out = try_vec(v.len())?;
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                out.push(v[(i * ny + j) * nz + k]);
            }
        }
    }
    Some(out)
}

/// Where a 2D array's values go on the base grid.
struct SliceLayout {
    base: [usize; 3],
    axis: usize,
    index: usize,
    a: usize,
    b: usize,
    rows: usize,
    columns: usize,
    rows_along_a: bool,
    flip_rows: bool,
    flip_columns: bool,
}

fn slice_to_storage<T: Copy + Default>(v: &[T], l: &SliceLayout) -> Option<Vec<T>> {
    let [nx, ny, nz] = l.base;
    let total = nx * ny * nz;
    let mut out = try_vec(total)?;
    out.resize(total, T::default());
    for vb in 0..l.base[l.b] {
        for va in 0..l.base[l.a] {
            let (r, c) = if l.rows_along_a { (va, vb) } else { (vb, va) };
            let r = if l.flip_rows { l.rows - 1 - r } else { r };
            let c = if l.flip_columns { l.columns - 1 - c } else { c };
            let mut voxel = [0usize; 3];
            voxel[l.axis] = l.index;
            voxel[l.a] = va;
            voxel[l.b] = vb;
            out[voxel[0] + nx * (voxel[1] + ny * voxel[2])] = v[r * l.columns + c];
        }
    }
    Some(out)
}

/// Values stored in Fortran order (first axis fastest) for a logical
/// `shape`, rearranged into C order (last axis fastest); `None` when the
/// memory is refused or the length does not match the shape.
pub fn fortran_to_c(values: &Voxels, shape: &[usize]) -> Option<Voxels> {
    let count = shape
        .iter()
        .try_fold(1usize, |acc, &n| acc.checked_mul(n))?;
    if count != values.len() {
        return None;
    }
    map_voxels!(values, v => fortran_to_c_values(v, shape))
}

fn fortran_to_c_values<T: Copy>(v: &[T], shape: &[usize]) -> Option<Vec<T>> {
    let mut out = try_vec(v.len())?;
    if v.is_empty() {
        return Some(out);
    }
    // Fortran strides: the first axis is contiguous.
    let mut strides = vec![1usize; shape.len()];
    for n in 1..shape.len() {
        strides[n] = strides[n - 1] * shape[n - 1];
    }
    let last = shape.len() - 1;
    let (inner_len, inner_stride) = (shape[last], strides[last]);
    // An odometer over every axis but the last, which runs in the inner loop.
    let mut index = vec![0usize; last];
    let mut offset = 0usize;
    loop {
        out.extend((0..inner_len).map(|n| v[offset + n * inner_stride]));
        let mut axis = last;
        loop {
            if axis == 0 {
                return Some(out);
            }
            axis -= 1;
            index[axis] += 1;
            offset += strides[axis];
            if index[axis] < shape[axis] {
                break;
            }
            offset -= strides[axis] * shape[axis];
            index[axis] = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Value of voxel (i, j, k) in an `[nx, ny, nz]` storage-order array.
    fn at(v: &Voxels, [nx, ny, _]: [usize; 3], [i, j, k]: [usize; 3]) -> f64 {
        v.stored_f64(i + nx * (j + ny * k))
    }

    fn marker(i: usize, j: usize, k: usize) -> i32 {
        (100 * i + 10 * j + k) as i32 + 1
    }

    const BASE: [usize; 3] = [4, 3, 2];

    /// The base as a C-order array of the given axis order.
    fn array(order: Order) -> Voxels {
        let [nx, ny, nz] = BASE;
        let mut v = Vec::new();
        match order {
            Order::Kji => {
                for k in 0..nz {
                    for j in 0..ny {
                        for i in 0..nx {
                            v.push(marker(i, j, k));
                        }
                    }
                }
            }
            Order::Ijk => {
                for i in 0..nx {
                    for j in 0..ny {
                        for k in 0..nz {
                            v.push(marker(i, j, k));
                        }
                    }
                }
            }
        }
        Voxels::I32(v)
    }

    fn assert_is_base(v: &Voxels) {
        assert_eq!(v.datatype(), crate::volume::Datatype::I32);
        for k in 0..2 {
            for j in 0..3 {
                for i in 0..4 {
                    assert_eq!(at(v, BASE, [i, j, k]), marker(i, j, k) as f64);
                }
            }
        }
    }

    #[test]
    fn suggests_the_order_the_shape_fits() {
        assert_eq!(suggest_order(&[4, 3, 2], BASE), Ok(Order::Ijk));
        assert_eq!(suggest_order(&[2, 3, 4], BASE), Ok(Order::Kji));
        let e = suggest_order(&[4, 3, 4], [4, 3, 4]).unwrap_err();
        assert!(matches!(e, PlacementError::BothOrdersFit { .. }));
        assert!(e.to_string().contains("--order ijk"), "{e}");
        // A permutation neither tool gives: named, with both shapes that fit.
        let e = suggest_order(&[3, 4, 2], BASE).unwrap_err().to_string();
        assert!(e.contains("(3, 4, 2)") && e.contains("[4, 3, 2]"), "{e}");
        assert!(
            e.contains("(4, 3, 2) for ijk") && e.contains("(2, 3, 4) for kji"),
            "{e}"
        );
        assert!(e.contains("(j, i, k)"), "{e}");
        let e = suggest_order(&[5, 3, 2], BASE).unwrap_err().to_string();
        assert!(
            e.contains("(5, 3, 2)") && !e.contains("match the base"),
            "{e}"
        );
    }

    #[test]
    fn both_orders_reproduce_the_base() {
        for order in [Order::Ijk, Order::Kji] {
            let shape = order.expected_shape(BASE);
            let placed = place_volume(&array(order), &shape, BASE, None).unwrap();
            assert_is_base(&placed.voxels);
            assert!(placed.sentences[0].contains(order.name()));
            let placed = place_volume(&array(order), &shape, BASE, Some(order)).unwrap();
            assert_is_base(&placed.voxels);
        }
    }

    #[test]
    fn a_given_order_must_fit_and_settles_a_tie() {
        let e = place_volume(&array(Order::Kji), &[2, 3, 4], BASE, Some(Order::Ijk)).unwrap_err();
        assert!(
            e.to_string().contains("--order ijk needs shape (4, 3, 2)"),
            "{e}"
        );
        // nx == nz: the shape cannot tell; --order decides.
        let cube = [2, 3, 2];
        let v = Voxels::U8((0..12).collect());
        assert!(matches!(
            place_volume(&v, &cube, cube, None),
            Err(PlacementError::BothOrdersFit { .. })
        ));
        let kji = place_volume(&v, &cube, cube, Some(Order::Kji)).unwrap();
        let ijk = place_volume(&v, &cube, cube, Some(Order::Ijk)).unwrap();
        assert_eq!(kji.voxels, v);
        // Array [i=1, j=0, k=0] is at C index 6; voxel (1, 0, 0) is storage index 1.
        assert_eq!(ijk.voxels.stored_f64(1), 6.0);
    }

    #[test]
    fn unit_axes_are_dropped_and_wrong_dimensions_refused() {
        let v = array(Order::Kji);
        let placed = place_volume(&v, &[1, 2, 3, 4], BASE, None).unwrap();
        assert_is_base(&placed.voxels);
        assert!(placed.sentences[0].contains("unit axes dropped"));
        let e = place_volume(&Voxels::U8(vec![0; 12]), &[3, 4], BASE, None).unwrap_err();
        assert!(e.to_string().contains("--plane"), "{e}");
        let e = place_volume(&Voxels::U8(vec![0; 4]), &[4], BASE, None).unwrap_err();
        assert!(matches!(e, PlacementError::NotPlaceable { dims: 1, .. }));
        let e = place_volume(&Voxels::U8(vec![0; 5]), &[2, 3], BASE, None).unwrap_err();
        assert!(matches!(e, PlacementError::WrongLength { .. }));
    }

    /// A slice of the marker volume as numpy would cut it from a (z, y, x)
    /// array: rows along b, columns along a.
    fn zyx_slice(axis: usize, index: usize) -> (Vec<usize>, Voxels) {
        let (a, b) = other_axes(axis);
        let mut v = Vec::new();
        for vb in 0..BASE[b] {
            for va in 0..BASE[a] {
                let mut ijk = [0; 3];
                ijk[axis] = index;
                ijk[a] = va;
                ijk[b] = vb;
                v.push(marker(ijk[0], ijk[1], ijk[2]));
            }
        }
        (vec![BASE[b], BASE[a]], Voxels::I32(v))
    }

    fn target(axis: usize, index: usize) -> SliceTarget {
        let plane = [Plane::Sagittal, Plane::Coronal, Plane::Axial][axis];
        SliceTarget { plane, axis, index }
    }

    fn assert_only_slice(v: &Voxels, axis: usize, index: usize) {
        for k in 0..2 {
            for j in 0..3 {
                for i in 0..4 {
                    let expected = if [i, j, k][axis] == index {
                        marker(i, j, k) as f64
                    } else {
                        0.0
                    };
                    assert_eq!(at(v, BASE, [i, j, k]), expected, "({i}, {j}, {k})");
                }
            }
        }
    }

    #[test]
    fn a_zyx_slice_goes_back_where_it_came_from() {
        for (axis, &len) in BASE.iter().enumerate() {
            for index in 0..len {
                let (shape, v) = zyx_slice(axis, index);
                let placed = place_slice(
                    &v,
                    &shape,
                    BASE,
                    target(axis, index),
                    SliceOptions::default(),
                )
                .unwrap();
                assert_only_slice(&placed.voxels, axis, index);
                assert!(placed.warnings.is_empty());
            }
        }
        let (shape, v) = zyx_slice(2, 1);
        let placed = place_slice(&v, &shape, BASE, target(2, 1), SliceOptions::default()).unwrap();
        assert!(
            placed.sentences.iter().any(|s| s
                == "array axis 0 (3 rows) -> voxel axis j, axis 1 (4 columns) -> voxel axis i, \
                    placed on slice k = 1 (axial); layout from the shape: a slice of a (z, y, x) array"),
            "{:?}",
            placed.sentences
        );
    }

    /// Transposes a C-order (rows, columns) array.
    fn transposed(shape: &[usize], v: &Voxels) -> (Vec<usize>, Voxels) {
        let (r, c) = (shape[0], shape[1]);
        let Voxels::I32(x) = v else { unreachable!() };
        let mut out = Vec::new();
        for col in 0..c {
            for row in 0..r {
                out.push(x[row * c + col]);
            }
        }
        (vec![c, r], Voxels::I32(out))
    }

    #[test]
    fn a_nibabel_slice_is_recognised_by_its_shape() {
        for axis in 0..3 {
            let (shape, v) = zyx_slice(axis, 1);
            let (tshape, t) = transposed(&shape, &v);
            let placed =
                place_slice(&t, &tshape, BASE, target(axis, 1), SliceOptions::default()).unwrap();
            assert_only_slice(&placed.voxels, axis, 1);
            let given = SliceOptions {
                transpose: Transpose::Yes,
                ..SliceOptions::default()
            };
            let placed = place_slice(&t, &tshape, BASE, target(axis, 1), given).unwrap();
            assert_only_slice(&placed.voxels, axis, 1);
            // --transpose no with the transposed shape: refused, naming the shape it needs.
            let wrong = SliceOptions {
                transpose: Transpose::No,
                ..SliceOptions::default()
            };
            let e = place_slice(&t, &tshape, BASE, target(axis, 1), wrong).unwrap_err();
            assert!(e.to_string().contains(&shape_text(&shape)), "{e}");
        }
    }

    #[test]
    fn flips_undo_flips_in_the_arrays_own_axes() {
        let (shape, v) = zyx_slice(2, 0); // (3 rows along j, 4 columns along i)
        let Voxels::I32(x) = &v else { unreachable!() };
        let (r, c) = (shape[0], shape[1]);
        let mut flipped = Vec::new();
        for row in (0..r).rev() {
            for col in (0..c).rev() {
                flipped.push(x[row * c + col]);
            }
        }
        let opts = SliceOptions {
            flip_rows: true,
            flip_columns: true,
            ..SliceOptions::default()
        };
        let placed = place_slice(
            &Voxels::I32(flipped.clone()),
            &shape,
            BASE,
            target(2, 0),
            opts,
        )
        .unwrap();
        assert_only_slice(&placed.voxels, 2, 0);
        assert!(placed.sentences[0].contains("rows reversed"));
        let rows_only = SliceOptions {
            flip_rows: true,
            ..SliceOptions::default()
        };
        let placed =
            place_slice(&Voxels::I32(flipped), &shape, BASE, target(2, 0), rows_only).unwrap();
        // Row order restored, columns still reversed: voxel (0, 0, 0) holds marker (3, 0, 0).
        assert_eq!(at(&placed.voxels, BASE, [0, 0, 0]), marker(3, 0, 0) as f64);
    }

    #[test]
    fn a_square_slice_assumes_zyx_and_says_so() {
        let base = [3, 3, 2];
        let v = Voxels::U8((1..=9).collect());
        let placed = place_slice(
            &v,
            &[3, 3],
            base,
            SliceTarget {
                plane: Plane::Axial,
                axis: 2,
                index: 1,
            },
            SliceOptions::default(),
        )
        .unwrap();
        assert_eq!(placed.warnings.len(), 1);
        assert!(
            placed.warnings[0].contains("(z, y, x)"),
            "{:?}",
            placed.warnings
        );
        // Rows along j: array [1, 0] = 4 is voxel (0, 1, 1).
        assert_eq!(at(&placed.voxels, base, [0, 1, 1]), 4.0);
        let placed = place_slice(
            &v,
            &[3, 3],
            base,
            SliceTarget {
                plane: Plane::Axial,
                axis: 2,
                index: 1,
            },
            SliceOptions {
                transpose: Transpose::Yes,
                ..SliceOptions::default()
            },
        )
        .unwrap();
        assert!(placed.warnings.is_empty());
        assert_eq!(at(&placed.voxels, base, [1, 0, 1]), 4.0);
    }

    #[test]
    fn slices_that_do_not_fit_are_refused_with_their_dims() {
        let v = Voxels::U8(vec![0; 35]);
        let e = place_slice(&v, &[5, 7], BASE, target(2, 0), SliceOptions::default()).unwrap_err();
        let m = e.to_string();
        assert!(
            m.contains("4 x 3") && m.contains("(5, 7)") && m.contains("(3, 4)"),
            "{m}"
        );
        let (shape, v) = zyx_slice(2, 0);
        let e = place_slice(&v, &shape, BASE, target(2, 2), SliceOptions::default()).unwrap_err();
        assert!(e.to_string().contains("0 to 1"), "{e}");
        let e = place_slice(
            &array(Order::Kji),
            &[2, 3, 4],
            BASE,
            target(2, 0),
            SliceOptions::default(),
        )
        .unwrap_err();
        assert!(matches!(e, PlacementError::VolumeGivenPlane { .. }));
        // A (1, rows, columns) slice is fine: the unit axis is dropped.
        let (_, v) = zyx_slice(2, 1);
        let placed =
            place_slice(&v, &[1, 3, 4], BASE, target(2, 1), SliceOptions::default()).unwrap();
        assert_only_slice(&placed.voxels, 2, 1);
    }

    #[test]
    fn fortran_to_c_handles_any_dimension() {
        // (2, 3): Fortran memory [0, 3, 1, 4, 2, 5] is [[0, 1, 2], [3, 4, 5]].
        let f = Voxels::U8(vec![0, 3, 1, 4, 2, 5]);
        assert_eq!(
            fortran_to_c(&f, &[2, 3]),
            Some(Voxels::U8(vec![0, 1, 2, 3, 4, 5]))
        );
        // 4D with unit axes; value 1000a + 100b + 10c + d.
        let shape = [2, 1, 3, 2];
        let mut fortran = Vec::new();
        for d in 0..2 {
            for c in 0..3 {
                for a in 0..2 {
                    fortran.push(1000 * a + 10 * c + d);
                }
            }
        }
        let got = fortran_to_c(&Voxels::I64(fortran), &shape).unwrap();
        let mut expected = Vec::new();
        for a in 0..2 {
            for c in 0..3 {
                for d in 0..2 {
                    expected.push(1000 * a + 10 * c + d);
                }
            }
        }
        assert_eq!(got, Voxels::I64(expected));
        assert_eq!(fortran_to_c(&Voxels::U8(vec![1, 2]), &[3]), None);
    }
}
