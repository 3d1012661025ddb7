//! `rasview render`: one view to a PNG, with the geometry of every pixel and
//! where the picture came from beside it. The loading, layers and
//! provenance ([`Scene`]) are shared with `rasview mosaic`.

use crate::edges::{self, Control, EdgeParams};
use crate::export::{input_records, json_sidecar_path, refuse_to_overwrite, InputRecord, Sidecar};
use crate::geometry::{Convention, Interpolation, Plane};
use crate::render::scale_bar::{self, ScaleBar};
use crate::render::{
    self, Colormap, DisplaySettings, FrameSource, OverlayLayer, RenderedView, ViewSpec, WindowLevel,
};
use crate::render::{suggest_style, LayerStyle, SuggestedStyle};
use crate::volume::Volume;
use anyhow::{bail, Context, Result};
use ndarray::Array3;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// How values become colours, and which frame (and DICOM series): shared by `render` and `mosaic`.
#[derive(Debug, clap::Args)]
pub struct DisplayArgs {
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
    #[command(flatten)]
    pub series: super::SeriesArg,
}

/// What is drawn over the image: shared by `render` and `mosaic`.
#[derive(Debug, clap::Args)]
pub struct LayerArgs {
    /// Detect edges (Canny, 3D unless --edges-mode) and draw them over the image.
    #[arg(long)]
    pub edges: bool,
    /// Gaussian sigma in mm for --edges.
    #[arg(long, default_value_t = 1.0)]
    pub sigma_mm: f64,
    #[arg(long, value_enum, default_value_t = super::edges::ModeArg::ThreeD)]
    pub edges_mode: super::edges::ModeArg,
    /// An image (any format) drawn over the image where it is non-zero, sampled through its own affine.
    #[arg(long)]
    pub overlay: Option<PathBuf>,
    /// How --overlay is drawn: filled, its outline, its own edges (Canny at
    /// --sigma-mm, for an image of another contrast: a T1's edges over an
    /// EPI), or auto (the outline of a mask or label map, the edges of
    /// anything else).
    #[arg(long, value_enum, default_value_t = OverlayAs::Fill)]
    pub overlay_as: OverlayAs,
    /// Opacity of --edges and --overlay, 0 to 1.
    #[arg(long, default_value_t = 0.85)]
    pub overlay_opacity: f32,
}

/// How an overlay file is drawn over the image.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum OverlayAs {
    Fill,
    Outline,
    Edges,
    Auto,
}

#[derive(Debug, clap::Args)]
pub struct RenderArgs {
    /// An image file (NIfTI, NRRD, MetaImage) or a DICOM series (a folder or one of its files).
    pub file: PathBuf,
    #[arg(long, value_enum)]
    pub plane: Plane,
    /// The cursor in RAS mm: the plane passes through it.
    #[arg(long, allow_hyphen_values = true, value_parser = super::parse_triple)]
    pub ras: [f64; 3],
    #[command(flatten)]
    pub display: DisplayArgs,
    /// Draw the orientation letters on the edges.
    #[arg(long)]
    pub labels: bool,
    /// Draw the crosshair through the cursor.
    #[arg(long)]
    pub crosshair: bool,
    /// Draw a scale bar (a round length in mm) in the bottom-right corner.
    #[arg(long)]
    pub scale_bar: bool,
    #[command(flatten)]
    pub layers: LayerArgs,
    /// The PNG to write; its geometry and provenance go to the same name with .json.
    #[arg(long)]
    pub out: PathBuf,
}

/// What every picture's sidecar says about where it came from: the
/// program, the inputs with their hashes, and the display and layer
/// parameters.
#[derive(Debug, Serialize)]
pub struct SceneReport {
    /// The arguments as given, for rerunning.
    pub command_line: Vec<String>,
    pub input: Vec<InputRecord>,
    /// The --overlay file, hashed.
    pub overlay: Option<Vec<InputRecord>>,
    /// How the overlay was asked to be drawn, and how it was.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub overlay_as: Option<[OverlayAs; 2]>,
    pub overlay_opacity: f32,
    /// The edge detection drawn, if any.
    pub edges: Option<EdgeParams>,
    pub convention: Convention,
    pub window: f64,
    pub level: f64,
    pub interpolation: Interpolation,
    pub colormap: Colormap,
    pub volume: usize,
    pub source: String,
}

/// The sidecar that says where every pixel of the PNG is.
#[derive(Debug, Serialize)]
pub struct ViewReport {
    pub plane: Plane,
    pub cursor_ras: [f64; 3],
    pub width: usize,
    pub height: usize,
    /// Maps the centre of pixel (column, row, 0, 1) to RAS mm.
    pub world_from_pixel: [[f64; 4]; 4],
    pub pixel_mm: f64,
    pub labels: bool,
    pub crosshair: bool,
    pub scale_bar: Option<ScaleBar>,
    #[serde(flatten)]
    pub scene: SceneReport,
}

/// A loaded volume with everything a view of it needs: display settings,
/// and the edge and overlay layers drawn over it.
pub struct Scene {
    pub volume: Volume,
    source_path: PathBuf,
    t: usize,
    frame: Array3<f32>,
    colours: Option<[Array3<f32>; 3]>,
    pub settings: DisplaySettings,
    pub convention: Convention,
    edges: Option<(EdgeParams, Array3<f32>)>,
    overlay: Option<OverlayDrawing>,
    opacity: f32,
}

/// An overlay volume and what is drawn of it.
struct OverlayDrawing {
    volume: Volume,
    /// Its frame 0, or its edges.
    values: Array3<f32>,
    style: SuggestedStyle,
    /// How it was asked to be drawn, and how it is (never `Auto`).
    asked: OverlayAs,
    drawn: OverlayAs,
}

impl OverlayDrawing {
    fn new(volume: Volume, asked: OverlayAs, edge_params: &EdgeParams) -> Result<Self> {
        let values = volume.frame_f32(0);
        let style = suggest_style(&volume, &values, 0);
        let drawn = match asked {
            OverlayAs::Auto if matches!(style.style, LayerStyle::Map { .. }) => OverlayAs::Edges,
            OverlayAs::Auto => OverlayAs::Outline,
            other => other,
        };
        let (values, style) = if drawn == OverlayAs::Edges {
            let edges = edge_frame(&volume, 0, edge_params)?;
            let style = SuggestedStyle {
                kind: "edges",
                style: LayerStyle::Mask(render::OVERLAY_COLOUR),
                interpolation: Interpolation::Nearest,
            };
            (edges, style)
        } else {
            (values, style)
        };
        Ok(OverlayDrawing {
            volume,
            values,
            style,
            asked,
            drawn,
        })
    }
}

/// The edge map of frame `t`, as an array on the volume's grid.
fn edge_frame(volume: &Volume, t: usize, params: &EdgeParams) -> Result<Array3<f32>> {
    let result = edges::detect_volume(volume, t, params, None, &Control::none())
        .map_err(|_| anyhow::anyhow!("the edge computation was cancelled"))?;
    Ok(result.to_frame())
}

/// Refuses an opacity outside 0 to 1 and a sigma that is not a size when
/// edges are to be detected (of the image, or of an overlay, `has_overlay`).
pub fn check_layer_args(layers: &LayerArgs, has_overlay: bool) -> Result<()> {
    if !(0.0..=1.0).contains(&layers.overlay_opacity) {
        bail!(
            "--overlay-opacity {} is not between 0 and 1",
            layers.overlay_opacity
        );
    }
    let edges_wanted = layers.edges
        || (has_overlay && matches!(layers.overlay_as, OverlayAs::Edges | OverlayAs::Auto));
    if edges_wanted && !(layers.sigma_mm > 0.0 && layers.sigma_mm.is_finite()) {
        bail!("--sigma-mm {} is not a positive size", layers.sigma_mm);
    }
    Ok(())
}

impl Scene {
    /// Loads `file` and the overlay, refuses any of `outputs` that would
    /// replace one of them (before the slow part), then detects edges.
    pub fn load(
        file: &Path,
        display: &DisplayArgs,
        layers: &LayerArgs,
        outputs: &[&Path],
    ) -> Result<Scene> {
        check_layer_args(layers, layers.overlay.is_some())?;
        let volume = super::load_frame_of(file, display.volume, &display.series)?;
        let overlay = layers
            .overlay
            .as_ref()
            .map(|p| display.series.load(p))
            .transpose()?;
        let inputs: Vec<&Volume> = std::iter::once(&volume).chain(&overlay).collect();
        for out in outputs {
            refuse_to_overwrite(out, &inputs)?;
        }
        Scene::new(volume, overlay, file, display, layers)
    }

    /// A scene of volumes loaded already (`volume` holding frame
    /// `display.volume`; the overlay's frame 0 is drawn): windows the image,
    /// detects the edges asked for and styles the overlay.
    pub fn new(
        volume: Volume,
        overlay: Option<Volume>,
        file: &Path,
        display: &DisplayArgs,
        layers: &LayerArgs,
    ) -> Result<Scene> {
        check_layer_args(layers, overlay.is_some())?;
        let t = display.volume;
        let frame = volume.frame_f32(t);
        let auto = WindowLevel::auto(&frame);
        let window = WindowLevel {
            window: display.window.unwrap_or(auto.window),
            level: display.level.unwrap_or(auto.level),
        };
        if !(window.window > 0.0 && window.window.is_finite() && window.level.is_finite()) {
            bail!("--window must be a positive number and --level finite");
        }
        let edge_params = EdgeParams {
            sigma_mm: layers.sigma_mm,
            mode: layers.edges_mode.mode(),
            ..Default::default()
        };
        let edges = if layers.edges {
            Some((edge_params, edge_frame(&volume, t, &edge_params)?))
        } else {
            None
        };
        let overlay = overlay
            .map(|o| OverlayDrawing::new(o, layers.overlay_as, &edge_params))
            .transpose()?;
        Ok(Scene {
            colours: render::colour_frames(&volume, t),
            overlay,
            source_path: file.to_path_buf(),
            t,
            frame,
            settings: DisplaySettings {
                window,
                colormap: display.colormap,
                interpolation: display.interpolation,
            },
            convention: display.convention,
            edges,
            opacity: layers.overlay_opacity,
            volume,
        })
    }

    /// The layers in drawing order: the overlay file, then the edges.
    fn layers(&self) -> Vec<OverlayLayer<'_>> {
        // Masks in cyan, label maps in label colours, float maps through hot.
        let overlay = self.overlay.iter().map(|o| OverlayLayer {
            style: o.style.style,
            interpolation: o.style.interpolation,
            labels: &o.volume.labels,
            outline: o.drawn == OverlayAs::Outline,
            ..OverlayLayer::mask(
                &o.values,
                &o.volume.grid,
                render::OVERLAY_COLOUR,
                self.opacity,
            )
        });
        let edges = self.edges.iter().map(|(_, frame)| {
            OverlayLayer::mask(frame, &self.volume.grid, render::EDGE_COLOUR, self.opacity)
        });
        overlay.chain(edges).collect()
    }

    /// Samples, colours and overlays one view, as the window would.
    pub fn render(&self, spec: &ViewSpec) -> RenderedView {
        let source = match &self.colours {
            Some(c) => FrameSource::Colour(c),
            None => FrameSource::Scalar(&self.frame),
        };
        render::render_view_with(
            &source,
            &self.volume.grid,
            spec,
            &self.settings,
            &self.layers(),
        )
    }

    /// The provenance and parameters for a sidecar (hashes every input).
    pub fn report(&self) -> Result<SceneReport> {
        Ok(SceneReport {
            command_line: std::env::args().collect(),
            input: input_records(&self.volume)?,
            overlay: self
                .overlay
                .as_ref()
                .map(|o| input_records(&o.volume))
                .transpose()?,
            overlay_as: self.overlay.as_ref().map(|o| [o.asked, o.drawn]),
            overlay_opacity: self.opacity,
            edges: self.edges.as_ref().map(|(p, _)| *p),
            convention: self.convention,
            window: self.settings.window.window,
            level: self.settings.window.level,
            interpolation: self.settings.interpolation,
            colormap: self.settings.colormap,
            volume: self.t,
            source: self.source_path.display().to_string(),
        })
    }
}

/// Writes the PNG, then its sidecar, each through a temporary name.
pub fn write_png_and_sidecar(
    image: &render::RgbaImage,
    png: &Path,
    json_path: &Path,
    sidecar: &Sidecar<impl Serialize>,
) -> Result<()> {
    let staged = image
        .stage_png(png)
        .with_context(|| format!("writing {}", png.display()))?;
    sidecar.write_with(json_path, vec![staged])
}

pub fn run(args: &RenderArgs) -> Result<ExitCode> {
    let json_path = json_sidecar_path(&args.out);
    let scene = Scene::load(
        &args.file,
        &args.display,
        &args.layers,
        &[&args.out, &json_path],
    )?;
    let spec = ViewSpec::fit_volume(&scene.volume.grid, args.plane, scene.convention, args.ras);
    let mut view = scene.render(&spec);
    if args.crosshair {
        view.image
            .draw_crosshair(spec.pixel_from_world(args.ras), [0, 255, 0, 255]);
    }
    if args.labels {
        render::draw_edge_letters(&mut view.image, &spec);
    }
    let scale_bar = if args.scale_bar {
        let bar = scale_bar::draw_scale_bar(&mut view.image, spec.pixel_mm);
        if bar.is_none() {
            eprintln!(
                "rasview: the picture ({}x{}) is too small for a scale bar",
                spec.width, spec.height
            );
        }
        bar
    } else {
        None
    };
    let report = ViewReport {
        plane: args.plane,
        cursor_ras: args.ras,
        width: spec.width,
        height: spec.height,
        world_from_pixel: view.world_from_pixel.matrix(),
        pixel_mm: spec.pixel_mm,
        labels: args.labels,
        crosshair: args.crosshair,
        scale_bar,
        scene: scene.report()?,
    };
    write_png_and_sidecar(
        &view.image,
        &args.out,
        &json_path,
        &Sidecar::new("render", report),
    )?;
    Ok(ExitCode::SUCCESS)
}
