//! Overlays in the window (egui_kittest, no GPU) and what the window
//! exports: a misplaced overlay gets a banner that names the mistake, the
//! list changes what is drawn, and exported files reload on the base's
//! geometry with the same data.
#![cfg(feature = "gui")]

use crate::common;

use egui::Vec2;
use egui_kittest::kittest::{NodeT, Queryable};
use egui_kittest::Harness;
use rasview::app::{exports, RasviewApp};
use rasview::edges::{self, Control, EdgeMap, EdgeParams};
use rasview::volume::{self, save, Volume, Voxels};
use std::path::{Path, PathBuf};

/// The base's own Canny mask, and the same array flipped along voxel axis 1
/// (front to back on this RAS-like scan), both under the base's header.
fn own_and_flipped_edges(base: &Volume, dir: &Path) -> (PathBuf, PathBuf) {
    let result =
        edges::detect_volume(base, 0, &EdgeParams::default(), None, &Control::none()).unwrap();
    let EdgeMap::Mask(mask) = result.map else {
        panic!("Canny gives a mask")
    };
    let flipped = common::flip_axis(&mask, base.grid.shape, 1);
    let own = dir.join("own.nii.gz");
    let wrong = dir.join("flipped.nii.gz");
    save::save(&own, &base.header, &Voxels::U8(mask), base.grid.shape, 1).unwrap();
    save::save(
        &wrong,
        &base.header,
        &Voxels::U8(flipped),
        base.grid.shape,
        1,
    )
    .unwrap();
    (own, wrong)
}

fn harness_for(app: RasviewApp) -> Harness<'static, RasviewApp> {
    let mut harness = Harness::builder()
        .with_size(Vec2::new(1200.0, 800.0))
        .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
    // The intensity histogram is counted on its own thread: let it arrive.
    common::window::step_until(&mut harness, "the histogram", 60, |app| {
        !app.histogram_pending()
    });
    harness.run();
    harness
}

#[test]
fn a_flipped_overlay_gets_a_banner_naming_the_flip_and_the_list_controls_drawing() {
    let dir = common::scratch_dir("overlay_window_banner");
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    let base = volume::load(&base_path).unwrap();
    let (own, flipped) = own_and_flipped_edges(&base, &dir);

    let mut app = RasviewApp::new(None);
    app.open_now(base_path);
    app.add_overlay_now(own);
    app.add_overlay_now(flipped);
    let overlays = &app.viewer.overlays.items;
    assert_eq!(overlays.len(), 2, "{:?}", app.viewer.error);
    assert!(
        overlays[0].report.aligned,
        "{:?}",
        overlays[0].report.findings
    );
    assert!(!overlays[1].report.aligned);
    let mut harness = harness_for(app);

    // One banner, for the flipped overlay, saying how it fits better.
    let banner = harness.get_by_label_contains("NOT aligned with the base");
    let text = banner
        .accesskit_node()
        .label()
        .or_else(|| banner.value())
        .unwrap_or_default();
    assert!(text.starts_with("flipped.nii.gz"), "{text}");
    assert!(text.contains("better flipped front to back"), "{text}");
    assert!(harness
        .query_by_label_contains("own.nii.gz: NOT aligned")
        .is_none());
    // The aligned overlay says so in the list (get panics when absent).
    harness.get_by_label("aligned: same grid");

    // Hiding the top overlay changes the picture; nothing changes while idle.
    let rebuilds = harness.state().textures.rebuilds;
    harness.run();
    assert_eq!(harness.state().textures.rebuilds, rebuilds);
    let revision = harness.state().viewer.overlays.revision;
    harness.state_mut().viewer.overlays.items[1].visible = false;
    harness.state_mut().viewer.overlays.touch();
    harness.run();
    assert!(harness.state().viewer.overlays.revision > revision);
    assert_eq!(harness.state().textures.rebuilds, rebuilds + 3);

    // Removing the flipped overlay takes the banner away.
    harness.state_mut().viewer.overlays.remove(1);
    harness.run();
    assert!(harness
        .query_by_label_contains("NOT aligned with the base")
        .is_none());
}

#[test]
fn exports_reload_on_the_base_geometry_with_the_same_data() {
    let dir = common::scratch_dir("overlay_window_exports");
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    // highres's edges: another, finer, oblique grid.
    let highres = volume::load(&common::data_file("coreg-qa/highres.nii.gz")).unwrap();
    let (highres_edges, _) = own_and_flipped_edges(&highres, &dir);

    let mut app = RasviewApp::new(None);
    app.open_now(base_path.clone());
    app.add_overlay_now(highres_edges.clone());
    let base = app.viewer.loaded.as_ref().unwrap().volume.clone();

    // The overlay on the base grid: same affine, and each voxel holds the
    // overlay's value at that voxel's world point (nearest, probed here
    // through the overlay's own grid, a path independent of the resampler).
    let out = dir.join("overlay_on_base.nii.gz");
    exports::export_overlay(&app.viewer, 0, &out).unwrap();
    let saved = volume::load(&out).unwrap();
    assert_eq!(saved.grid.shape, base.grid.shape);
    let (a, b) = (
        saved.grid.world_from_voxel.matrix(),
        base.grid.world_from_voxel.matrix(),
    );
    assert!(common::max_abs_diff(&a, &b) < 1e-6, "{a:?} vs {b:?}");
    assert_eq!(
        (saved.header.sform_code, saved.header.qform_code),
        (base.header.sform_code, base.header.qform_code)
    );
    let overlay = volume::load(&highres_edges).unwrap();
    let [nx, ny, nz] = base.grid.shape;
    let (mut on, mut differ, mut ties) = (0, 0, 0);
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let world = base.grid.world_from_index([i, j, k]);
                let expected = overlay.probe(world, 0).map_or(0.0, |(_, v)| v);
                let got = saved.value_at([i, j, k], 0);
                if got != expected {
                    // Halfway points may round either way.
                    let v = overlay.grid.voxel_from_world(world);
                    if v.iter().any(|c| {
                        ((c + 0.5).fract() - 0.0).abs() < 1e-6
                            || ((c + 0.5).fract() - 1.0).abs() < 1e-6
                    }) {
                        ties += 1;
                    } else {
                        differ += 1;
                    }
                }
                on += (got != 0.0) as usize;
            }
        }
    }
    assert_eq!(differ, 0, "{differ} voxels differ ({ties} ties)");
    assert!(on > 1000, "only {on} edge voxels landed on the base grid");
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("overlay_on_base.json")).unwrap()).unwrap();
    assert_eq!(sidecar["output_datatype"], "uint8");
    assert_eq!(
        sidecar["overlay"][0]["sha256"].as_str().unwrap(),
        rasview::export::sha256_of(&highres_edges).unwrap()
    );

    // Never over an input: the base, or the overlay.
    let refused = exports::export_overlay(&app.viewer, 0, &base_path).unwrap_err();
    assert!(
        format!("{refused:#}").contains("refusing to overwrite"),
        "{refused:#}"
    );
    assert!(volume::load(&base_path).is_ok());

    // The edges: a uint8 mask on the base's geometry, equal to the result.
    app.viewer.edge_settings.show = true;
    let mut harness = harness_for(app);
    common::window::step_until(&mut harness, "edges", 60, |app| {
        app.viewer.edges.is_some() && !app.edges_busy()
    });
    let out = dir.join("edges.nii.gz");
    exports::export_edges(&harness.state().viewer, &out).unwrap();
    let saved = volume::load(&out).unwrap();
    let a = saved.grid.world_from_voxel.matrix();
    assert!(common::max_abs_diff(&a, &b) < 1e-6);
    let expected =
        edges::detect_volume(&base, 0, &EdgeParams::default(), None, &Control::none()).unwrap();
    let EdgeMap::Mask(mask) = expected.map else {
        panic!()
    };
    let Voxels::U8(got) = &saved.voxels else {
        panic!("edges are saved as uint8, got {}", saved.datatype().name())
    };
    assert_eq!(got, &mask);

    // The views: three PNGs the size the sidecar says, with the crosshair.
    let out = dir.join("qc.png");
    exports::export_views(&harness.state().viewer, &out).unwrap();
    let sidecar: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("qc.json")).unwrap()).unwrap();
    for view in sidecar["views"].as_array().unwrap() {
        let png = PathBuf::from(view["png"].as_str().unwrap());
        let decoder =
            png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&png).unwrap()));
        let reader = decoder.read_info().unwrap();
        let info = reader.info();
        assert_eq!(info.width as u64, view["width"].as_u64().unwrap());
        assert_eq!(info.height as u64, view["height"].as_u64().unwrap());
        assert!(view["scale_bar"]["length_mm"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(sidecar["views"].as_array().unwrap().len(), 3);
}

/// The forum's case done right in the window: one axial slice of a (z, y, x)
/// array, imported on the cursor's slice, lands exactly on that slice,
/// checks as aligned, and exports with the base's geometry.
#[test]
fn an_imported_zyx_slice_lands_on_the_cursor_slice_and_exports_aligned() {
    let dir = common::scratch_dir("overlay_window_npy");
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    let base = volume::load(&base_path).unwrap();
    let [nx, ny, _] = base.grid.shape;
    let mut app = RasviewApp::new(None);
    app.open_now(base_path);
    let cursor = app.viewer.cursor_ras;
    let k = base.grid.voxel_from_world(cursor)[2].round() as usize;
    // Row j, column i: the slice as numpy gives it from a (z, y, x) array.
    let slice: Vec<f32> = (0..ny)
        .flat_map(|j| (0..nx).map(move |i| (i, j)))
        .map(|(i, j)| base.value_at([i, j, k], 0) as f32)
        .collect();
    let npy = dir.join("slice.npy");
    common::write_npy(&npy, "<f4", false, &[ny, nx], &common::f32_bytes(&slice));

    app.import_npy(npy);
    assert!(app.viewer.error.is_none(), "{:?}", app.viewer.error);
    let mut harness = harness_for(app);
    // The dialog describes the placement before anything is added.
    assert!(!harness
        .query_all_by_label_contains(&format!("slice k = {k}"))
        .collect::<Vec<_>>()
        .is_empty());
    // Placed once per choice, not on every repaint.
    let placements =
        |h: &Harness<'static, RasviewApp>| h.state().npy_import.as_ref().unwrap().placements;
    for _ in 0..5 {
        harness.step();
    }
    assert_eq!(placements(&harness), 1);
    harness.get_by_label("flip rows (np.flipud)").click();
    harness.run();
    assert_eq!(placements(&harness), 2);
    harness.get_by_label("flip rows (np.flipud)").click();
    harness.run();
    assert_eq!(placements(&harness), 3);
    harness.get_by_label("Add as overlay").click();
    harness.step();
    common::window::step_until(&mut harness, "the overlay", 60, |app| !app.is_loading());
    harness.run();
    let app = harness.state();
    assert!(app.npy_import.is_none(), "the dialog closes");
    let overlay = &app.viewer.overlays.items[0];
    assert!(overlay.report.same_grid, "{:?}", overlay.report.findings);
    for j in 0..ny {
        for i in 0..nx {
            for kk in [k.saturating_sub(1), k, k + 1] {
                let expected = if kk == k {
                    base.value_at([i, j, k], 0) as f32
                } else {
                    0.0
                };
                assert_eq!(overlay.volume.value_at([i, j, kk], 0) as f32, expected);
            }
        }
    }
    let out = dir.join("slice_on_base.nii.gz");
    exports::export_overlay(&app.viewer, 0, &out).unwrap();
    let saved = volume::load(&out).unwrap();
    let (a, b) = (
        saved.grid.world_from_voxel.matrix(),
        base.grid.world_from_voxel.matrix(),
    );
    assert!(common::max_abs_diff(&a, &b) < 1e-6);
    for j in 0..ny {
        for i in 0..nx {
            assert_eq!(
                saved.value_at([i, j, k], 0) as f32,
                base.value_at([i, j, k], 0) as f32
            );
        }
    }
}

/// A file as the windowing layer hands it over.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// Drag and drop: a file dropped with Shift held is added as an overlay and
/// checked; dropped without, it replaces the base.
#[test]
fn a_file_dropped_with_shift_becomes_an_overlay() {
    let dir = common::scratch_dir("overlay_window_drop");
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    let base = volume::load(&base_path).unwrap();
    let (own, flipped) = own_and_flipped_edges(&base, &dir);
    let mut app = RasviewApp::new(None);
    app.open_now(base_path);
    let mut harness = harness_for(app);
    let drop_file = |harness: &mut Harness<'static, RasviewApp>, path: &Path, shift: bool| {
        harness.event(egui::Event::ModifiersChanged(egui::Modifiers {
            shift,
            ..Default::default()
        }));
        harness
            .input_mut()
            .dropped_files
            .push(std::sync::Arc::new(Dropped(path.to_path_buf())));
        harness.step();
        common::window::step_until(harness, "the dropped file", 60, |app| !app.is_loading());
        harness.step();
    };
    drop_file(&mut harness, &flipped, true);
    let app = harness.state();
    assert_eq!(app.viewer.overlays.items.len(), 1);
    assert_eq!(app.viewer.overlays.items[0].name, "flipped.nii.gz");
    assert!(!app.viewer.overlays.items[0].report.aligned);
    let base_name = app
        .viewer
        .loaded
        .as_ref()
        .unwrap()
        .volume
        .source
        .header
        .clone();
    assert!(base_name.ends_with("example_func.nii.gz"));

    // Without Shift the dropped file opens as the new base (and the old
    // base's overlays go with it: their checks were against it).
    drop_file(&mut harness, &own, false);
    let app = harness.state();
    let base_name = app
        .viewer
        .loaded
        .as_ref()
        .unwrap()
        .volume
        .source
        .header
        .clone();
    assert!(base_name.ends_with("own.nii.gz"), "{base_name:?}");
    assert!(app.viewer.overlays.items.is_empty());
}

/// The forum's case in the window: OpenCV's edges of an axial EPI slice
/// (tests/data/forum), imported onto their slice with the dialog's own
/// "flip rows" ticked, get the same red banner as a file would, naming
/// the flip.
#[test]
fn an_edge_slice_imported_upside_down_gets_a_banner_naming_the_flip() {
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    let base = volume::load(&base_path).unwrap();
    let npy = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/forum/epi_axial_opencv_canny_50_120.npy");
    let k = 19; // the slice the edges were taken from (tests/data/forum/manifest.json)
    let mut app = RasviewApp::new(None);
    app.open_now(base_path);
    let [nx, ny, _] = base.grid.shape;
    app.viewer.cursor_ras = base.grid.world_from_index([nx / 2, ny / 2, k]);
    app.import_npy(npy);
    assert!(app.viewer.error.is_none(), "{:?}", app.viewer.error);
    let mut harness = harness_for(app);
    harness.get_by_label("flip rows (np.flipud)").click();
    harness.run();
    harness.get_by_label("Add as overlay").click();
    harness.step();
    common::window::step_until(&mut harness, "the overlay", 60, |app| {
        !app.is_loading() && !app.viewer.overlays.items.is_empty()
    });
    harness.run();
    let report = &harness.state().viewer.overlays.items[0].report;
    assert!(report.same_grid && !report.aligned, "{:?}", report.findings);
    let banner = harness.get_by_label_contains("NOT aligned with the base");
    let text = banner
        .accesskit_node()
        .label()
        .or_else(|| banner.value())
        .unwrap_or_default();
    assert!(text.contains("better flipped front to back"), "{text}");
}
