//! One texture per view, rebuilt only when what it shows changes: the plane
//! position, the view's pixel grid, the display settings or the frame.

use super::state::Viewer;
use crate::render::{self, DisplaySettings, FrameSource, ViewSpec};

/// Everything a view's pixels depend on. The cursor matters only through the
/// plane's position, so moving the crosshair within a view keeps its texture.
#[derive(Debug, Clone, PartialEq)]
struct TextureKey {
    spec: ViewSpec,
    display: DisplaySettings,
    generation: u64,
    /// The edge result drawn, and how: (generation, colour, opacity, outline).
    edges: Option<(u64, [u8; 3], u32, bool)>,
    /// The overlays' revision (any change to any overlay bumps it).
    overlays: u64,
    /// The edges added and removed drawn (the result they end at).
    compare: Option<u64>,
}

impl TextureKey {
    fn new(
        spec: &ViewSpec,
        display: &DisplaySettings,
        generation: u64,
        edges: Option<(u64, [u8; 3], u32, bool)>,
        overlays: u64,
    ) -> Self {
        let n = spec.plane.normal_axis();
        let mut keyed = *spec;
        keyed.cursor_ras = [0.0; 3];
        keyed.cursor_ras[n] = spec.cursor_ras[n];
        TextureKey {
            spec: keyed,
            display: *display,
            generation,
            edges,
            overlays,
            compare: None,
        }
    }
}

#[derive(Default)]
pub struct ViewTextures {
    slots: [Option<(TextureKey, egui::TextureHandle)>; 3],
    /// How many textures were built: a test checks that idle frames build none.
    pub rebuilds: u64,
}

impl ViewTextures {
    /// The texture for a view, rebuilt if its key changed.
    pub fn get(
        &mut self,
        ctx: &egui::Context,
        viewer: &Viewer,
        spec: &ViewSpec,
    ) -> Option<egui::TextureHandle> {
        let loaded = viewer.loaded.as_ref()?;
        let shown_edges = viewer.edges.as_ref().filter(|_| viewer.edge_settings.show);
        let style = &viewer.edge_settings;
        let edge_key = shown_edges.map(|e| {
            (
                e.generation,
                style.colour,
                style.opacity.to_bits(),
                style.outline,
            )
        });
        let key = TextureKey {
            compare: shown_edges
                .and(viewer.edge_difference.as_ref())
                .map(|d| d.edge_generation),
            ..TextureKey::new(
                spec,
                &viewer.display,
                loaded.generation,
                edge_key,
                viewer.overlays.revision,
            )
        };
        let slot = &mut self.slots[super::state::plane_index(spec.plane)];
        if let Some((k, handle)) = slot {
            if *k == key {
                return Some(handle.clone());
            }
        }
        let source = match &loaded.colour {
            Some(c) => FrameSource::Colour(c),
            None => FrameSource::Scalar(&loaded.frame),
        };
        // Overlays from files first, the edges on top.
        let mut layers = viewer.overlays.layers();
        layers.extend(shown_edges.map(|e| render::OverlayLayer {
            outline: style.outline,
            ..render::OverlayLayer::mask(&e.frame, &loaded.volume.grid, style.colour, style.opacity)
        }));
        layers.extend(super::edge_compare::layers(viewer, &loaded.volume.grid));
        let view = render::render_view_pixels(
            &source,
            &loaded.volume.grid,
            spec,
            &viewer.display,
            &layers,
        );
        let image = egui::ColorImage::from_rgba_unmultiplied(
            [spec.width, spec.height],
            view.image.pixels.as_flattened(),
        );
        self.rebuilds += 1;
        let handle = match slot.take() {
            Some((_, mut handle)) => {
                handle.set(image, egui::TextureOptions::NEAREST);
                handle
            }
            None => ctx.load_texture(
                format!("{} view", spec.plane.name()),
                image,
                egui::TextureOptions::NEAREST,
            ),
        };
        *slot = Some((key, handle.clone()));
        Some(handle)
    }
}
