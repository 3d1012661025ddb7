//! All 48 files of NIfTIspace are one head stored in every axis order and
//! flip: every world point must read the same value from each of them.

use crate::common;

use rasview::volume;

#[test]
fn all_48_storage_orders_read_the_same_world() {
    let volumes: Vec<_> = common::ORDERS
        .iter()
        .map(|o| {
            let v = volume::load(&common::data_file(&format!("nifti-space/{o}.nii.gz"))).unwrap();
            // The file name is the orientation: the codes must say so too.
            assert_eq!(v.grid.axcodes(), *o);
            v
        })
        .collect();
    let reference = &volumes[common::ORDERS.iter().position(|o| *o == "RAS").unwrap()];

    let mut rng = common::Rng::new(48);
    let (mut compared, mut non_zero) = (0, 0);
    'points: for _ in 0..4000 {
        // Points anywhere in the reference's box, off the voxel grid.
        let index = [0, 1, 2].map(|a| rng.uniform(0.0, reference.grid.shape[a] as f64 - 1.0));
        let world = reference.grid.world_from_voxel.apply(index);
        let mut value = None;
        for (o, v) in common::ORDERS.iter().zip(&volumes) {
            // Halfway between voxels, rounding decides: skip such points.
            let c = v.grid.voxel_from_world(world);
            if c.iter()
                .any(|x| ((x + 0.5).fract() - 0.5).abs() > 0.5 - 1e-3)
            {
                continue 'points;
            }
            let here = v.probe(world, 0).map(|(_, x)| x);
            match value {
                None => value = Some(here),
                Some(expected) => {
                    assert_eq!(here, expected, "{o} differs from AIL at RAS {world:?}")
                }
            }
        }
        compared += 1;
        if value.flatten().is_some_and(|x| x != 0.0) {
            non_zero += 1;
        }
    }
    eprintln!(
        "{compared} world points read the same in all 48 files, {non_zero} of them inside the head"
    );
    assert!(compared > 3000, "only {compared} points away from ties");
    assert!(
        non_zero > 1000,
        "only {non_zero} points inside the head: the test would not see a flip"
    );
}
