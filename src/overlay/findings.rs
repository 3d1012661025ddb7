//! What the overlay checks found, as data. The checks build [`Finding`]s;
//! [`Finding`]'s `Display` is the one place they become words; the window
//! picks its banner by [`Finding`] kind, never by reading the words back.

use serde::{Serialize, Serializer};
use std::fmt;

/// How an overlay's dims relate to the base's when they are the base's
/// dims in another order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reordering {
    /// The header maps the axes back: a reoriented copy, not a mistake.
    HeaderTurnsBack,
    /// (k, j, i): a (z, y, x) array written with the wrong axis order.
    ZyxArray,
    /// Two axes swapped.
    TwoAxesSwapped,
}

/// Which way an overlay's content fits the base's edges.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentFit {
    /// Another arrangement fits clearly better: the array is arranged wrongly.
    BetterOtherwise,
    /// As stored stands out from its mirror images: it follows the anatomy.
    AsStored,
    /// Nothing stands out.
    Inconclusive,
}

/// What a content score measures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ContentMeasure {
    /// The fraction of the overlay's boundary voxels on (or within one voxel
    /// of) the base's 3D Canny edges.
    BoundaryOnEdges,
    /// For an edge map on one slice: the base's in-plane gradient magnitude
    /// (intensity per mm) averaged over the overlay's pixels.
    GradientUnderPixels,
}

impl ContentFit {
    /// The verdict from the two tests every content score makes: another
    /// arrangement fits clearly better; as stored stands out.
    pub fn of(fits_better_otherwise: bool, confirmed_as_stored: bool) -> Self {
        if fits_better_otherwise {
            ContentFit::BetterOtherwise
        } else if confirmed_as_stored {
            ContentFit::AsStored
        } else {
            ContentFit::Inconclusive
        }
    }
}

/// One thing a check found.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Finding {
    SameGrid {
        dims: [usize; 3],
        max_distance_mm: f64,
    },
    /// The matrices agree but the sform/qform codes do not.
    CodesDiffer {
        base: (i32, i32),
        overlay: (i32, i32),
    },
    /// The overlay's voxels are placed by pixdim alone.
    NoOrientation,
    DimsDiffer {
        base: [usize; 3],
        overlay: [usize; 3],
    },
    /// The overlay's dims are the base's taken in `order` (base axis per overlay axis).
    DimsReordered {
        order: [usize; 3],
        reordering: Reordering,
    },
    SpacingDiffers {
        base_mm: [f64; 3],
        overlay_mm: [f64; 3],
    },
    OrientationDiffers {
        base: String,
        overlay: String,
        /// Per overlay axis: the base axis along the same world axis, and
        /// whether it runs the other way.
        axes: [Option<(usize, bool)>; 3],
    },
    /// Same linear part: the overlay's header moves every voxel by `shift_mm` (RAS).
    PureShift {
        shift_mm: [f64; 3],
    },
    CornerDistance {
        mm: f64,
    },
    LittleOverlap {
        fraction: f64,
    },
    /// Another grid, placed consistently by both headers: drawn resampled.
    PlacedConsistently,
    /// The content check's verdict.
    Content {
        fit: ContentFit,
        /// The best other arrangement, in words ("flipped front to back").
        best: Option<String>,
        /// Its score (as stored's when there is no other).
        best_score: f64,
        as_stored: f64,
        typical: f64,
        /// 1: scored within one voxel of a base edge; 0: exactly on one.
        tolerance_voxels: u8,
        measure: ContentMeasure,
        /// Inconclusive because the best other arrangement is the
        /// left-right mirror image, which a near-symmetric brain cannot
        /// tell apart.
        mirror_doubt: bool,
    },
    ContentSkipped {
        reason: String,
    },
}

impl Finding {
    /// Whether the finding says the overlay's array is arranged wrongly:
    /// what the window's banner leads with.
    pub fn is_misarrangement(&self) -> bool {
        matches!(
            self,
            Finding::Content {
                fit: ContentFit::BetterOtherwise,
                ..
            }
        )
    }
}

const AXIS_NAMES: [&str; 3] = ["i", "j", "k"];

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Finding::SameGrid { dims, max_distance_mm } => write!(
                f,
                "same grid: dims {dims:?}, and the two headers place every voxel within {max_distance_mm:.4} mm"
            ),
            Finding::CodesDiffer { base, overlay } => write!(
                f,
                "note: sform/qform codes differ (base {base:?}, overlay {overlay:?}) while the matrices agree"
            ),
            Finding::NoOrientation => f.write_str(
                "the overlay has no orientation (sform_code = qform_code = 0): its voxels are placed by pixdim \
                 alone, so left/right and position are guesses",
            ),
            Finding::DimsDiffer { base, overlay } => {
                write!(f, "dims differ: base {base:?}, overlay {overlay:?}")
            }
            Finding::DimsReordered { order, reordering } => {
                let names = order.map(|a| AXIS_NAMES[a]).join(", ");
                write!(f, "the overlay's dims are the base's in the order ({names})")?;
                f.write_str(match reordering {
                    Reordering::HeaderTurnsBack => {
                        ", and its header turns them back: a reoriented copy, not a mistake"
                    }
                    Reordering::ZyxArray => {
                        ": probably a (z, y, x) array from SimpleITK, Slicer or numpy written with the wrong axis order"
                    }
                    Reordering::TwoAxesSwapped => ": probably an array with two axes swapped",
                })
            }
            Finding::SpacingDiffers { base_mm: b, overlay_mm: o } => write!(
                f,
                "voxel sizes differ: base {:.3} x {:.3} x {:.3} mm, overlay {:.3} x {:.3} x {:.3} mm",
                b[0], b[1], b[2], o[0], o[1], o[2]
            ),
            Finding::OrientationDiffers { base, overlay, axes } => {
                let parts: Vec<String> = axes
                    .iter()
                    .enumerate()
                    .map(|(a, m)| match m {
                        Some((from, flipped)) => {
                            format!("{}{}", if *flipped { "-" } else { "" }, AXIS_NAMES[*from])
                        }
                        None => format!("?{a}"),
                    })
                    .collect();
                write!(
                    f,
                    "orientation differs: base {base}, overlay {overlay} (the overlay's axes run along the base's ({}))",
                    parts.join(", ")
                )
            }
            Finding::PureShift { shift_mm: s } => write!(
                f,
                "a pure shift: the overlay's header moves every voxel by ({:.2}, {:.2}, {:.2}) mm (RAS)",
                s[0], s[1], s[2]
            ),
            Finding::CornerDistance { mm } => write!(
                f,
                "the two headers put the overlay's grid corners up to {mm:.2} mm apart"
            ),
            Finding::LittleOverlap { fraction } => write!(
                f,
                "the overlay barely overlaps the base: {:.0}% of its box lies inside the base's",
                fraction * 100.0
            ),
            Finding::PlacedConsistently => f.write_str(
                "another grid, placed by both headers: it is drawn resampled through its own affine (as every viewer does)",
            ),
            Finding::Content {
                fit,
                best,
                best_score,
                as_stored,
                typical,
                measure: ContentMeasure::GradientUnderPixels,
                mirror_doubt,
                ..
            } => match (fit, best) {
                (ContentFit::BetterOtherwise, Some(best)) => write!(
                    f,
                    "content: the overlay fits the base's edges {} better {best} (the base's gradient under its pixels averages {best_score:.1} per mm that way, against {as_stored:.1} as stored and {typical:.1} over the tissue of its slice): the array under the header is probably arranged wrongly",
                    ratio_words(*best_score, *as_stored),
                ),
                (ContentFit::AsStored, _) => write!(
                    f,
                    "content: as stored, the base's gradient under the overlay's pixels averages {as_stored:.1} per mm, against {typical:.1} over the tissue of its slice and at best {best_score:.1} arranged any other way{}: it follows the base's anatomy",
                    best.as_ref().map(|b| format!(" ({b})")).unwrap_or_default()
                ),
                _ if *mirror_doubt => write!(
                    f,
                    "content: inconclusive: the overlay's left-right mirror image fits about as well as it does as stored (the base's gradient under its pixels averages {best_score:.1} per mm mirrored, {as_stored:.1} as stored, {typical:.1} over the tissue of its slice): the two halves of a near-symmetric brain look alike, so a left-right mirror cannot be told from the content"
                ),
                _ => write!(
                    f,
                    "content: inconclusive: the base's gradient under the overlay's pixels averages {as_stored:.1} per mm as stored, {best_score:.1}{} and {typical:.1} over the tissue of its slice: {}",
                    best.as_ref().map(|b| format!(" {b}")).unwrap_or_default(),
                    if *best_score >= *as_stored {
                        "the other arrangement fits as well or a little better, not clearly better (a neighbouring slice or pixel may look much the same)"
                    } else {
                        "neither stands out from the tissue: its pixels do not follow the base's intensity edges"
                    }
                ),
            },
            Finding::Content {
                fit,
                best,
                best_score,
                as_stored,
                typical,
                tolerance_voxels,
                ..
            } => {
                let within = if *tolerance_voxels == 0 {
                    "exactly on"
                } else {
                    "within one voxel of"
                };
                let pct = |x: f64| x * 100.0;
                match (fit, best) {
                    (ContentFit::BetterOtherwise, Some(best)) => write!(
                        f,
                        "content: the overlay fits the base's edges {} better {best} ({:.0}% of its boundary {within} a base edge, against {:.0}% as stored and {:.0}% for its mirror images): the array under the header is probably arranged wrongly",
                        ratio_words(*best_score, *as_stored),
                        pct(*best_score),
                        pct(*as_stored),
                        pct(*typical)
                    ),
                    (ContentFit::AsStored, _) => write!(
                        f,
                        "content: as stored, {:.0}% of the overlay's boundary lies {within} a base edge, against {:.0}% for its mirror images: it follows the base's anatomy",
                        pct(*as_stored),
                        pct(*typical)
                    ),
                    _ => write!(
                        f,
                        "content: inconclusive: {:.0}% of the overlay's boundary lies {within} a base edge as stored, {:.0}% for its mirror images and at best {:.0}%: its boundaries do not follow the base's intensity edges (a lesion or region mask may not)",
                        pct(*as_stored),
                        pct(*typical),
                        pct(*best_score)
                    ),
                }
            }
            Finding::ContentSkipped { reason } => write!(f, "content not checked: {reason}"),
        }
    }
}

/// "2.5x", or "far" when the stored score is about zero.
fn ratio_words(better: f64, stored: f64) -> String {
    if stored < 1e-3 {
        "far".to_string()
    } else {
        format!("{:.1}x", better / stored)
    }
}

/// Findings in JSON: each one's kind and values, plus its words as `text`.
pub fn serialize_findings<S: Serializer>(findings: &[Finding], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(findings.iter().map(WithText::of))
}

/// One finding in JSON, as [`serialize_findings`] writes each.
pub fn serialize_one<S: Serializer>(finding: &Finding, s: S) -> Result<S::Ok, S::Error> {
    WithText::of(finding).serialize(s)
}

#[derive(Serialize)]
struct WithText<'a> {
    #[serde(flatten)]
    finding: &'a Finding,
    text: String,
}

impl<'a> WithText<'a> {
    fn of(finding: &'a Finding) -> Self {
        WithText {
            finding,
            text: finding.to_string(),
        }
    }
}
