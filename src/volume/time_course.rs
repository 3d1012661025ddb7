//! The value of one voxel across the volumes of a 4D image.

use super::Volume;

/// The values of the voxel nearest a world point in each volume held.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct TimeCourse {
    pub voxel: [usize; 3],
    /// The file's volume indices the values are of: all of them once a 4D
    /// file has loaded, the first alone while the rest is read.
    pub volumes: std::ops::Range<usize>,
    pub values: Vec<f64>,
}

impl TimeCourse {
    /// (volume index, value) pairs.
    pub fn points(&self) -> impl Iterator<Item = (usize, f64)> + '_ {
        self.volumes.clone().zip(self.values.iter().copied())
    }
}

/// The time course at the voxel nearest `world_ras` (by `floor(v + 0.5)`,
/// as `probe` and nibabel-based tools round), or `None` outside the grid.
/// One voxel read per volume: cheap enough to redo on every frame.
pub fn time_course(volume: &Volume, world_ras: [f64; 3]) -> Option<TimeCourse> {
    let voxel = volume.grid.nearest_voxel(world_ras)?;
    let volumes = volume.volumes_held();
    let values = volumes.clone().map(|t| volume.value_at(voxel, t)).collect();
    Some(TimeCourse {
        voxel,
        volumes,
        values,
    })
}
