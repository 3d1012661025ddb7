//! One view in the window: its picture, crosshair and orientation letters,
//! and the mouse and keys that act on it.

use super::state::{ScreenMapping, Viewer};
use super::textures::ViewTextures;
use crate::geometry::Plane;
use egui::{Align2, Color32, FontId, PointerButton, Pos2, Rect, Sense, Stroke, Vec2};

/// Crosshair colour: green reads on grey and on every colormap offered.
const CROSSHAIR: Color32 = Color32::from_rgb(60, 220, 60);
const LETTERS: Color32 = Color32::from_rgb(255, 220, 40);

/// Trackpads send scroll in points: this many make one slice step.
const POINTS_PER_STEP: f32 = 40.0;

/// Per-view memory between frames.
#[derive(Default)]
pub struct ViewInput {
    scroll_points: f32,
}

/// Draws a view in `rect` and applies its input to the viewer.
pub fn show(
    ui: &mut egui::Ui,
    rect: Rect,
    plane: Plane,
    viewer: &mut Viewer,
    textures: &mut ViewTextures,
    input: &mut ViewInput,
) {
    let id = ui.scope_id().with(("view", plane.name()));
    let response = ui.interact(rect, id, Sense::click_and_drag());
    response.widget_info(|| {
        egui::WidgetInfo::labeled(egui::Role::Image, true, format!("{} view", plane.name()))
    });
    let painter = ui.painter_at(rect);
    painter.rect_filled(rect, 0.0, Color32::BLACK);

    let size = [rect.width() as f64, rect.height() as f64];
    let Some(mapping) = viewer.screen_mapping(plane, size) else {
        painter.text(
            rect.center(),
            Align2::CENTER_CENTER,
            "no volume",
            FontId::proportional(14.0),
            Color32::GRAY,
        );
        return;
    };

    handle_input(ui, &response, rect, plane, viewer, &mapping, input);
    // Input may have changed the cursor, zoom or window: draw what is now true.
    let Some(mapping) = viewer.screen_mapping(plane, size) else {
        return;
    };
    if let Some(texture) = textures.get(ui.ctx(), viewer, &mapping.spec) {
        let extent = Vec2::new(
            (mapping.spec.width as f64 * mapping.spec.pixel_mm * mapping.points_per_mm) as f32,
            (mapping.spec.height as f64 * mapping.spec.pixel_mm * mapping.points_per_mm) as f32,
        );
        let uv = Rect::from_min_max(Pos2::ZERO, Pos2::new(1.0, 1.0));
        painter.image(
            texture.id(),
            Rect::from_center_size(rect.center(), extent),
            uv,
            Color32::WHITE,
        );
    }

    if viewer.layout.crosshair {
        let at = viewer.screen_offset_of(plane, &mapping, viewer.cursor_ras);
        let cross = rect.center() + Vec2::new(at[0] as f32, at[1] as f32);
        let stroke = Stroke::new(1.0, CROSSHAIR);
        painter.line_segment(
            [
                Pos2::new(rect.left(), cross.y),
                Pos2::new(rect.right(), cross.y),
            ],
            stroke,
        );
        painter.line_segment(
            [
                Pos2::new(cross.x, rect.top()),
                Pos2::new(cross.x, rect.bottom()),
            ],
            stroke,
        );
    }
    super::ruler::draw_in_view(
        &painter,
        rect,
        plane,
        viewer,
        &mapping,
        response.hover_pos(),
    );

    super::roi::draw(&painter, rect, plane, viewer, &mapping);

    let letters = plane.screen_axes(viewer.convention).edge_letters();
    let font = FontId::proportional(16.0);
    let pad = 6.0;
    for (letter, pos, align) in [
        (
            letters.left,
            Pos2::new(rect.left() + pad, rect.center().y),
            Align2::LEFT_CENTER,
        ),
        (
            letters.right,
            Pos2::new(rect.right() - pad, rect.center().y),
            Align2::RIGHT_CENTER,
        ),
        (
            letters.top,
            Pos2::new(rect.center().x, rect.top() + pad),
            Align2::CENTER_TOP,
        ),
        (
            letters.bottom,
            Pos2::new(rect.center().x, rect.bottom() - pad),
            Align2::CENTER_BOTTOM,
        ),
    ] {
        if viewer.layout.letters {
            painter.text(pos, align, letter, font.clone(), LETTERS);
        }
    }
    painter.text(
        rect.left_top() + Vec2::new(pad, pad),
        Align2::LEFT_TOP,
        plane.name(),
        FontId::proportional(12.0),
        Color32::LIGHT_GRAY,
    );
    if viewer.active_plane == plane {
        painter.rect_stroke(
            rect.shrink(0.5),
            0.0,
            Stroke::new(1.0, Color32::from_gray(90)),
            egui::StrokeKind::Inside,
        );
    }
}

fn handle_input(
    ui: &egui::Ui,
    response: &egui::Response,
    rect: Rect,
    plane: Plane,
    viewer: &mut Viewer,
    mapping: &ScreenMapping,
    input: &mut ViewInput,
) {
    let offset_of = |p: Pos2| {
        [
            (p.x - rect.center().x) as f64,
            (p.y - rect.center().y) as f64,
        ]
    };
    let (shift, delta) = ui.input(|i| (i.modifiers.shift, i.pointer.delta()));
    let drag = [delta.x as f64, delta.y as f64];

    if response.dragged_by(PointerButton::Middle)
        || (shift && response.dragged_by(PointerButton::Primary))
    {
        viewer.pan(plane, mapping, drag);
    } else if response.dragged_by(PointerButton::Secondary) {
        viewer.drag_window(drag);
    } else if viewer.measure.active {
        // A click (not a drag) places a ruler end; a double click is two ends.
        if response.clicked() {
            if let Some(p) = response.interact_pointer_pos() {
                viewer.measure_click(plane, mapping, offset_of(p));
            }
        }
    } else if !shift && super::roi::handle_pointer(ui, response, rect, plane, viewer, mapping) {
        // A region of interest is being drawn.
    } else if response.is_pointer_button_down_on()
        && ui.input(|i| i.pointer.primary_down())
        && !shift
    {
        if let Some(p) = response.interact_pointer_pos() {
            viewer.click(plane, mapping, offset_of(p));
        }
    }

    if response.double_clicked() && !viewer.measure.active {
        viewer.layout.toggle_maximise(plane);
    }
    if response.hovered() {
        viewer.active_plane = plane;
        let events = ui.input(|i| i.events.clone());
        for event in events {
            if let egui::Event::MouseWheel {
                unit,
                delta,
                modifiers,
                ..
            } = event
            {
                if modifiers.ctrl || modifiers.command {
                    let pointer = response.hover_pos().unwrap_or(rect.center());
                    let factor = if delta.y > 0.0 { 1.15 } else { 1.0 / 1.15 };
                    viewer.zoom(plane, mapping, offset_of(pointer), factor);
                } else {
                    let steps = match unit {
                        egui::MouseWheelUnit::Point => {
                            input.scroll_points += delta.y;
                            let whole = (input.scroll_points / POINTS_PER_STEP).trunc();
                            input.scroll_points -= whole * POINTS_PER_STEP;
                            whole as i32
                        }
                        _ => delta.y.signum() as i32,
                    };
                    if steps != 0 {
                        viewer.step(plane, steps);
                    }
                }
            }
        }
        // Pinch on a trackpad.
        let pinch = ui.input(|i| i.multi_touch().map(|t| t.zoom_delta));
        if let Some(z) = pinch.filter(|z| (*z - 1.0).abs() > 1e-4) {
            let pointer = response.hover_pos().unwrap_or(rect.center());
            viewer.zoom(plane, mapping, offset_of(pointer), z as f64);
        }
    }
}
