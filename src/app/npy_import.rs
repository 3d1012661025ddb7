//! Importing a NumPy array in the window: a 3D array in ijk or kji order, or
//! a 2D array on the current slice of a chosen plane, with the choices the
//! shape suggests and the placement described in words before anything is
//! added. The result becomes an overlay on the base's grid, checked like any
//! other, and exports with the base's geometry.

use crate::export::header_like;
use crate::geometry::Plane;
use crate::npy::{
    self, NpyArray, Order, Placed, PlacementError, SliceOptions, SliceTarget, Transpose,
};
use crate::volume::files::FileSet;
use crate::volume::{Scaling, Volume};
use std::path::PathBuf;

/// The dialog's state: the array and the choices made so far.
pub struct NpyImport {
    pub path: PathBuf,
    pub array: NpyArray,
    /// `None`: the order the shape suggests.
    pub order: Option<Order>,
    pub plane: Plane,
    /// Slice index along the voxel axis closest to the plane's normal.
    pub slice: usize,
    pub options: SliceOptions,
    /// The placement for the choices it was made with: placing copies the
    /// whole array, so it is done once per choice, not on every repaint.
    placed: Option<(Choices, Result<Placed, String>)>,
    /// How many placements were made (a test counts them).
    pub placements: u64,
}

/// Every choice a placement depends on.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Choices {
    order: Option<Order>,
    plane: Plane,
    slice: usize,
    options: SliceOptions,
}

impl NpyImport {
    /// Starts on the cursor's slice of the active plane.
    pub fn new(
        path: PathBuf,
        array: NpyArray,
        base: &Volume,
        plane: Plane,
        cursor: [f64; 3],
    ) -> Self {
        let mut import = NpyImport {
            path,
            array,
            order: None,
            plane,
            slice: 0,
            options: SliceOptions::default(),
            placed: None,
            placements: 0,
        };
        import.slice = import.cursor_slice(base, cursor);
        import
    }

    /// The slice through the cursor along the plane's slice axis.
    pub fn cursor_slice(&self, base: &Volume, cursor: [f64; 3]) -> usize {
        let axis = SliceTarget::in_volume(base, self.plane, 0).axis;
        let v = base.grid.voxel_from_world(cursor)[axis];
        (v.round().max(0.0) as usize).min(base.grid.shape[axis] - 1)
    }

    /// True for a slice (two axes longer than 1), false for a volume.
    pub fn is_slice(&self) -> bool {
        self.array.shape.iter().filter(|&&n| n > 1).count() == 2
    }

    fn choices(&self) -> Choices {
        Choices {
            order: self.order,
            plane: self.plane,
            slice: self.slice,
            options: self.options,
        }
    }

    /// The placement the current choices give, or why there is none (in
    /// the window's words); placed again only when a choice has changed.
    pub fn placement(&mut self, base: &Volume) -> &Result<Placed, String> {
        let choices = self.choices();
        let placed = match self.placed.take() {
            Some((made_for, placed)) if made_for == choices => placed,
            _ => {
                self.placements += 1;
                self.place(base).map_err(|e| in_window_words(&e))
            }
        };
        &self.placed.insert((choices, placed)).1
    }

    /// Takes the placement for the current choices (the dialog is closing).
    fn take_placement(&mut self, base: &Volume) -> Option<Placed> {
        self.placement(base);
        match self.placed.take() {
            Some((_, Ok(placed))) => Some(placed),
            _ => None,
        }
    }

    /// The placement the current choices give, or why there is none.
    pub fn place(&self, base: &Volume) -> Result<Placed, PlacementError> {
        let shape = &self.array.shape;
        if self.is_slice() {
            let target = SliceTarget::in_volume(base, self.plane, self.slice);
            npy::place_slice(
                &self.array.values,
                shape,
                base.grid.shape,
                target,
                self.options,
            )
        } else {
            npy::place_volume(&self.array.values, shape, base.grid.shape, self.order)
        }
    }

    /// The placed array as a volume on the base's grid, carrying the base's
    /// header geometry; its source is the .npy file (hashed on export).
    pub fn volume_on_base(&self, base: &Volume, placed: Placed) -> Volume {
        let description = format!("rasview import-npy {}", self.name());
        Volume {
            format: base.format,
            source: FileSet {
                header: self.path.clone(),
                image: self.path.clone(),
            },
            header: header_like(&base.header, &description),
            grid: base.grid,
            affine_source: base.affine_source,
            sform: base.sform,
            qform: base.qform,
            volume_count: 1,
            first_volume: 0,
            scaling: Scaling::IDENTITY,
            voxels: placed.voxels,
            warnings: placed.warnings,
            files_read: Vec::new(),
            labels: Vec::new(),
        }
    }

    pub fn name(&self) -> String {
        self.path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    }
}

/// What the dialog asks the window to do.
pub enum ImportChoice {
    Keep,
    Cancel,
    /// Add this volume (on the base's grid) as an overlay.
    Add(Box<Volume>),
}

/// The dialog; `cursor` is where "the current slice" is.
pub fn show(
    ctx: &egui::Context,
    import: &mut NpyImport,
    base: &Volume,
    cursor: [f64; 3],
) -> ImportChoice {
    let mut choice = ImportChoice::Keep;
    egui::Window::new("Import NumPy array")
        .collapsible(false)
        .show(ctx, |ui| {
            ui.label(format!(
                "{}: shape {}, dtype {}{}",
                import.name(),
                npy::shape_text(&import.array.shape),
                import.array.descr,
                if import.array.fortran_order {
                    ", Fortran order"
                } else {
                    ""
                }
            ));
            ui.label(format!("base grid: {:?} (i, j, k)", base.grid.shape));
            if import.is_slice() {
                slice_choices(ui, import, base, cursor);
            } else {
                ui.horizontal(|ui| {
                    ui.label("axis order");
                    ui.radio_value(&mut import.order, None, "from the shape");
                    ui.radio_value(&mut import.order, Some(Order::Ijk), "ijk (nibabel)");
                    ui.radio_value(
                        &mut import.order,
                        Some(Order::Kji),
                        "kji (SimpleITK, Slicer, (z, y, x))",
                    );
                });
            }
            ui.separator();
            let placed_ok = match import.placement(base) {
                Ok(p) => {
                    for s in &p.sentences {
                        ui.label(s);
                    }
                    for w in &p.warnings {
                        ui.colored_label(
                            egui::Color32::from_rgb(255, 200, 80),
                            format!("check: {w}"),
                        );
                    }
                    true
                }
                Err(e) => {
                    ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
                    false
                }
            };
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(placed_ok, egui::Button::new("Add as overlay"))
                    .clicked()
                {
                    if let Some(p) = import.take_placement(base) {
                        choice = ImportChoice::Add(Box::new(import.volume_on_base(base, p)));
                    }
                }
                if ui.button("Cancel").clicked() {
                    choice = ImportChoice::Cancel;
                }
            });
        });
    choice
}

fn slice_choices(ui: &mut egui::Ui, import: &mut NpyImport, base: &Volume, cursor: [f64; 3]) {
    ui.horizontal(|ui| {
        ui.label("slice of");
        for plane in Plane::ALL {
            if ui
                .radio_value(&mut import.plane, plane, plane.name())
                .changed()
            {
                import.slice = import.cursor_slice(base, cursor);
            }
        }
    });
    let axis = SliceTarget::in_volume(base, import.plane, 0).axis;
    ui.horizontal(|ui| {
        let label = ui.label(format!("slice {} =", ["i", "j", "k"][axis]));
        ui.add(egui::DragValue::new(&mut import.slice).range(0..=base.grid.shape[axis] - 1))
            .labelled_by(label.id);
        if ui.button("the cursor's").clicked() {
            import.slice = import.cursor_slice(base, cursor);
        }
    });
    ui.horizontal(|ui| {
        ui.label("rows are");
        let t = &mut import.options.transpose;
        ui.radio_value(t, Transpose::Auto, "from the shape");
        ui.radio_value(
            t,
            Transpose::No,
            "(z, y, x) slice: rows along the slower axis",
        );
        ui.radio_value(
            t,
            Transpose::Yes,
            "nibabel slice: rows along the faster axis",
        );
    });
    ui.horizontal(|ui| {
        ui.checkbox(&mut import.options.flip_rows, "flip rows (np.flipud)");
        ui.checkbox(&mut import.options.flip_columns, "flip columns (np.fliplr)");
    });
}

/// Why an array cannot be placed, in the window's words: the choices are
/// the dialog's buttons, never the command line's flags.
pub fn in_window_words(e: &PlacementError) -> String {
    let shape = |s: &[usize]| npy::shape_text(s);
    match e {
        PlacementError::SliceNeedsPlane { shape: s } => format!(
            "a 2D array of shape {} is one slice: choose its plane and slice above",
            shape(s)
        ),
        PlacementError::VolumeGivenPlane { shape: s } => format!(
            "an array of shape {} is a whole volume, not a slice: choose its axis order",
            shape(s)
        ),
        PlacementError::BothOrdersFit { shape: s, base } => format!(
            "shape {} fits both axis orders of the base grid {base:?} (its first and last dims \
             are equal): choose ijk (nibabel's get_fdata) or kji (SimpleITK's GetArrayFromImage, \
             Slicer's arrayFromVolume) above",
            shape(s)
        ),
        PlacementError::OrderDoesNotFit {
            order,
            shape: s,
            base,
        } => format!(
            "axis order {} needs shape {} on the base grid {base:?}, the array has shape {}",
            order.name(),
            shape(&order.expected_shape(*base)),
            shape(s)
        ),
        PlacementError::TransposeDoesNotFit {
            transpose,
            plane,
            shape: s,
            expected,
            base,
        } => format!(
            "rows {} need shape {} for a {} slice of the base grid {base:?}, the array has shape {}",
            if *transpose == Transpose::Yes {
                "along the faster axis (a nibabel slice)"
            } else {
                "along the slower axis (a (z, y, x) slice)"
            },
            shape(expected),
            plane.name(),
            shape(s)
        ),
        // The others name shapes and axes only.
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_window_message_names_a_command_line_flag() {
        let base = [4, 3, 2];
        let errors = [
            PlacementError::SliceNeedsPlane { shape: vec![3, 4] },
            PlacementError::VolumeGivenPlane {
                shape: vec![4, 3, 2],
            },
            PlacementError::BothOrdersFit {
                shape: vec![4, 3, 4],
                base,
            },
            PlacementError::OrderDoesNotFit {
                order: Order::Ijk,
                shape: vec![2, 3, 4],
                base,
            },
            PlacementError::TransposeDoesNotFit {
                transpose: Transpose::Yes,
                plane: Plane::Axial,
                shape: vec![3, 4],
                expected: vec![4, 3],
                base,
            },
            PlacementError::NoOrderFits {
                shape: vec![5, 5, 5],
                base,
                hint: String::new(),
            },
            PlacementError::WrongLength {
                shape: vec![2, 2],
                values: 3,
            },
        ];
        for e in &errors {
            let words = in_window_words(e);
            assert!(!words.contains("--"), "{words}");
            assert!(words.contains('('), "names the shape: {words}");
        }
    }
}
