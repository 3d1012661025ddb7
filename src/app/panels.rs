//! The controls, the file facts and the readout beside the views.

use super::state::Viewer;
use crate::edges::Histogram;
use crate::geometry::{Convention, Interpolation};
use crate::render::{Colormap, WindowLevel};
use egui::{Color32, RichText};

/// Window/level, colormap, interpolation, convention, 4D frame.
pub fn controls(ui: &mut egui::Ui, viewer: &mut Viewer) {
    ui.heading("Display");
    let Some(loaded) = &viewer.loaded else {
        ui.label("Open a volume: NIfTI, NRRD, MetaImage or a DICOM folder (File > Open, or drop it on the window).");
        return;
    };
    let range = loaded.range;
    let volume_count = loaded.volume.volume_count;
    let frame_index = loaded.frame_index;
    let all_volumes_held = loaded.volume.volumes_held().len() == volume_count;
    let (lo, hi) = if range.has_values() {
        (range.min, range.max)
    } else {
        (0.0, 1.0)
    };
    let span = (hi - lo).max(1e-6);

    let w = &mut viewer.display.window;
    ui.add(
        egui::Slider::new(&mut w.window, span * 1e-3..=span * 2.0)
            .text("Window")
            .logarithmic(true),
    );
    ui.add(egui::Slider::new(&mut w.level, lo - span * 0.5..=hi + span * 0.5).text("Level"));
    ui.horizontal(|ui| {
        if ui.button("Auto (2-98%)").clicked() {
            viewer.auto_window();
        }
        if ui.button("Full range").clicked() {
            viewer.display.window = WindowLevel::from_range(lo, hi);
        }
    });
    if looks_like_hounsfield(lo, hi) {
        ui.horizontal(|ui| {
            ui.label("CT:");
            for (name, preset) in CT_PRESETS {
                if ui.button(name).clicked() {
                    viewer.display.window = preset;
                }
            }
        });
    }

    egui::ComboBox::from_label("Colormap")
        .selected_text(viewer.display.colormap.name())
        .show_ui(ui, |ui| {
            for c in Colormap::ALL {
                ui.selectable_value(&mut viewer.display.colormap, c, c.name());
            }
        });
    ui.horizontal(|ui| {
        ui.label("Interpolation");
        ui.radio_value(
            &mut viewer.display.interpolation,
            Interpolation::Nearest,
            "nearest",
        );
        ui.radio_value(
            &mut viewer.display.interpolation,
            Interpolation::Linear,
            "linear",
        );
    });
    ui.horizontal(|ui| {
        ui.label("Convention");
        ui.radio_value(
            &mut viewer.convention,
            Convention::Radiological,
            "radiological",
        );
        ui.radio_value(
            &mut viewer.convention,
            Convention::Neurological,
            "neurological",
        );
    });
    if volume_count > 1 {
        // The slider shows the volume asked for while its frame is made.
        let shown = viewer.wanted_frame.unwrap_or(frame_index);
        let mut t = shown;
        // The slider reaches only the volumes that have arrived.
        if all_volumes_held {
            ui.add(egui::Slider::new(&mut t, 0..=volume_count - 1).text("Volume"));
        } else {
            ui.label(format!(
                "Volume {frame_index} of {volume_count}: the others are loading"
            ));
        }
        if t != shown {
            // Converted on a thread of the window's (a 256^3 frame takes
            // tens of milliseconds); this frame keeps showing meanwhile.
            viewer.wanted_frame = (t != frame_index).then_some(t);
        }
    }
    if ui.button("Reset views (Home)").clicked() {
        viewer.reset_views();
    }
}

/// What the file is and where it sits in the world.
pub fn file_facts(ui: &mut egui::Ui, viewer: &Viewer) {
    let Some(loaded) = &viewer.loaded else { return };
    let v = &loaded.volume;
    ui.heading("File");
    let name = v
        .source
        .header
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    ui.label(RichText::new(name).strong());
    let s = v.grid.spacing_mm();
    egui::Grid::new("facts").num_columns(2).show(ui, |ui| {
        ui.label("shape");
        ui.label(format!("{:?} x {}", v.grid.shape, v.volume_count));
        ui.end_row();
        ui.label("datatype");
        ui.label(v.datatype().name());
        ui.end_row();
        ui.label("voxel mm");
        ui.label(format!("{:.3} x {:.3} x {:.3}", s[0], s[1], s[2]));
        ui.end_row();
        ui.label("orientation");
        let oblique = if v.grid.is_oblique() {
            format!(", oblique {:.2} deg", v.grid.obliquity_degrees())
        } else {
            String::new()
        };
        ui.label(format!("{}{oblique}", v.grid.axcodes()));
        ui.end_row();
        ui.label("affine from");
        ui.label(v.affine_source.name());
        ui.end_row();
    });
    for w in &v.warnings {
        ui.label(RichText::new(format!("warning: {w}")).color(Color32::from_rgb(240, 180, 60)));
    }
}

/// The cursor in world and voxel coordinates, and the value there.
pub fn readout(ui: &mut egui::Ui, viewer: &Viewer) {
    let Some(r) = viewer.readout() else { return };
    ui.heading("Cursor");
    egui::Grid::new("readout").num_columns(2).show(ui, |ui| {
        ui.label("RAS mm");
        ui.label(format!("{:.2}, {:.2}, {:.2}", r.ras[0], r.ras[1], r.ras[2]));
        ui.end_row();
        ui.label("voxel");
        let f = r.voxel_fractional;
        ui.label(format!("{:.2}, {:.2}, {:.2}", f[0], f[1], f[2]));
        ui.end_row();
        ui.label("nearest");
        ui.label(match r.voxel {
            Some(v) => format!("[{}, {}, {}]", v[0], v[1], v[2]),
            None => "outside".into(),
        });
        ui.end_row();
        ui.label("value");
        let value = match (r.value, r.rgb) {
            (Some(_), Some([red, g, b])) => format!("rgb {red}, {g}, {b}"),
            (Some(v), None) => format!("{v}"),
            _ => "-".into(),
        };
        ui.label(value);
        ui.end_row();
        // Named labels under the cursor: the base's, then each overlay's.
        let base = viewer
            .loaded
            .as_ref()
            .map(|l| (&l.volume, l.frame_index, &l.volume.labels));
        let overlays = viewer
            .overlays
            .items
            .iter()
            .filter(|o| o.visible)
            .map(|o| (&o.volume, o.frame_index, &o.labels));
        for (volume, t, labels) in base.into_iter().chain(overlays) {
            if labels.is_empty() {
                continue;
            }
            let value = volume.probe(r.ras, t).map(|(_, v)| v.round() as i64);
            let name = match value {
                None => "outside".to_string(),
                Some(0) => "(none)".to_string(),
                Some(v) => labels
                    .iter()
                    .find(|l| l.value == v && l.layer == t)
                    .map_or_else(|| format!("{v} (unnamed)"), |l| l.name.clone()),
            };
            ui.label("label");
            ui.label(name);
            ui.end_row();
        }
    });
}

/// A vertical line drawn on a histogram: its name, where, its colour.
type Marker = (&'static str, f64, Color32);

/// One histogram plot (log counts), each bar spanning its own bin (the
/// gradient's bins differ in width near the top, see
/// `edges::threshold::plot_bins`), with `markers` drawn over it.
fn histogram_plot(ui: &mut egui::Ui, id: &str, h: &Histogram, height: f32, markers: &[Marker]) {
    use egui_plot::{Bar, BarChart, Plot, VLine};
    let bars: Vec<Bar> = h
        .counts
        .iter()
        .enumerate()
        .map(|(n, &c)| {
            let (lo, hi) = h.bin(n);
            Bar::new(0.5 * (lo as f64 + hi as f64), (1.0 + c as f64).log10())
                .width((hi - lo) as f64)
        })
        .collect();
    Plot::new(id)
        .height(height)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label("log10 count")
        .show(ui, |plot| {
            plot.bar_chart(BarChart::new(id, bars).color(Color32::from_gray(170)));
            for &(name, x, colour) in markers {
                plot.vline(VLine::new(name, x).color(colour));
            }
        });
}

/// The frame's intensity histogram with the window band marked.
pub fn intensity_histogram(ui: &mut egui::Ui, viewer: &Viewer, h: &Histogram) {
    let w = viewer.display.window;
    let orange = Color32::from_rgb(240, 180, 60);
    ui.label("Intensity histogram (window in orange)");
    histogram_plot(
        ui,
        "histogram",
        h,
        120.0,
        &[
            ("window low", w.low(), orange),
            ("window high", w.high(), orange),
        ],
    );
}

/// Histogram of gradient magnitude with the thresholds in use drawn on it.
pub fn gradient_histogram(ui: &mut egui::Ui, viewer: &Viewer) {
    let Some(edges) = &viewer.edges else { return };
    let Some(h) = &edges.magnitude_histogram else {
        return;
    };
    ui.label("Gradient magnitude, intensity per mm (low and high thresholds in red)");
    let markers: Vec<Marker> = edges
        .thresholds
        .map(|[low, high]| {
            vec![
                ("low", low as f64, Color32::from_rgb(255, 120, 120)),
                ("high", high as f64, Color32::from_rgb(255, 40, 40)),
            ]
        })
        .unwrap_or_default();
    histogram_plot(ui, "gradient histogram", h, 90.0, &markers);
}

/// Intensity and gradient along the active view's horizontal crosshair
/// line, with the edges it crosses marked.
pub fn profile(ui: &mut egui::Ui, viewer: &Viewer) {
    use egui_plot::{Line, Plot, PlotPoints, VLine};
    let Some(p) = viewer.profile() else { return };
    if p.positions_mm.is_empty() {
        return;
    }
    let thresholds = viewer.edges.as_ref().and_then(|e| e.thresholds);
    ui.label(format!(
        "Profile along the {} crosshair, mm from the cursor (edges in red)",
        viewer.active_plane.name()
    ));
    let series = |values: &[f64]| -> PlotPoints {
        p.positions_mm
            .iter()
            .zip(values)
            .map(|(&x, &y)| [x, y])
            .collect()
    };
    let edge_lines = |plot: &mut egui_plot::PlotUi| {
        for &x in &p.edges_mm {
            plot.vline(
                VLine::new("edge", x).color(Color32::from_rgba_unmultiplied(255, 40, 40, 140)),
            );
        }
    };
    Plot::new("intensity profile")
        .height(80.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label("intensity")
        .show(ui, |plot| {
            edge_lines(plot);
            plot.line(Line::new("intensity", series(&p.intensity)).color(Color32::from_gray(220)));
        });
    Plot::new("gradient profile")
        .height(80.0)
        .allow_drag(false)
        .allow_zoom(false)
        .allow_scroll(false)
        .y_axis_label("per mm")
        .show(ui, |plot| {
            edge_lines(plot);
            plot.line(
                Line::new("gradient", series(&p.gradient)).color(Color32::from_rgb(120, 200, 255)),
            );
            if let Some([low, high]) = thresholds {
                plot.hline(
                    egui_plot::HLine::new("low", low as f64)
                        .color(Color32::from_rgb(255, 120, 120)),
                );
                plot.hline(
                    egui_plot::HLine::new("high", high as f64)
                        .color(Color32::from_rgb(255, 40, 40)),
                );
            }
        });
}

/// CT presets, offered when values look like Hounsfield units.
const CT_PRESETS: [(&str, WindowLevel); 3] = [
    (
        "Brain",
        WindowLevel {
            window: 80.0,
            level: 40.0,
        },
    ),
    (
        "Bone",
        WindowLevel {
            window: 2000.0,
            level: 400.0,
        },
    ),
    (
        "Lung",
        WindowLevel {
            window: 1500.0,
            level: -600.0,
        },
    ),
];

/// A volume looks like CT in Hounsfield units when air (about -1000) and
/// dense tissue are both present.
fn looks_like_hounsfield(min: f64, max: f64) -> bool {
    (-1100.0..=-900.0).contains(&min) && max > 300.0
}
