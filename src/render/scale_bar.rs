//! A scale bar: a round length in mm drawn as a white bar with its label
//! above it, so the size of anything in a picture can be read without the
//! sidecar.

use super::image::{text_width, RgbaImage, GLYPH_SIZE};
use serde::Serialize;

/// A scale bar as drawn, for the sidecar.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ScaleBar {
    pub length_mm: f64,
    /// The text above the bar, e.g. "20 mm".
    pub label: String,
    /// The white bar without its black outline: left column, top row,
    /// width and height in pixels. The width is `length_mm / pixel_mm`,
    /// rounded.
    pub bar_px: [usize; 4],
}

/// Fraction of the reference width a bar aims at.
const TARGET_FRACTION: f64 = 0.2;

/// The length of the 1-2-5 series (..., 0.5, 1, 2, 5, 10, 20, 50, ... mm)
/// nearest, on a log scale, to 20% of `width_px` pixels of `pixel_mm`: it
/// spans between 13% and 32% of that width, usually 15% to 25%.
pub fn round_length_mm(pixel_mm: f64, width_px: usize) -> f64 {
    let target = TARGET_FRACTION * width_px as f64 * pixel_mm;
    // Clamped so a zero or infinite size cannot overflow the exponent.
    let exponent = (target.log10().floor() as i32).clamp(-300, 300);
    // Dividing by an exact power of ten gives the double nearest "0.05".
    let times_ten_to = |m: f64| {
        if exponent >= 0 {
            m * 10f64.powi(exponent)
        } else {
            m / 10f64.powi(-exponent)
        }
    };
    [1.0, 2.0, 5.0, 10.0]
        .map(times_ten_to)
        .into_iter()
        .fold(f64::INFINITY, |best, c| {
            if (c / target).ln().abs() < (best / target).ln().abs() {
                c
            } else {
                best
            }
        })
}

/// "20 mm", "0.5 mm": as many decimals as the length needs.
pub fn label_for(length_mm: f64) -> String {
    let decimals = (-length_mm.log10().floor()).max(0.0) as usize;
    format!("{length_mm:.decimals$} mm")
}

/// Text scale for marks on a picture: font pixels twice as big from 200
/// pixels up, as the orientation letters use.
pub fn text_scale(image: &RgbaImage) -> i64 {
    if image.width.min(image.height) >= 200 {
        2
    } else {
        1
    }
}

/// Rows a scale bar takes at text scale `scale`, margins included: a strip
/// this tall below a picture holds one without covering it.
pub fn footprint_height(scale: i64) -> usize {
    let (margin, bar, gap) = layout(scale);
    (2 * margin + bar + 2 + gap + GLYPH_SIZE.1 * scale + 1) as usize
}

/// Margin to the picture's edge, bar thickness, and the gap between the bar
/// and its label, in pixels.
fn layout(scale: i64) -> (i64, i64, i64) {
    (3 * scale, 3 * scale, 2 * scale)
}

/// Draws a scale bar in the bottom-right corner of the picture, sized
/// against the picture's width. `None` when it does not fit.
pub fn draw_scale_bar(image: &mut RgbaImage, pixel_mm: f64) -> Option<ScaleBar> {
    let corner = [image.width, image.height];
    let scale = text_scale(image);
    draw_scale_bar_at(image, pixel_mm, image.width, corner, scale)
}

/// Draws a scale bar whose length is about 20% of `reference_width_px`,
/// with its bottom-right corner (margin included) at `corner` (column, row,
/// exclusive), its label at text scale `scale`. `None`, and nothing drawn,
/// when `pixel_mm` is not a positive size or the bar and its label do not
/// fit left of and above `corner`.
pub fn draw_scale_bar_at(
    image: &mut RgbaImage,
    pixel_mm: f64,
    reference_width_px: usize,
    corner: [usize; 2],
    scale: i64,
) -> Option<ScaleBar> {
    if !(pixel_mm > 0.0 && pixel_mm.is_finite()) || reference_width_px == 0 {
        return None;
    }
    let length_mm = round_length_mm(pixel_mm, reference_width_px);
    let length_px = (length_mm / pixel_mm).round() as i64;
    let label = label_for(length_mm);
    let (margin, thickness, gap) = layout(scale);
    let (right, bottom) = (corner[0] as i64 - margin, corner[1] as i64 - margin);
    // The bar, inside a one-pixel outline that ends `margin` from the corner.
    let (bar_left, bar_top) = (right - 1 - length_px, bottom - 1 - thickness);
    let label_w = text_width(&label, scale);
    let label_left = (bar_left + (length_px - label_w) / 2).min(right - label_w);
    let label_top = bar_top - 1 - gap - GLYPH_SIZE.1 * scale;
    let fits = length_px >= 2
        && bar_left > 0
        && label_left > 0
        && label_top > 0
        && corner[0] <= image.width
        && corner[1] <= image.height;
    if !fits {
        return None;
    }
    let black = [0, 0, 0, 255];
    let white = [255, 255, 255, 255];
    image.fill_rect(
        bar_left - 1,
        bar_top - 1,
        length_px + 2,
        thickness + 2,
        black,
    );
    image.fill_rect(bar_left, bar_top, length_px, thickness, white);
    image.draw_text(&label, label_left, label_top, scale, white);
    Some(ScaleBar {
        length_mm,
        label,
        bar_px: [bar_left, bar_top, length_px, thickness].map(|x| x as usize),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const WHITE: [u8; 4] = [255, 255, 255, 255];

    /// The longest run of white pixels in any row, found in the picture
    /// alone: the bar, since no glyph of the label is that wide.
    fn longest_white_run(image: &RgbaImage) -> (usize, usize) {
        let mut best = (0, 0);
        for row in 0..image.height {
            let mut run = 0;
            for col in 0..image.width {
                run = if image.get(col, row) == WHITE {
                    run + 1
                } else {
                    0
                };
                if run > best.0 {
                    best = (run, row);
                }
            }
        }
        best
    }

    #[test]
    fn bar_length_in_pixels_is_its_label_over_the_pixel_size() {
        for (pixel_mm, width) in [
            (1.0, 256),
            (0.5, 256),
            (0.8, 300),
            (1.3, 180),
            (2.0, 128),
            (3.7, 400),
            (0.1, 500),
            (0.037, 240),
        ] {
            let mut image = RgbaImage::new(width, 120, [0, 0, 0, 255]);
            let bar = draw_scale_bar(&mut image, pixel_mm).expect("fits");
            let (run, row) = longest_white_run(&image);
            let expected = bar.length_mm / pixel_mm;
            assert!(
                (run as f64 - expected).abs() <= 1.0,
                "{pixel_mm} mm pixels: bar of {run} px for {}",
                bar.label
            );
            // The label says the length, and the length is a round one.
            let number: f64 = bar.label.strip_suffix(" mm").unwrap().parse().unwrap();
            assert_eq!(number, bar.length_mm);
            let mantissa = bar.length_mm / 10f64.powf(bar.length_mm.log10().floor());
            assert!(
                [1.0, 2.0, 5.0].iter().any(|m| (mantissa - m).abs() < 1e-9),
                "{} is not 1, 2 or 5 times a power of ten",
                bar.length_mm
            );
            let fraction = run as f64 / width as f64;
            assert!(
                (0.12..=0.33).contains(&fraction),
                "{pixel_mm} mm: {fraction} of the width"
            );
            // Bottom-right: the bar ends in the right quarter, in the bottom rows.
            assert!(bar.bar_px[0] + bar.bar_px[2] > width * 3 / 4);
            assert!(row > 120 - footprint_height(text_scale(&image)));
            assert_eq!(bar.bar_px[2], run);
        }
    }

    #[test]
    fn lengths_follow_one_two_five_and_labels_keep_needed_decimals() {
        assert_eq!(round_length_mm(1.0, 100), 20.0);
        assert_eq!(round_length_mm(1.0, 250), 50.0);
        assert_eq!(round_length_mm(1.0, 50), 10.0);
        assert_eq!(round_length_mm(0.01, 250), 0.5);
        assert_eq!(label_for(20.0), "20 mm");
        assert_eq!(label_for(100.0), "100 mm");
        assert_eq!(label_for(0.5), "0.5 mm");
        assert_eq!(label_for(0.05), "0.05 mm");
    }

    #[test]
    fn no_bar_where_it_cannot_fit_or_the_size_is_meaningless() {
        let mut tiny = RgbaImage::new(12, 10, [0, 0, 0, 255]);
        assert_eq!(draw_scale_bar(&mut tiny, 1.0), None);
        assert!(tiny.pixels.iter().all(|p| *p == [0, 0, 0, 255]));
        let mut image = RgbaImage::new(200, 200, [0, 0, 0, 255]);
        assert_eq!(draw_scale_bar(&mut image, 0.0), None);
        assert_eq!(draw_scale_bar(&mut image, f64::NAN), None);
    }
}
