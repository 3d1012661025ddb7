//! Layers drawn over the base image: edge results and overlays from files,
//! each on its own grid, sampled at the view's world points through that
//! grid's affine, coloured by its style and blended in order.

use super::colormap::Colormap;
use super::window::WindowLevel;
use crate::geometry::sample::{self as resample, Interpolation};
use crate::geometry::{Affine, Grid};
use crate::volume::Label;
use ndarray::Array3;

/// How a layer's values become colours.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub enum LayerStyle {
    /// Every non-zero voxel in one colour (masks, edge maps).
    Mask([u8; 3]),
    /// Each integer label its own colour; 0 is transparent.
    Labels,
    /// Values through a colormap with the layer's own window; values below
    /// the window are transparent, so the base shows through (as FSLeyes
    /// and MRIcroGL draw statistical maps).
    Map {
        colormap: Colormap,
        window: WindowLevel,
    },
}

/// A layer over the base image.
pub struct OverlayLayer<'a> {
    pub values: &'a Array3<f32>,
    pub grid: &'a Grid,
    pub style: LayerStyle,
    pub opacity: f32,
    /// Only the border of each region (on screen), for masks drawn over anatomy.
    pub outline: bool,
    /// Used by `Map` layers; masks and labels are always sampled nearest, so a
    /// voxel is all or nothing and a label never blends into another.
    pub interpolation: Interpolation,
    /// A `Labels` layer's named labels with their own colours (a Slicer
    /// segmentation's); values not listed get [`label_colour`].
    pub labels: &'a [Label],
    /// A `Labels` layer's values left undrawn (sorted), as the overlay
    /// panel's visibility toggles ask.
    pub hidden: &'a [i64],
}

impl<'a> OverlayLayer<'a> {
    /// Non-zero voxels in one colour, filled.
    pub fn mask(values: &'a Array3<f32>, grid: &'a Grid, colour: [u8; 3], opacity: f32) -> Self {
        OverlayLayer {
            values,
            grid,
            style: LayerStyle::Mask(colour),
            opacity,
            outline: false,
            interpolation: Interpolation::Nearest,
            labels: &[],
            hidden: &[],
        }
    }
}

/// A colour for label `n`: hues a golden angle apart, so neighbouring label
/// numbers differ clearly, and a label keeps its colour in every view.
pub fn label_colour(label: i64) -> [u8; 3] {
    let hue = (label as f64 * 0.618_033_988_75).rem_euclid(1.0) * 6.0;
    // Alternate brightness too, so labels whose hues happen to be close still differ.
    let value = if label.rem_euclid(2) == 0 { 1.0 } else { 0.8 };
    let (saturation, sector) = (0.75, hue.floor());
    let f = hue - sector;
    let (p, q, t) = (
        value * (1.0 - saturation),
        value * (1.0 - saturation * f),
        value * (1.0 - saturation * (1.0 - f)),
    );
    let (r, g, b) = match sector as u8 {
        0 => (value, t, p),
        1 => (q, value, p),
        2 => (p, value, t),
        3 => (p, q, value),
        4 => (t, p, value),
        _ => (value, p, q),
    };
    [r, g, b].map(|c| (c * 255.0).round() as u8)
}

/// The colour of each pixel under a layer (`None`: transparent).
pub fn layer_colours(
    layer: &OverlayLayer,
    world_from_pixel: &Affine,
    width: usize,
    height: usize,
) -> Vec<Option<[u8; 3]>> {
    let interpolation = match layer.style {
        LayerStyle::Map { .. } => layer.interpolation,
        _ => Interpolation::Nearest,
    };
    let sampled = resample::resample_plane(
        layer.values,
        layer.grid,
        world_from_pixel,
        width,
        height,
        interpolation,
    );
    let lut = match layer.style {
        LayerStyle::Map { colormap, .. } => Some(colormap.lut()),
        _ => None,
    };
    // The file's own colours by value, looked up by binary search (a
    // segmentation has a handful to a few hundred).
    let mut named: Vec<(i64, [u8; 3])> = layer
        .labels
        .iter()
        .filter_map(|l| Some((l.value, l.colour?)))
        .collect();
    named.sort_unstable_by_key(|&(value, _)| value);
    let label_rgb = |v: f32| {
        let value = v.round() as i64;
        match named.binary_search_by_key(&value, |&(v, _)| v) {
            Ok(i) => named[i].1,
            Err(_) => label_colour(value),
        }
    };
    let colour = |v: f32| -> Option<[u8; 3]> {
        if v.is_nan() {
            return None;
        }
        match layer.style {
            LayerStyle::Mask(c) => (v != 0.0).then_some(c),
            LayerStyle::Labels => {
                let shown = v != 0.0 && layer.hidden.binary_search(&(v.round() as i64)).is_err();
                shown.then(|| label_rgb(v))
            }
            LayerStyle::Map { window, .. } => {
                if (v as f64) < window.low() || v == 0.0 {
                    return None;
                }
                let t = window.normalise(v)?;
                lut.map(|l| l[(t * 255.0).round() as usize])
            }
        }
    };
    let colours: Vec<Option<[u8; 3]>> = sampled.iter().map(|&v| colour(v)).collect();
    if !layer.outline {
        return colours;
    }
    // A pixel is on the outline when a neighbour shows something else.
    let key = |n: usize| sampled[n].to_bits() * colours[n].is_some() as u32;
    (0..width * height)
        .map(|n| {
            let (c, r) = (n % width, n / width);
            let on_border = [(0isize, -1isize), (0, 1), (-1, 0), (1, 0)]
                .iter()
                .any(|&(dc, dr)| {
                    let (x, y) = (c as isize + dc, r as isize + dr);
                    x < 0
                        || y < 0
                        || x >= width as isize
                        || y >= height as isize
                        || key(y as usize * width + x as usize) != key(n)
                });
            colours[n].filter(|_| on_border)
        })
        .collect()
}

/// Blends layers over an image in order.
pub fn blend_layers(
    pixels: &mut [[u8; 4]],
    world_from_pixel: &Affine,
    width: usize,
    height: usize,
    layers: &[OverlayLayer],
) {
    for layer in layers {
        let colours = layer_colours(layer, world_from_pixel, width, height);
        let alpha = layer.opacity.clamp(0.0, 1.0);
        for (px, colour) in pixels.iter_mut().zip(&colours) {
            if let Some(target) = colour {
                for (channel, &t) in px.iter_mut().zip(target) {
                    *channel = (*channel as f32 * (1.0 - alpha) + t as f32 * alpha).round() as u8;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn neighbouring_labels_get_clearly_different_colours() {
        for n in 1..200 {
            let (a, b) = (label_colour(n), label_colour(n + 1));
            let distance: i32 = a
                .iter()
                .zip(&b)
                .map(|(&x, &y)| (x as i32 - y as i32).abs())
                .sum();
            assert!(
                distance > 60,
                "labels {n} and {} too alike: {a:?} {b:?}",
                n + 1
            );
        }
    }

    #[test]
    fn maps_hide_values_below_their_window_and_labels_keep_their_colour() {
        let grid = Grid::new([3, 1, 1], Affine::identity());
        let values = Array3::from_shape_vec((3, 1, 1), vec![0.5, 2.0, 7.0]).unwrap();
        let world_from_pixel = Affine::identity();
        let map = OverlayLayer {
            style: LayerStyle::Map {
                colormap: Colormap::Hot,
                window: WindowLevel::from_range(1.0, 3.0),
            },
            ..OverlayLayer::mask(&values, &grid, [0; 3], 1.0)
        };
        let c = layer_colours(&map, &world_from_pixel, 3, 1);
        assert_eq!(c[0], None);
        assert_eq!(c[2], Some(Colormap::Hot.lut()[255]));
        let labels = OverlayLayer {
            style: LayerStyle::Labels,
            ..OverlayLayer::mask(&values, &grid, [0; 3], 1.0)
        };
        let c = layer_colours(&labels, &world_from_pixel, 3, 1);
        assert_eq!(c[2], Some(label_colour(7)));

        // A file's own colour wins for its value; others keep theirs.
        let named = [Label {
            value: 7,
            name: "tumour".into(),
            colour: Some([1, 2, 3]),
            layer: 0,
        }];
        let labels = OverlayLayer {
            labels: &named,
            ..labels
        };
        let c = layer_colours(&labels, &world_from_pixel, 3, 1);
        assert_eq!(c[2], Some([1, 2, 3]));
        assert_eq!(c[1], Some(label_colour(2)));

        // A hidden label is not drawn; the others are.
        let hidden = OverlayLayer {
            hidden: &[7],
            ..labels
        };
        let c = layer_colours(&hidden, &world_from_pixel, 3, 1);
        assert_eq!(c[2], None);
        assert_eq!(c[1], Some(label_colour(2)));
    }
}
