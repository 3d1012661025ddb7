//! Colormaps: value in 0..=1 to colour.

/// The colormaps a user can pick.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    Default,
    serde::Serialize,
    serde::Deserialize,
    clap::ValueEnum,
)]
#[serde(rename_all = "lowercase")]
pub enum Colormap {
    #[default]
    Grey,
    InvertedGrey,
    Hot,
    Viridis,
    Magma,
}

impl Colormap {
    pub const ALL: [Colormap; 5] = [
        Colormap::Grey,
        Colormap::InvertedGrey,
        Colormap::Hot,
        Colormap::Viridis,
        Colormap::Magma,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Colormap::Grey => "grey",
            Colormap::InvertedGrey => "inverted grey",
            Colormap::Hot => "hot",
            Colormap::Viridis => "viridis",
            Colormap::Magma => "magma",
        }
    }

    /// A 256-entry lookup table.
    pub fn lut(self) -> [[u8; 3]; 256] {
        let mut lut = [[0u8; 3]; 256];
        for (n, entry) in lut.iter_mut().enumerate() {
            let t = n as f64 / 255.0;
            *entry = match self {
                Colormap::Grey => [n as u8; 3],
                Colormap::InvertedGrey => [255 - n as u8; 3],
                Colormap::Hot => hot(t),
                Colormap::Viridis => through_stops(&VIRIDIS, t),
                Colormap::Magma => through_stops(&MAGMA, t),
            };
        }
        lut
    }
}

/// Black to red to yellow to white, as in MATLAB and FSLeyes.
fn hot(t: f64) -> [u8; 3] {
    let channel = |start: f64| (((t - start) * 3.0).clamp(0.0, 1.0) * 255.0).round() as u8;
    [channel(0.0), channel(1.0 / 3.0), channel(2.0 / 3.0)]
}

/// Evenly spaced stops of matplotlib's perceptually uniform maps.
const VIRIDIS: [u32; 9] = [
    0x440154, 0x472d7b, 0x3b528b, 0x2c728e, 0x21918c, 0x28ae80, 0x5ec962, 0xaddc30, 0xfde725,
];
const MAGMA: [u32; 10] = [
    0x000004, 0x180f3d, 0x440f76, 0x721f81, 0x9e2f7f, 0xcd4071, 0xf1605d, 0xfd9668, 0xfeca8d,
    0xfcfdbf,
];

fn through_stops(stops: &[u32], t: f64) -> [u8; 3] {
    let x = t.clamp(0.0, 1.0) * (stops.len() - 1) as f64;
    let i = (x.floor() as usize).min(stops.len() - 2);
    let f = x - i as f64;
    let rgb = |c: u32| {
        [
            (c >> 16) as f64,
            ((c >> 8) & 0xff) as f64,
            (c & 0xff) as f64,
        ]
    };
    let (a, b) = (rgb(stops[i]), rgb(stops[i + 1]));
    [0, 1, 2].map(|k| (a[k] + (b[k] - a[k]) * f).round() as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ends_of_each_map() {
        assert_eq!(Colormap::Grey.lut()[0], [0, 0, 0]);
        assert_eq!(Colormap::InvertedGrey.lut()[0], [255, 255, 255]);
        assert_eq!(Colormap::Hot.lut()[255], [255, 255, 255]);
        assert_eq!(Colormap::Hot.lut()[128], [255, 129, 0]);
        assert_eq!(Colormap::Viridis.lut()[0], [0x44, 0x01, 0x54]);
        assert_eq!(Colormap::Viridis.lut()[255], [0xfd, 0xe7, 0x25]);
    }
}
