//! Label names in the window (egui_kittest, no GPU): the readout names the
//! label under the cursor and changes as the cursor crosses a border; an
//! overlay's panel lists the labels present with their counts, colours and
//! a toggle that hides one.
#![cfg(feature = "gui")]

use crate::common;
use crate::label_tables::{phantom_with_table, write_label_phantom, LABEL_BOXES};

use egui::Vec2;
use egui_kittest::kittest::Queryable;
use egui_kittest::Harness;
use rasview::app::overlays::ForeignOverlay;
use rasview::app::RasviewApp;
use rasview::geometry::{Affine, Plane};
use rasview::render::{label_colour, layer_colours};
use std::collections::HashMap;
use std::path::Path;

fn harness_on(path: &Path) -> Harness<'static, RasviewApp> {
    let mut app = RasviewApp::new(None);
    app.open_now(path.to_path_buf());
    assert!(app.viewer.loaded.is_some(), "{:?}", app.viewer.error);
    let mut harness = Harness::builder()
        .with_size(Vec2::new(1200.0, 900.0))
        .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
    let start = std::time::Instant::now();
    while harness.state().histogram_pending() {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(start.elapsed().as_secs() < 60, "the histogram never came");
    }
    harness.run();
    harness
}

fn grid_affine() -> Affine {
    Affine::scaling([2.0, 2.0, 2.0]).unwrap()
}

#[test]
fn the_readout_names_the_label_under_the_cursor_and_changes_across_a_border() {
    let seg = phantom_with_table("label_window_readout", &grid_affine());
    let mut harness = harness_on(&seg);
    // Voxel [4, 4, 5]: the top slice of label 17; label 53 lies above it.
    harness.state_mut().viewer.cursor_ras = grid_affine().apply([4.0, 4.0, 5.0]);
    harness.run();
    harness.get_by_label("Left-Hippocampus");
    assert!(harness.query_by_label("Right-Hippocampus").is_none());

    // One slice up in the axial view (a key, as a user steps): across the border.
    let axial = harness
        .get_by_label(&format!("{} view", Plane::Axial.name()))
        .rect();
    harness.hover_at(axial.center());
    harness.run();
    harness.key_press(egui::Key::ArrowUp);
    harness.run();
    let k = harness.state().viewer.readout().unwrap().voxel.unwrap()[2];
    assert_eq!(k, 6, "one voxel up");
    harness.get_by_label("Right-Hippocampus");
    assert!(harness.query_by_label("Left-Hippocampus").is_none());
}

#[test]
fn the_overlay_panel_lists_labels_present_with_counts_colours_and_a_toggle() {
    let seg = phantom_with_table("label_window_panel", &grid_affine());
    let mut harness = harness_on(&seg);
    harness.state_mut().add_overlay_now(seg.clone());
    harness.run();
    // Six values present, five named by aseg.txt beside the file (5 is not).
    harness.get_by_label("6 labels present (5 named)");
    harness.get_by_label("5 unnamed");
    // Label 1000 fills 6 x 8 x 6 voxels; 17 and 53 6 x 6 x 4 each.
    harness.get_by_label("288 vox");
    assert_eq!(harness.query_all_by_label("144 vox").count(), 2);
    let toggle = harness.get_by_label("17 Left-Hippocampus");
    toggle.click();
    harness.run();
    let overlay = &harness.state().viewer.overlays.items[0];
    assert_eq!(overlay.hidden, [17]);
    // Hidden: not drawn at its centre; its neighbour 53 still is.
    let at = |label: i16| {
        let (_, [ri, rj, rk]) = LABEL_BOXES.iter().find(|(l, _)| *l == label).unwrap();
        let centre = grid_affine().apply([ri.start as f64, rj.start as f64, rk.start as f64]);
        let pixel = Affine::from_rows([
            [1.0, 0.0, 0.0, centre[0]],
            [0.0, 1.0, 0.0, centre[1]],
            [0.0, 0.0, 1.0, centre[2]],
        ])
        .unwrap();
        layer_colours(&overlay.layer(), &pixel, 1, 1)[0]
    };
    assert_eq!(at(17), None);
    assert_eq!(at(53), Some([220, 216, 20]));
}

#[test]
fn labels_with_gaps_in_their_numbers_keep_the_tables_colours() {
    let affine = grid_affine();
    let seg = phantom_with_table("label_gaps", &affine);
    let volume = rasview::volume::load(&seg).unwrap();
    let overlay = ForeignOverlay::prepare("aseg".into(), volume.clone(), &volume, None, 0);
    let table: HashMap<i64, [u8; 3]> = [
        (1, [70, 130, 180]),
        (2, [245, 245, 245]),
        (1000, [25, 5, 25]),
    ]
    .into();
    let present = overlay.present_labels();
    for (value, colour) in &table {
        let row = present.iter().find(|l| l.value == *value).unwrap();
        assert_eq!(row.colour, *colour, "label {value} in the panel");
        // Drawn in it too, at a voxel of that label.
        let (_, [ri, rj, rk]) = LABEL_BOXES
            .iter()
            .find(|(l, _)| *l as i64 == *value)
            .unwrap();
        let p = affine.apply([ri.start as f64, rj.start as f64, rk.start as f64]);
        let pixel = Affine::from_rows([
            [1.0, 0.0, 0.0, p[0]],
            [0.0, 1.0, 0.0, p[1]],
            [0.0, 0.0, 1.0, p[2]],
        ])
        .unwrap();
        assert_eq!(
            layer_colours(&overlay.layer(), &pixel, 1, 1)[0],
            Some(*colour),
            "label {value} drawn"
        );
    }
    // Not colours by rank: the third label (1000) is not drawn as the third.
    assert_ne!(table[&1000], label_colour(3));
    // The value no table names keeps its own colour by value.
    let five = present.iter().find(|l| l.value == 5).unwrap();
    assert_eq!((five.name.as_deref(), five.colour), (None, label_colour(5)));
}

#[test]
fn label_counts_equal_numpys_unique() {
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("label_counts_numpy");
    let phantom = dir.join("labels.nii.gz");
    write_label_phantom(&phantom, &crate::label_tables::oblique_affine());
    // The phantom, and real label maps: FSL FAST's tissue classes of the
    // MNI template and a lesion map graded 1 to 3.
    for path in [
        phantom,
        common::data_file("niivue/mni152_pveseg.nii.gz"),
        common::data_file("niivue/lesion.nii.gz"),
    ] {
        let volume = rasview::volume::load(&path).unwrap();
        let overlay = ForeignOverlay::prepare("labels".into(), volume.clone(), &volume, None, 0);
        let expected = common::python_json(
            &python,
            r#"
import json, sys
import nibabel as nib, numpy as np
data = np.asanyarray(nib.load(sys.argv[1]).dataobj)
values, counts = np.unique(data, return_counts=True)
print(json.dumps([[int(v), int(c)] for v, c in zip(values, counts) if v != 0]))
"#,
            &[path.as_os_str()],
        );
        let expected: Vec<(i64, u64)> = serde_json::from_value(expected).unwrap();
        assert!(expected.len() >= 3, "{}", path.display());
        assert_eq!(overlay.counts, expected, "{}", path.display());
    }
}

#[test]
fn a_table_chosen_in_the_panel_names_the_overlays_labels() {
    use rasview::app::file_dialog::{FileDialogs, Purpose};
    let dir = common::scratch_dir("label_window_chosen");
    let seg = dir.join("labels.nii.gz");
    write_label_phantom(&seg, &grid_affine());
    let table = dir.join("snap_labels.txt");
    std::fs::write(&table, crate::label_tables::ITK_SNAP_LABELS).unwrap();
    let mut harness = harness_on(&seg);
    harness.state_mut().add_overlay_now(seg.clone());
    harness.run();
    harness.get_by_label("6 labels present (0 named)");
    let chosen = table.clone();
    harness.state_mut().dialogs = FileDialogs::with_backend(std::sync::Arc::new(move |p, _| {
        assert_eq!(p, Purpose::LabelTable(0));
        Some(vec![chosen.clone()])
    }));
    harness.get_by_label("Label table...").click();
    let start = std::time::Instant::now();
    while harness.state().viewer.overlays.items[0].labels.is_empty() {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(start.elapsed().as_secs() < 30, "the table never came");
    }
    harness.run();
    harness.get_by_label("6 labels present (2 named)");
    harness.get_by_label("17 hippocampus left");
    harness.get_by_label("53 hippocampus right");
    let present = harness.state().viewer.overlays.items[0].present_labels();
    let colour = |v| present.iter().find(|l| l.value == v).unwrap().colour;
    assert_eq!((colour(17), colour(53)), ([255, 0, 0], [0, 255, 0]));

    // A table with a bad line: the file and line named, the names kept.
    let bad = dir.join("bad.txt");
    std::fs::write(
        &bad,
        "# ITK-SnAP Label Description File\n17 1 2 3 1 1 1 \"a\"\n1 2 3\n",
    )
    .unwrap();
    harness.state_mut().dialogs =
        FileDialogs::with_backend(std::sync::Arc::new(move |_, _| Some(vec![bad.clone()])));
    harness.get_by_label("Label table...").click();
    let start = std::time::Instant::now();
    while harness.state().viewer.error.is_none() {
        harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
        assert!(start.elapsed().as_secs() < 30, "no error shown");
    }
    let error = harness.state().viewer.error.clone().unwrap();
    assert!(
        error.contains("line 3") && error.contains("bad.txt"),
        "{error}"
    );
    harness.run();
    harness.get_by_label("17 hippocampus left");
}
