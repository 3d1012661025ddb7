//! Rulers drawn on a rendered view (the PNG export): the line, its ends,
//! and the length beside it where the geometry floor says, never over the
//! ends. A ruler whose ends are on other slices is drawn dashed and dimmer:
//! its projection, not a length on this slice.

use super::image::{text_width, RgbaImage, GLYPH_SIZE};
use super::view::ViewSpec;
use crate::geometry::ruler::{dashes, label_box_within, Ruler};
use serde::Serialize;

/// Rulers: orange, apart from the green crosshair, yellow letters, red
/// edges and cyan overlays.
pub const RULER_COLOUR: [u8; 3] = [255, 150, 30];

/// Where one ruler was drawn on a picture (recorded in the export's sidecar).
#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct RulerInView {
    /// Its place in the list of rulers.
    pub index: usize,
    /// The ends' pixel positions (column, row; pixel centres), projected
    /// onto the view's plane.
    pub a_px: [f64; 2],
    pub b_px: [f64; 2],
    /// Both ends on this slice (drawn solid), or not (dashed: a projection).
    pub on_slice: bool,
}

/// Draws `rulers` on a picture of `spec`; a ruler is on the slice when both
/// ends are within half of `slice_mm` of the view's plane.
pub fn draw_rulers(
    image: &mut RgbaImage,
    spec: &ViewSpec,
    rulers: &[Ruler],
    slice_mm: f64,
) -> Vec<RulerInView> {
    let n = spec.plane.normal_axis();
    let scale = if image.width.min(image.height) >= 200 {
        2
    } else {
        1
    };
    let mut drawn = Vec::new();
    for (index, ruler) in rulers.iter().enumerate() {
        let a = spec.pixel_from_world(ruler.a_ras);
        let b = spec.pixel_from_world(ruler.b_ras);
        let on_slice = ruler.on_slice(n, spec.cursor_ras[n], slice_mm);
        let [r, g, bl] = RULER_COLOUR;
        let colour = if on_slice {
            [r, g, bl, 255]
        } else {
            [r / 2 + 60, g / 2 + 60, bl / 2 + 60, 255]
        };
        if on_slice {
            image.draw_line(a, b, scale, colour);
        } else {
            for [p, q] in dashes(a, b, 4.0 * scale as f64, 3.0 * scale as f64) {
                image.draw_line(p, q, scale, colour);
            }
        }
        for end in [a, b] {
            let s = 2 * scale;
            image.fill_rect(
                end[0].round() as i64 - s,
                end[1].round() as i64 - s,
                2 * s + 1,
                2 * s + 1,
                colour,
            );
        }
        let text = ruler.label();
        let size = [
            text_width(&text, scale) as f64,
            (GLYPH_SIZE.1 * scale) as f64,
        ];
        // The end squares reach 2 * scale from the line; the text's outline 1.
        let label = label_box_within(
            a,
            b,
            size,
            (3 * scale + 2) as f64,
            [1.0, 1.0],
            [image.width as f64 - 1.0, image.height as f64 - 1.0],
        );
        let min = label.min();
        image.draw_text(
            &text,
            min[0].round() as i64,
            min[1].round() as i64,
            scale,
            colour,
        );
        drawn.push(RulerInView {
            index,
            a_px: a,
            b_px: b,
            on_slice,
        });
    }
    drawn
}
