//! The three standard views as planes in RAS world space, and the screen
//! conventions radiologists and neurologists expect of them.

use serde::Serialize;

/// Which world plane a view shows.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Plane {
    /// Constant z (superior-inferior); anterior at the top.
    Axial,
    /// Constant y (anterior-posterior); superior at the top.
    Coronal,
    /// Constant x (right-left); superior at the top, anterior on the left.
    Sagittal,
}

/// Which side of the screen the patient's right is on in axial and coronal views.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize, clap::ValueEnum, Default,
)]
#[serde(rename_all = "lowercase")]
pub enum Convention {
    /// Patient right on screen left, as if facing the patient (3D Slicer's default).
    #[default]
    Radiological,
    /// Patient right on screen right, as if looking from behind.
    Neurological,
}

impl Plane {
    pub const ALL: [Plane; 3] = [Plane::Axial, Plane::Coronal, Plane::Sagittal];

    pub fn name(self) -> &'static str {
        match self {
            Plane::Axial => "axial",
            Plane::Coronal => "coronal",
            Plane::Sagittal => "sagittal",
        }
    }

    /// World directions (unit vectors, RAS) of screen right, screen down, and
    /// the plane's normal (the direction slices step along: S, A or R).
    pub fn screen_axes(self, convention: Convention) -> ScreenAxes {
        // Radiological: moving right on screen goes to the patient's left (-x).
        let lateral = match convention {
            Convention::Radiological => [-1.0, 0.0, 0.0],
            Convention::Neurological => [1.0, 0.0, 0.0],
        };
        match self {
            Plane::Axial => ScreenAxes {
                right: lateral,
                down: [0.0, -1.0, 0.0],
                normal: [0.0, 0.0, 1.0],
            },
            Plane::Coronal => ScreenAxes {
                right: lateral,
                down: [0.0, 0.0, -1.0],
                normal: [0.0, 1.0, 0.0],
            },
            // As in 3D Slicer, ITK-SNAP and FSLeyes: the face looks left.
            Plane::Sagittal => ScreenAxes {
                right: [0.0, -1.0, 0.0],
                down: [0.0, 0.0, -1.0],
                normal: [1.0, 0.0, 0.0],
            },
        }
    }

    /// The world axis (0 = x, 1 = y, 2 = z) the plane holds constant.
    pub fn normal_axis(self) -> usize {
        match self {
            Plane::Axial => 2,
            Plane::Coronal => 1,
            Plane::Sagittal => 0,
        }
    }
}

/// Screen directions of a view in world space.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ScreenAxes {
    pub right: [f64; 3],
    pub down: [f64; 3],
    pub normal: [f64; 3],
}

impl ScreenAxes {
    /// The anatomical letters at the left, right, top and bottom edges.
    pub fn edge_letters(&self) -> EdgeLetters {
        let neg = |v: [f64; 3]| v.map(|c| -c);
        EdgeLetters {
            left: letter_towards(neg(self.right)),
            right: letter_towards(self.right),
            top: letter_towards(neg(self.down)),
            bottom: letter_towards(self.down),
        }
    }
}

/// Orientation letters for the four edges of a view.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct EdgeLetters {
    pub left: char,
    pub right: char,
    pub top: char,
    pub bottom: char,
}

/// R, L, A, P, S or I: where a world direction points (its largest component).
pub fn letter_towards(v: [f64; 3]) -> char {
    let axis = (0..3).fold(
        0,
        |best, a| if v[a].abs() > v[best].abs() { a } else { best },
    );
    let positive = ['R', 'A', 'S'];
    let negative = ['L', 'P', 'I'];
    if v[axis] >= 0.0 {
        positive[axis]
    } else {
        negative[axis]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters_follow_the_conventions() {
        let axial = Plane::Axial
            .screen_axes(Convention::Radiological)
            .edge_letters();
        assert_eq!(
            (axial.left, axial.right, axial.top, axial.bottom),
            ('R', 'L', 'A', 'P')
        );
        let neuro = Plane::Coronal
            .screen_axes(Convention::Neurological)
            .edge_letters();
        assert_eq!(
            (neuro.left, neuro.right, neuro.top, neuro.bottom),
            ('L', 'R', 'S', 'I')
        );
        let sagittal = Plane::Sagittal
            .screen_axes(Convention::Radiological)
            .edge_letters();
        assert_eq!(
            (sagittal.left, sagittal.right, sagittal.top, sagittal.bottom),
            ('A', 'P', 'S', 'I')
        );
    }
}
