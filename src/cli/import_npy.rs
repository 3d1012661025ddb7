//! `rasview import-npy`: a NumPy array written as NIfTI on a base volume's
//! grid (its geometry, the array's type), with a sidecar that records how.

use crate::export::{
    header_like, input_records, json_sidecar_path, refuse_to_overwrite, sha256_of, InputRecord,
    Sidecar,
};
use crate::geometry::Plane;
use crate::npy::{self, Order, SliceOptions, SliceTarget, Transpose};
use crate::volume::{self, save};
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OrderArg {
    /// From the shape: (nx, ny, nz) is ijk, (nz, ny, nx) is kji.
    Auto,
    /// Array axes (i, j, k), as nibabel's get_fdata() gives.
    Ijk,
    /// Array axes (k, j, i), as SimpleITK's GetArrayFromImage and Slicer's arrayFromVolume give.
    Kji,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum TransposeArg {
    /// From the shape; a square slice is taken as a (z, y, x) slice, with a warning.
    Auto,
    /// Rows along the first of the slice's voxel axes, as nibabel's get_fdata()[:, :, k] gives.
    Yes,
    /// Rows along the second of the slice's voxel axes, as a slice of a (z, y, x) array has.
    No,
}

#[derive(Debug, clap::Args)]
pub struct ImportNpyArgs {
    /// A NumPy .npy file: 2D (one slice) or 3D, any numeric dtype, C or Fortran order.
    pub array: PathBuf,
    /// The volume (any format rasview reads) whose grid and geometry the output takes.
    #[arg(long, value_name = "BASE")]
    pub like: PathBuf,
    /// The image to write: NIfTI (.nii, .nii.gz, .hdr), NRRD (.nrrd) or MetaImage (.mha, .mhd) by the name; OUT.json is written beside it.
    #[arg(long)]
    pub out: PathBuf,
    /// How a 3D array's axes map to voxel axes.
    #[arg(long, value_enum, default_value_t = OrderArg::Auto)]
    pub order: OrderArg,
    /// For a 2D array: the plane of the slice it is (the voxel axis closest to its normal).
    #[arg(long, value_enum, requires = "slice")]
    pub plane: Option<Plane>,
    /// For a 2D array: the slice's index along that voxel axis.
    #[arg(long, value_name = "N", requires = "plane")]
    pub slice: Option<usize>,
    /// For a 2D array: which way its rows lie.
    #[arg(long, value_enum, default_value_t = TransposeArg::Auto)]
    pub transpose: TransposeArg,
    /// For a 2D array: reverse the order of its rows (np.flipud) before placing.
    #[arg(long)]
    pub flip_rows: bool,
    /// For a 2D array: reverse the order of its columns (np.fliplr) before placing.
    #[arg(long)]
    pub flip_columns: bool,
}

#[derive(Debug, Serialize)]
struct Parameters {
    order: OrderArg,
    plane: Option<Plane>,
    slice: Option<usize>,
    transpose: TransposeArg,
    flip_rows: bool,
    flip_columns: bool,
}

#[derive(Debug, Serialize)]
struct ArrayFacts {
    shape: Vec<usize>,
    descr: String,
    fortran_order: bool,
    npy_version: String,
}

#[derive(Debug, Serialize)]
struct ImportRecord {
    base: Vec<InputRecord>,
    array: InputRecord,
    array_facts: ArrayFacts,
    parameters: Parameters,
    placement: Vec<String>,
    warnings: Vec<String>,
    output: String,
    output_datatype: &'static str,
}

pub fn run(args: &ImportNpyArgs) -> Result<ExitCode> {
    let base = volume::load(&args.like)?;
    let sidecar_path = json_sidecar_path(&args.out);
    for target in [&args.out, &sidecar_path] {
        refuse_to_overwrite(target, &[&base])?;
        refuse_to_overwrite_file(target, &args.array)?;
    }
    let array = npy::read_npy(&args.array)?;
    let base_shape = base.grid.shape;

    let placed = match (args.plane, args.slice) {
        (Some(plane), Some(index)) => {
            if args.order != OrderArg::Auto {
                bail!("--order is for a 3D array; a slice placed with --plane takes --transpose and the flips");
            }
            let target = SliceTarget::in_volume(&base, plane, index);
            let options = SliceOptions {
                transpose: match args.transpose {
                    TransposeArg::Auto => Transpose::Auto,
                    TransposeArg::Yes => Transpose::Yes,
                    TransposeArg::No => Transpose::No,
                },
                flip_rows: args.flip_rows,
                flip_columns: args.flip_columns,
            };
            let mut placed =
                npy::place_slice(&array.values, &array.shape, base_shape, target, options)
                    .with_context(|| placing(&args.array, &args.like))?;
            if base.grid.is_oblique() {
                placed.sentences.push(format!(
                    "the base is oblique by {:.2} degrees: its {} slices across voxel axis {} are tilted from the world {} plane by up to that much",
                    base.grid.obliquity_degrees(),
                    plane.name(),
                    ["i", "j", "k"][target.axis],
                    plane.name()
                ));
            }
            placed
        }
        _ => {
            if args.transpose != TransposeArg::Auto || args.flip_rows || args.flip_columns {
                bail!(
                    "--transpose, --flip-rows and --flip-columns are for a 2D array placed with --plane and --slice"
                );
            }
            let order = match args.order {
                OrderArg::Auto => None,
                OrderArg::Ijk => Some(Order::Ijk),
                OrderArg::Kji => Some(Order::Kji),
            };
            npy::place_volume(&array.values, &array.shape, base_shape, order)
                .with_context(|| placing(&args.array, &args.like))?
        }
    };

    let command_text = format!(
        "rasview import-npy {}",
        args.array
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default()
    );
    let header = header_like(&base.header, &command_text);
    let sidecar = Sidecar::new(
        "import-npy",
        ImportRecord {
            base: input_records(&base)?,
            array: InputRecord {
                path: args.array.display().to_string(),
                sha256: sha256_of(&args.array)?,
            },
            array_facts: ArrayFacts {
                shape: array.shape.clone(),
                descr: array.descr.clone(),
                fortran_order: array.fortran_order,
                npy_version: format!("{}.{}", array.version.0, array.version.1),
            },
            parameters: Parameters {
                order: args.order,
                plane: args.plane,
                slice: args.slice,
                transpose: args.transpose,
                flip_rows: args.flip_rows,
                flip_columns: args.flip_columns,
            },
            placement: placed.sentences.clone(),
            warnings: placed.warnings.clone(),
            output: args.out.display().to_string(),
            output_datatype: placed.voxels.datatype().name(),
        },
    );
    let image = save::stage_image(&args.out, &header, &base.grid, &placed.voxels, 1)?;
    sidecar.write_with(&sidecar_path, image)?;

    for s in &placed.sentences {
        eprintln!("{s}");
    }
    for w in &placed.warnings {
        eprintln!("warning: {w}");
    }
    eprintln!(
        "{} {} on the grid of {} -> {}",
        npy::shape_text(&array.shape),
        array.descr,
        args.like.display(),
        args.out.display()
    );
    Ok(ExitCode::SUCCESS)
}

fn placing(array: &Path, base: &Path) -> String {
    format!(
        "placing {} on the grid of {}",
        array.display(),
        base.display()
    )
}

/// An output may not replace the array it was made from.
fn refuse_to_overwrite_file(out: &Path, input: &Path) -> Result<()> {
    let (Ok(target), Ok(source)) = (std::fs::canonicalize(out), std::fs::canonicalize(input))
    else {
        return Ok(()); // the output does not exist yet (or the input is missing: reading says so)
    };
    if target == source {
        bail!(
            "refusing to overwrite the input {} with an output",
            input.display()
        );
    }
    Ok(())
}
