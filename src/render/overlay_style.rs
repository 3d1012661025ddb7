//! How an overlay from a file is drawn by default, judged from its values:
//! a mask in one colour, a label map in distinct colours, anything else
//! (a float map) through a colormap with its own window.

use super::{Colormap, LayerStyle, WindowLevel, OVERLAY_COLOUR};
use crate::geometry::Interpolation;
use crate::overlay::values::{value_kind, ValueKind};
use crate::volume::{storage_order, Volume};
use ndarray::Array3;

/// Colours given to successive mask overlays: none is the edges' red or the
/// crosshair's green.
pub const MASK_COLOURS: [[u8; 3]; 4] = [
    OVERLAY_COLOUR,
    [255, 200, 0],
    [200, 90, 255],
    [80, 255, 140],
];

/// What kind of overlay the values make, in words, with its default style
/// and sampling (nearest for integer data, linear for floats).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SuggestedStyle {
    pub kind: &'static str,
    pub style: LayerStyle,
    pub interpolation: Interpolation,
}

/// Suggests a style for `frame` (frame 0 of `volume`); `nth_mask` picks the
/// colour of the n-th mask overlay shown.
pub fn suggest_style(volume: &Volume, frame: &Array3<f32>, nth_mask: usize) -> SuggestedStyle {
    if !volume.labels.is_empty() {
        // The file names its labels (a Slicer segmentation, or a label
        // table beside it): whatever the values look like, they are labels,
        // drawn in the file's colours.
        return SuggestedStyle {
            kind: if volume.format == crate::volume::Format::Nrrd {
                "segmentation"
            } else {
                "label map"
            },
            style: LayerStyle::Labels,
            interpolation: Interpolation::Nearest,
        };
    }
    let integer_data = volume.datatype().is_integer() && volume.scaling.is_identity();
    match value_kind(&storage_order(frame)) {
        ValueKind::Empty | ValueKind::Mask => {
            return SuggestedStyle {
                kind: "mask",
                style: LayerStyle::Mask(MASK_COLOURS[nth_mask % MASK_COLOURS.len()]),
                interpolation: Interpolation::Nearest,
            }
        }
        ValueKind::Labels(_) => {
            return SuggestedStyle {
                kind: "label map",
                style: LayerStyle::Labels,
                interpolation: Interpolation::Nearest,
            }
        }
        ValueKind::Continuous => {}
    }
    let interpolation = if integer_data {
        Interpolation::Nearest
    } else {
        Interpolation::Linear
    };
    SuggestedStyle {
        kind: "map",
        style: LayerStyle::Map {
            colormap: Colormap::Hot,
            window: WindowLevel::auto(frame),
        },
        interpolation,
    }
}
