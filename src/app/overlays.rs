//! Overlays from files over the base: each with its check against the base,
//! its style, opacity, visibility and place in the drawing order. Plain
//! state and rules, no egui.

use crate::geometry::Interpolation;
use crate::overlay::{check_overlay, EdgeReference, OverlayReport};
use crate::render::suggest_style;
use crate::render::{LayerStyle, OverlayLayer};
use crate::volume::{storage_order, Label, Volume};
use ndarray::Array3;
use std::sync::Arc;

/// One overlay on screen (clones share the volume and frame).
#[derive(Clone)]
pub struct ForeignOverlay {
    pub name: String,
    pub volume: Arc<Volume>,
    pub frame: Arc<Array3<f32>>,
    /// "mask", "label map" or "map", from its values.
    pub kind: &'static str,
    pub style: LayerStyle,
    pub interpolation: Interpolation,
    pub opacity: f32,
    pub visible: bool,
    pub outline: bool,
    pub report: OverlayReport,
    /// The volume of the file shown (a segmentation's layer).
    pub frame_index: usize,
    /// The labels the file names on that volume (a segmentation's segments).
    pub labels: Vec<Label>,
    /// Voxels per non-zero value of the frame, in value order (masks and
    /// label maps; counted when the overlay is prepared, off the UI thread).
    pub counts: Vec<(i64, u64)>,
    /// Label values not drawn (sorted).
    pub hidden: Vec<i64>,
    /// The volume of a 4D overlay chosen for it alone; `None` follows the
    /// base's volume (see `time_course`).
    pub own_frame: Option<usize>,
}

/// One label present in an overlay, as its panel lists it.
#[derive(Debug, Clone, PartialEq)]
pub struct PresentLabel {
    pub value: i64,
    /// `None`: the file and its table do not name it.
    pub name: Option<String>,
    /// The colour it is drawn in.
    pub colour: [u8; 3],
    pub count: u64,
    pub hidden: bool,
}

impl ForeignOverlay {
    /// Prepares an overlay for `base` (slow: converts the frame and runs the
    /// geometry and content checks; call off the UI thread). `nth_mask`
    /// picks its colour if it is a mask.
    pub fn prepare(
        name: String,
        volume: Volume,
        base: &Volume,
        reference: Option<&EdgeReference>,
        nth_mask: usize,
    ) -> Self {
        Self::prepare_frame(name, Arc::new(volume), 0, base, reference, nth_mask)
    }

    /// As [`ForeignOverlay::prepare`], one overlay per layer for a
    /// segmentation whose overlapping segments sit on several layers
    /// (volumes of the file), each with its own segments; one overlay of
    /// the first volume for anything else.
    pub fn prepare_layers(
        name: String,
        volume: Volume,
        base: &Volume,
        reference: Option<&EdgeReference>,
        nth_mask: usize,
    ) -> Vec<Self> {
        let layered = !volume.labels.is_empty() && volume.volume_count > 1;
        let volume = Arc::new(volume);
        if !layered {
            return vec![Self::prepare_frame(
                name, volume, 0, base, reference, nth_mask,
            )];
        }
        volume
            .volumes_held()
            .map(|t| {
                let layer_name = format!("{name} (layer {})", t + 1);
                Self::prepare_frame(layer_name, volume.clone(), t, base, reference, nth_mask)
            })
            .collect()
    }

    fn prepare_frame(
        name: String,
        volume: Arc<Volume>,
        t: usize,
        base: &Volume,
        reference: Option<&EdgeReference>,
        nth_mask: usize,
    ) -> Self {
        let frame = volume.frame_f32(t);
        let suggested = suggest_style(&volume, &frame, nth_mask);
        let values = storage_order(&frame);
        let report = check_overlay(base, &volume, &values, reference);
        let counts = match suggested.style {
            LayerStyle::Map { .. } => Vec::new(),
            _ => crate::overlay::label_counts(&values),
        };
        drop(values);
        let labels = volume
            .labels
            .iter()
            .filter(|l| l.layer == t)
            .cloned()
            .collect();
        ForeignOverlay {
            name,
            volume,
            frame: Arc::new(frame),
            kind: suggested.kind,
            style: suggested.style,
            interpolation: suggested.interpolation,
            opacity: 0.7,
            visible: true,
            outline: false,
            report,
            frame_index: t,
            labels,
            counts,
            hidden: Vec::new(),
            own_frame: None,
        }
    }

    /// The labels present, each with its name, colour, count and whether it
    /// is hidden. Label numbers keep their own colours whatever the gaps
    /// between them: the colour is looked up by value, never by rank.
    pub fn present_labels(&self) -> Vec<PresentLabel> {
        self.counts
            .iter()
            .map(|&(value, count)| {
                let named = self.labels.iter().find(|l| l.value == value);
                PresentLabel {
                    value,
                    name: named.map(|l| l.name.clone()),
                    colour: named
                        .and_then(|l| l.colour)
                        .unwrap_or_else(|| crate::render::label_colour(value)),
                    count,
                    hidden: self.hidden.binary_search(&value).is_ok(),
                }
            })
            .collect()
    }

    /// Hides or shows one label value.
    pub fn set_hidden(&mut self, value: i64, hidden: bool) {
        match (self.hidden.binary_search(&value), hidden) {
            (Err(at), true) => self.hidden.insert(at, value),
            (Ok(at), false) => {
                self.hidden.remove(at);
            }
            _ => {}
        }
    }

    /// Names the overlay's values from a table chosen for it: its entries
    /// replace or extend the file's own names and colours. A mask becomes
    /// a label map, drawn in the table's colours.
    pub fn use_table(&mut self, table: &crate::volume::LabelTable) {
        // The overlay holds one layer's labels: the table applies to it
        // as to a file of one layer.
        for l in &mut self.labels {
            l.layer = 0;
        }
        table.apply_to(&mut self.labels);
        for l in &mut self.labels {
            l.layer = self.frame_index;
        }
        if matches!(self.style, LayerStyle::Mask(_)) {
            self.style = LayerStyle::Labels;
            self.kind = "label map";
        }
    }

    pub fn layer(&self) -> OverlayLayer<'_> {
        OverlayLayer {
            values: &self.frame,
            grid: &self.volume.grid,
            style: self.style,
            opacity: self.opacity,
            outline: self.outline,
            interpolation: self.interpolation,
            labels: &self.labels,
            hidden: &self.hidden,
        }
    }

    /// The one-line verdict shown in the banner and the list.
    pub fn verdict(&self) -> String {
        // A wrong arrangement is the most telling finding: lead with it.
        let findings = &self.report.findings;
        let first = findings
            .iter()
            .find(|f| f.is_misarrangement())
            .or(findings.first())
            .map(ToString::to_string)
            .unwrap_or_default();
        if self.report.aligned {
            format!("{}: aligned with the base", self.name)
        } else {
            format!("{}: NOT aligned with the base: {first}", self.name)
        }
    }
}

/// The overlays in drawing order (first drawn first, so last is on top).
#[derive(Default, Clone)]
pub struct OverlayList {
    pub items: Vec<ForeignOverlay>,
    /// Bumped by every change that alters pixels: part of the texture key.
    pub revision: u64,
}

impl OverlayList {
    pub fn add(&mut self, overlay: ForeignOverlay) {
        self.items.push(overlay);
        self.touch();
    }

    pub fn remove(&mut self, index: usize) {
        if index < self.items.len() {
            self.items.remove(index);
            self.touch();
        }
    }

    /// Draws `index` one place later (nearer the top).
    pub fn raise(&mut self, index: usize) {
        if index + 1 < self.items.len() {
            self.items.swap(index, index + 1);
            self.touch();
        }
    }

    /// Draws `index` one place earlier (nearer the base).
    pub fn lower(&mut self, index: usize) {
        if index > 0 && index < self.items.len() {
            self.items.swap(index, index - 1);
            self.touch();
        }
    }

    pub fn clear(&mut self) {
        if !self.items.is_empty() {
            self.items.clear();
            self.touch();
        }
    }

    /// Call after changing an overlay's style, opacity or visibility.
    pub fn touch(&mut self) {
        self.revision += 1;
    }

    /// How many masks there are, so the next one gets the next colour.
    pub fn mask_count(&self) -> usize {
        self.items.iter().filter(|o| o.kind == "mask").count()
    }

    /// The visible layers in drawing order.
    pub fn layers(&self) -> Vec<OverlayLayer<'_>> {
        self.items
            .iter()
            .filter(|o| o.visible)
            .map(ForeignOverlay::layer)
            .collect()
    }

    /// Overlays whose check failed, for the banner.
    pub fn misaligned(&self) -> impl Iterator<Item = &ForeignOverlay> {
        self.items.iter().filter(|o| !o.report.aligned)
    }
}
