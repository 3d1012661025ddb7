//! Phantoms made in code, saved with known affines in every layout rasview
//! writes, reloaded: every probed world point returns the label placed there.

use crate::common;

use common::{phantom_label, phantom_labels, rotation_xz, rows, sform_header, Rng};
use rasview::geometry::{affine::distance, Affine};
use rasview::volume::{
    self, save, AffineSource, ByteOrder, Datatype, NiftiVersion, RawHeader, Voxels,
};
use std::path::Path;

/// Probes `count` random voxel centres of the reloaded file and checks each
/// reads the label of its world position under the *intended* affine.
fn assert_world_labels(path: &Path, intended: &Affine, shape: [usize; 3], count: usize) {
    let v = volume::load(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    assert_eq!(v.grid.shape, shape);
    let mut rng = Rng::new(shape.iter().product::<usize>() as u64);
    for _ in 0..count {
        let index = [0, 1, 2].map(|a| rng.below(shape[a]) as f64);
        let world = intended.apply(index);
        let (voxel, value) = v
            .probe(world, 0)
            .unwrap_or_else(|| panic!("{world:?} fell outside"));
        assert_eq!(
            voxel.map(|c| c as f64),
            index,
            "{}: voxel of RAS {world:?}",
            path.display()
        );
        assert_eq!(
            value,
            phantom_label(world) as f64,
            "{}: value at RAS {world:?}",
            path.display()
        );
    }
    // The geometry as a whole, not only the sampled points.
    let gap = v
        .grid
        .world_from_voxel
        .max_corner_distance(intended, v.grid.index_extent());
    assert!(gap < 1e-3, "{}: affine off by {gap} mm", path.display());
}

/// All 48 signed permutations of the axes, each with its own spacing.
#[test]
fn every_axis_permutation_and_flip() {
    let dir = common::scratch_dir("phantom_permutations");
    let perms = [
        [0, 1, 2],
        [0, 2, 1],
        [1, 0, 2],
        [1, 2, 0],
        [2, 0, 1],
        [2, 1, 0],
    ];
    let spacing_of_world_axis = [1.5, 2.0, 2.5];
    let world_extent = [40.0, 46.0, 36.0];
    let mut seen_codes = std::collections::HashSet::new();
    for perm in perms {
        for flips in 0..8 {
            // Voxel axis a follows world axis perm[a], in the sense of its flip bit.
            let mut m = [[0.0; 3]; 3];
            let mut t = [0.0; 3];
            let mut shape = [0; 3];
            for a in 0..3 {
                let w = perm[a];
                let sign = if flips & (1 << a) != 0 { -1.0 } else { 1.0 };
                m[w][a] = sign * spacing_of_world_axis[w];
                shape[a] = (world_extent[w] / spacing_of_world_axis[w]) as usize;
                t[w] = -sign * world_extent[w] / 2.0;
            }
            let affine = Affine::from_rows(rows(m, t)).unwrap();
            let path = dir.join(format!("perm{}{}{}_{flips}.nii", perm[0], perm[1], perm[2]));
            save::save(
                &path,
                &sform_header(&affine),
                &Voxels::U8(phantom_labels(shape, &affine)),
                shape,
                1,
            )
            .unwrap();
            assert_world_labels(&path, &affine, shape, 300);
            seen_codes.insert(volume::load(&path).unwrap().grid.axcodes());
        }
    }
    assert_eq!(
        seen_codes.len(),
        48,
        "each arrangement has its own orientation code"
    );
}

#[test]
fn oblique_and_sheared_sforms() {
    let dir = common::scratch_dir("phantom_oblique");
    let rotation = rotation_xz(4f64.to_radians(), 17f64.to_radians());
    let oblique = rows(
        [0, 1, 2].map(|r| {
            [
                rotation[r][0] * 0.8,
                rotation[r][1] * 1.1,
                rotation[r][2] * 2.5,
            ]
        }),
        [-18.0, -22.0, -20.0],
    );
    // A gantry tilt: k steps along y as well as z.
    let sheared = rows(
        [[0.9, 0.0, 0.0], [0.0, 0.9, 0.6], [0.0, 0.0, 2.4]],
        [-20.0, -25.0, -18.0],
    );
    for (name, r) in [("oblique", oblique), ("sheared", sheared)] {
        let affine = Affine::from_rows(r).unwrap();
        let shape = [48, 40, 16];
        let path = dir.join(format!("{name}.nii.gz"));
        save::save(
            &path,
            &sform_header(&affine),
            &Voxels::U8(phantom_labels(shape, &affine)),
            shape,
            1,
        )
        .unwrap();
        assert_world_labels(&path, &affine, shape, 500);
        let v = volume::load(&path).unwrap();
        assert!(v.grid.is_oblique(), "{name}");
    }
}

/// qform only, with qfac = -1 and a 90 degree turn about z: the expected
/// affine is written out by hand, not computed by rasview's qform code.
#[test]
fn qform_only_with_negative_qfac() {
    let dir = common::scratch_dir("phantom_qform");
    let (dx, dy, dz) = (1.2, 1.6, 2.0);
    // Rotation by +90 degrees about z maps i to +y and j to -x; qfac -1 flips k.
    let intended = Affine::from_rows(rows(
        [[0.0, -dy, 0.0], [dx, 0.0, 0.0], [0.0, 0.0, -dz]],
        [20.0, -20.0, 15.0],
    ))
    .unwrap();
    let header = RawHeader {
        qform_code: 1,
        sform_code: 0,
        quatern: [0.0, 0.0, std::f64::consts::FRAC_1_SQRT_2],
        qoffset: [20.0, -20.0, 15.0],
        pixdim: [-1.0, dx, dy, dz, 0.0, 0.0, 0.0, 0.0],
        ..RawHeader::default()
    };
    let shape = [32, 25, 15];
    let path = dir.join("qform.nii");
    save::save(
        &path,
        &header,
        &Voxels::U8(phantom_labels(shape, &intended)),
        shape,
        1,
    )
    .unwrap();
    assert_world_labels(&path, &intended, shape, 500);
    let v = volume::load(&path).unwrap();
    assert_eq!(v.affine_source, AffineSource::Qform);
    assert_eq!(v.grid.axcodes(), "ALI");
}

/// Every layout: NIfTI-1 and -2, both byte orders, .nii, .nii.gz and pairs.
#[test]
fn every_file_layout_and_byte_order() {
    let dir = common::scratch_dir("phantom_layouts");
    let rotation = rotation_xz(-7f64.to_radians(), 3f64.to_radians());
    let affine = Affine::from_rows(rows(
        [0, 1, 2].map(|r| {
            [
                rotation[r][0] * 1.3,
                rotation[r][1] * 1.3,
                rotation[r][2] * 1.9,
            ]
        }),
        [-21.0, -19.0, -15.0],
    ))
    .unwrap();
    let shape = [33, 31, 17];
    let labels = phantom_labels(shape, &affine);
    for version in [NiftiVersion::One, NiftiVersion::Two] {
        for order in [ByteOrder::Little, ByteOrder::Big] {
            for name in [
                "a.nii",
                "a.nii.gz",
                "a.hdr",
                "a.hdr.gz",
                "sub-01.T1w.nii.gz",
            ] {
                let header = RawHeader {
                    version,
                    byte_order: order,
                    ..sform_header(&affine)
                };
                let path = dir.join(format!("{version:?}_{order:?}_{name}"));
                // int16 so that the byte order matters.
                let voxels = Voxels::I16(labels.iter().map(|&l| l as i16).collect());
                save::save(&path, &header, &voxels, shape, 1).unwrap();
                assert!(
                    path.exists(),
                    "the full dotted name is kept: {}",
                    path.display()
                );
                assert_world_labels(&path, &affine, shape, 200);
                let v = volume::load(&path).unwrap();
                assert_eq!((v.header.version, v.header.byte_order), (version, order));
                if name.contains(".hdr") {
                    // Either half of a pair opens it.
                    let image = dir.join(format!(
                        "{version:?}_{order:?}_{}",
                        name.replace("hdr", "img")
                    ));
                    assert_world_labels(&image, &affine, shape, 50);
                }
            }
        }
    }
}

/// Every datatype carries the same labels; scaling and 4D frames are honoured.
#[test]
fn every_datatype_scaling_and_4d() {
    let dir = common::scratch_dir("phantom_datatypes");
    let affine = Affine::from_rows(rows(
        [[-1.5, 0.0, 0.0], [0.0, 1.5, 0.0], [0.0, 0.0, 2.0]],
        [22.0, -20.0, -16.0],
    ))
    .unwrap();
    let shape = [30, 28, 17];
    let labels = phantom_labels(shape, &affine);
    let all: Vec<Voxels> = vec![
        Voxels::U8(labels.clone()),
        Voxels::I8(labels.iter().map(|&l| l as i8).collect()),
        Voxels::U16(labels.iter().map(|&l| l as u16).collect()),
        Voxels::I16(labels.iter().map(|&l| l as i16).collect()),
        Voxels::U32(labels.iter().map(|&l| l as u32).collect()),
        Voxels::I32(labels.iter().map(|&l| l as i32).collect()),
        Voxels::U64(labels.iter().map(|&l| l as u64).collect()),
        Voxels::I64(labels.iter().map(|&l| l as i64).collect()),
        Voxels::F32(labels.iter().map(|&l| l as f32).collect()),
        Voxels::F64(labels.iter().map(|&l| l as f64).collect()),
    ];
    for voxels in all {
        let path = dir.join(format!("{}.nii.gz", voxels.datatype().name()));
        save::save(&path, &sform_header(&affine), &voxels, shape, 1).unwrap();
        assert_world_labels(&path, &affine, shape, 200);
        assert_eq!(volume::load(&path).unwrap().datatype(), voxels.datatype());
    }

    // Stored value s means s * 0.5 - 3: labels come back through the scaling.
    let scaled_header = RawHeader {
        scl_slope: 0.5,
        scl_inter: -3.0,
        ..sform_header(&affine)
    };
    let stored = Voxels::I16(labels.iter().map(|&l| (l as i16 + 3) * 2).collect());
    let path = dir.join("scaled.nii");
    save::save(&path, &scaled_header, &stored, shape, 1).unwrap();
    assert_world_labels(&path, &affine, shape, 200);

    // 4D: frame t holds label + 100 t; every frame is reachable.
    let frames = 3;
    let mut four_d = Vec::new();
    for t in 0..frames {
        four_d.extend(labels.iter().map(|&l| l as i16 + 100 * t as i16));
    }
    let path = dir.join("four_d.nii.gz");
    save::save(
        &path,
        &sform_header(&affine),
        &Voxels::I16(four_d),
        shape,
        frames,
    )
    .unwrap();
    let v = volume::load(&path).unwrap();
    assert_eq!(v.volume_count, frames);
    let world = affine.apply([7.0, 9.0, 11.0]);
    for t in 0..frames {
        let (_, value) = v.probe(world, t).unwrap();
        assert_eq!(value, (phantom_label(world) as usize + 100 * t) as f64);
        assert_eq!(v.frame_f32(t)[[7, 9, 11]], value as f32);
    }
}

/// A single 2D slice is a valid volume: the seed of the project was a 2D array.
#[test]
fn a_single_slice_is_a_volume() {
    let dir = common::scratch_dir("phantom_slice");
    let affine = Affine::from_rows(rows(
        [[0.7, 0.0, 0.0], [0.0, 0.7, 0.0], [0.0, 0.0, 3.0]],
        [-20.0, -20.0, -6.0],
    ))
    .unwrap();
    let shape = [60, 57, 1];
    let mut header = sform_header(&affine);
    header.pixdim[3] = 0.0;
    let path = dir.join("slice.nii");
    save::save(
        &path,
        &header,
        &Voxels::U8(phantom_labels(shape, &affine)),
        shape,
        1,
    )
    .unwrap();
    assert_world_labels(&path, &affine, shape, 300);
    // Rewrite dim[0] = 2, as a writer of 2D images does.
    let mut bytes = std::fs::read(&path).unwrap();
    bytes[40..42].copy_from_slice(&2i16.to_le_bytes());
    std::fs::write(&path, &bytes).unwrap();
    let v = volume::load(&path).unwrap();
    assert_eq!(v.grid.shape, [60, 57, 1]);
    assert_world_labels(&path, &affine, shape, 100);
    let inside = v.grid.world_from_voxel.apply([3.0, 4.0, 0.0]);
    assert!(
        distance(inside, affine.apply([3.0, 4.0, 0.0])) < 1e-5,
        "stored in single precision"
    );
}

/// RGB24 keeps its colours and gives a luminance for processing.
#[test]
fn rgb_keeps_colour_and_has_luminance() {
    let dir = common::scratch_dir("phantom_rgb");
    let affine = Affine::scaling([1.0, 1.0, 1.0]).unwrap();
    let shape = [4, 3, 2];
    let colours: Vec<[u8; 3]> = (0..24u8).map(|n| [n * 10, 255 - n, n]).collect();
    let path = dir.join("rgb.nii");
    save::save(
        &path,
        &sform_header(&affine),
        &Voxels::Rgb24(colours.clone()),
        shape,
        1,
    )
    .unwrap();
    let v = volume::load(&path).unwrap();
    assert_eq!(v.datatype(), Datatype::Rgb24);
    let voxel = [1, 2, 1]; // linear index 1 + 4*2 + 12 = 21
    assert_eq!(v.rgb_at(voxel, 0), Some(colours[21]));
    let [r, g, b] = colours[21].map(|c| c as f64);
    assert!((v.value_at(voxel, 0) - (0.299 * r + 0.587 * g + 0.114 * b)).abs() < 1e-9);
}
