//! An RGBA picture, PNG output, and the few marks drawn on it without a GUI
//! (orientation letters, crosshair).

use crate::volume::save::{write_atomically, SaveError};
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
            let mut writer = encoder.write_header()?;
            writer.write_image_data(self.pixels.as_flattened())?;
        }
        Ok(out)
    }

    /// Writes a PNG through a temporary name.
    pub fn save_png(&self, path: &Path) -> Result<(), SaveError> {
        let bytes = self.to_png().map_err(|e| SaveError::Io {
            path: path.to_path_buf(),
            error: std::io::Error::other(e),
        })?;
        write_atomically(path, false, &[&bytes])
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

    /// Draws one of R, L, A, P, S, I with its top-left corner at (col, row),
    /// `scale` screen pixels per font pixel, outlined in black to read on any
    /// background.
    pub fn draw_letter(&mut self, letter: char, col: i64, row: i64, scale: i64, colour: [u8; 4]) {
        let Some(glyph) = glyph(letter) else { return };
        for pass in 0..2 {
            for (gy, bits) in glyph.iter().enumerate() {
                for gx in 0..5 {
                    if bits & (0x10 >> gx) == 0 {
                        continue;
                    }
                    for dy in 0..scale {
                        for dx in 0..scale {
                            let x = col + gx as i64 * scale + dx;
                            let y = row + gy as i64 * scale + dy;
                            if pass == 0 {
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
    }
}

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
        _ => return None,
    })
}
