//! How an overlay from a file is drawn by default, judged from its values:
//! a mask in one colour, a label map in distinct colours, anything else
//! (a float map) through a colormap with its own window.

use crate::render::{Colormap, Interpolation, LayerStyle, WindowLevel};
use crate::volume::Volume;
use ndarray::Array3;

/// At most this many distinct non-zero integer values make a label map.
const MAX_LABELS: usize = 1000;

/// Colours given to successive mask overlays: none is the edges' red or the
/// crosshair's green.
pub const MASK_COLOURS: [[u8; 3]; 4] = [
    crate::render::OVERLAY_COLOUR,
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
    let integer_data = volume.datatype().is_integer() && volume.scaling.is_identity();
    let mut labels: Vec<f32> = Vec::new();
    let mut integral = true;
    for &v in frame.iter() {
        if v == 0.0 || v.is_nan() {
            continue;
        }
        if v.fract() != 0.0 {
            integral = false;
            break;
        }
        if !labels.contains(&v) {
            labels.push(v);
            if labels.len() > MAX_LABELS {
                break;
            }
        }
    }
    let interpolation = if integer_data {
        Interpolation::Nearest
    } else {
        Interpolation::Linear
    };
    if integral && labels.len() <= 1 {
        return SuggestedStyle {
            kind: "mask",
            style: LayerStyle::Mask(MASK_COLOURS[nth_mask % MASK_COLOURS.len()]),
            interpolation: Interpolation::Nearest,
        };
    }
    if integral && labels.len() <= MAX_LABELS {
        return SuggestedStyle {
            kind: "label map",
            style: LayerStyle::Labels,
            interpolation: Interpolation::Nearest,
        };
    }
    SuggestedStyle {
        kind: "map",
        style: LayerStyle::Map {
            colormap: Colormap::Hot,
            window: WindowLevel::auto(frame),
        },
        interpolation,
    }
}
