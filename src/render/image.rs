//! An RGBA picture, PNG output, and the few marks drawn on it without a GUI
//! (orientation letters and short labels, crosshair, rectangles).

use crate::volume::save::{self, SaveError, Staged};
use std::path::Path;

#[derive(Debug, Clone, PartialEq)]
pub struct RgbaImage {
    pub width: usize,
    pub height: usize,
    /// Row-major, top row first.
    pub pixels: Vec<[u8; 4]>,
}

impl RgbaImage {
    pub fn new(width: usize, height: usize, fill: [u8; 4]) -> Self {
        RgbaImage {
            width,
            height,
            pixels: vec![fill; width * height],
        }
    }

    pub fn get(&self, col: usize, row: usize) -> [u8; 4] {
        self.pixels[row * self.width + col]
    }

    fn put(&mut self, col: i64, row: i64, colour: [u8; 4]) {
        if col >= 0 && row >= 0 && (col as usize) < self.width && (row as usize) < self.height {
            self.pixels[row as usize * self.width + col as usize] = colour;
        }
    }

    /// PNG bytes (8-bit RGBA).
    pub fn to_png(&self) -> Result<Vec<u8>, png::EncodingError> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, self.width as u32, self.height as u32);
            encoder.set_color(png::ColorType::Rgba);
            encoder.set_depth(png::BitDepth::Eight);
            // fdeflate's fast mode: an 8192x8192 render spent 85% of its
            // time compressing at the default level.
            encoder.set_compression(png::Compression::Fast);
            let mut writer = encoder.write_header()?;
            writer.write_image_data(self.pixels.as_flattened())?;
        }
        Ok(out)
    }

    /// Writes a PNG through a temporary name.
    pub fn save_png(&self, path: &Path) -> Result<(), SaveError> {
        save::commit_together(vec![self.stage_png(path)?])
    }

    /// The PNG under a temporary name, to be put in place with its sidecar.
    pub fn stage_png(&self, path: &Path) -> Result<Staged, SaveError> {
        let bytes = self.to_png().map_err(|e| SaveError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::other(e),
        })?;
        save::stage(path, false, &[&bytes])
    }

    /// A horizontal and a vertical line through a pixel position.
    pub fn draw_crosshair(&mut self, at: [f64; 2], colour: [u8; 4]) {
        let (c, r) = (at[0].round() as i64, at[1].round() as i64);
        for x in 0..self.width as i64 {
            self.put(x, r, colour);
        }
        for y in 0..self.height as i64 {
            self.put(c, y, colour);
        }
    }

    /// Draws one character of the font (R L A P S I, digits, `m . - ` and a
    /// few more) with its top-left corner at (col, row), `scale` screen
    /// pixels per font pixel, outlined in black to read on any background.
    pub fn draw_letter(&mut self, letter: char, col: i64, row: i64, scale: i64, colour: [u8; 4]) {
        let mut buf = [0u8; 4];
        self.draw_text(letter.encode_utf8(&mut buf), col, row, scale, colour);
    }

    /// Draws a line of text with its top-left corner at (col, row), outlined
    /// in black; characters the font lacks are left blank. Every outline is
    /// drawn before any fill, so one character's outline never eats into
    /// its neighbour.
    pub fn draw_text(&mut self, text: &str, col: i64, row: i64, scale: i64, colour: [u8; 4]) {
        for outline in [true, false] {
            for (n, c) in text.chars().enumerate() {
                let Some(glyph) = glyph(c) else { continue };
                let left = col + n as i64 * GLYPH_ADVANCE * scale;
                self.draw_glyph(&glyph, left, row, scale, outline, colour);
            }
        }
    }

    fn draw_glyph(
        &mut self,
        glyph: &[u8; 7],
        col: i64,
        row: i64,
        scale: i64,
        outline: bool,
        colour: [u8; 4],
    ) {
        for (gy, bits) in glyph.iter().enumerate() {
            for gx in 0..5 {
                if bits & (0x10 >> gx) == 0 {
                    continue;
                }
                for dy in 0..scale {
                    for dx in 0..scale {
                        let x = col + gx as i64 * scale + dx;
                        let y = row + gy as i64 * scale + dy;
                        if outline {
                            for (ox, oy) in [(-1, 0), (1, 0), (0, -1), (0, 1)] {
                                self.put(x + ox, y + oy, [0, 0, 0, 255]);
                            }
                        } else {
                            self.put(x, y, colour);
                        }
                    }
                }
            }
        }
    }

    /// A straight line from `a` to `b` (pixel centres), `width` pixels
    /// thick, clipped to the picture.
    pub fn draw_line(&mut self, a: [f64; 2], b: [f64; 2], width: i64, colour: [u8; 4]) {
        let steps = (b[0] - a[0]).abs().max((b[1] - a[1]).abs()).ceil().max(1.0) as i64;
        let half = (width - 1) / 2;
        for s in 0..=steps {
            let t = s as f64 / steps as f64;
            let c = (a[0] + (b[0] - a[0]) * t).round() as i64;
            let r = (a[1] + (b[1] - a[1]) * t).round() as i64;
            for dy in -half..width - half {
                for dx in -half..width - half {
                    self.put(c + dx, r + dy, colour);
                }
            }
        }
    }

    /// A filled rectangle, clipped to the picture.
    pub fn fill_rect(&mut self, col: i64, row: i64, width: i64, height: i64, colour: [u8; 4]) {
        for y in row..row + height {
            for x in col..col + width {
                self.put(x, y, colour);
            }
        }
    }

    /// A smaller copy `width` pixels wide (the height in proportion), each
    /// pixel the mean of the source pixels it covers, or of the coloured
    /// ones among them if there are any: a one-pixel edge or outline stays a
    /// visible line in a thumbnail instead of fading into the grey. An image
    /// no wider is returned as it is.
    pub fn downscaled_to_width(&self, width: usize) -> RgbaImage {
        if width == 0 || self.width <= width {
            return self.clone();
        }
        let scale = self.width as f64 / width as f64;
        let height = ((self.height as f64 / scale).round() as usize).max(1);
        let span = |i: usize, len: usize| {
            let lo = (i as f64 * scale).floor() as usize;
            let hi = (((i + 1) as f64 * scale).ceil() as usize).clamp(lo + 1, len);
            lo..hi
        };
        let mut out = RgbaImage::new(width, height, [0, 0, 0, 255]);
        for row in 0..height {
            let rows = span(row, self.height);
            for col in 0..width {
                // [all, coloured]: sums and counts.
                let mut sum = [[0u32; 4]; 2];
                let mut n = [0u32; 2];
                for y in rows.clone() {
                    for x in span(col, self.width) {
                        let p = self.get(x, y);
                        let chroma = p[..3].iter().max().unwrap() - p[..3].iter().min().unwrap();
                        for kind in 0..1 + usize::from(chroma >= 96) {
                            for c in 0..4 {
                                sum[kind][c] += p[c] as u32;
                            }
                            n[kind] += 1;
                        }
                    }
                }
                let kind = usize::from(n[1] > 0);
                let (sum, n) = (sum[kind], n[kind]);
                out.pixels[row * width + col] = sum.map(|s| ((s + n / 2) / n) as u8);
            }
        }
        out
    }

    /// Copies `src` with its top-left corner at (col, row), clipped to the picture.
    pub fn blit(&mut self, src: &RgbaImage, col: usize, row: usize) {
        let w = src.width.min(self.width.saturating_sub(col));
        for y in 0..src.height.min(self.height.saturating_sub(row)) {
            let to = (row + y) * self.width + col;
            self.pixels[to..to + w].copy_from_slice(&src.pixels[y * src.width..y * src.width + w]);
        }
    }
}

/// Width in screen pixels of `text` drawn at `scale` (without its outline).
pub fn text_width(text: &str, scale: i64) -> i64 {
    let n = text.chars().count() as i64;
    (n * GLYPH_ADVANCE - 1).max(0) * scale
}

/// Font pixels from one character's left edge to the next one's.
const GLYPH_ADVANCE: i64 = GLYPH_SIZE.0 + 1;

/// Size of a drawn letter in font pixels.
pub const GLYPH_SIZE: (i64, i64) = (5, 7);

/// 5x7 bitmaps, one row per byte, high bit on the left.
fn glyph(letter: char) -> Option<[u8; 7]> {
    Some(match letter {
        'R' => [0x1e, 0x11, 0x11, 0x1e, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1f],
        'A' => [0x0e, 0x11, 0x11, 0x1f, 0x11, 0x11, 0x11],
        'P' => [0x1e, 0x11, 0x11, 0x1e, 0x10, 0x10, 0x10],
        'S' => [0x0f, 0x10, 0x10, 0x0e, 0x01, 0x01, 0x1e],
        'I' => [0x0e, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0e],
        'X' => [0x11, 0x11, 0x0a, 0x04, 0x0a, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x0a, 0x04, 0x04, 0x04, 0x04],
        'Z' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1f],
        '0' => [0x0e, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0e],
        '1' => [0x04, 0x0c, 0x04, 0x04, 0x04, 0x04, 0x0e],
        '2' => [0x0e, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1f],
        '3' => [0x1f, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0e],
        '4' => [0x02, 0x06, 0x0a, 0x12, 0x1f, 0x02, 0x02],
        '5' => [0x1f, 0x10, 0x1e, 0x01, 0x01, 0x11, 0x0e],
        '6' => [0x06, 0x08, 0x10, 0x1e, 0x11, 0x11, 0x0e],
        '7' => [0x1f, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0e, 0x11, 0x11, 0x0e, 0x11, 0x11, 0x0e],
        '9' => [0x0e, 0x11, 0x11, 0x0f, 0x01, 0x02, 0x0c],
        'm' => [0x00, 0x00, 0x1a, 0x15, 0x15, 0x15, 0x15],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0c, 0x0c],
        '-' => [0x00, 0x00, 0x00, 0x1f, 0x00, 0x00, 0x00],
        '=' => [0x00, 0x00, 0x1f, 0x00, 0x1f, 0x00, 0x00],
        ' ' => [0x00; 7],
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Columns of `image` holding any pixel of `colour`.
    fn columns_with(image: &RgbaImage, colour: [u8; 4]) -> Vec<usize> {
        (0..image.width)
            .filter(|&c| (0..image.height).any(|r| image.get(c, r) == colour))
            .collect()
    }

    #[test]
    fn downscaling_averages_the_pixels_each_one_covers() {
        let mut image = RgbaImage::new(8, 4, [0, 0, 0, 255]);
        image.fill_rect(0, 0, 4, 4, [200, 100, 0, 255]);
        image.fill_rect(4, 0, 1, 2, [255, 255, 255, 255]);
        let small = image.downscaled_to_width(4);
        assert_eq!((small.width, small.height), (4, 2));
        assert_eq!(small.get(0, 0), [200, 100, 0, 255]);
        assert_eq!(small.get(1, 1), [200, 100, 0, 255]);
        // Two white pixels of four over black.
        assert_eq!(small.get(2, 0), [128, 128, 128, 255]);
        assert_eq!(small.get(3, 1), [0, 0, 0, 255]);
        // One red pixel of four stays red.
        image.fill_rect(7, 3, 1, 1, [255, 0, 0, 255]);
        assert_eq!(image.downscaled_to_width(4).get(3, 1), [255, 0, 0, 255]);
        assert_eq!(image.downscaled_to_width(16), image);
    }

    #[test]
    fn text_advances_one_glyph_per_character_and_skips_unknown_ones() {
        let white = [255, 255, 255, 255];
        let mut image = RgbaImage::new(80, 12, [0, 0, 0, 255]);
        image.draw_text("1 0.5", 2, 2, 1, white);
        let cols = columns_with(&image, white);
        // '1' starts at column 1 of its cell; '5', the last, fills all five.
        assert_eq!(cols.first(), Some(&3));
        assert_eq!(cols.last(), Some(&(2 + 4 * 6 + 4)));
        assert_eq!(text_width("1 0.5", 1), 5 * 6 - 1);
        assert_eq!(text_width("", 2), 0);
        let mut blank = RgbaImage::new(20, 12, [0, 0, 0, 255]);
        blank.draw_text("?", 2, 2, 1, white);
        assert!(columns_with(&blank, white).is_empty());
        for c in "0123456789m.- RLAPSI".chars() {
            assert!(glyph(c).is_some(), "{c:?} is in the font");
        }
    }

    #[test]
    fn blit_copies_and_clips() {
        let mut dst = RgbaImage::new(5, 4, [0, 0, 0, 255]);
        let src = RgbaImage::new(3, 3, [9, 9, 9, 255]);
        dst.blit(&src, 3, 2);
        let lit: usize = dst.pixels.iter().filter(|p| p[0] == 9).count();
        assert_eq!(lit, 2 * 2);
        assert_eq!(dst.get(4, 3), [9, 9, 9, 255]);
        assert_eq!(dst.get(2, 3), [0, 0, 0, 255]);
    }
}
