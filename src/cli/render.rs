//! `rasview render`: one view to a PNG, with the geometry of every pixel beside it.

use crate::render::{
    self, Colormap, Convention, DisplaySettings, FrameSource, Interpolation, Plane, ViewSpec,
    WindowLevel,
};
use crate::volume::save::write_atomically;
use anyhow::{bail, Context, Result};
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// A NIfTI file.
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub plane: Plane,
    /// The cursor in RAS mm: the plane passes through it.
    #[arg(long, allow_hyphen_values = true, value_parser = super::parse_triple)]
    pub ras: [f64; 3],
    /// Window width (default: from the 2nd and 98th percentiles).
    #[arg(long, allow_hyphen_values = true)]
    pub window: Option<f64>,
    /// Window centre (default: from the 2nd and 98th percentiles).
    #[arg(long, allow_hyphen_values = true)]
    pub level: Option<f64>,
    #[arg(long, value_enum, default_value_t = Convention::Radiological)]
    pub convention: Convention,
    #[arg(long, value_enum, default_value_t = Interpolation::Nearest)]
    pub interpolation: Interpolation,
    #[arg(long, value_enum, default_value_t = Colormap::Grey)]
    pub colormap: Colormap,
    /// Which volume of a 4D file.
    #[arg(long, default_value_t = 0)]
    pub volume: usize,
    /// Draw the orientation letters on the edges.
    #[arg(long)]
    pub labels: bool,
    /// Draw the crosshair through the cursor.
    #[arg(long)]
    pub crosshair: bool,
    /// Detect edges (Canny, 3D unless --edges-mode) and draw them over the image.
    #[arg(long)]
    pub edges: bool,
    /// Gaussian sigma in mm for --edges.
    #[arg(long, default_value_t = 1.0)]
    pub sigma_mm: f64,
    #[arg(long, value_enum, default_value_t = super::edges::ModeArg::ThreeD)]
    pub edges_mode: super::edges::ModeArg,
    /// A NIfTI drawn over the image where it is non-zero, sampled through its own affine.
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    /// Opacity of --edges and --overlay, 0 to 1.
    #[arg(long, default_value_t = 0.85)]
    pub overlay_opacity: f32,
    /// The PNG to write; its geometry goes to the same name with .json.
    #[arg(long)]
    pub out: PathBuf,
}

/// The sidecar that says where every pixel of the PNG is.
#[derive(Debug, Serialize)]
pub struct ViewReport {
    pub plane: Plane,
    pub convention: Convention,
    pub cursor_ras: [f64; 3],
    pub width: usize,
    pub height: usize,
    /// Maps the centre of pixel (column, row, 0, 1) to RAS mm.
    pub world_from_pixel: [[f64; 4]; 4],
    pub pixel_mm: f64,
    pub window: f64,
    pub level: f64,
    pub interpolation: Interpolation,
    pub colormap: Colormap,
    pub volume: usize,
    pub source: String,
}

pub fn run(args: &RenderArgs) -> Result<ExitCode> {
    let v = super::load_frame_of(&args.file, args.volume)?;
    let frame = v.frame_f32(args.volume);
    let auto = WindowLevel::auto(&frame);
    let window = WindowLevel {
        window: args.window.unwrap_or(auto.window),
        level: args.level.unwrap_or(auto.level),
    };
    if !(window.window > 0.0 && window.window.is_finite() && window.level.is_finite()) {
        bail!("--window must be a positive number and --level finite");
    }
    let settings = DisplaySettings {
        window,
        colormap: args.colormap,
        interpolation: args.interpolation,
    };
    let spec = ViewSpec::fit_volume(&v.grid, args.plane, args.convention, args.ras);
    let colours = render::colour_frames(&v, args.volume);
    let source = match &colours {
        Some(c) => FrameSource::Colour(c),
        None => FrameSource::Scalar(&frame),
    };
    let edge_frame = if args.edges {
        let params = crate::edges::EdgeParams {
            sigma_mm: args.sigma_mm,
            mode: args.edges_mode.mode(),
            ..Default::default()
        };
        let result = crate::edges::detect_volume(
            &v,
            args.volume,
            &params,
            None,
            &crate::edges::Control::none(),
        )
        .map_err(|_| anyhow::anyhow!("the edge computation was cancelled"))?;
        Some(result.to_frame())
    } else {
        None
    };
    let overlay_volume = args
        .overlay
        .as_ref()
        .map(|p| crate::volume::load(p))
        .transpose()?;
    let overlay_frame = overlay_volume.as_ref().map(|o| o.frame_f32(0));
    let mut layers = Vec::new();
    if let (Some(o), Some(frame)) = (&overlay_volume, &overlay_frame) {
        layers.push(render::OverlayLayer {
            values: frame,
            grid: &o.grid,
            colour: render::OVERLAY_COLOUR,
            opacity: args.overlay_opacity,
            outline: false,
        });
    }
    if let Some(frame) = &edge_frame {
        layers.push(render::OverlayLayer {
            values: frame,
            grid: &v.grid,
            colour: render::EDGE_COLOUR,
            opacity: args.overlay_opacity,
            outline: false,
        });
    }
    let mut view = render::render_view_with(&source, &v.grid, &spec, &settings, &layers);
    if args.crosshair {
        view.image
            .draw_crosshair(spec.pixel_from_world(args.ras), [0, 255, 0, 255]);
    }
    if args.labels {
        render::draw_edge_letters(&mut view.image, &spec);
    }
    view.image.save_png(&args.out)?;
    let report = ViewReport {
        plane: args.plane,
        convention: args.convention,
        cursor_ras: args.ras,
        width: spec.width,
        height: spec.height,
        world_from_pixel: view.world_from_pixel.matrix(),
        pixel_mm: spec.pixel_mm,
        window: window.window,
        level: window.level,
        interpolation: args.interpolation,
        colormap: args.colormap,
        volume: args.volume,
        source: args.file.display().to_string(),
    };
    let json_path = sidecar_path(&args.out);
    let json = serde_json::to_vec_pretty(&report)?;
    write_atomically(&json_path, false, &[&json])
        .with_context(|| format!("writing {}", json_path.display()))?;
    Ok(ExitCode::SUCCESS)
}

/// `view.png` -> `view.json`.
pub fn sidecar_path(png: &Path) -> PathBuf {
    png.with_extension("json")
}
