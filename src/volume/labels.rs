//! Names and colours of the values of a label map.

/// One label of a label map: a Slicer segment, or (later) a row of a colour
/// table.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Label {
    /// The voxel value that marks it.
    pub value: i64,
    pub name: String,
    /// sRGB, 0 to 255, when the file gives one.
    pub colour: Option<[u8; 3]>,
    /// For a segmentation whose overlapping segments are stored on separate
    /// layers (volumes of a 4D file): the layer that holds it.
    pub layer: usize,
}
