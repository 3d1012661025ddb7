//! Writes that fail leave nothing half-written and say why in words: a
//! full disk (simulated with a file size limit), a missing folder, and a
//! folder that is not writable. An old file at the target survives.

use crate::common;

use std::path::Path;
use std::process::Command;

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

#[test]
fn a_full_disk_leaves_the_old_file_and_no_partial_one() {
    let dir = common::scratch_dir("write_failures_full");
    let out = dir.join("edges.nii.gz");
    std::fs::write(&out, b"an older result").unwrap();
    let input = common::data_file("coreg-qa/highres.nii.gz");
    // A 32 KiB file size limit: the kernel refuses the write as it would on
    // a full disk (EFBIG instead of ENOSPC); the signal it also sends is
    // ignored, as a full disk sends none.
    let script = format!(
        "trap '' XFSZ; ulimit -f 64; exec '{}' edges '{}' --out '{}'",
        env!("CARGO_BIN_EXE_rasview"),
        input.display(),
        out.display()
    );
    let run = Command::new("sh").args(["-c", &script]).output().unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert_eq!(run.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("disk is full"), "{stderr}");
    assert!(stderr.contains("edges.nii.gz"), "{stderr}");
    assert_eq!(std::fs::read(&out).unwrap(), b"an older result");
    assert_eq!(files_in(&dir), vec!["edges.nii.gz".to_string()]);
}

#[test]
fn a_missing_or_read_only_folder_is_named() {
    let dir = common::scratch_dir("write_failures_folder");
    let input = common::data_file("coreg-qa/example_func.nii.gz");
    // `as_nobody`: through setpriv as user nobody, for whom permissions bind
    // (they do not bind root, and CI runs as root).
    let run_as = |out: &Path, as_nobody: bool| {
        let mut command = if as_nobody {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups"])
                .arg(env!("CARGO_BIN_EXE_rasview"));
            c
        } else {
            Command::new(env!("CARGO_BIN_EXE_rasview"))
        };
        let r = command
            .args([
                "edges",
                &input.to_string_lossy(),
                "--out",
                &out.to_string_lossy(),
            ])
            .output()
            .unwrap();
        (
            r.status.code(),
            String::from_utf8_lossy(&r.stderr).into_owned(),
        )
    };
    let run = |out: &Path| run_as(out, false);
    let (code, stderr) = run(&dir.join("no/such/folder/e.nii.gz"));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("the folder does not exist"), "{stderr}");

    // A folder nobody may write to: as root, the write runs as user nobody.
    let locked = dir.join("locked");
    std::fs::create_dir(&locked).unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o555)).unwrap();
    let probe = locked.join("probe");
    let bound_for_us = std::fs::write(&probe, b"x").is_err();
    let _ = std::fs::remove_file(&probe);
    // Only where user nobody can run the binary on the input (a checkout
    // under a private home folder is out of its reach).
    let setpriv = Command::new("setpriv")
        .args(["--reuid=65534", "--regid=65534", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_rasview"))
        .args(["info", &input.to_string_lossy()])
        .output()
        .is_ok_and(|o| o.status.success());
    if bound_for_us || setpriv {
        let (code, stderr) = run_as(&locked.join("e.nii.gz"), !bound_for_us);
        assert_eq!(code, Some(1), "{stderr}");
        assert!(stderr.contains("the folder is not writable"), "{stderr}");
        assert!(files_in(&locked).is_empty());
    } else {
        eprintln!("skipping the read-only folder: root, and user nobody cannot run the binary");
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o755)).unwrap();
}
