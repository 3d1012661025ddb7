//! Pictures of volumes: views, window/level, colormaps, overlay styles, PNG. The window and `rasview render` both draw through
//! [`render_view`], so a picture the CLI writes is the picture the window shows.

pub(crate) mod colormap;
pub(crate) mod image;
pub(crate) mod layer;
pub(crate) mod overlay_style;
pub(crate) mod ruler;
pub(crate) mod scale_bar;
pub(crate) mod view;
pub(crate) mod window;

pub use colormap::Colormap;
pub use image::RgbaImage;
pub use layer::{label_colour, layer_colours, LayerStyle, OverlayLayer};
pub use overlay_style::{suggest_style, SuggestedStyle};
pub use ruler::{draw_rulers, RulerInView, RULER_COLOUR};
pub use view::ViewSpec;
pub use window::WindowLevel;

use crate::geometry::sample as resample;
use crate::geometry::Interpolation;
use crate::geometry::{Affine, Grid};
use crate::volume::{Volume, Voxels};
use ndarray::{Array3, ShapeBuilder};

/// How values become colours. Saved with the window's settings: a field
/// missing from an older file takes its default.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct DisplaySettings {
    pub window: WindowLevel,
    pub colormap: Colormap,
    pub interpolation: Interpolation,
}

/// What a view samples: scalar values through a colormap, or stored colours.
pub enum FrameSource<'a> {
    Scalar(&'a Array3<f32>),
    /// Red, green and blue as three frames (an RGB24 volume).
    Colour(&'a [Array3<f32>; 3]),
}

/// A rendered view: colours, the sampled values, and where each pixel is.
pub struct RenderedView {
    pub image: RgbaImage,
    /// The sampled value of each pixel (luminance for colour volumes), NaN outside.
    pub values: Vec<f32>,
    pub world_from_pixel: Affine,
}

/// Edges: a saturated red that stands out on grey and on every colormap
/// offered, and differs from the green crosshair and yellow letters.
pub const EDGE_COLOUR: [u8; 3] = [255, 40, 40];
/// Overlays from files: cyan, so they and the edges can be told apart.
pub const OVERLAY_COLOUR: [u8; 3] = [0, 210, 255];

/// Colour shown where a view lies outside the volume.
pub const OUTSIDE: [u8; 4] = [0, 0, 0, 255];

/// Samples and colours one view.
pub fn render_view(
    source: &FrameSource,
    grid: &Grid,
    spec: &ViewSpec,
    settings: &DisplaySettings,
) -> RenderedView {
    render_view_with(source, grid, spec, settings, &[])
}

/// Samples and colours one view, then blends overlays over it in order.
/// Every layer is sampled at the same world points as the base, through
/// its own affine: a layer on the wrong grid shows as an offset, never as a
/// silent re-indexing.
pub fn render_view_with(
    source: &FrameSource,
    grid: &Grid,
    spec: &ViewSpec,
    settings: &DisplaySettings,
    overlays: &[OverlayLayer],
) -> RenderedView {
    let mut view = render_base(source, grid, spec, settings, true);
    blend_overlays(&mut view, spec, overlays);
    view
}

/// As [`render_view_with`] without the sampled values (empty `values`):
/// what the window needs, without a full-size float buffer.
pub fn render_view_pixels(
    source: &FrameSource,
    grid: &Grid,
    spec: &ViewSpec,
    settings: &DisplaySettings,
    overlays: &[OverlayLayer],
) -> RenderedView {
    let mut view = render_base(source, grid, spec, settings, false);
    blend_overlays(&mut view, spec, overlays);
    view
}

fn blend_overlays(view: &mut RenderedView, spec: &ViewSpec, overlays: &[OverlayLayer]) {
    layer::blend_layers(
        &mut view.image.pixels,
        &view.world_from_pixel,
        spec.width,
        spec.height,
        overlays,
    );
}

fn render_base(
    source: &FrameSource,
    grid: &Grid,
    spec: &ViewSpec,
    settings: &DisplaySettings,
    keep_values: bool,
) -> RenderedView {
    let world_from_pixel = spec.world_from_pixel();
    let (w, h) = (spec.width, spec.height);
    let sample = |frame: &Array3<f32>| {
        resample::resample_plane(frame, grid, &world_from_pixel, w, h, settings.interpolation)
    };
    let (pixels, values) = match source {
        FrameSource::Scalar(frame) => {
            let lut = settings.colormap.lut();
            // Window to LUT index in f32: one multiply-add per pixel.
            let per_unit = 255.0 / settings.window.window.max(f64::MIN_POSITIVE);
            let (scale, offset) = (
                per_unit as f32,
                (-settings.window.low() * per_unit) as f32 + 0.5,
            );
            let mut values = Vec::with_capacity(if keep_values { w * h } else { 0 });
            let mut pixels = vec![OUTSIDE; w * h];
            resample::resample_rows(
                frame,
                grid,
                &world_from_pixel,
                w,
                h,
                settings.interpolation,
                |row, line| {
                    if keep_values {
                        values.extend_from_slice(line);
                    }
                    for (px, &v) in pixels[row * w..(row + 1) * w].iter_mut().zip(line) {
                        if !v.is_nan() {
                            let [r, g, b] = lut[(v * scale + offset).clamp(0.0, 255.0) as usize];
                            *px = [r, g, b, 255];
                        }
                    }
                },
            );
            (pixels, values)
        }
        FrameSource::Colour(channels) => {
            let [r, g, b] = [
                sample(&channels[0]),
                sample(&channels[1]),
                sample(&channels[2]),
            ];
            let byte = |v: f32| v.round().clamp(0.0, 255.0) as u8;
            let pixels = (0..w * h)
                .map(|n| {
                    if r[n].is_nan() {
                        OUTSIDE
                    } else {
                        [byte(r[n]), byte(g[n]), byte(b[n]), 255]
                    }
                })
                .collect();
            let values = (0..w * h)
                .map(|n| 0.299 * r[n] + 0.587 * g[n] + 0.114 * b[n])
                .collect();
            (pixels, values)
        }
    };
    RenderedView {
        image: RgbaImage {
            width: w,
            height: h,
            pixels,
        },
        values,
        world_from_pixel,
    }
}

/// The red, green and blue frames of an RGB volume, or `None` for scalar data.
pub fn colour_frames(volume: &Volume, t: usize) -> Option<[Array3<f32>; 3]> {
    let Voxels::Rgb24(rgb) = &volume.voxels else {
        return None;
    };
    let len = volume.frame_len();
    let start = volume.linear_index([0, 0, 0], t);
    let frame = &rgb[start..start + len];
    let channel = |c: usize| {
        Array3::from_shape_vec(
            volume.grid.shape.f(),
            frame.iter().map(|p| p[c] as f32).collect(),
        )
        .expect("length equals the product of the shape")
    };
    Some([channel(0), channel(1), channel(2)])
}

/// Draws the four orientation letters at the middle of each edge.
pub fn draw_edge_letters(image: &mut RgbaImage, spec: &ViewSpec) {
    let letters = spec.plane.screen_axes(spec.convention).edge_letters();
    let scale = if image.width.min(image.height) >= 200 {
        2
    } else {
        1
    };
    let (gw, gh) = (image::GLYPH_SIZE.0 * scale, image::GLYPH_SIZE.1 * scale);
    let (w, h) = (image.width as i64, image.height as i64);
    let margin = 3 * scale;
    let colour = [255, 220, 40, 255];
    image.draw_letter(letters.left, margin, (h - gh) / 2, scale, colour);
    image.draw_letter(letters.right, w - gw - margin, (h - gh) / 2, scale, colour);
    image.draw_letter(letters.top, (w - gw) / 2, margin, scale, colour);
    image.draw_letter(letters.bottom, (w - gw) / 2, h - gh - margin, scale, colour);
}
