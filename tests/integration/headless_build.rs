//! `--no-default-features` is a headless CLI: no egui in its dependency tree,
//! and one version each of ndarray across the graph.

use std::process::Command;

fn cargo_tree(args: &[&str]) -> String {
    let out = Command::new(env!("CARGO"))
        .args(["tree", "--locked", "--prefix", "none", "--edges", "normal"])
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "cargo tree failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn has_crate(tree: &str, name: &str) -> bool {
    tree.lines()
        .any(|l| l.split_whitespace().next() == Some(name))
}

#[test]
fn headless_build_links_no_egui() {
    let headless = cargo_tree(&["--no-default-features"]);
    for gui_crate in ["egui", "eframe", "egui_plot", "rfd", "winit"] {
        assert!(
            !has_crate(&headless, gui_crate),
            "{gui_crate} is in the headless tree"
        );
    }
    // The check can fail: the default build does have them.
    let full = cargo_tree(&[]);
    assert!(has_crate(&full, "egui") && has_crate(&full, "eframe"));
}

#[test]
fn one_version_of_ndarray_and_flate2() {
    let full = cargo_tree(&["--duplicates", "--depth", "0"]);
    for name in ["ndarray", "flate2", "nifti"] {
        assert!(
            !has_crate(&full, name),
            "{name} appears in more than one version:\n{full}"
        );
    }
}
