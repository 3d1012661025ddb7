//! The forum's case, by tools nobody here wrote (issue 16): an edge map of
//! one slice, made by OpenCV, scikit-image, SimpleITK or a thresholded
//! Sobel from a scan read as a (z, y, x) array, written back onto its slice
//! as `rasview import-npy --plane P --slice N --transpose no` does, once as
//! taken and once upside down, mirrored, transposed, one slice off or moved
//! a few pixels. The maps and where they belong come from
//! tests/data/forum/make_forum.py (manifest.json); the wrong arrangements
//! are made here from the right ones. Every right placement must be called
//! aligned, every wrong one caught, except a left-right mirror of an axial
//! or coronal slice of a near-symmetric brain, which may be inconclusive but
//! must then say that its mirror image fits about as well.
//!
//! `cargo test --test forum -- --nocapture` prints the table per detector
//! and plane.

use crate::common;

use rasview::geometry::Plane;
use rasview::npy::{place_slice, read_npy, SliceOptions, SliceTarget, Transpose};
use rasview::overlay::{check_overlay, EdgeReference, OverlayReport};
use rasview::volume::{self, Scaling, Volume, Voxels};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// One right edge map, as the generator wrote it.
struct Map {
    file: String,
    base: String,
    plane: Plane,
    slice: usize,
    detector: String,
}

fn manifest() -> Vec<Map> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/forum");
    let text = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let json: Value = serde_json::from_str(&text).unwrap();
    json["maps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| Map {
            file: m["file"].as_str().unwrap().to_string(),
            base: m["base"].as_str().unwrap().to_string(),
            plane: match m["plane"].as_str().unwrap() {
                "axial" => Plane::Axial,
                "coronal" => Plane::Coronal,
                "sagittal" => Plane::Sagittal,
                other => panic!("plane {other}"),
            },
            slice: m["slice"].as_u64().unwrap() as usize,
            detector: m["detector"].as_str().unwrap().to_string(),
        })
        .collect()
}

/// How the map is written back.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Placement {
    Right,
    /// np.flipud
    UpsideDown,
    /// np.fliplr
    Mirrored,
    /// both
    Turned,
    /// arr.T (square slices only)
    Transposed,
    /// onto slice N + d
    SliceOff(i64),
    /// np.roll with zeros coming in, by (rows, columns)
    Moved(i64, i64),
}

impl Placement {
    fn name(self) -> String {
        match self {
            Placement::Right => "right".into(),
            Placement::UpsideDown => "upside down".into(),
            Placement::Mirrored => "mirrored".into(),
            Placement::Turned => "turned 180".into(),
            Placement::Transposed => "transposed".into(),
            Placement::SliceOff(d) => format!("slice {d:+}"),
            Placement::Moved(r, c) => format!("moved ({r:+}, {c:+}) px"),
        }
    }
}

const WRONG: [Placement; 10] = [
    Placement::UpsideDown,
    Placement::Mirrored,
    Placement::Turned,
    Placement::Transposed,
    Placement::SliceOff(-1),
    Placement::SliceOff(1),
    Placement::Moved(2, 0),
    Placement::Moved(0, 2),
    Placement::Moved(-1, 0),
    Placement::Moved(0, 1),
];

/// The array as written under `placement` (None when it does not apply),
/// and the slice it goes to.
fn arrange(
    edges: &[u8],
    [rows, cols]: [usize; 2],
    slice: usize,
    placement: Placement,
) -> Option<(Vec<u8>, usize)> {
    let at = |r: usize, c: usize| edges[r * cols + c];
    let mut out = vec![0u8; rows * cols];
    let mut slice = slice as i64;
    for r in 0..rows {
        for c in 0..cols {
            out[r * cols + c] = match placement {
                Placement::Right | Placement::SliceOff(_) => at(r, c),
                Placement::UpsideDown => at(rows - 1 - r, c),
                Placement::Mirrored => at(r, cols - 1 - c),
                Placement::Turned => at(rows - 1 - r, cols - 1 - c),
                Placement::Transposed if rows == cols => at(c, r),
                Placement::Transposed => return None,
                Placement::Moved(dr, dc) => {
                    let (sr, sc) = (r as i64 - dr, c as i64 - dc);
                    if (0..rows as i64).contains(&sr) && (0..cols as i64).contains(&sc) {
                        at(sr as usize, sc as usize)
                    } else {
                        0
                    }
                }
            };
        }
    }
    if let Placement::SliceOff(d) = placement {
        slice += d;
    }
    Some((out, usize::try_from(slice).ok()?))
}

/// Wrong placements the check may leave inconclusive (never confirmed),
/// measured: the EPI's coronal slice one slice (3 mm) back under a
/// thresholded Sobel's bands three pixels (9 mm) wide, where the right
/// slice's gradient is only 1.03x the wrong one's (below the 1.05x a
/// verdict needs; right placements reach 0.97x).
const KNOWN_INCONCLUSIVE: [(&str, Placement); 1] =
    [("epi_coronal_sobel_150.npy", Placement::SliceOff(1))];

/// Whether a placement may honestly be inconclusive: a left-right mirror
/// of an axial or coronal slice (its columns run left to right) of a
/// near-symmetric brain.
fn symmetric(plane: Plane, placement: Placement) -> bool {
    placement == Placement::Mirrored && plane != Plane::Sagittal
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Verdict {
    /// Aligned, and the content confirms the stored arrangement.
    Confirmed,
    /// Not aligned: another arrangement fits clearly better.
    Caught,
    /// Aligned by the headers; the content tells nothing either way.
    Inconclusive,
}

fn verdict(report: &OverlayReport) -> Verdict {
    let content = report.content.as_ref().expect("the content is checked");
    if !report.aligned {
        assert!(content.fits_better_otherwise, "{:?}", report.findings);
        Verdict::Caught
    } else if content.confirmed_as_stored {
        Verdict::Confirmed
    } else {
        Verdict::Inconclusive
    }
}

/// Counts per row of the table.
#[derive(Default)]
struct Tally {
    right: usize,
    right_confirmed: usize,
    right_inconclusive: usize,
    wrong: usize,
    wrong_caught: usize,
    wrong_inconclusive: usize,
    /// Wrong, excluding the symmetric mirrors.
    asymmetric: usize,
    asymmetric_caught: usize,
}

struct Base {
    volume: Volume,
    reference: EdgeReference,
    /// The base's header and grid with no voxels: cloned per overlay.
    template: Volume,
}

fn load_base(relative: &str) -> Base {
    let path = if relative == "assets/highres.nii.gz" {
        common::data_file("coreg-qa/highres.nii.gz")
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(relative)
    };
    let volume = volume::load(&path).unwrap();
    let reference = EdgeReference::of(&volume).unwrap();
    let template = Volume {
        voxels: Voxels::U8(Vec::new()),
        scaling: Scaling::IDENTITY,
        volume_count: 1,
        warnings: Vec::new(),
        ..volume.clone()
    };
    Base {
        volume,
        reference,
        template,
    }
}

#[test]
fn edge_maps_from_other_tools_written_back_wrongly_are_caught() {
    let maps = manifest();
    assert_eq!(
        maps.len(),
        63,
        "three scans x three planes x seven detectors"
    );
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/forum");
    let mut bases: BTreeMap<String, Base> = BTreeMap::new();
    let mut table: BTreeMap<(String, &'static str), Tally> = BTreeMap::new();
    let mut by_kind: BTreeMap<String, [usize; 4]> = BTreeMap::new();
    let mut failures = Vec::new();
    let mut slowest = (0.0f64, String::new());
    for map in &maps {
        let base = bases
            .entry(map.base.clone())
            .or_insert_with(|| load_base(&map.base));
        let array = read_npy(&dir.join(&map.file)).unwrap();
        let Voxels::U8(edges) = &array.values else {
            panic!("{}: uint8 expected", map.file)
        };
        let shape = [array.shape[0], array.shape[1]];
        assert!(edges.iter().any(|&e| e != 0), "{}", map.file);
        for placement in std::iter::once(Placement::Right).chain(WRONG) {
            let Some((values, slice)) = arrange(edges, shape, map.slice, placement) else {
                continue;
            };
            let target = SliceTarget::in_volume(&base.volume, map.plane, slice);
            let options = SliceOptions {
                transpose: Transpose::No,
                ..Default::default()
            };
            let placed = place_slice(
                &Voxels::U8(values),
                &array.shape,
                base.volume.grid.shape,
                target,
                options,
            )
            .unwrap();
            let overlay = Volume {
                voxels: placed.voxels,
                ..base.template.clone()
            };
            let start = Instant::now();
            let report = check_overlay(
                &base.volume,
                &overlay,
                &overlay.frame_values(0),
                Some(&base.reference),
            );
            let seconds = start.elapsed().as_secs_f64();
            let case = format!("{} {}", map.file, placement.name());
            if seconds > slowest.0 {
                slowest = (seconds, case.clone());
            }
            let got = verdict(&report);
            let text = report
                .findings
                .iter()
                .map(|f| f.to_string())
                .collect::<Vec<_>>()
                .join(" | ");
            let tally = table
                .entry((map.detector.clone(), map.plane.name()))
                .or_default();
            let kind = by_kind.entry(placement.name()).or_default();
            kind[0] += 1;
            kind[match got {
                Verdict::Caught => 1,
                Verdict::Inconclusive => 2,
                Verdict::Confirmed => 3,
            }] += 1;
            if placement == Placement::Right {
                tally.right += 1;
                tally.right_confirmed += (got == Verdict::Confirmed) as usize;
                tally.right_inconclusive += (got == Verdict::Inconclusive) as usize;
                if got == Verdict::Caught {
                    failures.push(format!("false alarm: {case}: {text}"));
                } else if got == Verdict::Inconclusive {
                    failures.push(format!("right placement not confirmed: {case}: {text}"));
                }
                continue;
            }
            tally.wrong += 1;
            tally.wrong_caught += (got == Verdict::Caught) as usize;
            tally.wrong_inconclusive += (got == Verdict::Inconclusive) as usize;
            if symmetric(map.plane, placement) {
                // Honest doubt is allowed, a clean bill of health is not.
                if got == Verdict::Confirmed {
                    failures.push(format!("mirror confirmed as stored: {case}: {text}"));
                } else if got == Verdict::Inconclusive && !text.contains("mirror") {
                    failures.push(format!(
                        "mirror inconclusive without saying so: {case}: {text}"
                    ));
                }
                continue;
            }
            tally.asymmetric += 1;
            tally.asymmetric_caught += (got == Verdict::Caught) as usize;
            let excused = KNOWN_INCONCLUSIVE.contains(&(map.file.as_str(), placement));
            if excused {
                // Not called right either: the words name the slice that fits as well.
                if got == Verdict::Confirmed
                    || (got == Verdict::Inconclusive && !text.contains("on the slice 1 voxel"))
                {
                    failures.push(format!(
                        "known doubt without saying so: {case}: {got:?}: {text}"
                    ));
                }
            } else if got != Verdict::Caught {
                failures.push(format!("missed: {case}: {got:?}: {text}"));
            }
        }
    }
    println!("detector                  plane     right aligned (confirmed, inconclusive)  wrong caught (inconclusive)  asymmetric caught");
    let mut total = Tally::default();
    for ((detector, plane), t) in &table {
        println!(
            "{detector:25} {plane:9} {:2}/{:2} ({:2}, {:2})                          {:3}/{:3} ({:2})                 {:3}/{:3}",
            t.right_confirmed + t.right_inconclusive,
            t.right,
            t.right_confirmed,
            t.right_inconclusive,
            t.wrong_caught,
            t.wrong,
            t.wrong_inconclusive,
            t.asymmetric_caught,
            t.asymmetric
        );
        total.right += t.right;
        total.right_confirmed += t.right_confirmed;
        total.right_inconclusive += t.right_inconclusive;
        total.wrong += t.wrong;
        total.wrong_caught += t.wrong_caught;
        total.wrong_inconclusive += t.wrong_inconclusive;
        total.asymmetric += t.asymmetric;
        total.asymmetric_caught += t.asymmetric_caught;
    }
    println!(
        "all: right aligned {}/{} (confirmed {}), wrong caught {}/{} (inconclusive {}), asymmetric caught {}/{}",
        total.right_confirmed + total.right_inconclusive,
        total.right,
        total.right_confirmed,
        total.wrong_caught,
        total.wrong,
        total.wrong_inconclusive,
        total.asymmetric_caught,
        total.asymmetric
    );
    println!("by placement: [cases, caught, inconclusive, confirmed as stored]");
    for (kind, counts) in &by_kind {
        println!("  {kind:18} {counts:?}");
    }
    println!(
        "slowest check: {:.1} ms ({}; this build's profile)",
        slowest.0 * 1e3,
        slowest.1
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The forum user's own commands: `import-npy --plane --slice --transpose
/// no` then `check --json`, on OpenCV's edges of an axial EPI slice, as
/// taken and upside down. The JSON keeps its keys, says what it measured,
/// and the exit code and the words name the flip.
#[test]
fn the_forum_commands_name_an_upside_down_slice_and_pass_the_right_one() {
    let dir = common::scratch_dir("forum_cli");
    let map = manifest()
        .into_iter()
        .find(|m| m.file == "epi_axial_opencv_canny_50_120.npy")
        .unwrap();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/forum");
    let array = read_npy(&data.join(&map.file)).unwrap();
    let Voxels::U8(edges) = &array.values else {
        panic!("uint8 expected")
    };
    let shape = [array.shape[0], array.shape[1]];
    let base = Path::new(env!("CARGO_MANIFEST_DIR")).join(&map.base);
    for (placement, exit, words) in [
        (Placement::Right, 0, "it follows the base's anatomy"),
        (
            Placement::UpsideDown,
            3,
            "better flipped front to back (the base's gradient under its pixels",
        ),
    ] {
        let (values, slice) = arrange(edges, shape, map.slice, placement).unwrap();
        let npy = dir.join(format!("{}.npy", placement.name().replace(' ', "_")));
        common::write_npy(&npy, "|u1", false, &array.shape, &values);
        let out = npy.with_extension("nii.gz");
        let run = |args: &[&str]| {
            std::process::Command::new(env!("CARGO_BIN_EXE_rasview"))
                .args(args)
                .output()
                .unwrap()
        };
        let s = |p: &Path| p.to_str().unwrap().to_string();
        let import = run(&[
            "import-npy",
            &s(&npy),
            "--like",
            &s(&base),
            "--out",
            &s(&out),
            "--plane",
            map.plane.name(),
            "--slice",
            &slice.to_string(),
            "--transpose",
            "no",
        ]);
        assert!(
            import.status.success(),
            "{}",
            String::from_utf8_lossy(&import.stderr)
        );
        let check = run(&["check", &s(&base), &s(&out), "--json"]);
        assert_eq!(check.status.code(), Some(exit), "{}", placement.name());
        let json: Value = serde_json::from_slice(&check.stdout).unwrap();
        for key in [
            "aligned",
            "same_grid",
            "findings",
            "max_corner_distance_mm",
            "overlap_fraction",
            "content",
        ] {
            assert!(json.get(key).is_some(), "{key} missing: {json}");
        }
        let content = &json["content"];
        for key in [
            "overlay_kind",
            "boundary_voxels",
            "scored_voxels",
            "base_edge_voxels",
            "tolerance_voxels",
            "as_stored",
            "typical",
            "confirmed_as_stored",
            "best_other",
            "fits_better_otherwise",
            "finding",
            "scores",
        ] {
            assert!(
                content.get(key).is_some(),
                "content.{key} missing: {content}"
            );
        }
        assert_eq!(content["measure"], "gradient_under_pixels");
        assert_eq!(json["aligned"], exit == 0);
        let text = content["finding"]["text"].as_str().unwrap();
        assert!(text.contains(words), "{}: {text}", placement.name());
        // The scores are the base's gradient, not fractions: right placed,
        // well above the tissue's mean.
        let (stored, typical) = (
            content["as_stored"].as_f64().unwrap(),
            content["typical"].as_f64().unwrap(),
        );
        if placement == Placement::Right {
            assert!(stored > 1.25 * typical, "{stored} vs {typical}");
        } else {
            let best = content["best_other"]["score"].as_f64().unwrap();
            assert!(best > 1.25 * stored, "{best} vs {stored}");
        }
    }
}
