//! The viewer's tools driven through the window (egui_kittest): rulers,
//! compare with previous, layouts, Go to, copy and the help sheet. Lengths
//! and positions are checked against nibabel's affine (tests/data/oracle.json)
//! and edge differences against numpy's set differences of `rasview edges`
//! outputs read by nibabel.
#![cfg(feature = "gui")]

use crate::common;

use egui::{Event, Modifiers, PointerButton, Pos2, Vec2};
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use rasview::app::export_job::ExportKind;
use rasview::app::layout::Arrangement;
use rasview::app::{Persisted, RasviewApp};
use rasview::geometry::Plane;
use serde_json::Value;

fn harness_with(file: &str) -> Harness<'static, RasviewApp> {
    harness_stepping(file, 0.25)
}

/// `step_dt` seconds per frame (kittest's default is a quarter second).
fn harness_stepping(file: &str, step_dt: f32) -> Harness<'static, RasviewApp> {
    let mut app = RasviewApp::new(None);
    app.open_now(common::data_file(file));
    assert!(app.viewer.loaded.is_some(), "{:?}", app.viewer.error);
    let mut harness = Harness::builder()
        .with_size(Vec2::new(1300.0, 900.0))
        .with_step_dt(step_dt)
        .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
    common::window::step_until(&mut harness, "the histogram", 120, |app| {
        !app.histogram_pending()
    });
    harness.run();
    harness
}

/// nibabel's affine of a test file, as stored in tests/data/oracle.json.
fn nibabel_affine(file: &str) -> [[f64; 4]; 4] {
    let text = std::fs::read_to_string(common::data_file("oracle.json")).unwrap();
    let oracle: Value = serde_json::from_str(&text).unwrap();
    let entry = oracle["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["file"] == file)
        .unwrap_or_else(|| panic!("{file} is in the oracle"));
    let mut m = [[0.0; 4]; 4];
    for (r, row) in entry["affine"].as_array().unwrap().iter().enumerate() {
        for (c, x) in row.as_array().unwrap().iter().enumerate() {
            m[r][c] = x.as_f64().unwrap();
        }
    }
    m
}

/// affine @ [i, j, k, 1], by hand.
fn world_of(affine: &[[f64; 4]; 4], v: [f64; 3]) -> [f64; 3] {
    [0, 1, 2].map(|r| (0..3).map(|c| affine[r][c] * v[c]).sum::<f64>() + affine[r][3])
}

fn distance(a: [f64; 3], b: [f64; 3]) -> f64 {
    (0..3).map(|i| (a[i] - b[i]).powi(2)).sum::<f64>().sqrt()
}

fn view_rect(harness: &Harness<'_, RasviewApp>, plane: Plane) -> egui::Rect {
    harness
        .get_by_label(&format!("{} view", plane.name()))
        .rect()
}

/// Where the cursor is drawn in a view, in screen points.
fn cursor_on_screen(harness: &Harness<'_, RasviewApp>, plane: Plane) -> Pos2 {
    let rect = view_rect(harness, plane);
    let v = &harness.state().viewer;
    let m = v
        .screen_mapping(plane, [rect.width() as f64, rect.height() as f64])
        .unwrap();
    let o = v.screen_offset_of(plane, &m, v.cursor_ras);
    rect.center() + Vec2::new(o[0] as f32, o[1] as f32)
}

fn click(harness: &mut Harness<'_, RasviewApp>, pos: Pos2) {
    harness.hover_at(pos);
    harness.run();
    harness.drag_at(pos);
    harness.run();
    harness.drop_at(pos);
    harness.run();
}

/// Types a voxel index into Go to and presses Go.
fn go_to_voxel(harness: &mut Harness<'_, RasviewApp>, v: [usize; 3]) {
    harness
        .get_by_role_and_label(egui::Role::RadioButton, "voxel i,j,k")
        .click();
    harness.run();
    harness.state_mut().goto.text.clear();
    // G gives the field the keyboard; Enter goes.
    harness.key_press(egui::Key::G);
    harness.run();
    let field = harness.get_by_label("Position");
    assert!(field.is_focused(), "G focuses Go to");
    field.type_text(&format!("{},{},{}", v[0], v[1], v[2]));
    harness.run();
    harness.key_press(egui::Key::Enter);
    harness.run();
    let goto = &harness.state().goto;
    assert_eq!(goto.message, None, "{goto:?}");
}

#[test]
fn go_to_a_voxel_moves_the_cursor_to_its_world_position() {
    let file = "nifti-space/ILP.nii.gz";
    let mut harness = harness_with(file);
    let affine = nibabel_affine(file);
    go_to_voxel(&mut harness, [20, 30, 40]);
    let expected = world_of(&affine, [20.0, 30.0, 40.0]);
    let cursor = harness.state().viewer.cursor_ras;
    assert!(distance(cursor, expected) < 1e-6, "{cursor:?} {expected:?}");
    // RAS millimetres go where they say; outside the box is refused.
    harness
        .get_by_role_and_label(egui::Role::RadioButton, "RAS mm")
        .click();
    harness.run();
    harness.state_mut().goto.text =
        format!("{},{},{}", expected[0] + 3.0, expected[1], expected[2]);
    harness.get_by_label("Go").click();
    harness.run();
    let cursor = harness.state().viewer.cursor_ras;
    assert!((cursor[0] - expected[0] - 3.0).abs() < 1e-9);
    harness.state_mut().goto.text = "1e4,0,0".into();
    harness.get_by_label("Go").click();
    harness.run();
    assert_eq!(harness.state().viewer.cursor_ras, cursor, "stays");
    harness.get_by_label_contains("outside the volume");
}

#[test]
fn ctrl_c_copies_the_cursor_ras_and_voxel() {
    let file = "nifti-space/ILP.nii.gz";
    let mut harness = harness_with(file);
    go_to_voxel(&mut harness, [3, 4, 5]);
    let w = world_of(&nibabel_affine(file), [3.0, 4.0, 5.0]);
    harness.event(Event::Copy);
    harness.step();
    let copied: Vec<String> = harness
        .output()
        .platform_output
        .commands
        .iter()
        .filter_map(|c| match c {
            egui::OutputCommand::CopyText(t) => Some(t.clone()),
            _ => None,
        })
        .collect();
    let expected = format!("RAS {:.2},{:.2},{:.2} mm; voxel 3,4,5", w[0], w[1], w[2]);
    assert_eq!(copied, vec![expected]);
}

#[test]
fn a_ruler_across_two_views_measures_the_distance_given_by_the_affine() {
    let file = "nifti-space/ILP.nii.gz";
    let mut harness = harness_with(file);
    let affine = nibabel_affine(file);
    let (v1, v2) = ([20usize, 30, 40], [40usize, 12, 61]);
    // The first end in the axial view, on voxel v1's centre.
    go_to_voxel(&mut harness, v1);
    harness.key_press(egui::Key::M);
    harness.run();
    assert!(harness.state().viewer.measure.active, "M starts measuring");
    let at = cursor_on_screen(&harness, Plane::Axial);
    click(&mut harness, at);
    assert!(harness.state().viewer.measure.pending.is_some());
    // Other slices, then the second end in the coronal view.
    go_to_voxel(&mut harness, v2);
    let at = cursor_on_screen(&harness, Plane::Coronal);
    click(&mut harness, at);
    let rulers = harness.state().viewer.measure.rulers().to_vec();
    assert_eq!(rulers.len(), 1);
    let (a, b) = (
        world_of(&affine, v1.map(|x| x as f64)),
        world_of(&affine, v2.map(|x| x as f64)),
    );
    let expected = distance(a, b);
    // Clicks land on screen points (f32): a few thousandths of a mm.
    assert!(distance(rulers[0].a_ras, a) < 0.01, "{:?} {a:?}", rulers[0]);
    assert!(distance(rulers[0].b_ras, b) < 0.01, "{:?} {b:?}", rulers[0]);
    assert!(
        (rulers[0].length_mm() - expected).abs() < 0.02,
        "{} vs {expected}",
        rulers[0].length_mm()
    );
    // Listed with its length, deletable.
    harness.get_by_label_contains(&format!("1: {:.1} mm", rulers[0].length_mm()));

    // The export draws it and records its ends and length.
    let dir = common::scratch_dir("ruler_export");
    let out = dir.join("views.png");
    harness
        .state_mut()
        .start_export(ExportKind::Views, out.clone());
    common::window::step_until(&mut harness, "the export", 120, |app| !app.is_exporting());
    assert!(
        harness.state().viewer.error.is_none(),
        "{:?}",
        harness.state().viewer.error
    );
    let sidecar: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.join("views.json")).unwrap()).unwrap();
    let length = sidecar["rulers"][0]["length_mm"].as_f64().unwrap();
    assert!((length - expected).abs() < 0.02, "{length} vs {expected}");
    for view in sidecar["views"].as_array().unwrap() {
        let drawn = &view["rulers"][0];
        // The cursor is at b: every view's plane passes through b, and a
        // differs from b along every axis, so each shows a projection.
        assert_eq!(drawn["on_slice"], false, "{view}");
        let (pixels, width) = decode_png(view["png"].as_str().unwrap());
        let px = |key: &str| {
            let p = &drawn[key];
            let (c, r) = (
                p[0].as_f64().unwrap().round(),
                p[1].as_f64().unwrap().round(),
            );
            let at = (r as usize * width + c as usize) * 4;
            [pixels[at], pixels[at + 1], pixels[at + 2], pixels[at + 3]]
        };
        // Faded orange end marks (a projection), not the image's grey.
        for end in ["a_px", "b_px"] {
            let [r, g, b, _] = px(end);
            assert!(
                r > g && g > b && r > 150,
                "{end}: {:?} in {}",
                px(end),
                view["plane"]
            );
        }
    }

    // Persisted with the file: a new window on the same file has it.
    let persisted = harness.state().persisted();
    let json = serde_json::to_string(&persisted).unwrap();
    let mut again = RasviewApp::new(Persisted::from_json(&json));
    again.open_now(common::data_file(file));
    let kept = again.viewer.measure.rulers();
    assert_eq!(kept.len(), 1);
    // JSON keeps doubles to within a unit in the last place.
    assert!(distance(kept[0].a_ras, rulers[0].a_ras) < 1e-9);
    assert!(distance(kept[0].b_ras, rulers[0].b_ras) < 1e-9);
    again.open_now(common::data_file("nifti-space/RAS.nii.gz"));
    assert!(again.viewer.measure.rulers().is_empty(), "another file's");

    harness.get_by_label("Delete").click();
    harness.run();
    assert!(harness.state().viewer.measure.rulers().is_empty());
}

/// RGBA bytes and width of a PNG.
fn decode_png(path: &str) -> (Vec<u8>, usize) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    (buf, info.width as usize)
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
fn compare_with_previous_counts_the_set_differences_of_the_two_masks() {
    let file = "nifti-space/RAS.nii.gz";
    let mut harness = harness_with(file);
    harness.state_mut().viewer.edge_settings.show = true;
    harness.run_steps(2);
    common::window::step_until(&mut harness, "the first edges", 120, |app| {
        app.edge_results() >= 1 && !app.edges_busy()
    });
    harness.get_by_label("Compare with previous").click();
    harness.run();
    let first = edge_frame(harness.state());
    harness
        .get_by_role_and_label(egui::Role::Slider, "Sigma mm")
        .set_value_accesskit(2.5);
    harness.run_steps(2);
    common::window::step_until(&mut harness, "the comparison", 120, |app| {
        app.edge_results() >= 2 && app.viewer.edge_difference.is_some()
    });
    let second = edge_frame(harness.state());
    let d = harness.state().viewer.edge_difference.clone().unwrap();
    let added = first
        .iter()
        .zip(&second)
        .filter(|(p, c)| **p == 0.0 && **c != 0.0)
        .count();
    let removed = first
        .iter()
        .zip(&second)
        .filter(|(p, c)| **p != 0.0 && **c == 0.0)
        .count();
    assert!(added > 0 && removed > 0, "a wider sigma changes both ways");
    assert_eq!(
        (d.difference.added_count, d.difference.removed_count),
        (added, removed)
    );
    let summary = d.difference.summary();
    harness.get_by_label(&summary);

    // numpy on the CLI's masks for the same two settings.
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("compare_edges");
    for (sigma, name) in [("1", "a.nii.gz"), ("2.5", "b.nii.gz")] {
        let status = std::process::Command::new(env!("CARGO_BIN_EXE_rasview"))
            .args(["edges"])
            .arg(common::data_file(file))
            .arg("--out")
            .arg(dir.join(name))
            .args(["--sigma-mm", sigma, "--low", "0.8", "--high", "0.9"])
            .output()
            .unwrap();
        assert!(status.status.success(), "{status:?}");
    }
    let counts = common::python_json(
        &python,
        "import sys, json, nibabel, numpy as np\n\
         a = np.asarray(nibabel.load(sys.argv[1]).dataobj) != 0\n\
         b = np.asarray(nibabel.load(sys.argv[2]).dataobj) != 0\n\
         print(json.dumps([int((b & ~a).sum()), int((a & ~b).sum())]))",
        &[
            dir.join("a.nii.gz").as_os_str(),
            dir.join("b.nii.gz").as_os_str(),
        ],
    );
    assert_eq!(
        counts,
        serde_json::json!([d.difference.added_count, d.difference.removed_count])
    );
}

fn double_click(harness: &mut Harness<'_, RasviewApp>, pos: Pos2) {
    harness.hover_at(pos);
    // Half a second since any earlier click, or this would be a triple.
    harness.run_steps(30);
    for _ in 0..2 {
        for pressed in [true, false] {
            harness.event(Event::PointerButton {
                pos,
                button: PointerButton::Primary,
                pressed,
                modifiers: Modifiers::NONE,
            });
            harness.step();
        }
    }
    harness.run();
}

#[test]
fn a_double_click_maximises_a_view_and_another_restores_the_layout() {
    // A double click is two clicks within 0.3 s: frames of 1/60 s.
    let mut harness = harness_stepping("nifti-space/RAS.nii.gz", 1.0 / 60.0);
    let coronal = view_rect(&harness, Plane::Coronal);
    let axial = view_rect(&harness, Plane::Axial);
    double_click(&mut harness, coronal.center());
    assert_eq!(
        harness.state().viewer.layout.maximised,
        Some(Plane::Coronal)
    );
    let big = view_rect(&harness, Plane::Coronal);
    assert!(big.width() > 1.8 * coronal.width() && big.height() > 1.8 * coronal.height());
    assert!(
        harness.query_by_label("axial view").is_none(),
        "only one view"
    );
    double_click(&mut harness, big.center());
    assert_eq!(harness.state().viewer.layout.maximised, None);
    assert_eq!(view_rect(&harness, Plane::Coronal), coronal);
    assert_eq!(view_rect(&harness, Plane::Axial), axial);
    // F does the same for the view under the pointer.
    harness.hover_at(axial.center());
    harness.run();
    harness.key_press(egui::Key::F);
    harness.run();
    assert_eq!(harness.state().viewer.layout.maximised, Some(Plane::Axial));
}

#[test]
fn the_layout_chosen_in_the_view_menu_round_trips_through_settings() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    let view_menu = |harness: &mut Harness<'_, RasviewApp>, item: &str| {
        harness
            .get_by_role_and_label(egui::accesskit::Role::Button, "View")
            .click();
        harness.run();
        harness.get_by_label(item).click();
        harness.run();
    };
    view_menu(&mut harness, "One row of three");
    let rects = Plane::ALL.map(|p| view_rect(&harness, p));
    assert!(
        rects.iter().all(|r| (r.top() - rects[0].top()).abs() < 1.0),
        "side by side: {rects:?}"
    );
    view_menu(&mut harness, "Orientation letters");
    view_menu(&mut harness, "Side panel");
    let layout = harness.state().viewer.layout;
    assert_eq!(layout.arrangement, Arrangement::Row);
    assert!(!layout.letters && !layout.side_panel && layout.crosshair);
    assert!(
        harness.query_by_label("Compare with previous").is_none()
            && harness.query_by_label("Position").is_none(),
        "the side panel is hidden"
    );

    let json = serde_json::to_string(&harness.state().persisted()).unwrap();
    let app = RasviewApp::new(Persisted::from_json(&json));
    assert_eq!(app.viewer.layout, layout);

    view_menu(&mut harness, "Single view");
    let single = harness.state().viewer.layout;
    assert_eq!(single.arrangement, Arrangement::Single);
    let shown: Vec<Plane> = Plane::ALL
        .into_iter()
        .filter(|p| {
            harness
                .query_by_label(&format!("{} view", p.name()))
                .is_some()
        })
        .collect();
    assert_eq!(shown, vec![single.single]);
}

#[test]
fn f1_opens_a_help_sheet_listing_every_shortcut() {
    let mut harness = harness_with("nifti-space/RAS.nii.gz");
    harness.key_press(egui::Key::F1);
    harness.run();
    assert!(harness.state().help_open);
    harness.get_by_label("Keyboard and mouse");
    for key in ["M", "F", "Home", "Ctrl+C", "F1, ?", "Escape", "PageUp, Up"] {
        harness.get_by_label(key);
    }
    harness.get_by_label("measuring mode on or off (two clicks make a ruler)");
    harness.key_press(egui::Key::F1);
    harness.run();
    assert!(!harness.state().help_open);
}
