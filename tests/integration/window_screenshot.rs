//! The real window under Xvfb: `rasview --edges --screenshot` opens the
//! bundled sample with edges on, waits until volume and edges are drawn, saves a screenshot and exits 0; the
//! picture is checked, not just taken.
//!
//! Skips when Xvfb is not installed, unless RASVIEW_REQUIRE_XVFB is set
//! (CI sets it, so there the window is always tested).
#![cfg(feature = "gui")]

use crate::common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// An Xvfb server on a free display, stopped when dropped.
struct Xvfb {
    child: Child,
    display: String,
}

impl Drop for Xvfb {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The tests here run one at a time: two Xvfb servers racing for the same
/// display number could each take the other's socket for its own.
static ONE_WINDOW_AT_A_TIME: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn start_xvfb() -> Option<Xvfb> {
    let installed = Command::new("sh")
        .arg("-c")
        .arg("command -v Xvfb")
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        assert!(
            std::env::var_os("RASVIEW_REQUIRE_XVFB").is_none(),
            "Xvfb is required (apt-get install -y xvfb)"
        );
        eprintln!("skipping: Xvfb is not installed");
        return None;
    }
    for n in 40 + std::process::id() % 50..200 {
        if Path::new(&format!("/tmp/.X{n}-lock")).exists() {
            continue;
        }
        let child = Command::new("Xvfb")
            .args([
                format!(":{n}"),
                "-screen".into(),
                "0".into(),
                "1600x1000x24".into(),
                "-nolisten".into(),
                "tcp".into(),
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let mut server = Xvfb {
            child,
            display: format!(":{n}"),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return Some(server);
            }
            if let Ok(Some(_)) = server.child.try_wait() {
                break; // lost a race for this display: try the next
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    panic!("could not start Xvfb on any display");
}

fn run_with_timeout(cmd: &mut Command, limit: Duration) -> std::process::ExitStatus {
    let mut child = cmd.spawn().unwrap();
    let deadline = Instant::now() + limit;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("rasview did not exit within {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn read_png(path: &Path) -> (usize, usize, Vec<u8>) {
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    (info.width as usize, info.height as usize, buf)
}

/// Runs `rasview ARGS --screenshot OUT` in the real window and checks that
/// it exited 0.
fn take_screenshot(xvfb: &Xvfb, args: &[&std::ffi::OsStr], out: &Path) {
    let status = run_with_timeout(
        Command::new(env!("CARGO_BIN_EXE_rasview"))
            .args(args)
            .arg("--screenshot")
            .arg(out)
            .env("DISPLAY", &xvfb.display)
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null()),
        Duration::from_secs(120),
    );
    assert!(
        status.success(),
        "rasview --screenshot exited with {status}"
    );
}

#[test]
fn screenshot_of_the_real_window_shows_three_views_with_letters() {
    let _turn = ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some(xvfb) = start_xvfb() else { return };
    let dir = common::scratch_dir("window_screenshot");
    let out = dir.join("window.png");
    take_screenshot(&xvfb, &["--edges".as_ref()], &out);
    let (w, h, rgba) = read_png(&out);
    assert_eq!((w, h), (1400, 900), "the window's size");

    let pixel = |x: usize, y: usize| {
        let i = (y * w + x) * 4;
        [rgba[i], rgba[i + 1], rgba[i + 2]]
    };
    // The views fill the area right of the control panel (about 270 points),
    // between the menu and the status bar, in a 2x2 grid.
    let (left, top, bottom) = (290, 30, h - 30);
    let (half_w, half_h) = ((w - left) / 2, (bottom - top) / 2);
    let quadrants = [("axial", 0, 0), ("coronal", 1, 0), ("sagittal", 0, 1)];
    for (name, qx, qy) in quadrants {
        let (x0, y0) = (left + qx * half_w, top + qy * half_h);
        let (mut tissue, mut letters, mut crosshair, mut edges) = (0, 0, 0, 0);
        for y in y0 + 5..y0 + half_h - 5 {
            for x in x0 + 5..x0 + half_w - 5 {
                let [r, g, b] = pixel(x, y);
                if r == g && g == b && r > 60 {
                    tissue += 1;
                }
                if r > 200 && g > 170 && b < 100 {
                    letters += 1;
                }
                if g > 180 && r < 120 && b < 120 {
                    crosshair += 1;
                }
                // The edge overlay's red (255, 40, 40) at 85% over grey.
                if r > 200 && g < 90 && b < 90 {
                    edges += 1;
                }
            }
        }
        let area = (half_w - 10) * (half_h - 10);
        assert!(
            tissue * 20 > area,
            "{name} view is blank: {tissue} of {area} pixels show tissue"
        );
        assert!(
            letters > 40,
            "{name} view has no orientation letters ({letters} letter pixels)"
        );
        assert!(
            crosshair > 300,
            "{name} view has no crosshair ({crosshair} pixels)"
        );
        assert!(
            edges > 500,
            "{name} view shows no edge overlay ({edges} red pixels)"
        );
    }
}

/// Counts pixels of the misalignment banner's dark red and of the first
/// mask overlay's cyan blended at 70% over grey.
fn banner_and_overlay_pixels(path: &Path) -> (usize, usize) {
    let (w, h, rgba) = read_png(path);
    let (mut banner, mut overlay) = (0, 0);
    for y in 0..h {
        for x in 0..w {
            let i = (y * w + x) * 4;
            let [r, g, b] = [rgba[i], rgba[i + 1], rgba[i + 2]];
            if (r, g, b) == (90, 20, 20) {
                banner += 1;
            }
            if r < 80 && g > 145 && b > 175 {
                overlay += 1;
            }
        }
    }
    (banner, overlay)
}

/// The real window with `--overlay`: an edge mask flipped front to back
/// under the base's own header gets the red banner; the base's own edge
/// mask is drawn without one.
#[test]
fn a_misplaced_overlay_gets_a_banner_in_the_real_window() {
    use rasview::edges::{self, Control, EdgeMap, EdgeParams};
    use rasview::volume::{self, save, Voxels};
    let _turn = ONE_WINDOW_AT_A_TIME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let Some(xvfb) = start_xvfb() else { return };
    let dir = common::scratch_dir("window_screenshot_overlay");
    let base_path = common::data_file("coreg-qa/example_func.nii.gz");
    let base = volume::load(&base_path).unwrap();
    let result =
        edges::detect_volume(&base, 0, &EdgeParams::default(), None, &Control::none()).unwrap();
    let EdgeMap::Mask(mask) = result.map else {
        panic!("Canny gives a mask")
    };
    let flipped = common::flip_axis(&mask, base.grid.shape, 1);
    let mut counts = Vec::new();
    for (name, values) in [("own", mask), ("flipped", flipped)] {
        let overlay = dir.join(format!("{name}.nii.gz"));
        save::save(
            &overlay,
            &base.header,
            &Voxels::U8(values),
            base.grid.shape,
            1,
        )
        .unwrap();
        let out = dir.join(format!("{name}.png"));
        take_screenshot(
            &xvfb,
            &[
                base_path.as_os_str(),
                "--overlay".as_ref(),
                overlay.as_os_str(),
            ],
            &out,
        );
        counts.push(banner_and_overlay_pixels(&out));
    }
    let [(own_banner, own_overlay), (flipped_banner, flipped_overlay)] = counts[..] else {
        unreachable!()
    };
    assert_eq!(own_banner, 0, "no banner for the base's own edges");
    assert!(flipped_banner > 5000, "banner pixels: {flipped_banner}");
    assert!(
        own_overlay > 300 && flipped_overlay > 300,
        "overlay pixels: {own_overlay}, {flipped_overlay}"
    );
}
