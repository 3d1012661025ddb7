//! The window's panels driven without a GPU (egui_kittest): clicks, keys,
//! sliders and a bad file, asserting on the viewer's state.
#![cfg(feature = "gui")]

use crate::common;

use egui::{Event, Modifiers, MouseWheelUnit, PointerButton, Pos2, Vec2};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use rasview::app::export_job::ExportKind;
use rasview::app::file_dialog::{FileDialogs, Purpose};
use rasview::app::RasviewApp;
use rasview::geometry::Plane;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

fn harness_with(file: &str) -> Harness<'static, RasviewApp> {
    let mut app = RasviewApp::new(None);
    app.open_now(common::data_file(file));
    assert!(app.viewer.loaded.is_some(), "{:?}", app.viewer.error);
    let mut harness = Harness::builder()
        .with_size(Vec2::new(1200.0, 800.0))
        .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
    // The intensity histogram is counted on its own thread: let it arrive,
    // so that no test sees the layout change under it.
    common::window::step_until(&mut harness, "the histogram", 60, |app| {
        !app.histogram_pending()
    });
    harness.run();
    harness
}

fn view_centre(harness: &Harness<'_, RasviewApp>, plane: Plane) -> egui::Rect {
    harness
        .get_by_label(&format!("{} view", plane.name()))
        .rect()
}

fn click(harness: &mut Harness<'_, RasviewApp>, pos: Pos2) {
    harness.hover_at(pos);
    harness.run();
    harness.drag_at(pos);
    harness.run();
    harness.drop_at(pos);
    harness.run();
}

#[test]
fn clicking_the_axial_view_moves_the_cursor_and_the_other_slices() {
    let mut harness = harness_with("coreg-qa/highres.nii.gz");
    let before = harness.state().viewer.cursor_ras;
    let rebuilds_before = harness.state().textures.rebuilds;
    let rect = view_centre(&harness, Plane::Axial);
    // Up and to the left of centre: anterior, and (radiological) patient right.
    click(&mut harness, rect.center() + Vec2::new(-60.0, -40.0));
    let after = harness.state().viewer.cursor_ras;
    assert!(
        after[0] > before[0] + 5.0,
        "x moved right (patient): {before:?} -> {after:?}"
    );
    assert!(
        after[1] > before[1] + 5.0,
        "y moved anterior: {before:?} -> {after:?}"
    );
    assert_eq!(after[2], before[2], "an axial click keeps the axial slice");
    // The coronal and sagittal pictures are new slices; the axial one is not.
    assert_eq!(harness.state().textures.rebuilds - rebuilds_before, 2);
}

#[test]
fn keys_and_wheel_step_one_voxel_along_the_normal() {
    let mut harness = harness_with("nifti-space/LPI.nii.gz");
    let rect = view_centre(&harness, Plane::Coronal);
    harness.hover_at(rect.center());
    harness.run();
    let step = harness.state().viewer.slice_step_mm(Plane::Coronal);
    assert!(
        (step - 2.3897).abs() < 1e-3,
        "the y spacing of this file: {step}"
    );
    let y0 = harness.state().viewer.cursor_ras[1];
    harness.key_press(egui::Key::PageUp);
    harness.run();
    harness.key_press(egui::Key::ArrowUp);
    harness.run();
    let y1 = harness.state().viewer.cursor_ras[1];
    assert!((y1 - y0 - 2.0 * step).abs() < 1e-9, "{y0} -> {y1}");
    harness.event(Event::MouseWheel {
        unit: MouseWheelUnit::Line,
        delta: Vec2::new(0.0, -1.0),
        modifiers: Modifiers::NONE,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    harness.run();
    let y2 = harness.state().viewer.cursor_ras[1];
    assert!(
        (y1 - y2 - step).abs() < 1e-9,
        "one wheel notch back: {y1} -> {y2}"
    );
}

#[test]
fn ctrl_wheel_zooms_and_home_resets() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    let rect = view_centre(&harness, Plane::Sagittal);
    harness.hover_at(rect.center() + Vec2::new(30.0, 10.0));
    harness.run();
    harness.event(Event::MouseWheel {
        unit: MouseWheelUnit::Line,
        delta: Vec2::new(0.0, 1.0),
        modifiers: Modifiers::CTRL,
        phase: egui::TouchPhase::Move,
        source: egui::MouseWheelSource::Wheel,
    });
    harness.run();
    let zoom = harness.state().viewer.views[2].zoom;
    assert!(zoom > 1.1, "zoomed in: {zoom}");
    harness.key_press(egui::Key::Home);
    harness.run();
    assert_eq!(harness.state().viewer.views[2].zoom, 1.0);
}

#[test]
fn right_drag_and_sliders_change_window_level() {
    let mut harness = harness_with("coreg-qa/highres.nii.gz");
    let w0 = harness.state().viewer.display.window;
    // The slider, by its label, through accesskit.
    harness
        .get_by_role_and_label(egui::Role::Slider, "Window")
        .set_value_accesskit(123.0);
    harness.run();
    assert_eq!(harness.state().viewer.display.window.window, 123.0);
    harness
        .get_by_role_and_label(egui::Role::Slider, "Level")
        .set_value_accesskit(77.0);
    harness.run();
    assert_eq!(harness.state().viewer.display.window.level, 77.0);
    // A right drag to the right widens the window.
    let rect = view_centre(&harness, Plane::Axial);
    let start = rect.center();
    harness.hover_at(start);
    harness.run();
    harness.event(Event::PointerButton {
        pos: start,
        button: PointerButton::Secondary,
        pressed: true,
        modifiers: Modifiers::NONE,
    });
    harness.run();
    for dx in 1..=8 {
        harness.hover_at(start + Vec2::new(10.0 * dx as f32, 0.0));
        harness.run();
    }
    harness.event(Event::PointerButton {
        pos: start + Vec2::new(80.0, 0.0),
        button: PointerButton::Secondary,
        pressed: false,
        modifiers: Modifiers::NONE,
    });
    harness.run();
    let w1 = harness.state().viewer.display.window;
    assert!(w1.window > 123.0, "{w0:?} -> {w1:?}");
    assert_eq!(w1.level, 77.0, "a horizontal drag keeps the level");
}

#[test]
fn a_bad_file_shows_an_error_and_keeps_the_previous_volume() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    let dir = common::scratch_dir("harness_bad");
    let bad = dir.join("broken.nii");
    std::fs::write(
        &bad,
        b"not a nifti file at all, just some words to make it long",
    )
    .unwrap();
    harness.state_mut().open_now(bad);
    harness.run();
    let app = harness.state();
    assert!(app.viewer.error.as_deref().unwrap().contains("broken.nii"));
    let kept = &app.viewer.loaded.as_ref().unwrap().volume.source.header;
    assert!(kept.ends_with("RAS.nii.gz"));
    harness.get_by_label_contains("Could not open");
}

#[test]
fn idle_frames_build_no_textures() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    let rebuilds = harness.state().textures.rebuilds;
    assert!(rebuilds >= 3, "each view drew once: {rebuilds}");
    for _ in 0..5 {
        harness.step();
    }
    assert_eq!(harness.state().textures.rebuilds, rebuilds);
    // Changing the colormap rebuilds all three.
    harness.state_mut().viewer.display.colormap = rasview::render::Colormap::Hot;
    harness.run();
    assert_eq!(harness.state().textures.rebuilds, rebuilds + 3);
}

/// Steps the harness until the edge worker is idle and a result is on screen.
fn wait_for_edges(harness: &mut Harness<'_, RasviewApp>) {
    let start = std::time::Instant::now();
    loop {
        harness.step();
        let app = harness.state();
        if !app.edges_busy() && app.viewer.edges.is_some() && !app.viewer.edges_stale() {
            harness.step();
            return;
        }
        assert!(
            start.elapsed() < std::time::Duration::from_secs(60),
            "edges never arrived"
        );
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
}

fn edge_frame(app: &RasviewApp) -> Vec<f32> {
    app.viewer
        .edges
        .as_ref()
        .unwrap()
        .frame
        .iter()
        .copied()
        .collect()
}

#[test]
fn moving_the_sigma_slider_gives_a_newer_result_and_a_different_overlay() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    harness.state_mut().viewer.edge_settings.show = true;
    harness.run_steps(2);
    wait_for_edges(&mut harness);
    let first = edge_frame(harness.state());
    let first_generation = harness.state().viewer.edges.as_ref().unwrap().generation;
    let rebuilds = harness.state().textures.rebuilds;
    harness
        .get_by_role_and_label(egui::Role::Slider, "Sigma mm")
        .set_value_accesskit(2.5);
    harness.run_steps(2);
    wait_for_edges(&mut harness);
    let app = harness.state();
    assert_eq!(app.viewer.edge_settings.params.sigma_mm, 2.5);
    assert!(app.viewer.edges.as_ref().unwrap().generation > first_generation);
    assert_ne!(edge_frame(app), first, "a wider sigma finds other edges");
    assert!(
        app.textures.rebuilds > rebuilds,
        "the views were redrawn with the new overlay"
    );
}

#[test]
fn a_burst_of_slider_moves_delivers_one_result_the_last() {
    let mut harness = harness_with("coreg-qa/highres.nii.gz");
    harness.state_mut().viewer.edge_settings.show = true;
    harness.run_steps(2);
    wait_for_edges(&mut harness);
    let delivered = harness.state().edge_results();
    for sigma in [1.2, 1.4, 1.6, 1.8, 2.0] {
        harness
            .get_by_role_and_label(egui::Role::Slider, "Sigma mm")
            .set_value_accesskit(sigma);
        harness.step();
    }
    wait_for_edges(&mut harness);
    let app = harness.state();
    assert_eq!(
        app.edge_results(),
        delivered + 1,
        "only the newest request delivered a result"
    );
    assert_eq!(
        app.viewer.edges.as_ref().unwrap().computed_for.1.sigma_mm,
        2.0
    );
}

#[test]
fn cancel_stops_a_3d_run_and_switching_planes_recomputes_in_slice_mode() {
    let mut harness = harness_with("coreg-qa/highres.nii.gz");
    harness.state_mut().viewer.edge_settings.show = true;
    harness.run_steps(2);
    assert!(harness.state().edges_busy(), "a 3D run started");
    harness.get_by_label("Cancel").click();
    let start = std::time::Instant::now();
    while harness.state().edges_busy() {
        harness.step();
        assert!(
            start.elapsed() < std::time::Duration::from_secs(10),
            "cancel did not stop the run"
        );
        std::thread::sleep(std::time::Duration::from_millis(2));
    }
    assert_eq!(
        harness.state().edge_results(),
        0,
        "a cancelled run delivers nothing"
    );
    // The panel says so, and the checkbox agrees with what is drawn.
    harness.run_steps(2);
    assert!(
        !harness.state().viewer.edge_settings.show,
        "Show edges unticked"
    );
    harness.get_by_label_contains("Cancelled");

    // Per-slice mode follows the active view: hovering another view recomputes.
    harness.state_mut().viewer.edge_settings.show = true;
    harness.state_mut().viewer.edge_settings.per_slice = true;
    harness.state_mut().viewer.edge_settings.params.sigma_mm = 1.1; // a new request after the cancel
    harness.run_steps(2);
    wait_for_edges(&mut harness);
    let axial = harness
        .state()
        .viewer
        .edges
        .as_ref()
        .unwrap()
        .computed_for
        .1
        .mode;
    let rect = view_centre(&harness, Plane::Sagittal);
    harness.hover_at(rect.center());
    harness.run_steps(2);
    wait_for_edges(&mut harness);
    let sagittal = harness
        .state()
        .viewer
        .edges
        .as_ref()
        .unwrap()
        .computed_for
        .1
        .mode;
    assert_eq!(axial, rasview::edges::Mode::Slices(Plane::Axial));
    assert_eq!(sagittal, rasview::edges::Mode::Slices(Plane::Sagittal));
}

/// The profile crosses a sphere's surface where the sphere is, in mm, and
/// marks the edges there.
#[test]
fn profile_marks_edges_where_the_line_crosses_the_surface() {
    use rasview::edges::{self, Control, EdgeParams};
    let dir = common::scratch_dir("harness_profile");
    let affine = rasview::geometry::Affine::from_rows(common::rows(
        [[-0.9, 0.0, 0.0], [0.0, 1.1, 0.0], [0.0, 0.0, 1.4]],
        [30.0, -30.0, -25.0],
    ))
    .unwrap();
    let shape = [68, 56, 36];
    let centre = affine.apply([33.0, 27.0, 18.0]);
    let values: Vec<f32> = (0..shape.iter().product::<usize>())
        .map(|n| {
            let ijk = [
                n % shape[0],
                (n / shape[0]) % shape[1],
                n / (shape[0] * shape[1]),
            ];
            let w = affine.apply(ijk.map(|c| c as f64));
            if rasview::geometry::affine::distance(w, centre) < 15.0 {
                200.0
            } else {
                10.0
            }
        })
        .collect();
    let path = dir.join("ball.nii");
    rasview::volume::save::save(
        &path,
        &common::sform_header(&affine),
        &rasview::volume::Voxels::F32(values),
        shape,
        1,
    )
    .unwrap();
    let mut viewer = rasview::app::state::Viewer::default();
    viewer.set_volume(rasview::volume::load(&path).unwrap());
    viewer.cursor_ras = centre;
    viewer.active_plane = Plane::Axial;
    let volume = viewer.loaded.as_ref().unwrap().volume.clone();
    let params = EdgeParams::default();
    let result = edges::detect_volume(&volume, 0, &params, None, &Control::none()).unwrap();
    viewer.set_edges(
        (viewer.loaded.as_ref().unwrap().generation, params, None),
        rasview::app::state::EdgesReady::from_result(&result),
        0.0,
        true,
    );
    let p = viewer.profile().unwrap();
    // Axial, radiological: screen right is the patient's left (-x); the
    // line crosses the surface 15 mm either side of the centre.
    for side in [-15.0, 15.0] {
        assert!(
            p.edges_mm.iter().any(|&x| (x - side).abs() < 1.5),
            "no edge near {side} mm: {:?}",
            p.edges_mm
        );
        let i = p
            .positions_mm
            .iter()
            .position(|&x| (x - side).abs() < 0.3)
            .unwrap();
        assert!(
            p.gradient[i] > 20.0,
            "the gradient peaks at the surface: {}",
            p.gradient[i]
        );
    }
    let inside = p.positions_mm.iter().position(|&x| x.abs() < 0.3).unwrap();
    assert_eq!(p.intensity[inside], 200.0);
    assert!(
        p.edges_mm.iter().all(|&x| (x.abs() - 15.0).abs() < 2.5),
        "edges only at the surface: {:?}",
        p.edges_mm
    );
}

#[test]
fn the_remembered_layout_applies_to_the_first_volume_of_a_run() {
    let fresh = RasviewApp::new(None);
    let mut persisted = fresh.persisted();
    persisted.views[1].zoom = 2.5;
    persisted.views[1].pan_mm = [4.0, -3.0];
    persisted.convention = rasview::geometry::Convention::Neurological;
    let mut app = RasviewApp::new(Some(persisted));
    app.open_now(common::data_file("nifti-space/RAS.nii.gz"));
    assert_eq!(app.viewer.views[1].zoom, 2.5);
    assert_eq!(app.viewer.views[1].pan_mm, [4.0, -3.0]);
    assert_eq!(
        app.viewer.convention,
        rasview::geometry::Convention::Neurological
    );
    // A second file resets the views, as opening a new volume should.
    app.open_now(common::data_file("nifti-space/LPI.nii.gz"));
    assert_eq!(app.viewer.views[1].zoom, 1.0);
}

/// Clicks File, then the item `label` in it.
fn file_menu(harness: &mut Harness<'_, RasviewApp>, label: &str) {
    // By role: the File heading of the facts panel has the same label.
    harness
        .get_by_role_and_label(egui::accesskit::Role::Button, "File")
        .click();
    harness.run();
    harness.get_by_label(label).click();
    // What it starts may wake the window from its thread: step, not run.
    harness.run_steps(2);
}

fn base_name(app: &RasviewApp) -> String {
    let l = app.viewer.loaded.as_ref().expect("a volume");
    l.volume.source.header.display().to_string()
}

#[test]
fn where_no_file_dialog_can_be_shown_a_typed_path_opens_the_file() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    // As under a window manager with no portal and no zenity: no dialog,
    // "nothing chosen" at once.
    harness.state_mut().dialogs = FileDialogs::with_backend(Arc::new(|_, _| None));
    file_menu(&mut harness, "Open...");
    common::window::step_until(&mut harness, "the path field", 60, |app| {
        app.dialogs.typed.is_some()
    });
    harness.get_by_label_contains("No file dialog could be shown here");
    // It starts in the open volume's folder, with the keyboard in it.
    let field = harness.get_by_label("Path");
    let folder = field.value().unwrap_or_default();
    assert!(folder.ends_with("nifti-space/"), "{folder}");
    assert!(field.is_focused());
    field.type_text("LPI.nii.gz");
    harness.run_steps(2);
    harness.get_by_label("Open").click();
    harness.run();
    common::window::step_until(&mut harness, "the typed file", 60, |app| {
        !app.is_loading() && base_name(app).ends_with("LPI.nii.gz")
    });
    assert!(harness.state().dialogs.typed.is_none(), "the field closes");
    assert!(harness.state().viewer.error.is_none());
}

#[test]
fn an_open_file_dialog_does_not_stop_the_window() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    // A dialog the user takes a while over: it answers when the gate opens.
    let (answer, gate) = std::sync::mpsc::channel::<PathBuf>();
    let gate = Mutex::new(gate);
    harness.state_mut().dialogs = FileDialogs::with_backend(Arc::new(move |purpose, _| {
        assert_eq!(purpose, Purpose::Open);
        gate.lock().unwrap().recv().ok().map(|p| vec![p])
    }));
    file_menu(&mut harness, "Open...");
    // Frames go on while it is open, and keys still step the slices.
    let before = harness.state().viewer.cursor_ras;
    for _ in 0..5 {
        harness.key_press(egui::Key::ArrowUp);
        harness.step();
    }
    assert_ne!(harness.state().viewer.cursor_ras, before);
    assert!(harness.state().dialogs.is_open());
    harness.get_by_label("A file dialog is open");
    std::thread::sleep(std::time::Duration::from_millis(250));
    answer
        .send(common::data_file("nifti-space/LPI.nii.gz"))
        .unwrap();
    common::window::step_until(&mut harness, "the chosen file", 60, |app| {
        !app.is_loading() && base_name(app).ends_with("LPI.nii.gz")
    });
    // A dialog closed without a choice after a while is a cancel: no field.
    assert!(harness.state().dialogs.typed.is_none());
}

#[test]
fn an_export_chosen_in_the_menu_runs_in_the_background_and_reports() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    let dir = common::scratch_dir("harness_export_views");
    let out = dir.join("qc.png");
    let chosen = out.clone();
    harness.state_mut().dialogs =
        FileDialogs::with_backend(Arc::new(move |_, _| Some(vec![chosen.clone()])));
    file_menu(&mut harness, "Export views as PNG...");
    common::window::step_until(&mut harness, "the export to start", 60, |app| {
        app.is_exporting() || app.status.is_some()
    });
    common::window::step_until(&mut harness, "the export", 60, |app| !app.is_exporting());
    let app = harness.state();
    assert!(app.viewer.error.is_none(), "{:?}", app.viewer.error);
    assert!(app.status.as_deref().unwrap().contains("qc.json"));
    for plane in ["axial", "coronal", "sagittal"] {
        assert!(dir.join(format!("qc_{plane}.png")).exists(), "{plane}");
    }
    // A failed export is reported where load errors go.
    harness
        .state_mut()
        .start_export(ExportKind::Edges, dir.join("edges.nii.gz"));
    common::window::step_until(&mut harness, "the failed export", 60, |app| {
        !app.is_exporting()
    });
    let error = harness.state().viewer.error.clone().unwrap_or_default();
    assert!(
        error.starts_with("export failed: there are no edges"),
        "{error}"
    );
}

#[test]
fn the_intensity_histogram_is_counted_off_the_ui_thread_and_drawn_when_ready() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    common::window::step_until(&mut harness, "the histogram", 60, |app| {
        !app.histogram_pending()
    });
    harness.get_by_label("Intensity histogram (window in orange)");
}

/// A 4D file: its first volume is shown alone as soon as it is read, the
/// volume slider waits for the rest, and the rest arrives under the same
/// cursor, window and frame.
#[test]
fn a_4d_file_shows_its_first_volume_then_takes_the_rest_keeping_the_view() {
    use rasview::app::state::{ReadyVolume, Viewer};
    use rasview::volume::{self, save, LoadOptions, Voxels};
    let dir = common::scratch_dir("app_4d");
    let path = dir.join("four_d.nii.gz");
    let shape = [12, 10, 8];
    let volumes = 4;
    let n = shape.iter().product::<usize>();
    let values: Vec<i16> = (0..n * volumes)
        .map(|x| (x % n + 100 * (x / n)) as i16)
        .collect();
    let affine = rasview::geometry::Affine::scaling([2.0, 2.0, 3.0]).unwrap();
    save::save(
        &path,
        &common::sform_header(&affine),
        &Voxels::I16(values),
        shape,
        volumes,
    )
    .unwrap();

    let first = volume::load_with(
        &path,
        &LoadOptions {
            only_volume: Some(0),
            ..LoadOptions::default()
        },
    )
    .unwrap();
    let ready = ReadyVolume::prepare(first);
    assert!(ready.has_more_volumes());
    let mut viewer = Viewer::default();
    viewer.show_volume(ready);
    viewer.cursor_ras = [4.0, 6.0, 9.0];
    let window = viewer.display.window;
    viewer.set_frame(2);
    assert_eq!(
        viewer.loaded.as_ref().unwrap().frame_index,
        0,
        "volume 2 has not arrived"
    );

    viewer.complete_volume(volume::load(&path).unwrap());
    assert_eq!(viewer.cursor_ras, [4.0, 6.0, 9.0]);
    assert_eq!(viewer.display.window, window);
    viewer.set_frame(2);
    let loaded = viewer.loaded.as_ref().unwrap();
    assert_eq!(loaded.frame_index, 2);
    // Voxel (1, 0, 0) of volume 2 holds 1 + 200.
    assert_eq!(loaded.volume.value_at([1, 0, 0], 2), 201.0);

    // Through the window's own loading: both steps, then every volume.
    let mut app = RasviewApp::new(None);
    app.open_now(path);
    let loaded = app.viewer.loaded.as_ref().unwrap();
    assert_eq!(loaded.volume.volumes_held(), 0..volumes);
    assert!(app.viewer.error.is_none(), "{:?}", app.viewer.error);

    // The slider's wish is converted off the UI thread, then shown.
    app.viewer.wanted_frame = Some(2);
    app.drive_frame_switch();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while app.viewer.loaded.as_ref().unwrap().frame_index != 2 {
        assert!(std::time::Instant::now() < deadline, "frame 2 never came");
        std::thread::sleep(std::time::Duration::from_millis(2));
        app.drive_frame_switch();
    }
    assert_eq!(app.viewer.wanted_frame, None);
    assert_eq!(app.viewer.loaded.as_ref().unwrap().frame[[1, 0, 0]], 201.0);
}

/// A folder of two DICOM series: the window lists them instead of failing,
/// and loads the one picked (a series is never mixed with another).
#[test]
fn a_folder_of_two_dicom_series_offers_a_choice_and_loads_the_one_picked() {
    let folder = common::data_file("formats/dicom_two_series");
    let mut app = RasviewApp::new(None);
    app.open_now(folder.clone());
    assert!(app.viewer.loaded.is_none());
    assert!(app.viewer.error.is_none(), "{:?}", app.viewer.error);
    let offered: Vec<_> = app.offered_series().to_vec();
    assert_eq!(offered.len(), 2, "{offered:?}");
    let picked = &offered[1];
    app.load_series_in_background(folder.clone(), Some(picked.series_uid.clone()));
    app.finish_loading();
    assert!(app.offered_series().is_empty());
    let loaded = app
        .viewer
        .loaded
        .as_ref()
        .expect("the series picked is shown");
    assert_eq!(loaded.volume.grid.shape, picked.shape);
    // The same series as the command line's --series reads.
    let options = rasview::volume::LoadOptions {
        series: Some(picked.series_uid.clone()),
        ..Default::default()
    };
    let direct = rasview::volume::load_with(&folder, &options).unwrap();
    assert_eq!(
        direct.grid.world_from_voxel,
        loaded.volume.grid.world_from_voxel
    );
    assert_eq!(direct.voxels, loaded.volume.voxels);
}
