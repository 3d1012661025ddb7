//! Which file format a path holds, decided before any reader is chosen.

use std::io::Read;
use std::path::Path;

/// A file format rasview reads. Every one of them gives the same
/// [`super::Volume`]: the rest of the program never asks which it was,
/// except to name it and to write outputs in the base's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// NIfTI-1, NIfTI-2 and ANALYZE 7.5 (`.nii`, `.nii.gz`, `.hdr`/`.img`).
    Nifti,
    /// NRRD (`.nrrd`, `.nhdr`, and Slicer's `.seg.nrrd`).
    Nrrd,
    /// MetaImage (`.mha`, `.mhd`).
    MetaImage,
    /// A DICOM series: a folder, or one file of it.
    Dicom,
}

impl Format {
    pub fn name(self) -> &'static str {
        match self {
            Format::Nifti => "NIfTI",
            Format::Nrrd => "NRRD",
            Format::MetaImage => "MetaImage",
            Format::Dicom => "DICOM",
        }
    }

    /// The extension of an output written for a volume of this format
    /// (exports default to the base's format). DICOM is read, not written:
    /// its outputs are NIfTI.
    pub fn output_extension(self) -> &'static str {
        match self {
            Format::Nifti | Format::Dicom => "nii.gz",
            Format::Nrrd => "nrrd",
            Format::MetaImage => "mha",
        }
    }

    /// Decides by the name first (what users and other tools go by), then
    /// by content for names that say nothing: a folder is a DICOM series, a
    /// file with "DICM" at byte 128 is one of its files, "NRRD000" opens an
    /// NRRD whatever it is called. Anything else is read as NIfTI, whose
    /// reader names what it found instead.
    pub fn of_path(path: &Path) -> Format {
        if path.is_dir() {
            return Format::Dicom;
        }
        let lower = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if lower.ends_with(".nrrd") || lower.ends_with(".nhdr") {
            return Format::Nrrd;
        }
        if lower.ends_with(".mha") || lower.ends_with(".mhd") {
            return Format::MetaImage;
        }
        if lower.ends_with(".dcm") || lower.ends_with(".ima") {
            return Format::Dicom;
        }
        if lower.ends_with(".nii")
            || lower.ends_with(".nii.gz")
            || lower.ends_with(".hdr")
            || lower.ends_with(".hdr.gz")
            || lower.ends_with(".img")
            || lower.ends_with(".img.gz")
        {
            return Format::Nifti;
        }
        Self::sniff(path).unwrap_or(Format::Nifti)
    }

    fn sniff(path: &Path) -> Option<Format> {
        let mut start = [0u8; 132];
        let mut file = std::fs::File::open(path).ok()?;
        let mut got = 0;
        while got < start.len() {
            match file.read(&mut start[got..]) {
                Ok(0) => break,
                Ok(n) => got += n,
                Err(_) => return None,
            }
        }
        let start = &start[..got];
        if start.starts_with(b"NRRD000") {
            Some(Format::Nrrd)
        } else if start.len() == 132 && &start[128..132] == b"DICM" {
            Some(Format::Dicom)
        } else {
            None
        }
    }

    /// The format an output named `path` is written in: NRRD for `.nrrd`,
    /// MetaImage for `.mha`/`.mhd`, NIfTI otherwise. DICOM (`.dcm`, `.ima`)
    /// is named so that writers can refuse it: rasview never writes DICOM.
    pub fn of_output(path: &Path) -> Format {
        let lower = path
            .file_name()
            .map(|n| n.to_string_lossy().to_lowercase())
            .unwrap_or_default();
        if lower.ends_with(".nrrd") || lower.ends_with(".nhdr") {
            Format::Nrrd
        } else if lower.ends_with(".mha") || lower.ends_with(".mhd") {
            Format::MetaImage
        } else if lower.ends_with(".dcm") || lower.ends_with(".ima") {
            Format::Dicom
        } else {
            Format::Nifti
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_decide_before_content() {
        for (name, format) in [
            ("a.nii.gz", Format::Nifti),
            ("A.NRRD", Format::Nrrd),
            ("b.seg.nrrd", Format::Nrrd),
            ("c.nhdr", Format::Nrrd),
            ("d.mha", Format::MetaImage),
            ("e.MHD", Format::MetaImage),
            ("f.dcm", Format::Dicom),
        ] {
            assert_eq!(Format::of_path(Path::new(name)), format, "{name}");
        }
        assert_eq!(Format::of_output(Path::new("x.nrrd")), Format::Nrrd);
        assert_eq!(Format::of_output(Path::new("x.mha")), Format::MetaImage);
        assert_eq!(Format::of_output(Path::new("x.nii.gz")), Format::Nifti);
        assert_eq!(Format::of_output(Path::new("x.DCM")), Format::Dicom);
    }

    #[test]
    fn content_decides_for_silent_names() {
        let dir = std::env::temp_dir().join(format!("rasview-format-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let nrrd = dir.join("scan");
        std::fs::write(&nrrd, b"NRRD0004\ntype: uint8\n").unwrap();
        assert_eq!(Format::of_path(&nrrd), Format::Nrrd);
        let dicom = dir.join("IM0001");
        let mut bytes = vec![0u8; 128];
        bytes.extend_from_slice(b"DICM");
        std::fs::write(&dicom, bytes).unwrap();
        assert_eq!(Format::of_path(&dicom), Format::Dicom);
        assert_eq!(Format::of_path(&dir), Format::Dicom);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
