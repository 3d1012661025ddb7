//! Importing a NumPy array in the window: a 3D array in ijk or kji order, or
//! a 2D array on the current slice of a chosen plane, with the choices the
//! shape suggests and the placement described in words before anything is
//! added. The result becomes an overlay on the base's grid, checked like any
//! other, and exports with the base's geometry.

use crate::export::header_like;
use crate::geometry::Plane;
use crate::npy::{self, NpyArray, Order, Placed, SliceOptions, SliceTarget, Transpose};
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

    /// The placement the current choices give, or why there is none.
    pub fn place(&self, base: &Volume) -> Result<Placed, String> {
        let shape = &self.array.shape;
        let placed = if self.is_slice() {
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
        };
        placed.map_err(|e| e.to_string())
    }

    /// The placed array as a volume on the base's grid, carrying the base's
    /// header geometry; its source is the .npy file (hashed on export).
    pub fn volume_on_base(&self, base: &Volume, placed: Placed) -> Volume {
        let description = format!("rasview import-npy {}", self.name());
        Volume {
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
            scaling: Scaling::IDENTITY,
            voxels: placed.voxels,
            warnings: placed.warnings,
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
            let placed = import.place(base);
            match &placed {
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
                }
                Err(e) => {
                    ui.colored_label(egui::Color32::from_rgb(255, 110, 110), e);
                }
            }
            ui.horizontal(|ui| {
                if ui
                    .add_enabled(placed.is_ok(), egui::Button::new("Add as overlay"))
                    .clicked()
                {
                    if let Ok(p) = placed {
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
