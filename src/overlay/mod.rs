//! Overlays made elsewhere: how their geometry compares with the base's, and
//! whether the array under the header sits on the base's anatomy.

pub(crate) mod check;
pub(crate) mod content;
pub(crate) mod findings;
pub(crate) mod slice_fit;
pub(crate) mod values;

pub use check::{compare_geometry, GeometryCheck};
pub use content::{check_content, ContentCheck, EdgeReference};
pub use findings::{ContentFit, ContentMeasure, Finding, Reordering};
pub use values::label_counts;

use crate::volume::Volume;
use serde::Serialize;

/// Both checks, and the verdict.
#[derive(Debug, Clone, Serialize)]
pub struct OverlayReport {
    /// Same grid, or another grid both headers place with nothing suspicious
    /// (see [`GeometryCheck::placed_consistently`]); and no other arrangement
    /// of the array fits the base's edges clearly better.
    pub aligned: bool,
    pub same_grid: bool,
    #[serde(serialize_with = "findings::serialize_findings")]
    pub findings: Vec<Finding>,
    pub max_corner_distance_mm: f64,
    pub overlap_fraction: f64,
    pub content: Option<ContentCheck>,
    /// Why there is no content check, when there is none.
    pub content_skipped: Option<String>,
}

/// The geometry check, then the content check of the overlay's frame 0
/// (`values`, storage order: callers have it converted already) against
/// `reference` (the base's edges; `None` when the base has none).
pub fn check_overlay(
    base: &Volume,
    overlay: &Volume,
    values: &[f32],
    reference: Option<&EdgeReference>,
) -> OverlayReport {
    let geometry = compare_geometry(base, overlay);
    let mut findings = geometry.findings;
    let (content, content_skipped) = match reference {
        None => (
            None,
            Some("the base has no edges to compare with".to_string()),
        ),
        Some(r) => match check_content(r, overlay, values) {
            Ok(c) => (Some(c), None),
            Err(s) => (None, Some(s.reason)),
        },
    };
    let misarranged = content.as_ref().is_some_and(|c| c.fits_better_otherwise);
    let aligned = !misarranged && (geometry.same_grid || geometry.placed_consistently);
    if !geometry.same_grid && geometry.placed_consistently && !misarranged {
        findings.push(Finding::PlacedConsistently);
    }
    if let Some(c) = &content {
        findings.push(c.finding.clone());
    } else if let Some(reason) = &content_skipped {
        findings.push(Finding::ContentSkipped {
            reason: reason.clone(),
        });
    }
    OverlayReport {
        aligned,
        same_grid: geometry.same_grid,
        findings,
        max_corner_distance_mm: geometry.max_corner_distance_mm,
        overlap_fraction: geometry.overlap_fraction,
        content,
        content_skipped,
    }
}
