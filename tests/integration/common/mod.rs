//! Helpers shared by the integration tests: data paths, a seeded random
//! generator, and phantoms placed in world space.
#![allow(dead_code)]

#[cfg(feature = "gui")]
pub mod window;

use rasview::geometry::Affine;
use rasview::volume::RawHeader;
use std::path::{Path, PathBuf};

/// Where a file from the shared data set lives in this repository.
pub fn data_file(relative: &str) -> PathBuf {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    if relative == "coreg-qa/highres.nii.gz" {
        return root.join("assets/highres.nii.gz");
    }
    root.join("tests/data").join(relative)
}

/// A fresh empty folder under the target directory, unique to a test.
pub fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// xorshift64*: small, seeded, the same on every machine.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
    /// Uniform in [lo, hi).
    pub fn uniform(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// An asymmetric labelled phantom in world space (RAS mm): an octant code so
/// that every flip changes values, plus a marker blob in the right anterior
/// superior quadrant, so that a flip of any axis cannot hide.
pub fn phantom_label(world: [f64; 3]) -> u8 {
    let [x, y, z] = world;
    let octant = (x > 1.0) as u8 + 2 * (y > -3.0) as u8 + 4 * (z > 2.0) as u8;
    let in_marker = (x - 14.0).powi(2) + (y - 9.0).powi(2) + (z + 6.0).powi(2) < 36.0;
    let in_bar = x.abs() < 4.0 && y > 10.0 && z.abs() < 3.0;
    1 + octant + 10 * in_marker as u8 + 20 * in_bar as u8
}

/// Fills a grid of `shape` voxels by evaluating `phantom_label` at each
/// voxel centre through `world_from_voxel`, in storage order (i fastest).
pub fn phantom_labels(shape: [usize; 3], world_from_voxel: &Affine) -> Vec<u8> {
    let mut out = Vec::with_capacity(shape.iter().product());
    for k in 0..shape[2] {
        for j in 0..shape[1] {
            for i in 0..shape[0] {
                out.push(phantom_label(
                    world_from_voxel.apply([i as f64, j as f64, k as f64]),
                ));
            }
        }
    }
    out
}

/// The rows of an affine with linear part `m` and translation `t`.
pub fn rows(m: [[f64; 3]; 3], t: [f64; 3]) -> [[f64; 4]; 3] {
    [0, 1, 2].map(|r| [m[r][0], m[r][1], m[r][2], t[r]])
}

/// Rotation about x by `a` then about z by `b` (radians).
pub fn rotation_xz(a: f64, b: f64) -> [[f64; 3]; 3] {
    let rx = [
        [1.0, 0.0, 0.0],
        [0.0, a.cos(), -a.sin()],
        [0.0, a.sin(), a.cos()],
    ];
    let rz = [
        [b.cos(), -b.sin(), 0.0],
        [b.sin(), b.cos(), 0.0],
        [0.0, 0.0, 1.0],
    ];
    matmul(&rz, &rx)
}

pub fn matmul(a: &[[f64; 3]; 3], b: &[[f64; 3]; 3]) -> [[f64; 3]; 3] {
    let mut m = [[0.0; 3]; 3];
    for (r, row) in m.iter_mut().enumerate() {
        for (c, v) in row.iter_mut().enumerate() {
            *v = (0..3).map(|k| a[r][k] * b[k][c]).sum();
        }
    }
    m
}

/// Largest absolute difference between two 4x4 matrices.
pub fn max_abs_diff(a: &[[f64; 4]; 4], b: &[[f64; 4]; 4]) -> f64 {
    let mut worst: f64 = 0.0;
    for r in 0..4 {
        for c in 0..4 {
            worst = worst.max((a[r][c] - b[r][c]).abs());
        }
    }
    worst
}

/// The 48 files of NIfTIspace: one head in every axis order and flip.
pub const ORDERS: [&str; 48] = [
    "AIL", "AIR", "ALI", "ALS", "ARI", "ARS", "ASL", "ASR", "IAL", "IAR", "ILA", "ILP", "IPL",
    "IPR", "IRA", "IRP", "LAI", "LAS", "LIA", "LIP", "LPI", "LPS", "LSA", "LSP", "PIL", "PIR",
    "PLI", "PLS", "PRI", "PRS", "PSL", "PSR", "RAI", "RAS", "RIA", "RIP", "RPI", "RPS", "RSA",
    "RSP", "SAL", "SAR", "SLA", "SLP", "SPL", "SPR", "SRA", "SRP",
];

/// A header that places voxels by `affine` through the sform alone.
pub fn sform_header(affine: &Affine) -> RawHeader {
    RawHeader {
        sform_code: 1,
        srow: *affine.rows(),
        pixdim: [1.0, 1.0, 1.0, 1.0, 0.0, 0.0, 0.0, 0.0],
        ..RawHeader::default()
    }
}

/// Writes a version 1.0 .npy file by hand (no numpy needed).
pub fn write_npy(path: &Path, descr: &str, fortran: bool, shape: &[usize], data: &[u8]) {
    let shape_text = match shape {
        [n] => format!("({n},)"),
        _ => format!(
            "({})",
            shape
                .iter()
                .map(|n| n.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    let dict = format!(
        "{{'descr': '{descr}', 'fortran_order': {}, 'shape': {shape_text}, }}",
        if fortran { "True" } else { "False" }
    );
    let padding = (64 - (10 + dict.len() + 1) % 64) % 64;
    let header = format!("{dict}{}\n", " ".repeat(padding));
    let mut bytes = b"\x93NUMPY\x01\x00".to_vec();
    bytes.extend((header.len() as u16).to_le_bytes());
    bytes.extend(header.as_bytes());
    bytes.extend(data);
    std::fs::write(path, bytes).unwrap();
}

pub fn f32_bytes(v: &[f32]) -> Vec<u8> {
    v.iter().flat_map(|x| x.to_le_bytes()).collect()
}

/// A volume's values (storage order, i fastest) reversed along one voxel axis.
pub fn flip_axis<T: Copy + Default>(values: &[T], shape: [usize; 3], axis: usize) -> Vec<T> {
    let [nx, ny, nz] = shape;
    let mut flipped = vec![T::default(); values.len()];
    for k in 0..nz {
        for j in 0..ny {
            for i in 0..nx {
                let mut v = [i, j, k];
                v[axis] = shape[axis] - 1 - v[axis];
                flipped[v[0] + nx * (v[1] + ny * v[2])] = values[i + nx * (j + ny * k)];
            }
        }
    }
    flipped
}

/// A 4x4 affine written as JSON rows (a sidecar's `world_from_pixel`),
/// whose last row must be 0 0 0 1.
pub fn affine_of(json: &serde_json::Value) -> Affine {
    let m: Vec<Vec<f64>> = json
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            r.as_array()
                .unwrap()
                .iter()
                .map(|x| x.as_f64().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(m[3], [0.0, 0.0, 0.0, 1.0]);
    Affine::from_rows([0, 1, 2].map(|r| [m[r][0], m[r][1], m[r][2], m[r][3]])).unwrap()
}

/// A Python that can import every module in `modules` (the oracles:
/// SimpleITK, nrrd, pydicom, numpy), or None when this machine has none,
/// in which case the caller skips with a line on stderr. CI sets
/// RASVIEW_REQUIRE_PYTHON=1 (and installs them): there a missing oracle
/// fails the test instead of skipping it.
pub fn python_with(modules: &[&str]) -> Option<PathBuf> {
    let python = PathBuf::from(std::env::var("RASVIEW_PYTHON").unwrap_or("python3".into()));
    let probe = std::process::Command::new(&python)
        .arg("-c")
        .arg(format!("import {}", modules.join(", ")))
        .output();
    match probe {
        Ok(out) if out.status.success() => Some(python),
        other => {
            let why = match other {
                Ok(out) => String::from_utf8_lossy(&out.stderr).trim().to_string(),
                Err(e) => e.to_string(),
            };
            if std::env::var_os("RASVIEW_REQUIRE_PYTHON").is_some() {
                panic!(
                    "RASVIEW_REQUIRE_PYTHON is set but {} cannot import {modules:?}: {why}",
                    python.display()
                );
            }
            eprintln!("skipped: no Python with {modules:?} ({why})");
            None
        }
    }
}

/// Runs a Python snippet with `args` (sys.argv[1:]) and returns its
/// stdout parsed as JSON; panics with its stderr if it fails.
pub fn python_json(python: &Path, script: &str, args: &[&std::ffi::OsStr]) -> serde_json::Value {
    let out = std::process::Command::new(python)
        .arg("-c")
        .arg(script)
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "python failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "python printed no JSON ({e}): {}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}
