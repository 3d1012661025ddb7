//! Where an NRRD's voxels are: which axes are spatial (the rest become the
//! volumes of a 4D image), and the RAS affine from `space`,
//! `space directions` and `space origin` (or `spacings` alone).
//!
//! world point = space origin + sum over spatial axes a of i_a * direction_a,
//! in the header's space; RAS, LAS and LPS are turned into RAS by flipping
//! x (and y). A space rasview cannot name (scanner-xyz, 3D-right-handed, or
//! none) is used as given, with a warning: never silently as LPS, which is
//! what ITK does.

use super::header::HeaderText;
use super::spec::DataSpec;
use crate::geometry::Affine;
use crate::volume::datatype::Datatype;
use crate::volume::error::LoadError;
use crate::volume::header_geometry::AffineSource;
use std::path::Path;

/// Which file axes are which.
#[derive(Debug, Clone, PartialEq)]
pub struct Layout {
    /// The spatial axes in file order: voxel i, j (and k).
    pub spatial: Vec<usize>,
    /// The other axes in file order (first fastest): together the volumes.
    pub others: Vec<usize>,
    /// The one other axis when it is the colour of a uint8 RGB image.
    pub rgb_axis: Option<usize>,
}

impl Layout {
    /// The file axes in the order rasview stores them, fastest first: the
    /// colour (interleaved), then i, j, k, then the volumes.
    pub fn storage_order(&self) -> Vec<usize> {
        let mut order: Vec<usize> = self.rgb_axis.into_iter().collect();
        order.extend(&self.spatial);
        order.extend(self.others.iter().filter(|&&a| Some(a) != self.rgb_axis));
        order
    }

    pub fn shape(&self, sizes: &[u64]) -> [usize; 3] {
        let mut shape = [1usize; 3];
        for (s, &a) in shape.iter_mut().zip(&self.spatial) {
            *s = sizes[a] as usize;
        }
        shape
    }

    pub fn volume_count(&self, sizes: &[u64]) -> usize {
        if self.rgb_axis.is_some() {
            return 1;
        }
        self.others.iter().map(|&a| sizes[a] as usize).product()
    }
}

/// The geometry a header declares.
#[derive(Debug, Clone)]
pub struct Placement {
    pub layout: Layout,
    pub world_from_voxel: Affine,
    pub source: AffineSource,
    pub warnings: Vec<String>,
}

/// Kinds of axes that hold no position: their samples are volumes.
fn is_non_spatial_kind(kind: &str) -> bool {
    !matches!(
        kind.to_lowercase().as_str(),
        "domain" | "space" | "???" | "none"
    )
}

/// Kinds that are plainly a series of volumes (no warning needed).
fn is_volume_kind(kind: &str) -> bool {
    matches!(
        kind.to_lowercase().as_str(),
        "list" | "time" | "vector" | "covariant-vector" | "stub" | "scalar"
    )
}

/// Sign of each axis to turn a named space into RAS, or why it cannot be.
enum Space {
    Named([f64; 3]),
    /// A space without anatomical meaning: used as given.
    Unknown(String),
}

fn space_of(path: &Path, text: &str) -> Result<Space, LoadError> {
    Ok(match text.to_lowercase().as_str() {
        "right-anterior-superior" | "ras" => Space::Named([1.0, 1.0, 1.0]),
        "left-anterior-superior" | "las" => Space::Named([-1.0, 1.0, 1.0]),
        "left-posterior-superior" | "lps" => Space::Named([-1.0, -1.0, 1.0]),
        "scanner-xyz" | "3d-right-handed" | "3d-left-handed" => Space::Unknown(text.to_string()),
        "right-anterior-superior-time"
        | "rast"
        | "left-anterior-superior-time"
        | "last"
        | "left-posterior-superior-time"
        | "lpst"
        | "scanner-xyz-time"
        | "3d-right-handed-time"
        | "3d-left-handed-time" => {
            return Err(LoadError::bad_field(
                path,
                "space",
                text,
                "(a space with time) is not supported: rasview reads 3D spaces",
            ))
        }
        _ => {
            return Err(LoadError::bad_field(
                path,
                "space",
                text,
                "is not an NRRD space (right-anterior-superior, left-posterior-superior, ...)",
            ))
        }
    })
}

/// Splits "(1,0,0) none (0, 1,0)" into its vectors (`None` for `none`).
fn vectors(
    path: &Path,
    field: &str,
    text: &str,
    components: usize,
) -> Result<Vec<Option<Vec<f64>>>, LoadError> {
    let bad = |problem: &str| LoadError::bad_field(path, field, text, problem);
    let mut out = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        if let Some(after) = rest.strip_prefix('(') {
            let close = after
                .find(')')
                .ok_or_else(|| bad("has a vector without its closing parenthesis"))?;
            let numbers = after[..close]
                .split(',')
                .map(|x| x.trim().parse::<f64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| bad("has a vector that is not numbers separated by commas"))?;
            if numbers.len() != components {
                return Err(bad(&format!(
                    "has a vector of {} numbers in a space of dimension {components}",
                    numbers.len()
                )));
            }
            if numbers.iter().any(|x| !x.is_finite()) {
                return Err(bad("has a number that is not finite"));
            }
            out.push(Some(numbers));
            rest = after[close + 1..].trim_start();
        } else {
            let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
            if !rest[..end].eq_ignore_ascii_case("none") {
                return Err(bad(
                    "holds something that is neither a vector (x,y,z) nor none",
                ));
            }
            out.push(None);
            rest = rest[end..].trim_start();
        }
    }
    Ok(out)
}

fn per_axis<'a>(
    path: &Path,
    h: &'a HeaderText,
    field: &str,
    dimension: usize,
) -> Result<Option<Vec<&'a str>>, LoadError> {
    let Some(text) = h.get(field) else {
        return Ok(None);
    };
    let words: Vec<&str> = text.split_whitespace().collect();
    if words.len() != dimension {
        return Err(LoadError::bad_field(
            path,
            field,
            text,
            format!("give {} values for {dimension} axes", words.len()),
        ));
    }
    Ok(Some(words))
}

pub fn place(path: &Path, h: &HeaderText, spec: &DataSpec) -> Result<Placement, LoadError> {
    let dimension = spec.sizes.len();
    let mut warnings = Vec::new();
    let kinds = per_axis(path, h, "kinds", dimension)?;

    let space = h.get("space").map(|t| space_of(path, t)).transpose()?;
    let space_dimension = match (h.get("space"), h.get("space dimension")) {
        (Some(_), None) => Some(3),
        (s, Some(t)) => {
            let d = t
                .parse::<usize>()
                .ok()
                .filter(|&d| d == 2 || d == 3)
                .ok_or_else(|| LoadError::bad_field(path, "space dimension", t, "is not 2 or 3"))?;
            if s.is_some() && d != 3 {
                return Err(LoadError::bad_field(
                    path,
                    "space dimension",
                    t,
                    "disagrees with space, which has 3 axes",
                ));
            }
            Some(d)
        }
        (None, None) => None,
    };

    let directions = match h.get("space directions") {
        Some(text) => {
            let v = vectors(path, "space directions", text, space_dimension.unwrap_or(3))?;
            if v.len() != dimension {
                return Err(LoadError::bad_field(
                    path,
                    "space directions",
                    text,
                    format!("give {} entries for {dimension} axes", v.len()),
                ));
            }
            Some(v)
        }
        None => None,
    };
    let spacings = per_axis(path, h, "spacings", dimension)?
        .map(|words| {
            words
                .iter()
                .map(|w| w.parse::<f64>())
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| {
                    LoadError::bad_field(
                        path,
                        "spacings",
                        h.get("spacings").unwrap_or_default(),
                        "are not numbers (nan for a non-spatial axis)",
                    )
                })
        })
        .transpose()?;

    // Which axes are spatial: those with a direction; else those whose kind
    // is a domain; else those with a finite spacing; else the first three.
    let spatial_flags: Vec<bool> = if let Some(d) = &directions {
        d.iter().map(Option::is_some).collect()
    } else if let Some(k) = &kinds {
        k.iter().map(|k| !is_non_spatial_kind(k)).collect()
    } else if let Some(s) = &spacings {
        s.iter().map(|x| x.is_finite()).collect()
    } else {
        (0..dimension).map(|a| a < 3).collect()
    };
    let spatial: Vec<usize> = (0..dimension).filter(|&a| spatial_flags[a]).collect();
    let others: Vec<usize> = (0..dimension).filter(|&a| !spatial_flags[a]).collect();
    let field = if directions.is_some() {
        "space directions"
    } else if kinds.is_some() {
        "kinds"
    } else {
        "dimension"
    };
    if spatial.len() < 2 || spatial.len() > 3 {
        return Err(LoadError::bad_field(
            path,
            field,
            h.get(field).unwrap_or_default(),
            format!(
                "give {} spatial axes; rasview reads images with 2 or 3",
                spatial.len()
            ),
        ));
    }

    let kind_of = |a: usize| kinds.as_ref().map(|k| k[a]).unwrap_or("???");
    let rgb_axis = match others.as_slice() {
        [a] if spec.sizes[*a] == 3
            && spec.datatype == Datatype::U8
            && matches!(kind_of(*a).to_lowercase().as_str(), "rgb-color" | "3-color") =>
        {
            Some(*a)
        }
        _ => None,
    };
    if rgb_axis.is_none() {
        for &a in &others {
            let kind = kind_of(a);
            if !is_volume_kind(kind) && spec.sizes[a] > 1 {
                warnings.push(format!(
                    "axis {a} (kind {kind}, {} samples) is shown as {} volumes, one per sample",
                    spec.sizes[a], spec.sizes[a]
                ));
            }
        }
    }
    if let Some(frame) = h.get("measurement frame") {
        warnings.push(format!(
            "measurement frame = {frame} is reported, not applied: vector or tensor values are shown as stored"
        ));
    }
    if let Some(units) = h.get("space units") {
        let odd: Vec<&str> = units
            .split_whitespace()
            .map(|u| u.trim_matches('"'))
            .filter(|u| !u.is_empty() && *u != "mm" && *u != "millimeters")
            .collect();
        if !odd.is_empty() {
            warnings.push(format!(
                "space units = {units}: positions are shown as if in millimetres"
            ));
        }
    }

    let (columns, origin, source) = if let Some(dirs) = &directions {
        if spacings.is_some() {
            warnings.push("spacings are ignored: space directions place the voxels".into());
        }
        let signs = match &space {
            Some(Space::Named(s)) => *s,
            Some(Space::Unknown(name)) => {
                warnings.push(format!(
                    "space unknown: space = {name} names no patient axes, so the space directions \
                     are used as given, as RAS (ITK would read them as LPS)"
                ));
                [1.0; 3]
            }
            None => {
                warnings.push(
                    "space unknown: the header gives no space, so the space directions are used \
                     as given, as RAS (ITK would read them as LPS)"
                        .into(),
                );
                [1.0; 3]
            }
        };
        let ras = |v: &[f64]| -> [f64; 3] {
            let mut p = [0.0; 3];
            for (c, x) in v.iter().take(3).enumerate() {
                p[c] = signs[c] * x + 0.0;
            }
            p
        };
        let columns: Vec<[f64; 3]> = spatial
            .iter()
            .map(|&a| ras(dirs[a].as_deref().unwrap_or_default()))
            .collect();
        let origin = match h.get("space origin") {
            Some(text) => {
                let v = vectors(path, "space origin", text, space_dimension.unwrap_or(3))?;
                match v.as_slice() {
                    [Some(o)] => ras(o),
                    _ => {
                        return Err(LoadError::bad_field(
                            path,
                            "space origin",
                            text,
                            "is not one vector (x,y,z)",
                        ))
                    }
                }
            }
            None => {
                warnings.push("space origin is missing; (0, 0, 0) was used".into());
                [0.0; 3]
            }
        };
        (columns, origin, AffineSource::NrrdSpace)
    } else {
        let mut columns = Vec::new();
        for (n, &a) in spatial.iter().enumerate() {
            let s = spacings.as_ref().map(|s| s[a]).unwrap_or(1.0);
            if !s.is_finite() || s == 0.0 {
                return Err(LoadError::bad_field(
                    path,
                    "spacings",
                    h.get("spacings").unwrap_or_default(),
                    format!("give spatial axis {a} the spacing {s}"),
                ));
            }
            if s < 0.0 {
                warnings.push(format!(
                    "spacings: axis {a} has spacing {s}; its size {} was used",
                    s.abs()
                ));
            }
            let mut c = [0.0; 3];
            c[n] = s.abs();
            columns.push(c);
        }
        warnings.push(if spacings.is_some() {
            "no orientation: the header gives spacings but no space directions, so voxels are \
             placed axis-aligned at those spacings from (0, 0, 0)"
                .into()
        } else {
            "no orientation: the header gives neither space directions nor spacings, so voxels are \
             placed axis-aligned 1 mm apart from (0, 0, 0)"
                .into()
        });
        (columns, [0.0; 3], AffineSource::Pixdim)
    };

    let mut columns = columns;
    if columns.len() == 2 {
        // A single slice: its third axis is the unit normal, as a NIfTI
        // slice's would be with pixdim[3] = 1.
        let [a, b] = [columns[0], columns[1]];
        let n = [
            a[1] * b[2] - a[2] * b[1],
            a[2] * b[0] - a[0] * b[2],
            a[0] * b[1] - a[1] * b[0],
        ];
        let len = (n[0] * n[0] + n[1] * n[1] + n[2] * n[2]).sqrt();
        columns.push(if len > 0.0 {
            n.map(|x| x / len)
        } else {
            [0.0; 3]
        });
    }
    let mut rows = [[0.0; 4]; 3];
    for (r, row) in rows.iter_mut().enumerate() {
        for (c, col) in columns.iter().enumerate() {
            row[c] = col[r];
        }
        row[3] = origin[r];
    }
    let world_from_voxel = Affine::from_rows(rows).map_err(|e| {
        LoadError::bad_field(
            path,
            if source == AffineSource::NrrdSpace {
                "space directions"
            } else {
                "spacings"
            },
            h.get("space directions")
                .or(h.get("spacings"))
                .unwrap_or_default(),
            format!("do not make a usable affine ({e})"),
        )
    })?;

    Ok(Placement {
        layout: Layout {
            spatial,
            others,
            rgb_axis,
        },
        world_from_voxel,
        source,
        warnings,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::volume::nrrd::header::parse;

    fn placed(fields: &str) -> Result<Placement, String> {
        let p = Path::new("t.nrrd");
        let text = format!("NRRD0005\nencoding: raw\nendian: little\n{fields}");
        let h = parse(p, text.as_bytes()).map_err(|e| e.to_string())?;
        let spec = DataSpec::of(p, &h).map_err(|e| e.to_string())?;
        place(p, &h, &spec).map_err(|e| e.to_string())
    }

    fn col(g: &Placement, c: usize) -> [f64; 4] {
        let m = g.world_from_voxel.matrix();
        [m[0][c], m[1][c], m[2][c], m[3][c]]
    }

    #[test]
    fn lps_las_ras_turn_into_ras() {
        for (space, expect) in [
            ("left-posterior-superior", [-1.0, -2.0, 3.0]),
            ("LPS", [-1.0, -2.0, 3.0]),
            ("left-anterior-superior", [-1.0, 2.0, 3.0]),
            ("right-anterior-superior", [1.0, 2.0, 3.0]),
        ] {
            let g = placed(&format!(
                "type: short\ndimension: 3\nsizes: 2 3 4\nspace: {space}\n\
                 space directions: (1,2,3) (0,1,0) (0,0,1)\nspace origin: (10,20,30)\n"
            ))
            .unwrap();
            assert_eq!(col(&g, 0)[..3], expect, "{space}");
            assert_eq!(col(&g, 3)[..3], [expect[0] * 10.0, expect[1] * 10.0, 30.0]);
            assert_eq!(g.source, AffineSource::NrrdSpace);
            assert!(g.warnings.is_empty(), "{:?}", g.warnings);
        }
    }

    #[test]
    fn unknown_spaces_are_used_as_given_with_a_warning() {
        for space in [
            "space: scanner-xyz\n",
            "space: 3D-right-handed\n",
            "space dimension: 3\n",
            "",
        ] {
            let g = placed(&format!(
                "type: short\ndimension: 3\nsizes: 2 3 4\n{space}\
                 space directions: (1,2,3) (0,1,0) (0,0,1)\nspace origin: (10,20,30)\n"
            ))
            .unwrap();
            assert_eq!(col(&g, 0)[..3], [1.0, 2.0, 3.0], "{space}");
            assert!(
                g.warnings.iter().any(|w| w.contains("space unknown")),
                "{space}: {:?}",
                g.warnings
            );
        }
    }

    #[test]
    fn a_non_spatial_first_axis_becomes_the_volumes() {
        let g = placed(
            "type: float\ndimension: 4\nsizes: 5 2 3 4\nspace: RAS\nkinds: vector domain domain domain\n\
             space directions: none (2,0,0) (0,3,0) (0,0,4)\nspace origin: (0,0,0)\n",
        )
        .unwrap();
        assert_eq!(g.layout.spatial, vec![1, 2, 3]);
        assert_eq!(g.layout.storage_order(), vec![1, 2, 3, 0]);
        assert_eq!(g.layout.volume_count(&[5, 2, 3, 4]), 5);
        assert_eq!(col(&g, 1)[..3], [0.0, 3.0, 0.0]);
    }

    #[test]
    fn rgb_uint8_is_colour() {
        let g = placed(
            "type: uchar\ndimension: 3\nsizes: 3 4 5\nkinds: RGB-color domain domain\nspacings: nan 0.5 0.5\n",
        )
        .unwrap();
        assert_eq!(g.layout.rgb_axis, Some(0));
        assert_eq!(g.layout.volume_count(&[3, 4, 5]), 1);
        assert_eq!(g.layout.shape(&[3, 4, 5]), [4, 5, 1]);
        // A single slice gets a unit normal as its third axis.
        assert_eq!(col(&g, 2)[..3], [0.0, 0.0, 1.0]);
        assert_eq!(g.source, AffineSource::Pixdim);
    }

    #[test]
    fn spacings_only_has_no_orientation() {
        let g = placed("type: short\ndimension: 3\nsizes: 2 3 4\nspacings: 0.5 2 3\n").unwrap();
        assert_eq!(g.source, AffineSource::Pixdim);
        assert_eq!(col(&g, 1)[..3], [0.0, 2.0, 0.0]);
        assert!(g.warnings.iter().any(|w| w.contains("no orientation")));
        let e = placed("type: short\ndimension: 3\nsizes: 2 3 4\nspacings: 0 2 3\n").unwrap_err();
        assert!(e.contains("spacings"), "{e}");
    }

    #[test]
    fn measurement_frame_is_reported() {
        let g = placed(
            "type: short\ndimension: 3\nsizes: 2 3 4\nspace: LPS\nspace directions: (1,0,0) (0,1,0) (0,0,1)\n\
             space origin: (0,0,0)\nmeasurement frame: (1,0,0) (0,1,0) (0,0,1)\n",
        )
        .unwrap();
        assert!(g.warnings.iter().any(|w| w.contains("measurement frame")));
    }

    #[test]
    fn broken_geometry_names_the_field() {
        for (fields, name) in [
            ("space: nowhere\n", "space"),
            (
                "space: RAS\nspace directions: (1,0,0) (0,1,0)\n",
                "space directions",
            ),
            (
                "space: RAS\nspace directions: (1,0) (0,1,0) (0,0,1)\n",
                "space directions",
            ),
            (
                "space: RAS\nspace directions: (1,0,0) (2,0,0) (0,0,1)\n",
                "space directions",
            ),
            (
                "space: RAS\nspace directions: (1,0,0) (0,1,0) (0,0,1)\nspace origin: (1,nan,0)\n",
                "space origin",
            ),
            ("kinds: domain domain\n", "kinds"),
        ] {
            let e = placed(&format!(
                "type: short\ndimension: 3\nsizes: 2 3 4\n{fields}"
            ))
            .unwrap_err();
            assert!(e.contains(name), "{fields}: {e}");
        }
    }
}
