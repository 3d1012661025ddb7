//! Go to a typed position (RAS millimetres, or a voxel index placed
//! through the base's `world_from_voxel`), and copy the cursor's RAS and
//! voxel to the clipboard. Nothing here is saved between runs.

use super::state::Viewer;

/// What the typed numbers are.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum GoToUnit {
    #[default]
    RasMm,
    Voxel,
}

/// The Go to field's text and what came of the last attempt.
#[derive(Debug, Clone, Default)]
pub struct GoTo {
    pub text: String,
    pub unit: GoToUnit,
    pub message: Option<String>,
}

/// Three numbers separated by commas or spaces ("10,-20,5", "[12 34 56]",
/// "(1.5, 2, 3)").
pub fn parse_triple(text: &str) -> Result<[f64; 3], String> {
    let cleaned: String = text
        .chars()
        .map(|c| if "[]()".contains(c) { ' ' } else { c })
        .collect();
    let parts: Vec<&str> = cleaned
        .split(|c: char| c == ',' || c.is_whitespace())
        .filter(|p| !p.is_empty())
        .collect();
    if parts.len() != 3 {
        return Err(format!(
            "type three numbers, e.g. 10,-20,5 (found {})",
            parts.len()
        ));
    }
    let mut out = [0.0; 3];
    for (o, p) in out.iter_mut().zip(&parts) {
        *o = p
            .parse::<f64>()
            .ok()
            .filter(|v| v.is_finite())
            .ok_or_else(|| format!("\"{p}\" is not a number"))?;
    }
    Ok(out)
}

impl Viewer {
    /// Moves the cursor to a RAS point, or to a voxel's centre (its world
    /// position through the base's affine); a point outside the volume's
    /// box is refused in words and the cursor stays.
    pub fn go_to(&mut self, numbers: [f64; 3], unit: GoToUnit) -> Result<[f64; 3], String> {
        let l = self.loaded.as_ref().ok_or("no volume is open")?;
        let world = match unit {
            GoToUnit::RasMm => numbers,
            GoToUnit::Voxel => l.volume.grid.world_from_voxel.apply(numbers),
        };
        if !self.inside_box(world) {
            return Err(format!(
                "({:.1}, {:.1}, {:.1}) mm is outside the volume",
                world[0], world[1], world[2]
            ));
        }
        self.cursor_ras = world;
        Ok(world)
    }

    /// The cursor as text: RAS in mm and the nearest voxel, each in the
    /// form Go to reads back.
    pub fn cursor_text(&self) -> Option<(String, Option<String>)> {
        let r = self.readout()?;
        let ras = format!("{:.2},{:.2},{:.2}", r.ras[0], r.ras[1], r.ras[2]);
        let voxel = r.voxel.map(|v| format!("{},{},{}", v[0], v[1], v[2]));
        Some((ras, voxel))
    }
}

/// The Go to field's id (the G key gives it the keyboard).
pub fn field_id() -> egui::Id {
    egui::Id::unique("go to field")
}

/// Copies "RAS x,y,z mm; voxel i,j,k" to the clipboard.
pub fn copy_cursor(ctx: &egui::Context, viewer: &Viewer) {
    if let Some((ras, voxel)) = viewer.cursor_text() {
        let voxel = voxel.unwrap_or_else(|| "outside".into());
        ctx.copy_text(format!("RAS {ras} mm; voxel {voxel}"));
    }
}

/// The Go to field with its unit, and the copy buttons.
pub fn panel(ui: &mut egui::Ui, viewer: &mut Viewer, goto: &mut GoTo) {
    ui.heading("Go to");
    ui.horizontal(|ui| {
        ui.radio_value(&mut goto.unit, GoToUnit::RasMm, "RAS mm");
        ui.radio_value(&mut goto.unit, GoToUnit::Voxel, "voxel i,j,k");
    });
    let mut go = false;
    ui.horizontal(|ui| {
        let label = ui.label("Position");
        let field = ui
            .add(
                egui::TextEdit::singleline(&mut goto.text)
                    .id(field_id())
                    .hint_text("10,-20,5")
                    .desired_width(130.0),
            )
            .labelled_by(label.id);
        go |= field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        go |= ui.button("Go").clicked();
    });
    if go {
        goto.message = parse_triple(&goto.text)
            .and_then(|n| viewer.go_to(n, goto.unit))
            .err();
    }
    if let Some(m) = &goto.message {
        ui.colored_label(egui::Color32::from_rgb(255, 110, 110), m);
    }
    if let Some((ras, voxel)) = viewer.cursor_text() {
        ui.horizontal(|ui| {
            if ui.button("Copy RAS").clicked() {
                ui.ctx().copy_text(ras);
            }
            if let Some(voxel) = voxel {
                if ui.button("Copy voxel").clicked() {
                    ui.ctx().copy_text(voxel);
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn three_numbers_in_any_usual_form() {
        assert_eq!(parse_triple("10,-20,5"), Ok([10.0, -20.0, 5.0]));
        assert_eq!(parse_triple(" [12 34 56] "), Ok([12.0, 34.0, 56.0]));
        assert_eq!(parse_triple("(1.5, 2, -3e1)"), Ok([1.5, 2.0, -30.0]));
        assert!(parse_triple("1,2").unwrap_err().contains("found 2"));
        assert!(parse_triple("1,x,2").unwrap_err().contains("\"x\""));
        assert!(parse_triple("1,NaN,2").is_err());
    }
}
