//! What the window remembers between runs, and how it survives upgrades:
//! every field has a default, and a field that is missing or no longer
//! reads (a colormap since renamed, say) takes its default alone, so a
//! settings file from another version keeps all it can.

use super::state::ViewState;
use crate::geometry::Convention;
use crate::render::DisplaySettings;
use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// The key under which eframe's storage keeps the settings.
pub const STORAGE_KEY: &str = "rasview";

/// What survives between runs (eframe persistence).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Persisted {
    #[serde(deserialize_with = "or_default")]
    pub recent: Vec<PathBuf>,
    #[serde(deserialize_with = "or_default")]
    pub display: DisplaySettings,
    #[serde(deserialize_with = "or_default")]
    pub convention: Convention,
    #[serde(deserialize_with = "or_default")]
    pub views: [ViewState; 3],
    /// How the views share the window.
    #[serde(deserialize_with = "or_default")]
    pub layout: super::layout::Layout,
    /// Rulers by the canonical path of the file they were drawn on.
    #[serde(deserialize_with = "or_default")]
    pub rulers: std::collections::BTreeMap<PathBuf, Vec<crate::geometry::Ruler>>,
}

impl Persisted {
    /// Reads saved settings; `None` only when the text does not read as
    /// settings at all (not JSON, or a bare string or number): then the
    /// defaults apply.
    pub fn from_json(json: &str) -> Option<Persisted> {
        serde_json::from_str(json).ok()
    }
}

/// The field's value when it reads, its default when it does not: one bad
/// field must not cost the others.
pub(super) fn or_default<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: serde::de::DeserializeOwned + Default,
{
    let value = serde_json::Value::deserialize(deserializer)?;
    Ok(T::deserialize(value).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::{Colormap, WindowLevel};

    #[test]
    fn an_older_file_missing_fields_keeps_the_ones_it_has() {
        // As an early version wrote it: no views, no interpolation.
        let old = r#"{
            "recent": ["/data/a.nii.gz", "/data/b.nii"],
            "display": {"window": {"window": 80.0, "level": 40.0}, "colormap": "hot"},
            "convention": "neurological"
        }"#;
        let p = Persisted::from_json(old).expect("an object reads");
        assert_eq!(
            p.recent,
            vec![
                PathBuf::from("/data/a.nii.gz"),
                PathBuf::from("/data/b.nii")
            ]
        );
        assert_eq!(
            p.display.window,
            WindowLevel {
                window: 80.0,
                level: 40.0
            }
        );
        assert_eq!(p.display.colormap, Colormap::Hot);
        assert_eq!(p.display.interpolation, Default::default());
        assert_eq!(p.convention, Convention::Neurological);
        assert_eq!(p.views, [ViewState::default(); 3]);
    }

    #[test]
    fn a_field_that_no_longer_reads_takes_its_default_alone() {
        // A colormap this version does not know, a view with a half-written
        // pan, a field from a newer version, and a recent list of numbers.
        let newer = r#"{
            "recent": [1, 2],
            "display": {"window": {"level": 7.0}, "colormap": "turbo", "interpolation": "linear"},
            "convention": "radiological",
            "views": [{"zoom": 2.0}, {"zoom": 3.0, "pan_mm": [1.0, 2.0]}, {"pan_mm": "x"}],
            "layout": "2x2"
        }"#;
        let p = Persisted::from_json(newer).expect("an object reads");
        assert!(p.recent.is_empty());
        // The display could not be read whole (unknown colormap): default.
        assert_eq!(p.display, DisplaySettings::default());
        assert_eq!(p.convention, Convention::Radiological);
        // One bad view makes the three default; two good ones are not
        // worth a layout mixed from two versions.
        assert_eq!(p.views, [ViewState::default(); 3]);

        let partial_views =
            r#"{"views": [{"zoom": 2.0}, {"zoom": 3.0, "pan_mm": [1.0, 2.0]}, {}]}"#;
        let p = Persisted::from_json(partial_views).expect("an object reads");
        assert_eq!(p.views[0].zoom, 2.0);
        assert_eq!(p.views[0].pan_mm, [0.0, 0.0]);
        assert_eq!(p.views[1].pan_mm, [1.0, 2.0]);
        assert_eq!(p.views[2], ViewState::default());
        let p = Persisted::from_json(r#"{"display": {"window": {"level": 7.0}}}"#).unwrap();
        assert_eq!(p.display.window.level, 7.0);
        assert_eq!(p.display.window.window, WindowLevel::default().window);
    }

    #[test]
    fn what_is_saved_reads_back_unchanged() {
        let p = Persisted {
            recent: vec![PathBuf::from("/x.nii")],
            display: DisplaySettings {
                colormap: Colormap::Viridis,
                ..Default::default()
            },
            convention: Convention::Neurological,
            views: [ViewState {
                zoom: 1.5,
                pan_mm: [3.0, -4.0],
            }; 3],
            layout: super::super::layout::Layout {
                arrangement: super::super::layout::Arrangement::Row,
                maximised: Some(crate::geometry::Plane::Sagittal),
                letters: false,
                ..Default::default()
            },
            rulers: [(
                PathBuf::from("/x.nii"),
                vec![crate::geometry::Ruler {
                    a_ras: [1.0, -2.5, 3.0],
                    b_ras: [0.1, 0.2, 0.3],
                }],
            )]
            .into(),
        };
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(Persisted::from_json(&json), Some(p));
        assert_eq!(Persisted::from_json("not json"), None);
        assert_eq!(Persisted::from_json("\"text\""), None);
        assert_eq!(Persisted::from_json("{}"), Some(Persisted::default()));
    }
}
