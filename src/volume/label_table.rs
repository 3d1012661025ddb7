//! Tables that name the values of a label map and give their colours:
//! FreeSurfer's `FreeSurferColorLUT.txt` format, ITK-SNAP's label
//! description file and 3D Slicer's colour table (`.ctbl` / `.txt`). The
//! kind is told from the content, never from the name, since all three
//! are commonly saved as `.txt`.
//!
//! - FreeSurfer: `value name R G B A` (A is transparency, 0 opaque).
//!   FreeSurfer's own reader passes over lines it cannot scan; so does
//!   this one, with a warning naming the line.
//! - ITK-SNAP: `IDX R G B A VIS MSH "LABEL"` (A from 0 to 1, the label in
//!   quotes, spaces allowed); the header comment names ITK-SnAP.
//! - Slicer: `value name R G B A [terminology]` (A is opacity, 0 to 255;
//!   spaces in names written as underscores) after `# Color table file`.
//!
//! A line that cannot be read in an ITK-SNAP or Slicer table is an error
//! naming the file and the line.

use super::labels::Label;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Which program's format a table is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub enum TableKind {
    FreeSurfer,
    ItkSnap,
    Slicer,
}

impl TableKind {
    pub fn name(self) -> &'static str {
        match self {
            TableKind::FreeSurfer => "FreeSurfer colour table",
            TableKind::ItkSnap => "ITK-SNAP label description",
            TableKind::Slicer => "Slicer colour table",
        }
    }
}

/// A table read from a file: one entry per value, in value order.
#[derive(Debug, Clone, PartialEq)]
pub struct LabelTable {
    pub path: PathBuf,
    pub kind: TableKind,
    /// Each on layer 0; see [`LabelTable::apply_to`] for layered files.
    pub entries: Vec<Label>,
    /// Lines passed over and values given twice, in words.
    pub warnings: Vec<String>,
}

#[derive(Debug, Error)]
pub enum LabelTableError {
    #[error("cannot read the label table {}: {error}", path.display())]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },

    #[error("line {line}: {problem} in {} ({})", path.display(), kind.name())]
    BadLine {
        path: PathBuf,
        line: usize,
        kind: TableKind,
        problem: String,
    },

    #[error(
        "{} is not a label table: no line reads `value name R G B A` (FreeSurfer, Slicer) \
         or `IDX R G B A VIS MSH \"LABEL\"` (ITK-SNAP)",
        path.display()
    )]
    NotATable { path: PathBuf },

    #[error(
        "{} is a Slicer colour scale (`# Color procedural file`), not a table of labels",
        path.display()
    )]
    ColourScale { path: PathBuf },

    #[error("the label table {} names no label", path.display())]
    Empty { path: PathBuf },
}

/// Reads a label table, telling its kind from its content.
pub fn read_label_table(path: &Path) -> Result<LabelTable, LabelTableError> {
    let bytes = std::fs::read(path).map_err(|error| LabelTableError::Io {
        path: path.to_path_buf(),
        error,
    })?;
    // Tables from Windows tools may carry Latin-1 names: keep the rest.
    let text = String::from_utf8_lossy(&bytes);
    parse_label_table(&text, path)
}

/// Parses a table's text; `path` is named in errors.
pub fn parse_label_table(text: &str, path: &Path) -> Result<LabelTable, LabelTableError> {
    let kind = detect(text).ok_or_else(|| {
        if text
            .lines()
            .any(|l| l.trim_start().starts_with("# Color procedural file"))
        {
            LabelTableError::ColourScale {
                path: path.to_path_buf(),
            }
        } else {
            LabelTableError::NotATable {
                path: path.to_path_buf(),
            }
        }
    })?;
    let mut by_value: BTreeMap<i64, Label> = BTreeMap::new();
    let mut warnings = Vec::new();
    let name = path.display();
    for (n, raw) in text.lines().enumerate() {
        let line = n + 1;
        let trimmed = raw.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let parsed = match kind {
            TableKind::ItkSnap => itk_snap_line(trimmed),
            TableKind::FreeSurfer | TableKind::Slicer => value_name_rgb_line(trimmed, kind),
        };
        let label = match parsed {
            Ok(label) => label,
            Err(LineProblem::Unscannable(problem)) if kind == TableKind::FreeSurfer => {
                warnings.push(format!(
                    "line {line} of {name} was passed over ({problem}), as FreeSurfer does"
                ));
                continue;
            }
            Err(LineProblem::Unscannable(problem) | LineProblem::Bad(problem)) => {
                return Err(LabelTableError::BadLine {
                    path: path.to_path_buf(),
                    line,
                    kind,
                    problem,
                })
            }
        };
        if let Some(old) = by_value.insert(label.value, label) {
            warnings.push(format!(
                "line {line} of {name} gives value {} again (\"{}\" before): the later line is used",
                old.value, old.name
            ));
        }
    }
    if by_value.is_empty() {
        return Err(LabelTableError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(LabelTable {
        path: path.to_path_buf(),
        kind,
        entries: by_value.into_values().collect(),
        warnings,
    })
}

/// The kind of a table from its content; `None` when no line could be a
/// table's (a file of notes beside an image, say).
fn detect(text: &str) -> Option<TableKind> {
    let comments = text.lines().map(str::trim).filter(|l| l.starts_with('#'));
    let mut slicer_header = false;
    for c in comments {
        let lower = c.to_ascii_lowercase();
        if lower.contains("itk-snap") {
            return Some(TableKind::ItkSnap);
        }
        slicer_header |= lower.starts_with("# color table file");
        if lower.starts_with("# color procedural file") {
            return None;
        }
    }
    let first = text
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))?;
    first.split_whitespace().next()?.parse::<i64>().ok()?;
    Some(if first.ends_with('"') {
        TableKind::ItkSnap
    } else if slicer_header {
        TableKind::Slicer
    } else {
        TableKind::FreeSurfer
    })
}

/// Why a line could not be read: `Unscannable` where its fields are not
/// there at all (FreeSurfer passes over such lines), `Bad` where they are
/// but a value is impossible.
enum LineProblem {
    Unscannable(String),
    Bad(String),
}

fn parse_field<T: std::str::FromStr>(text: &str, what: &str) -> Result<T, LineProblem> {
    text.parse()
        .map_err(|_| LineProblem::Unscannable(format!("{what} \"{text}\" is not a number")))
}

fn parse_colour(fields: &[&str]) -> Result<[u8; 3], LineProblem> {
    let mut rgb = [0u8; 3];
    for ((c, text), what) in rgb.iter_mut().zip(fields).zip(["red", "green", "blue"]) {
        let v: i64 = parse_field(text, what)?;
        *c = u8::try_from(v)
            .map_err(|_| LineProblem::Bad(format!("{what} = {v} is not 0 to 255")))?;
    }
    Ok(rgb)
}

/// `value name R G B [A] [...]` (FreeSurfer, Slicer).
fn value_name_rgb_line(line: &str, kind: TableKind) -> Result<Label, LineProblem> {
    let fields: Vec<&str> = line.split_whitespace().collect();
    if fields.len() < 5 {
        return Err(LineProblem::Unscannable(format!(
            "{} fields where `value name R G B A` needs 5 or 6",
            fields.len()
        )));
    }
    let value = parse_field(fields[0], "value")?;
    let colour = parse_colour(&fields[2..5])?;
    if let Some(a) = fields.get(5) {
        let a: i64 = parse_field(a, "alpha")?;
        if !(0..=255).contains(&a) {
            return Err(LineProblem::Bad(format!("alpha = {a} is not 0 to 255")));
        }
    }
    let name = match kind {
        // Slicer writes spaces as underscores; give them back.
        TableKind::Slicer => fields[1].replace('_', " "),
        _ => fields[1].to_string(),
    };
    Ok(Label {
        value,
        name,
        colour: Some(colour),
        layer: 0,
    })
}

/// `IDX R G B A VIS MSH "LABEL"` (ITK-SNAP).
fn itk_snap_line(line: &str) -> Result<Label, LineProblem> {
    let bad = |p: String| LineProblem::Bad(p);
    let Some(open) = line.find('"') else {
        return Err(bad("no label in quotes after `IDX R G B A VIS MSH`".into()));
    };
    let rest = &line[open + 1..];
    let Some(close) = rest.rfind('"') else {
        return Err(bad("the label's closing quote is missing".into()));
    };
    let fields: Vec<&str> = line[..open].split_whitespace().collect();
    if fields.len() != 7 {
        return Err(bad(format!(
            "{} fields before the label where `IDX R G B A VIS MSH` needs 7",
            fields.len()
        )));
    }
    let unscannable_is_bad = |e: LineProblem| match e {
        LineProblem::Unscannable(p) | LineProblem::Bad(p) => LineProblem::Bad(p),
    };
    let value = parse_field(fields[0], "IDX").map_err(unscannable_is_bad)?;
    let colour = parse_colour(&fields[1..4]).map_err(unscannable_is_bad)?;
    let alpha: f64 = parse_field(fields[4], "alpha").map_err(unscannable_is_bad)?;
    if !(0.0..=1.0).contains(&alpha) {
        return Err(bad(format!("alpha = {alpha} is not 0 to 1")));
    }
    for (text, what) in fields[5..7].iter().zip(["VIS", "MSH"]) {
        if *text != "0" && *text != "1" {
            return Err(bad(format!("{what} = {text} is not 0 or 1")));
        }
    }
    Ok(Label {
        value,
        name: rest[..close].to_string(),
        colour: Some(colour),
        layer: 0,
    })
}

impl LabelTable {
    /// Puts the table's names and colours on `labels` (a file's own, such
    /// as a segmentation's segments): an entry replaces the name and colour
    /// of every label with its value, on every layer; a value the file did
    /// not name is added, on every layer the file has.
    pub fn apply_to(&self, labels: &mut Vec<Label>) {
        let layers = labels.iter().map(|l| l.layer + 1).max().unwrap_or(1);
        for entry in &self.entries {
            let mut found = false;
            for l in labels.iter_mut().filter(|l| l.value == entry.value) {
                l.name = entry.name.clone();
                l.colour = entry.colour.or(l.colour);
                found = true;
            }
            if !found {
                labels.extend((0..layers).map(|layer| Label {
                    layer,
                    ..entry.clone()
                }));
            }
        }
        labels.sort_by_key(|l| (l.layer, l.value));
    }
}

/// The names a table beside `image` may have, in the order they are
/// tried: for `seg.nii.gz`, `seg.txt`, `seg.lut`, `seg.ctbl`, `seg.label`
/// and `seg_lut.txt`.
pub fn names_beside(image: &Path) -> Vec<PathBuf> {
    let Some(file_name) = image.file_name().and_then(|n| n.to_str()) else {
        return Vec::new();
    };
    const IMAGE_EXTENSIONS: [&str; 12] = [
        ".seg.nrrd",
        ".nii.gz",
        ".hdr.gz",
        ".img.gz",
        ".nii",
        ".hdr",
        ".img",
        ".nrrd",
        ".nhdr",
        ".mha",
        ".mhd",
        ".dcm",
    ];
    let lower = file_name.to_ascii_lowercase();
    let stem = IMAGE_EXTENSIONS
        .iter()
        .find(|e| lower.ends_with(*e) && lower.len() > e.len())
        .map(|e| &file_name[..file_name.len() - e.len()])
        .unwrap_or(file_name);
    let folder = image.parent().unwrap_or(Path::new(""));
    [".txt", ".lut", ".ctbl", ".label", "_lut.txt"]
        .iter()
        .map(|suffix| folder.join(format!("{stem}{suffix}")))
        .collect()
}

/// The table beside `image`, if one is there (see [`names_beside`]). A
/// file of one of those names that is not a table at all (notes, say) is
/// passed over; one that is a table with a bad line is an error.
pub fn find_beside(image: &Path) -> Option<Result<LabelTable, LabelTableError>> {
    for candidate in names_beside(image) {
        if !candidate.is_file() {
            continue;
        }
        match read_label_table(&candidate) {
            Err(LabelTableError::NotATable { .. } | LabelTableError::ColourScale { .. }) => {}
            other => return Some(other),
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<LabelTable, LabelTableError> {
        parse_label_table(text, Path::new("t.txt"))
    }

    #[test]
    fn freesurfer_lines_are_read_and_unscannable_ones_passed_over() {
        let t = parse(
            "#$Id: FreeSurferColorLUT.txt\n\n#No. Label Name:   R   G   B   A\n\
             0   Unknown            0   0   0   0\n\
             17  Left-Hippocampus   220 216 20  0\n\
             this line is prose\n",
        )
        .unwrap();
        assert_eq!(t.kind, TableKind::FreeSurfer);
        assert_eq!(t.entries.len(), 2);
        assert_eq!(t.entries[1].name, "Left-Hippocampus");
        assert_eq!(t.entries[1].colour, Some([220, 216, 20]));
        assert_eq!(t.warnings.len(), 1);
        assert!(t.warnings[0].contains("line 6"), "{:?}", t.warnings);
    }

    #[test]
    fn a_colour_out_of_range_names_the_line_and_file() {
        let e = parse("1 A 1 2 3 0\n2 B 300 0 0 0\n")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("red = 300") && e.contains("t.txt"),
            "{e}"
        );
    }

    #[test]
    fn itk_snap_labels_keep_their_spaces_and_bad_lines_are_errors() {
        let header = "# ITK-SnAP Label Description File\n# IDX -R- -G- -B- -A-- VIS MSH LABEL\n";
        let t = parse(&format!(
            "{header}    0     0    0    0        0  0  0    \"Clear Label\"\n\
                 5   255   10    0     0.75  1  1    \"Left lateral ventricle\"\n"
        ))
        .unwrap();
        assert_eq!(t.kind, TableKind::ItkSnap);
        assert_eq!(t.entries[1].value, 5);
        assert_eq!(t.entries[1].name, "Left lateral ventricle");
        assert_eq!(t.entries[1].colour, Some([255, 10, 0]));
        let e = parse(&format!("{header}1 255 0 0 1 1 \"short\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 3") && e.contains("ITK-SNAP"), "{e}");
        let e = parse(&format!("{header}1 255 0 0 1.5 1 1 \"x\"\n"))
            .unwrap_err()
            .to_string();
        assert!(e.contains("alpha = 1.5"), "{e}");
    }

    #[test]
    fn slicer_tables_give_spaces_back_and_refuse_bad_lines() {
        let t = parse(
            "# Color table file /tmp/GenericAnatomyColors.ctbl\n# 2 values\n\
             0 background 0 0 0 0\n1 soft_tissue 128 174 128 255\n",
        )
        .unwrap();
        assert_eq!(t.kind, TableKind::Slicer);
        assert_eq!(t.entries[1].name, "soft tissue");
        let e = parse("# Color table file x\n1 a 1 2\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("Slicer"), "{e}");
        assert!(matches!(
            parse("# Color procedural file x\n0 0 0 0\n"),
            Err(LabelTableError::ColourScale { .. })
        ));
    }

    #[test]
    fn notes_are_not_a_table() {
        assert!(matches!(
            parse("Scanned on Tuesday.\n"),
            Err(LabelTableError::NotATable { .. })
        ));
        assert!(matches!(
            parse("# nothing\n"),
            Err(LabelTableError::NotATable { .. })
        ));
    }

    #[test]
    fn a_table_names_existing_labels_on_every_layer_and_adds_the_rest() {
        let t = parse("1 one 1 1 1 0\n9 nine 9 9 9 0\n").unwrap();
        let seg = |value, layer| Label {
            value,
            name: "seg".into(),
            colour: None,
            layer,
        };
        let mut labels = vec![seg(1, 0), seg(1, 1)];
        t.apply_to(&mut labels);
        let got: Vec<(usize, i64, &str)> = labels
            .iter()
            .map(|l| (l.layer, l.value, l.name.as_str()))
            .collect();
        assert_eq!(
            got,
            [(0, 1, "one"), (0, 9, "nine"), (1, 1, "one"), (1, 9, "nine")]
        );
    }

    #[test]
    fn names_beside_strip_the_image_extension() {
        let names: Vec<String> = names_beside(Path::new("/d/seg.nii.gz"))
            .iter()
            .map(|p| p.display().to_string())
            .collect();
        assert_eq!(
            names,
            [
                "/d/seg.txt",
                "/d/seg.lut",
                "/d/seg.ctbl",
                "/d/seg.label",
                "/d/seg_lut.txt"
            ]
        );
        assert_eq!(
            names_beside(Path::new("Seg.seg.nrrd"))[2],
            Path::new("Seg.ctbl")
        );
    }
}
