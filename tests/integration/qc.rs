//! `rasview qc`: a report over real files of every format rasview reads,
//! with a corrupt file, a missing one, an aligned edge map, the same edge
//! map flipped under the base's header (the forum's mistake) and a label
//! map on another grid. Checked: qc.json's verdicts, findings and facts
//! (against nibabel's reading in oracle.json), the exit codes, that a
//! re-run reuses what is unchanged and redoes what changed, `--collect`,
//! the page in headless Chromium, and the Snakemake workflow.

use crate::common;

use rasview::volume::{self, save, Voxels};
use serde_json::Value;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn rasview(args: &[&std::ffi::OsStr]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rasview"))
        .args(args)
        .output()
        .unwrap()
}

fn os(s: &str) -> &std::ffi::OsStr {
    std::ffi::OsStr::new(s)
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

/// The dataset: its volumes, a PAIRS.tsv, and what each entry must say.
struct Dataset {
    dir: PathBuf,
    volumes: Vec<PathBuf>,
    pairs: PathBuf,
    corrupt: PathBuf,
    missing: PathBuf,
    flipped: PathBuf,
}

/// example_func's own edges (aligned), the same edges flipped front to
/// back under the unchanged header (not aligned), a tissue label map over
/// the MNI template on another grid (aligned), and the T1 registered to
/// example_func over it (aligned, drawn as its edges); a gzip cut short
/// and a file that is not there.
fn dataset(name: &str) -> Dataset {
    let dir = common::scratch_dir(name);
    let base = common::data_file("coreg-qa/example_func.nii.gz");
    let (edges, values) = crate::check::own_edges(&base, &dir);
    let loaded = volume::load(&base).unwrap();
    let directions = rasview::geometry::orientation::axis_directions(&loaded.grid.world_from_voxel);
    // The voxel axis that runs front to back (world y).
    let axis = (0..3).find(|&a| directions[a].world_axis == 1).unwrap();
    let flipped = dir.join("edges_flipped.nii.gz");
    save::save(
        &flipped,
        &loaded.header,
        &Voxels::U8(common::flip_axis(&values, loaded.grid.shape, axis)),
        loaded.grid.shape,
        1,
    )
    .unwrap();

    let corrupt = dir.join("corrupt_T1.nii.gz");
    let whole = std::fs::read(common::data_file("coreg-qa/highres.nii.gz")).unwrap();
    std::fs::write(&corrupt, &whole[..whole.len() / 3]).unwrap();
    let missing = dir.join("not_there.nii.gz");

    // Relative paths are read from the TSV's folder.
    std::fs::write(
        dir.join("pairs.tsv"),
        format!(
            "base\toverlay\n# the forum's case\n{base}\tedges.nii.gz\n{base}\tedges_flipped.nii.gz\n\n{mni}\t{seg}\n{base}\t{t1}\n",
            base = base.display(),
            t1 = common::data_file("coreg-qa/highres.nii.gz").display(),
            mni = common::data_file("niivue/MNI152_2009_template.nii.gz").display(),
            seg = common::data_file("niivue/mni152_pveseg.nii.gz").display(),
        ),
    )
    .unwrap();
    let _ = edges;
    Dataset {
        volumes: vec![
            base,
            common::data_file("formats/nrrd_itk_lps_gzip_i16.nrrd"),
            common::data_file("formats/mha_oblique_sagittal_u16.mha"),
            common::data_file("formats/dicom_oblique_shuffled"),
            common::data_file("niivue/FLAIR.nii.gz"),
            common::data_file("formats/dicom_two_series"),
        ],
        pairs: dir.join("pairs.tsv"),
        corrupt,
        missing,
        flipped,
        dir,
    }
}

impl Dataset {
    /// `rasview qc` over everything, to `out`, with `more` options.
    fn run(&self, out: &Path, more: &[&str]) -> Output {
        let mut args: Vec<&std::ffi::OsStr> = vec![os("qc")];
        args.extend(self.volumes.iter().map(|p| p.as_os_str()));
        args.extend([self.corrupt.as_os_str(), self.missing.as_os_str()]);
        args.extend([
            os("--pairs"),
            self.pairs.as_os_str(),
            os("--out"),
            out.as_os_str(),
        ]);
        args.extend(more.iter().map(|s| os(s)));
        rasview(&args)
    }
}

fn entries(report: &Value) -> &Vec<Value> {
    report["entries"].as_array().unwrap()
}

/// The entry whose `name` contains `part` (exactly one).
fn entry<'a>(report: &'a Value, part: &str) -> &'a Value {
    let found: Vec<&Value> = entries(report)
        .iter()
        .filter(|e| e["name"].as_str().unwrap().contains(part))
        .collect();
    assert_eq!(found.len(), 1, "one entry named like {part}");
    found[0]
}

fn verdict_rank(v: &str) -> usize {
    ["failed", "not aligned", "warnings", "aligned", "ok"]
        .iter()
        .position(|w| *w == v)
        .unwrap_or_else(|| panic!("unknown verdict {v}"))
}

#[test]
fn a_report_gives_every_entry_its_verdict_facts_and_pictures() {
    let data = dataset("qc_report");
    let out = data.dir.join("report");
    let run = data.run(&out, &[]);
    let stderr = String::from_utf8_lossy(&run.stderr);
    // A file failed: exit 1 (not 3), and the run went on to the end.
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    let report = read_json(&out.join("qc.json"));
    assert_eq!(entries(&report).len(), 7 + 2 + 4, "{report:#}");
    let summary = &report["summary"];
    assert_eq!(summary["failed"], 2);
    assert_eq!(summary["not_aligned"], 1);
    assert_eq!(summary["entries"], 13);

    // Failures name the file and what is wrong with it.
    let corrupt = entry(&report, "corrupt_T1");
    assert_eq!(corrupt["ok"], false);
    assert_eq!(corrupt["verdict"], "failed");
    let error = corrupt["error"].as_str().unwrap();
    assert!(
        error.contains("corrupt_T1.nii.gz") && error.contains("gzip"),
        "{error}"
    );
    assert!(corrupt["png"].is_null());
    let missing = entry(&report, "not_there");
    assert!(missing["error"]
        .as_str()
        .unwrap()
        .contains("not_there.nii.gz"));
    assert!(stderr.contains("corrupt_T1.nii.gz: failed"), "{stderr}");

    // The forum's mistake: flipped under the right header is not aligned, in words.
    let flipped = entry(&report, "edges_flipped");
    assert_eq!(flipped["kind"], "pair");
    assert_eq!(flipped["ok"], true);
    assert_eq!(flipped["aligned"], false);
    assert_eq!(flipped["verdict"], "not aligned");
    let words: Vec<&str> = flipped["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap())
        .collect();
    assert!(
        words
            .iter()
            .any(|f| f.contains("better flipped front to back")),
        "{words:?}"
    );
    assert_eq!(
        Path::new(flipped["overlay"].as_str().unwrap()),
        data.flipped.as_path()
    );
    let own = entry(&report, "/edges.nii.gz");
    assert_eq!(
        (own["aligned"].clone(), own["verdict"].clone()),
        (true.into(), "aligned".into())
    );
    let seg = entry(&report, "mni152_pveseg");
    assert_eq!(seg["aligned"], true, "{seg:#}");
    assert_eq!(seg["facts"].as_array().unwrap().len(), 2);
    // How each overlay was drawn: a label map outlined, a T1 as its edges.
    for (part, drawn) in [
        ("mni152_pveseg", "outline"),
        ("highres", "edges"),
        ("/edges.nii.gz", "outline"),
    ] {
        let e = entry(&report, part);
        assert_eq!(e["aligned"], true, "{e:#}");
        let sidecar = read_json(&out.join(e["sidecar"].as_str().unwrap()));
        assert_eq!(
            sidecar["overlay_as"],
            serde_json::json!(["auto", drawn]),
            "{part}"
        );
    }

    // Volumes: done, no `aligned`, facts as nibabel reads them.
    let oracle = read_json(&common::data_file("oracle.json"));
    for (file, part) in [
        ("coreg-qa/example_func.nii.gz", "example_func.nii.gz"),
        ("niivue/FLAIR.nii.gz", "FLAIR.nii.gz"),
    ] {
        let truth = oracle["files"]
            .as_array()
            .unwrap()
            .iter()
            .find(|f| f["file"] == file)
            .unwrap();
        let e = entries(&report)
            .iter()
            .find(|e| e["kind"] == "volume" && e["name"].as_str().unwrap().ends_with(part))
            .unwrap();
        assert_eq!(e["ok"], true);
        assert!(e.get("aligned").is_none());
        let facts = &e["facts"][0];
        assert_eq!(facts["shape"], truth["shape"], "{file}");
        assert_eq!(facts["axcodes"], truth["axcodes"], "{file}");
        for a in 0..3 {
            let (got, want) = (
                facts["spacing_mm"][a].as_f64().unwrap(),
                truth["voxel_sizes"][a].as_f64().unwrap(),
            );
            assert!((got - want).abs() < 1e-5, "{file}: spacing {got} vs {want}");
        }
    }
    // A folder of two DICOM series: one entry each, never one of 48 slices.
    let two: Vec<&Value> = entries(&report)
        .iter()
        .filter(|e| {
            e["input"]
                .as_str()
                .is_some_and(|p| p.ends_with("dicom_two_series"))
        })
        .collect();
    assert_eq!(two.len(), 2);
    assert_ne!(two[0]["series"], two[1]["series"]);
    for e in two {
        assert_eq!(e["ok"], true, "{e:#}");
        assert_eq!(e["facts"][0]["shape"][2], 24);
    }
    for part in ["nrrd_itk_lps", "mha_oblique", "dicom_oblique_shuffled"] {
        let e = entry(&report, part);
        assert_eq!(e["ok"], true, "{e:#}");
        assert!(e["facts"][0]["oblique"].as_bool().unwrap() || part == "nrrd_itk_lps");
    }

    // Problems first; every picture and sidecar where qc.json says.
    let ranks: Vec<usize> = entries(&report)
        .iter()
        .map(|e| verdict_rank(e["verdict"].as_str().unwrap()))
        .collect();
    assert!(ranks.windows(2).all(|w| w[0] <= w[1]), "{ranks:?}");
    for e in entries(&report).iter().filter(|e| e["ok"] == true) {
        for (key, magic) in [
            ("png", &b"\x89PNG"[..]),
            ("thumbnail", b"\x89PNG"),
            ("sidecar", b"{"),
        ] {
            let path = out.join(e[key].as_str().unwrap());
            let bytes = std::fs::read(&path).unwrap_or_else(|_| panic!("{}", path.display()));
            assert!(bytes.starts_with(magic), "{}", path.display());
        }
        let sidecar = read_json(&out.join(e["sidecar"].as_str().unwrap()));
        assert_eq!(sidecar["command"], "qc");
        assert_eq!(sidecar["tiles"].as_array().unwrap().len(), 18);
    }

    // The page: one row per entry with its verdict, links that exist.
    let html = std::fs::read_to_string(out.join("index.html")).unwrap();
    for e in entries(&report) {
        let row = format!(
            "id=\"entry-{}\" data-rank=\"{}\"",
            e["id"].as_str().unwrap(),
            verdict_rank(e["verdict"].as_str().unwrap())
        );
        assert!(html.contains(&row), "{row}");
    }
    for link in html.split("href=\"").skip(1) {
        let target = &link[..link.find('"').unwrap()];
        assert!(out.join(target).is_file(), "a link to {target}");
    }
}

#[test]
fn exit_codes_follow_the_worst_verdict() {
    let data = dataset("qc_exit_codes");
    let base = common::data_file("coreg-qa/example_func.nii.gz");
    let edges = data.dir.join("edges.nii.gz");
    let code = |args: Vec<&std::ffi::OsStr>, out: &str| {
        let out = data.dir.join(out);
        let mut all = vec![os("qc"), os("--out"), out.as_os_str()];
        all.extend(args);
        rasview(&all).status.code()
    };
    let fine = vec![
        os("--pair"),
        base.as_os_str(),
        edges.as_os_str(),
        base.as_os_str(),
    ];
    assert_eq!(code(fine.clone(), "fine"), Some(0));
    let mut misaligned = fine.clone();
    misaligned.extend([os("--pair"), base.as_os_str(), data.flipped.as_os_str()]);
    assert_eq!(code(misaligned.clone(), "misaligned"), Some(3));
    let mut failed = misaligned.clone();
    failed.push(data.corrupt.as_os_str());
    assert_eq!(code(failed.clone(), "failed"), Some(1));
    failed.push(os("--exit-zero"));
    assert_eq!(code(failed, "failed_zero"), Some(0));
    // Bad usage and bad lists are named.
    std::fs::write(data.dir.join("bad.tsv"), "a.nii\tb.nii\nonly-one-field\n").unwrap();
    let out = rasview(&[
        os("qc"),
        os("--pairs"),
        data.dir.join("bad.tsv").as_os_str(),
        os("--out"),
        data.dir.join("bad").as_os_str(),
    ]);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        err.contains("bad.tsv line 2") && err.contains("BASE<TAB>OVERLAY"),
        "{err}"
    );
    let out = rasview(&[os("qc"), os("--out"), data.dir.join("none").as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("nothing to check"));
    // A folder whose index.html is someone else's is not written over.
    let foreign = data.dir.join("foreign");
    std::fs::create_dir_all(&foreign).unwrap();
    std::fs::write(foreign.join("index.html"), "mine").unwrap();
    let out = rasview(&[os("qc"), base.as_os_str(), os("--out"), foreign.as_os_str()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        std::fs::read_to_string(foreign.join("index.html")).unwrap(),
        "mine"
    );
}

#[test]
fn a_rerun_reuses_unchanged_entries_and_redoes_changed_ones() {
    let data = dataset("qc_rerun");
    let out = data.dir.join("report");
    let copy = data.dir.join("copy_func.nii.gz");
    std::fs::copy(common::data_file("coreg-qa/example_func.nii.gz"), &copy).unwrap();
    let run = |more: &[&str]| {
        let mut args = vec![
            os("qc"),
            copy.as_os_str(),
            data.volumes[1].as_os_str(),
            data.corrupt.as_os_str(),
            os("--pairs"),
            data.pairs.as_os_str(),
            os("--out"),
            out.as_os_str(),
        ];
        args.extend(more.iter().map(|s| os(s)));
        rasview(&args);
        read_json(&out.join("qc.json"))
    };
    let first = run(&[]);
    assert_eq!(first["summary"]["reused"], 0);
    let png = out.join(entry(&first, "copy_func")["png"].as_str().unwrap());
    let written = std::fs::metadata(&png).unwrap().modified().unwrap();

    // Unchanged: every entry but the failed one is reused, its files untouched.
    let second = run(&[]);
    assert_eq!(second["summary"]["reused"], 6, "{:#}", second["summary"]);
    assert_eq!(entry(&second, "corrupt_T1")["reused"], false);
    assert_eq!(entry(&second, "edges_flipped")["verdict"], "not aligned");
    assert_eq!(
        std::fs::metadata(&png).unwrap().modified().unwrap(),
        written
    );

    // One input's bytes change (same name, same size): that entry is redone.
    let mut bytes = std::fs::read(&copy).unwrap();
    let crc = bytes.len() - 8;
    bytes[crc] ^= 0xff; // the gzip trailer's CRC-32: now a corrupt file
    std::fs::write(&copy, &bytes).unwrap();
    let third = run(&[]);
    let redone = entry(&third, "copy_func");
    assert_eq!(redone["reused"], false);
    assert_eq!(redone["verdict"], "failed", "{redone:#}");
    assert!(
        !png.exists(),
        "the picture of the old bytes is gone with them"
    );
    assert_eq!(third["summary"]["reused"], 5);

    // Other options: everything is redone.
    let fourth = run(&["--slices", "4"]);
    assert_eq!(fourth["summary"]["reused"], 0);
    let sidecar = read_json(&out.join(entry(&fourth, "nrrd_itk")["sidecar"].as_str().unwrap()));
    assert_eq!(sidecar["tiles"].as_array().unwrap().len(), 12);
    // --force redoes even what is unchanged.
    let fifth = run(&["--slices", "4", "--force"]);
    assert_eq!(fifth["summary"]["reused"], 0);
}

#[test]
fn collect_joins_reports_with_links_that_resolve() {
    let data = dataset("qc_collect");
    let parts = data.dir.join("parts");
    let part = |name: &str, args: Vec<&std::ffi::OsStr>| {
        let dir = parts.join(name);
        let mut all = vec![os("qc")];
        all.extend(args);
        all.extend([os("--out"), dir.as_os_str(), os("--exit-zero")]);
        assert_eq!(rasview(&all).status.code(), Some(0));
        dir
    };
    let a = part(
        "a",
        vec![data.volumes[0].as_os_str(), data.corrupt.as_os_str()],
    );
    let b = part("b", vec![os("--pairs"), data.pairs.as_os_str()]);
    let out = data.dir.join("joined");
    let run = rasview(&[
        os("qc"),
        os("--collect"),
        a.as_os_str(),
        b.as_os_str(),
        os("--out"),
        out.as_os_str(),
    ]);
    assert_eq!(run.status.code(), Some(1), "a failed entry is in it");
    let report = read_json(&out.join("qc.json"));
    assert_eq!(entries(&report).len(), 6);
    assert_eq!(report["summary"]["not_aligned"], 1);
    for e in entries(&report).iter().filter(|e| e["ok"] == true) {
        let png = e["png"].as_str().unwrap();
        assert!(png.starts_with("../parts/"), "{png}");
        assert!(out.join(png).is_file(), "{png}");
    }
    let out = rasview(&[
        os("qc"),
        os("--collect"),
        data.dir.as_os_str(),
        os("--out"),
        data.dir.join("x").as_os_str(),
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("qc.json"));
}

/// Debian's Chromium, or None (skipped) where it is not installed; CI sets
/// RASVIEW_REQUIRE_CHROMIUM=1 and installs it.
fn chromium() -> Option<PathBuf> {
    let found = ["chromium", "chromium-browser"].iter().find_map(|name| {
        let ok = Command::new(name).arg("--version").output().ok()?;
        ok.status.success().then(|| PathBuf::from(name))
    });
    if found.is_none() {
        assert!(
            std::env::var_os("RASVIEW_REQUIRE_CHROMIUM").is_none(),
            "RASVIEW_REQUIRE_CHROMIUM is set but chromium is not installed"
        );
        eprintln!("skipped: no chromium");
    }
    found
}

/// Runs Chromium headless (as root, on a machine without network or
/// D-Bus) with `args` and a page; what it printed.
fn in_chromium(browser: &Path, profile: &Path, args: &[String]) -> String {
    let run = Command::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--allow-file-access-from-files",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .output()
        .unwrap();
    assert!(
        run.status.success(),
        "chromium {args:?}: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    String::from_utf8(run.stdout).unwrap()
}

/// The rows of a dumped DOM, in order: (id, verdict).
fn rows(dom: &str) -> Vec<(String, String)> {
    dom.split("<tr class=\"entry ")
        .skip(1)
        .map(|row| {
            let attr = |name: &str| {
                let start = row.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                row[start..start + row[start..].find('"').unwrap()].to_string()
            };
            (attr("id"), attr("data-verdict"))
        })
        .collect()
}

#[test]
fn the_page_opens_in_headless_chromium_with_every_entry_and_its_verdict() {
    let Some(browser) = chromium() else {
        return;
    };
    let data = dataset("qc_chromium");
    let out = data.dir.join("report");
    data.run(&out, &[]);
    let report = read_json(&out.join("qc.json"));
    let url = |hash: &str| format!("file://{}#{hash}", out.join("index.html").display());
    let profile = data.dir.join("profile");
    let dump = |hash: &str| in_chromium(&browser, &profile, &["--dump-dom".into(), url(hash)]);
    // As written: problems first, every entry with its verdict.
    let dom = dump("");
    let listed = rows(&dom);
    let expected: Vec<(String, String)> = entries(&report)
        .iter()
        .map(|e| {
            (
                format!("entry-{}", e["id"].as_str().unwrap()),
                e["verdict"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(listed, expected);
    // The script ran in the browser: the verdict heading says it sorts upwards.
    assert!(
        dom.contains("data-sort=\"verdict\""),
        "the sorting script did not run"
    );
    // Sorted by name by the page's own script.
    let by_name = rows(&dump("sort=name"));
    let names = |rows: &[(String, String)]| -> Vec<String> {
        rows.iter()
            .map(|(id, _)| {
                let e = entries(&report)
                    .iter()
                    .find(|e| format!("entry-{}", e["id"].as_str().unwrap()) == *id)
                    .unwrap();
                e["name"].as_str().unwrap().to_string()
            })
            .collect()
    };
    let mut sorted = names(&by_name);
    sorted.sort();
    assert_eq!(names(&by_name), sorted);
    assert_ne!(
        by_name, listed,
        "name order differs from verdict order here"
    );

    // A screenshot, kept for a person to look at.
    let shot = data.dir.join("page.png");
    in_chromium(
        &browser,
        &profile,
        &[
            "--window-size=1400,1600".into(),
            format!("--screenshot={}", shot.display()),
            url(""),
        ],
    );
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&shot).unwrap()));
    let info = decoder.read_info().unwrap().info().clone();
    assert_eq!((info.width, info.height), (1400, 1600));
    eprintln!("page screenshot: {}", shot.display());
}

/// Snakemake from PyPI, or None (skipped); CI sets RASVIEW_REQUIRE_SNAKEMAKE=1.
fn snakemake() -> Option<PathBuf> {
    let ok = Command::new("snakemake").arg("--version").output();
    match ok {
        Ok(out) if out.status.success() => Some(PathBuf::from("snakemake")),
        _ => {
            assert!(
                std::env::var_os("RASVIEW_REQUIRE_SNAKEMAKE").is_none(),
                "RASVIEW_REQUIRE_SNAKEMAKE is set but snakemake is not installed"
            );
            eprintln!("skipped: no snakemake");
            None
        }
    }
}

#[test]
fn the_snakemake_workflow_runs_one_job_per_entry_and_collects_them() {
    let Some(snakemake) = snakemake() else {
        return;
    };
    let data = dataset("qc_snakemake");
    let workflow = Path::new(env!("CARGO_MANIFEST_DIR")).join("assets/qc.smk");
    let inputs: Vec<String> = [&data.volumes[0], &data.volumes[3], &data.corrupt]
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    let run = Command::new(snakemake)
        .arg("-s")
        .arg(&workflow)
        .args(["--cores", "2", "--directory"])
        .arg(&data.dir)
        .arg("--config")
        .arg(format!("inputs={}", inputs.join(" ")))
        .arg(format!("pairs={}", data.pairs.display()))
        .arg("out=qc")
        .arg(format!("rasview={}", env!("CARGO_BIN_EXE_rasview")))
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{log}");
    // Three volumes and four pairs: seven entry jobs, one collect, one `all`.
    assert!(log.contains("9 of 9 steps (100%) done"), "{log}");
    let out = data.dir.join("qc");
    let report = read_json(&out.join("qc.json"));
    assert_eq!(entries(&report).len(), 7);
    assert_eq!(report["summary"]["failed"], 1);
    assert_eq!(report["summary"]["not_aligned"], 1);
    assert_eq!(entry(&report, "edges_flipped")["verdict"], "not aligned");
    for e in entries(&report).iter().filter(|e| e["ok"] == true) {
        assert!(out.join(e["png"].as_str().unwrap()).is_file());
    }
    assert_eq!(
        std::fs::read_dir(out.join("parts")).unwrap().count(),
        7,
        "one part per entry"
    );
}

/// The memory budget: each entry of the 1 mm T1 (6.05 M voxels) reserves
/// about 170 MB. With the default budget two run side by side (the most
/// held at once is more than one entry's); with 200 MiB they run one at a
/// time (never more than the budget, which two would exceed).
#[test]
fn a_tight_memory_budget_runs_entries_one_at_a_time() {
    let dir = common::scratch_dir("qc_budget");
    let t1 = common::data_file("coreg-qa/highres.nii.gz");
    let copies: Vec<PathBuf> = (0..6)
        .map(|i| {
            let copy = dir.join(format!("t1_{i}.nii.gz"));
            std::os::unix::fs::symlink(&t1, &copy).unwrap();
            copy
        })
        .collect();
    let run = |name: &str, more: &[&str]| {
        let out = dir.join(name);
        let mut args: Vec<&std::ffi::OsStr> = vec![os("qc")];
        args.extend(copies.iter().map(|c| c.as_os_str()));
        args.extend([os("--out"), out.as_os_str(), os("--jobs"), os("2")]);
        args.extend(more.iter().map(|s| os(s)));
        let run = rasview(&args);
        assert_eq!(
            run.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&run.stderr)
        );
        read_json(&out.join("qc.json"))
    };
    let reserved = |report: &Value| -> Vec<u64> {
        entries(report)
            .iter()
            .map(|e| e["reserved_mib"].as_u64().unwrap())
            .collect()
    };
    let loose = run("loose", &[]);
    let each = reserved(&loose);
    assert!(each.iter().all(|&r| r > 100 && r < 200), "{each:?}");
    let memory = &loose["memory"];
    assert_eq!(memory["jobs"], 2);
    assert!(
        memory["peak_reserved_mib"].as_u64().unwrap() > *each.iter().max().unwrap(),
        "two entries held memory at once: {memory}"
    );

    let tight = run("tight", &["--memory-mib", "200"]);
    assert_eq!(tight["memory"]["budget_mib"], 200);
    let peak = tight["memory"]["peak_reserved_mib"].as_u64().unwrap();
    assert!(peak <= 200, "{peak}");
    assert!(reserved(&tight).iter().all(|&r| 2 * r > 200));
    assert_eq!(tight["summary"]["fine"], 6);
}
