//! 3D Slicer segmentations (`.seg.nrrd`): the segments' names, colours,
//! label values and layers, from the `SegmentN_*` key/value pairs.
//!
//! Slicer stores non-overlapping segments as different values of one
//! label map; segments that overlap go on separate layers, the volumes of
//! a 4D image whose `list` axis comes first. A segment is found by its
//! layer and its value.

use crate::volume::labels::Label;
use std::collections::BTreeMap;

/// The segments a header describes (none for an ordinary NRRD), and what
/// could not be read of them. `layers` is the image's volume count.
pub fn labels(key_values: &[(String, String)], layers: usize) -> (Vec<Label>, Vec<String>) {
    let mut by_index: BTreeMap<usize, BTreeMap<&str, &str>> = BTreeMap::new();
    for (key, value) in key_values {
        let Some(rest) = key.strip_prefix("Segment") else {
            continue;
        };
        let Some((n, field)) = rest.split_once('_') else {
            continue;
        };
        let Ok(n) = n.parse::<usize>() else {
            continue;
        };
        by_index.entry(n).or_default().insert(field, value.trim());
    }
    let mut warnings = Vec::new();
    let mut out = Vec::new();
    for (n, fields) in &by_index {
        let key = |f: &str| format!("Segment{n}_{f}");
        let name = fields
            .get("Name")
            .or(fields.get("ID"))
            .map(|s| s.to_string())
            .unwrap_or_else(|| format!("Segment {n}"));
        // Files from Slicer before layers and label values (4.10) held one
        // segment per volume, marked 1.
        let value = match fields.get("LabelValue") {
            None => 1,
            Some(t) => match t.parse::<i64>() {
                Ok(v) => v,
                Err(_) => {
                    warnings.push(format!(
                        "{} = {t} is not a whole number; segment \"{name}\" was left out",
                        key("LabelValue")
                    ));
                    continue;
                }
            },
        };
        let default_layer = if layers > 1 { *n } else { 0 };
        let layer = match fields.get("Layer") {
            None => default_layer,
            Some(t) => match t.parse::<usize>() {
                Ok(l) if l < layers.max(1) => l,
                _ => {
                    warnings.push(format!(
                        "{} = {t} is not a layer of this file (0 to {}); segment \"{name}\" was left out",
                        key("Layer"),
                        layers.max(1) - 1
                    ));
                    continue;
                }
            },
        };
        let colour = match fields.get("Color") {
            None => None,
            Some(t) => {
                let rgb: Vec<f64> = t
                    .split_whitespace()
                    .filter_map(|x| x.parse::<f64>().ok())
                    .filter(|x| x.is_finite())
                    .collect();
                if rgb.len() == 3 {
                    Some([0, 1, 2].map(|c| (rgb[c].clamp(0.0, 1.0) * 255.0).round() as u8))
                } else {
                    warnings.push(format!(
                        "{} = {t} is not three numbers from 0 to 1; segment \"{name}\" has no colour",
                        key("Color")
                    ));
                    None
                }
            }
        };
        out.push(Label {
            value,
            name,
            colour,
            layer,
        });
    }
    (out, warnings)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kv(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn names_colours_values_and_layers() {
        let (labels, warnings) = labels(
            &kv(&[
                ("Segment0_ID", "Segment_1"),
                ("Segment0_Name", "liver"),
                ("Segment0_Color", "0.5 0.25 1"),
                ("Segment0_LabelValue", "1"),
                ("Segment0_Layer", "0"),
                ("Segment1_Name", "tumour"),
                ("Segment1_Color", "1 0 0"),
                ("Segment1_LabelValue", "1"),
                ("Segment1_Layer", "1"),
                ("Segmentation_MasterRepresentation", "Binary labelmap"),
            ]),
            2,
        );
        assert!(warnings.is_empty(), "{warnings:?}");
        assert_eq!(
            labels,
            vec![
                Label {
                    value: 1,
                    name: "liver".into(),
                    colour: Some([128, 64, 255]),
                    layer: 0
                },
                Label {
                    value: 1,
                    name: "tumour".into(),
                    colour: Some([255, 0, 0]),
                    layer: 1
                },
            ]
        );
    }

    #[test]
    fn bad_values_are_named_not_fatal() {
        let (labels, warnings) = labels(
            &kv(&[
                ("Segment0_Name", "a"),
                ("Segment0_LabelValue", "x"),
                ("Segment1_Name", "b"),
                ("Segment1_Layer", "7"),
                ("Segment2_Name", "c"),
                ("Segment2_Color", "red"),
            ]),
            1,
        );
        assert_eq!(labels.len(), 1);
        assert_eq!(labels[0].colour, None);
        assert_eq!(warnings.len(), 3);
        assert!(warnings[0].contains("Segment0_LabelValue"));
        assert!(warnings[1].contains("Segment1_Layer"));
        assert!(warnings[2].contains("Segment2_Color"));
    }
}
