//! Time courses: `rasview timecourse` against nibabel on a 4D file made
//! here, and the window's plot (click a volume, it is shown; play steps on).

use crate::common;
use std::process::Command;

fn rasview(args: &[&std::ffi::OsStr]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

/// Writes, with nibabel, a 4D int16 file with an oblique, flipped affine
/// and a different value in every voxel of every volume; prints nothing.
const MAKE_4D: &str = r#"
import sys, numpy as np, nibabel as nib
rng = np.random.default_rng(18)
data = rng.integers(-3000, 3000, size=(9, 11, 7, 13)).astype(np.int16)
c, s = np.cos(0.3), np.sin(0.3)
affine = np.array([[-2.0 * c, 0.4, 0.0, 10.0],
                   [2.0 * s, 1.5 * c, 0.3, -20.0],
                   [0.0, -0.2, 3.0, 5.0],
                   [0, 0, 0, 1]])
img = nib.Nifti1Image(data, affine)
img.header.set_data_dtype(np.int16)
img.header['scl_slope'] = 0.5
img.header['scl_inter'] = 7
nib.save(img, sys.argv[1])
print("{}")
"#;

/// The voxel nearest each point (from the inverse affine, rounded as
/// floor(v + 0.5)) and its values across volumes, by nibabel.
const ORACLE: &str = r#"
import sys, json, numpy as np, nibabel as nib
img = nib.load(sys.argv[1])
out = []
for text in sys.argv[2:]:
    p = np.array([float(x) for x in text.split(',')] + [1.0])
    v = np.linalg.inv(img.affine) @ p
    ijk = [int(np.floor(x + 0.5)) for x in v[:3]]
    values = np.asarray(img.dataobj[ijk[0], ijk[1], ijk[2], :], dtype=np.float64)
    out.append({"voxel": ijk, "values": values.tolist()})
print(json.dumps(out))
"#;

#[test]
fn timecourse_cli_matches_nibabel_at_the_nearest_voxel_of_a_4d_file() {
    let Some(python) = common::python_with(&["nibabel", "numpy"]) else {
        return;
    };
    let dir = common::scratch_dir("timecourse_cli");
    let path = dir.join("run.nii.gz");
    common::python_json(&python, MAKE_4D, &[path.as_os_str()]);
    // Points inside, away from halfway between voxel centres.
    let points = ["3.86,-9.85,13.36", "11.19,-5.29,18.56", "-3.08,-12.98,7.96"];
    let args: Vec<&std::ffi::OsStr> = std::iter::once(path.as_os_str())
        .chain(points.iter().map(std::ffi::OsStr::new))
        .collect();
    let oracle = common::python_json(&python, ORACLE, &args);
    for (point, expected) in points.iter().zip(oracle.as_array().unwrap()) {
        let out = rasview(&[
            "timecourse".as_ref(),
            path.as_os_str(),
            "--ras".as_ref(),
            point.as_ref(),
            "--json".as_ref(),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let got: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(got["voxel"], expected["voxel"], "{point}");
        assert_eq!(got["volumes"], 13);
        assert_eq!(got["values"], expected["values"], "{point}");
        // The plain text: the voxel, then one value per line.
        let text = rasview(&[
            "timecourse".as_ref(),
            path.as_os_str(),
            "--ras".as_ref(),
            point.as_ref(),
        ]);
        let text = String::from_utf8_lossy(&text.stdout).into_owned();
        let mut lines = text.lines();
        let v = &expected["voxel"];
        assert!(
            lines
                .next()
                .unwrap()
                .starts_with(&format!("voxel [{}, {}, {}]", v[0], v[1], v[2])),
            "{text}"
        );
        let values: Vec<f64> = lines.map(|l| l.parse().unwrap()).collect();
        let expected: Vec<f64> = expected["values"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x.as_f64().unwrap())
            .collect();
        assert_eq!(values, expected);
    }
}

#[test]
fn timecourse_outside_the_volume_or_of_a_missing_file_says_which_and_exits_1() {
    let file = common::data_file("nifti-space/RAS.nii.gz");
    let out = rasview(&[
        "timecourse".as_ref(),
        file.as_os_str(),
        "--ras".as_ref(),
        "500,0,0".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("--ras 500,0,0 is outside"), "{err}");
    assert!(err.contains("RAS.nii.gz"), "{err}");
    let out = rasview(&[
        "timecourse".as_ref(),
        "no/such/run.nii.gz".as_ref(),
        "--ras".as_ref(),
        "0,0,0".as_ref(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no/such/run.nii.gz"));
}

/// The window: the plot, Play and 4D overlays, on files written here.
#[cfg(feature = "gui")]
mod window {
    use crate::common;
    use egui::Vec2;
    use egui_kittest::kittest::Queryable;
    use egui_kittest::Harness;
    use rasview::app::time_course::{pick_overlay_volume, pick_volume, Series};
    use rasview::app::RasviewApp;
    use rasview::volume::{save, Voxels};
    use std::path::PathBuf;

    const SHAPE: [usize; 3] = [12, 10, 8];
    const VOLUMES: usize = 6;

    /// Voxel `linear` of volume `t` holds `offset + linear % 97 + 100 t`.
    fn value(offset: i16, linear: usize, t: usize) -> f32 {
        (offset as usize + linear % 97 + 100 * t) as f32
    }

    fn four_d(dir: &std::path::Path, name: &str, offset: i16) -> PathBuf {
        let path = dir.join(name);
        let n: usize = SHAPE.iter().product();
        let values = (0..n * VOLUMES)
            .map(|x| value(offset, x % n, x / n) as i16)
            .collect();
        let affine = rasview::geometry::Affine::scaling([2.0, 2.0, 3.0]).unwrap();
        save::save(
            &path,
            &common::sform_header(&affine),
            &Voxels::I16(values),
            SHAPE,
            VOLUMES,
        )
        .unwrap();
        path
    }

    fn harness_on(path: PathBuf) -> Harness<'static, RasviewApp> {
        let mut app = RasviewApp::new(None);
        app.open_now(path);
        assert!(app.viewer.error.is_none(), "{:?}", app.viewer.error);
        let mut harness = Harness::builder()
            .with_size(Vec2::new(1200.0, 800.0))
            .build_ui_state(|ui, app: &mut RasviewApp| app.show(ui), app);
        common::window::step_until(&mut harness, "the histogram", 60, |app| {
            !app.histogram_pending()
        });
        harness
    }

    fn frame_index(app: &RasviewApp) -> usize {
        app.viewer.loaded.as_ref().unwrap().frame_index
    }

    /// The linear index of the voxel under the cursor.
    fn cursor_linear(app: &RasviewApp) -> usize {
        let v = app.viewer.readout().unwrap().voxel.unwrap();
        v[0] + SHAPE[0] * (v[1] + SHAPE[1] * v[2])
    }

    #[test]
    fn clicking_the_time_course_plot_shows_that_volume() {
        let dir = common::scratch_dir("time_course_click");
        let mut harness = harness_on(four_d(&dir, "run.nii.gz", 0));
        harness.get_by_label_contains("Time course at voxel");
        assert_eq!(frame_index(harness.state()), 0);
        let at = harness
            .state()
            .time_course
            .point_of(Series::Base, 4)
            .expect("the base's plot is drawn");
        harness.hover_at(at);
        harness.run_steps(2);
        harness.drag_at(at);
        harness.run_steps(2);
        harness.drop_at(at);
        harness.run_steps(2);
        common::window::step_until(&mut harness, "volume 4", 60, |app| frame_index(app) == 4);
        let app = harness.state();
        let linear = cursor_linear(app);
        assert_eq!(
            app.viewer.readout().unwrap().value,
            Some(value(0, linear, 4) as f64)
        );
        assert_eq!(app.viewer.wanted_frame, None);
    }

    #[test]
    fn play_steps_through_every_volume_in_order_and_pause_stops_it() {
        let dir = common::scratch_dir("time_course_play");
        let mut harness = harness_on(four_d(&dir, "run.nii.gz", 0));
        harness.get_by_label("Play").click();
        let mut seen = vec![frame_index(harness.state())];
        let start = std::time::Instant::now();
        while seen.len() < VOLUMES + 2 {
            harness.step();
            std::thread::sleep(std::time::Duration::from_millis(5));
            let t = frame_index(harness.state());
            if t != *seen.last().unwrap() {
                seen.push(t);
            }
            assert!(start.elapsed().as_secs() < 60, "play stalled at {seen:?}");
        }
        // Every volume in turn, none skipped, and round to the first again.
        let expected: Vec<usize> = (0..VOLUMES + 2).map(|i| i % VOLUMES).collect();
        assert_eq!(seen, expected);
        harness.get_by_label("Pause").click();
        harness.run_steps(2);
        let stopped = frame_index(harness.state());
        for _ in 0..40 {
            harness.step();
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        assert!(!harness.state().time_course.playing);
        assert_eq!(frame_index(harness.state()), stopped);
    }

    #[test]
    fn a_4d_overlay_follows_the_base_unless_given_its_own_volume() {
        let dir = common::scratch_dir("time_course_overlay");
        let mut app = RasviewApp::new(None);
        app.open_now(four_d(&dir, "base.nii.gz", 0));
        app.add_overlay_now(four_d(&dir, "overlay.nii.gz", 5000));
        let linear = cursor_linear(&app);
        let index = app.viewer.readout().unwrap().voxel.unwrap();
        let overlay_value = |app: &RasviewApp| app.viewer.overlays.items[0].frame[index] as f64;
        let show_base = |app: &mut RasviewApp, t: usize| {
            pick_volume(&mut app.viewer, t);
            while frame_index(app) != t {
                app.drive_frame_switch();
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
            app.finish_overlay_frames();
        };
        show_base(&mut app, 2);
        assert_eq!(app.viewer.overlays.items[0].frame_index, 2, "follows");
        assert_eq!(overlay_value(&app), value(5000, linear, 2) as f64);
        pick_overlay_volume(&mut app.viewer, 0, 5);
        app.finish_overlay_frames();
        assert_eq!(app.viewer.overlays.items[0].frame_index, 5);
        assert_eq!(overlay_value(&app), value(5000, linear, 5) as f64);
        show_base(&mut app, 1);
        assert_eq!(app.viewer.overlays.items[0].frame_index, 5, "its own");
        // Following again takes the base's volume.
        app.viewer.overlays.items[0].own_frame = None;
        app.finish_overlay_frames();
        assert_eq!(app.viewer.overlays.items[0].frame_index, 1);
        assert_eq!(overlay_value(&app), value(5000, linear, 1) as f64);
    }
}
