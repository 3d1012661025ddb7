//! The facts rasview takes from one DICOM file's header (everything before
//! PixelData), each frame placed where the file says: a classic file has one
//! frame; an enhanced multi-frame file gives each frame its own position in
//! PerFrameFunctionalGroupsSequence.

use crate::volume::error::LoadError;
use dicom_object::{InMemDicomObject, Tag};
use std::path::{Path, PathBuf};

mod tags {
    use dicom_object::Tag;
    pub const IMAGE_TYPE: Tag = Tag(0x0008, 0x0008);
    pub const MODALITY: Tag = Tag(0x0008, 0x0060);
    pub const SERIES_DESCRIPTION: Tag = Tag(0x0008, 0x103E);
    pub const SLICE_THICKNESS: Tag = Tag(0x0018, 0x0050);
    pub const SPACING_BETWEEN_SLICES: Tag = Tag(0x0018, 0x0088);
    pub const GANTRY_DETECTOR_TILT: Tag = Tag(0x0018, 0x1120);
    pub const IMAGER_PIXEL_SPACING: Tag = Tag(0x0018, 0x1164);
    pub const SERIES_INSTANCE_UID: Tag = Tag(0x0020, 0x000E);
    pub const SERIES_NUMBER: Tag = Tag(0x0020, 0x0011);
    pub const ACQUISITION_NUMBER: Tag = Tag(0x0020, 0x0012);
    pub const INSTANCE_NUMBER: Tag = Tag(0x0020, 0x0013);
    pub const IMAGE_POSITION_PATIENT: Tag = Tag(0x0020, 0x0032);
    pub const IMAGE_ORIENTATION_PATIENT: Tag = Tag(0x0020, 0x0037);
    pub const TEMPORAL_POSITION_IDENTIFIER: Tag = Tag(0x0020, 0x0100);
    pub const FRAME_CONTENT_SEQUENCE: Tag = Tag(0x0020, 0x9111);
    pub const PLANE_POSITION_SEQUENCE: Tag = Tag(0x0020, 0x9113);
    pub const PLANE_ORIENTATION_SEQUENCE: Tag = Tag(0x0020, 0x9116);
    pub const TEMPORAL_POSITION_INDEX: Tag = Tag(0x0020, 0x9128);
    pub const SAMPLES_PER_PIXEL: Tag = Tag(0x0028, 0x0002);
    pub const PHOTOMETRIC_INTERPRETATION: Tag = Tag(0x0028, 0x0004);
    pub const PLANAR_CONFIGURATION: Tag = Tag(0x0028, 0x0006);
    pub const NUMBER_OF_FRAMES: Tag = Tag(0x0028, 0x0008);
    pub const ROWS: Tag = Tag(0x0028, 0x0010);
    pub const COLUMNS: Tag = Tag(0x0028, 0x0011);
    pub const PIXEL_SPACING: Tag = Tag(0x0028, 0x0030);
    pub const BITS_ALLOCATED: Tag = Tag(0x0028, 0x0100);
    pub const BITS_STORED: Tag = Tag(0x0028, 0x0101);
    pub const HIGH_BIT: Tag = Tag(0x0028, 0x0102);
    pub const PIXEL_REPRESENTATION: Tag = Tag(0x0028, 0x0103);
    pub const RESCALE_INTERCEPT: Tag = Tag(0x0028, 0x1052);
    pub const RESCALE_SLOPE: Tag = Tag(0x0028, 0x1053);
    pub const PIXEL_MEASURES_SEQUENCE: Tag = Tag(0x0028, 0x9110);
    pub const PIXEL_VALUE_TRANSFORMATION_SEQUENCE: Tag = Tag(0x0028, 0x9145);
    pub const SHARED_FUNCTIONAL_GROUPS_SEQUENCE: Tag = Tag(0x5200, 0x9229);
    pub const PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE: Tag = Tag(0x5200, 0x9230);
    pub const GRID_FRAME_OFFSET_VECTOR: Tag = Tag(0x3004, 0x000C);
    pub const DOSE_GRID_SCALING: Tag = Tag(0x3004, 0x000E);
    pub const FLOAT_PIXEL_DATA: Tag = Tag(0x7FE0, 0x0008);
    pub const DOUBLE_FLOAT_PIXEL_DATA: Tag = Tag(0x7FE0, 0x0009);
    pub const PIXEL_DATA: Tag = Tag(0x7FE0, 0x0010);
}
pub(super) use tags::PIXEL_DATA;

/// A DICOMDIR (Media Storage Directory Storage): an index, not an image.
pub const DICOMDIR_SOP_CLASS: &str = "1.2.840.10008.1.3.10";

/// How the voxels of a file are stored (PS3.3 C.7.6.3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelFormat {
    pub rows: u16,
    pub columns: u16,
    pub samples_per_pixel: u16,
    pub bits_allocated: u16,
    pub bits_stored: u16,
    pub high_bit: u16,
    pub signed: bool,
    pub photometric: String,
    /// 1: each colour plane stored whole (RRR..GGG..BBB..).
    pub planar: bool,
}

/// Stored value to real value: `stored * slope + intercept`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rescale {
    pub slope: f64,
    pub intercept: f64,
}

/// One frame's place in the patient (LPS mm) and its value map.
#[derive(Debug, Clone, PartialEq)]
pub struct FramePlace {
    pub position: Option<[f64; 3]>,
    /// Row direction then column direction (ImageOrientationPatient).
    pub orientation: Option<[f64; 6]>,
    /// [between rows, between columns] in mm.
    pub spacing: Option<[f64; 2]>,
    pub rescale: Rescale,
    /// TemporalPositionIndex of an enhanced file's frame.
    pub temporal_index: Option<i64>,
}

/// What one file's header says.
#[derive(Debug, Clone)]
pub struct FileHeader {
    pub path: PathBuf,
    pub transfer_syntax: String,
    pub series_uid: String,
    pub series_number: Option<i64>,
    pub series_description: String,
    pub modality: String,
    pub image_type: Vec<String>,
    pub instance_number: Option<i64>,
    pub acquisition_number: Option<i64>,
    pub temporal_position: Option<i64>,
    pub pixels: PixelFormat,
    pub slice_thickness: Option<f64>,
    pub spacing_between_slices: Option<f64>,
    pub gantry_tilt_deg: Option<f64>,
    /// PixelSpacing was absent and ImagerPixelSpacing (at the detector) was used.
    pub spacing_from_imager: bool,
    pub frames: Vec<FramePlace>,
}

impl FileHeader {
    pub fn is_localizer(&self) -> bool {
        self.image_type
            .iter()
            .any(|t| t.eq_ignore_ascii_case("LOCALIZER"))
    }
}

/// What a DICOM file read up to its PixelData turned out to be.
pub enum Found {
    Image(Box<FileHeader>),
    /// A DICOM file that holds no image (a DICOMDIR, a report, a plan):
    /// passed over, with what it is.
    NotAnImage(String),
}

/// Reads the facts rasview needs from a file's header.
pub fn read(
    path: &Path,
    obj: &dicom_object::FileDicomObject<InMemDicomObject>,
) -> Result<Found, LoadError> {
    let sop_class = obj.meta().media_storage_sop_class_uid().to_string();
    if sop_class == DICOMDIR_SOP_CLASS {
        return Ok(Found::NotAnImage("a DICOMDIR".into()));
    }
    let f = Fields { path, obj };
    if f.get(tags::ROWS).is_none() || f.get(tags::COLUMNS).is_none() {
        let modality = f.text(tags::MODALITY);
        return Ok(Found::NotAnImage(if modality.is_empty() {
            "no Rows or Columns".into()
        } else {
            format!("{modality}, no Rows or Columns")
        }));
    }
    for (tag, name) in [
        (tags::FLOAT_PIXEL_DATA, "FloatPixelData"),
        (tags::DOUBLE_FLOAT_PIXEL_DATA, "DoubleFloatPixelData"),
    ] {
        if f.get(tag).is_some() {
            return Err(LoadError::bad_field(
                path,
                name,
                "",
                "is not read by rasview (it reads integer PixelData)",
            ));
        }
    }
    let pixels = pixel_format(&f)?;
    let series_uid = f.text(tags::SERIES_INSTANCE_UID);
    if series_uid.is_empty() {
        return Err(LoadError::bad_field(
            path,
            "SeriesInstanceUID",
            "",
            "is missing (every DICOM image belongs to a series)",
        ));
    }
    let frame_count = match f.int(tags::NUMBER_OF_FRAMES)? {
        None => 1,
        Some(n) if (1..=65_535).contains(&n) => n as usize,
        Some(n) => {
            return Err(LoadError::bad_field(
                path,
                "NumberOfFrames",
                n,
                "is not a number of frames (1 to 65535)",
            ))
        }
    };
    let (frames, spacing_from_imager) = frame_places(&f, frame_count)?;
    Ok(Found::Image(Box::new(FileHeader {
        path: path.to_path_buf(),
        transfer_syntax: obj.meta().transfer_syntax().to_string(),
        series_uid,
        series_number: f.int(tags::SERIES_NUMBER)?,
        series_description: f.text(tags::SERIES_DESCRIPTION),
        modality: f.text(tags::MODALITY),
        image_type: f
            .text(tags::IMAGE_TYPE)
            .split('\\')
            .map(|s| s.trim().to_string())
            .collect(),
        instance_number: f.int(tags::INSTANCE_NUMBER)?,
        acquisition_number: f.int(tags::ACQUISITION_NUMBER)?,
        temporal_position: f.int(tags::TEMPORAL_POSITION_IDENTIFIER)?,
        pixels,
        slice_thickness: f.float(tags::SLICE_THICKNESS, "SliceThickness")?,
        spacing_between_slices: f.float(tags::SPACING_BETWEEN_SLICES, "SpacingBetweenSlices")?,
        gantry_tilt_deg: f.float(tags::GANTRY_DETECTOR_TILT, "GantryDetectorTilt")?,
        spacing_from_imager,
        frames,
    })))
}

fn pixel_format(f: &Fields) -> Result<PixelFormat, LoadError> {
    let rows = f.required_u16(tags::ROWS, "Rows")?;
    let columns = f.required_u16(tags::COLUMNS, "Columns")?;
    for (v, name) in [(rows, "Rows"), (columns, "Columns")] {
        if v == 0 {
            return Err(LoadError::bad_field(f.path, name, 0, "is not a size"));
        }
    }
    let samples_per_pixel = f.u16_or(tags::SAMPLES_PER_PIXEL, "SamplesPerPixel", 1)?;
    let bits_allocated = f.required_u16(tags::BITS_ALLOCATED, "BitsAllocated")?;
    let bits_stored = f.u16_or(tags::BITS_STORED, "BitsStored", bits_allocated)?;
    let high_bit = f.u16_or(tags::HIGH_BIT, "HighBit", bits_stored.saturating_sub(1))?;
    let representation = f.u16_or(tags::PIXEL_REPRESENTATION, "PixelRepresentation", 0)?;
    let photometric = f.text(tags::PHOTOMETRIC_INTERPRETATION);
    let planar = f.u16_or(tags::PLANAR_CONFIGURATION, "PlanarConfiguration", 0)? == 1;
    if !matches!(bits_allocated, 8 | 16 | 32) {
        return Err(LoadError::bad_field(
            f.path,
            "BitsAllocated",
            bits_allocated,
            "is not read by rasview (it reads 8, 16 and 32)",
        ));
    }
    if bits_stored == 0 || bits_stored > bits_allocated || high_bit >= bits_allocated {
        return Err(LoadError::bad_field(
            f.path,
            "BitsStored",
            format!("{bits_stored} (HighBit {high_bit}, BitsAllocated {bits_allocated})"),
            "does not fit in the bits allocated",
        ));
    }
    if high_bit + 1 < bits_stored {
        return Err(LoadError::bad_field(
            f.path,
            "HighBit",
            high_bit,
            format!("is below BitsStored - 1 = {}", bits_stored - 1),
        ));
    }
    match (samples_per_pixel, bits_allocated) {
        (1, _) => {}
        (3, 8) => {}
        _ => {
            return Err(LoadError::bad_field(
                f.path,
                "SamplesPerPixel",
                format!("{samples_per_pixel} (BitsAllocated {bits_allocated})"),
                "is not read by rasview (it reads one sample per pixel, or 8-bit RGB)",
            ))
        }
    }
    if photometric.starts_with("PALETTE") {
        return Err(LoadError::bad_field(
            f.path,
            "PhotometricInterpretation",
            &photometric,
            "is not read by rasview (palette colour)",
        ));
    }
    Ok(PixelFormat {
        rows,
        columns,
        samples_per_pixel,
        bits_allocated,
        bits_stored,
        high_bit,
        signed: representation == 1,
        photometric,
        planar,
    })
}

/// Each frame's position, orientation, spacing and rescale: from its own
/// functional group, else the shared one, else the top level (a classic
/// file). The second value says whether ImagerPixelSpacing stood in for
/// PixelSpacing.
fn frame_places(f: &Fields, count: usize) -> Result<(Vec<FramePlace>, bool), LoadError> {
    let per_frame = f.items(tags::PER_FRAME_FUNCTIONAL_GROUPS_SEQUENCE);
    let shared = f
        .items(tags::SHARED_FUNCTIONAL_GROUPS_SEQUENCE)
        .and_then(|items| items.first());
    if let Some(items) = per_frame {
        if items.len() != count {
            return Err(LoadError::bad_field(
                f.path,
                "PerFrameFunctionalGroupsSequence",
                format!("{} items", items.len()),
                format!("does not match NumberOfFrames = {count}"),
            ));
        }
    }
    let mut imager = false;
    let top = f.obj as &InMemDicomObject;
    let mut places = Vec::with_capacity(count);
    for n in 0..count {
        let own = per_frame.and_then(|items| items.get(n));
        // The groups to look in, nearest first.
        let groups: Vec<&InMemDicomObject> = own.into_iter().chain(shared).collect();
        let in_group = |sequence: Tag, tag: Tag| -> Option<&InMemDicomObject> {
            groups.iter().find_map(|g| {
                let item = g.get(sequence)?.items()?.first()?;
                item.get(tag).map(|_| item)
            })
        };
        let source = |sequence: Tag, tag: Tag| in_group(sequence, tag).unwrap_or(top);
        let position = Fields::of(
            f.path,
            source(tags::PLANE_POSITION_SEQUENCE, tags::IMAGE_POSITION_PATIENT),
        )
        .floats::<3>(tags::IMAGE_POSITION_PATIENT, "ImagePositionPatient")?;
        let orientation = Fields::of(
            f.path,
            source(
                tags::PLANE_ORIENTATION_SEQUENCE,
                tags::IMAGE_ORIENTATION_PATIENT,
            ),
        )
        .floats::<6>(tags::IMAGE_ORIENTATION_PATIENT, "ImageOrientationPatient")?;
        let measures = Fields::of(
            f.path,
            source(tags::PIXEL_MEASURES_SEQUENCE, tags::PIXEL_SPACING),
        );
        let mut spacing = measures.floats::<2>(tags::PIXEL_SPACING, "PixelSpacing")?;
        if spacing.is_none() {
            spacing = f.floats::<2>(tags::IMAGER_PIXEL_SPACING, "ImagerPixelSpacing")?;
            imager |= spacing.is_some();
        }
        if let Some(s) = spacing {
            if !s.iter().all(|v| *v > 0.0) {
                return Err(LoadError::bad_field(
                    f.path,
                    "PixelSpacing",
                    format!("{}\\{}", s[0], s[1]),
                    "is not two positive sizes",
                ));
            }
        }
        let values = Fields::of(
            f.path,
            source(
                tags::PIXEL_VALUE_TRANSFORMATION_SEQUENCE,
                tags::RESCALE_SLOPE,
            ),
        );
        let slope = values.float(tags::RESCALE_SLOPE, "RescaleSlope")?;
        let intercept = values.float(tags::RESCALE_INTERCEPT, "RescaleIntercept")?;
        let rescale = Rescale {
            // Slope 0 would erase the image; like pydicom and ITK, a slope
            // that is absent or 0 means 1.
            slope: slope.filter(|s| *s != 0.0).unwrap_or(1.0),
            intercept: intercept.unwrap_or(0.0),
        };
        let temporal_index =
            match in_group(tags::FRAME_CONTENT_SEQUENCE, tags::TEMPORAL_POSITION_INDEX) {
                Some(item) => Fields::of(f.path, item).int(tags::TEMPORAL_POSITION_INDEX)?,
                None => None,
            };
        if let Some(o) = orientation {
            check_orientation(f.path, &o)?;
        }
        places.push(FramePlace {
            position,
            orientation,
            spacing,
            rescale,
            temporal_index,
        });
    }
    grid_frame_offsets(f, &mut places)?;
    Ok((places, imager))
}

/// RT Dose (and other multi-frame files without functional groups) place
/// their frames by GridFrameOffsetVector: mm along the normal from
/// ImagePositionPatient (PS3.3 C.8.8.3.2); DoseGridScaling is their slope.
fn grid_frame_offsets(f: &Fields, places: &mut [FramePlace]) -> Result<(), LoadError> {
    if let Some(scaling) = f.float(tags::DOSE_GRID_SCALING, "DoseGridScaling")? {
        for p in places.iter_mut() {
            p.rescale.slope = scaling;
        }
    }
    if places.len() < 2 || f.get(tags::GRID_FRAME_OFFSET_VECTOR).is_none() {
        return Ok(());
    }
    let offsets = f
        .get(tags::GRID_FRAME_OFFSET_VECTOR)
        .and_then(|e| e.to_multi_float64().ok())
        .unwrap_or_default();
    if offsets.len() != places.len() || !offsets.iter().all(|v| v.is_finite()) {
        return Err(LoadError::bad_field(
            f.path,
            "GridFrameOffsetVector",
            format!("{} values", offsets.len()),
            format!(
                "does not give one finite offset for each of the {} frames",
                places.len()
            ),
        ));
    }
    // Relative offsets start at 0; absolute ones (z values, axial only)
    // are made relative to the first, which is ImagePositionPatient.
    let first = offsets[0];
    for (p, offset) in places.iter_mut().zip(offsets) {
        let offset = offset - first;
        if let (Some(pos), Some(o)) = (p.position, p.orientation) {
            let n = [
                o[1] * o[5] - o[2] * o[4],
                o[2] * o[3] - o[0] * o[5],
                o[0] * o[4] - o[1] * o[3],
            ];
            p.position = Some([0, 1, 2].map(|a| pos[a] + offset * n[a]));
        }
    }
    Ok(())
}

/// Row and column directions must be unit vectors at right angles.
fn check_orientation(path: &Path, o: &[f64; 6]) -> Result<(), LoadError> {
    let r = [o[0], o[1], o[2]];
    let c = [o[3], o[4], o[5]];
    let norm = |v: [f64; 3]| (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
    let dot = r[0] * c[0] + r[1] * c[1] + r[2] * c[2];
    // Scanners write 6 to 8 decimals; 1e-2 leaves room for their rounding.
    if (norm(r) - 1.0).abs() > 1e-2 || (norm(c) - 1.0).abs() > 1e-2 || dot.abs() > 1e-2 {
        return Err(LoadError::bad_field(
            path,
            "ImageOrientationPatient",
            o.map(|v| v.to_string()).join("\\"),
            "is not two unit vectors at right angles",
        ));
    }
    Ok(())
}

/// Field access that names the file and the field when a value is bad.
struct Fields<'a> {
    path: &'a Path,
    obj: &'a InMemDicomObject,
}

impl<'a> Fields<'a> {
    fn of(path: &'a Path, obj: &'a InMemDicomObject) -> Self {
        Fields { path, obj }
    }

    fn get(&self, tag: Tag) -> Option<&'a dicom_object::mem::InMemElement> {
        self.obj.get(tag)
    }

    /// The text of an element, trimmed; empty when absent.
    fn text(&self, tag: Tag) -> String {
        self.get(tag)
            .and_then(|e| e.to_str().ok())
            .map(|s| {
                s.trim_matches(|c: char| c.is_whitespace() || c == '\0')
                    .to_string()
            })
            .unwrap_or_default()
    }

    fn items(&self, tag: Tag) -> Option<&'a [InMemDicomObject]> {
        self.get(tag)?.items()
    }

    fn int(&self, tag: Tag) -> Result<Option<i64>, LoadError> {
        let text = self.text(tag);
        if text.is_empty() {
            return Ok(None);
        }
        match self.get(tag).map(|e| e.to_int::<i64>()) {
            Some(Ok(v)) => Ok(Some(v)),
            // IS values written as "3.0" happen; take them when whole.
            _ => match text.parse::<f64>() {
                Ok(v) if v.fract() == 0.0 && v.abs() < 1e15 => Ok(Some(v as i64)),
                _ => Ok(None),
            },
        }
    }

    fn u16_or(&self, tag: Tag, name: &str, default: u16) -> Result<u16, LoadError> {
        match self.get(tag) {
            None => Ok(default),
            Some(e) => e.to_int::<u16>().map_err(|_| {
                LoadError::bad_field(
                    self.path,
                    name,
                    self.text(tag),
                    "is not a whole number from 0 to 65535",
                )
            }),
        }
    }

    fn required_u16(&self, tag: Tag, name: &str) -> Result<u16, LoadError> {
        if self.get(tag).is_none() {
            return Err(LoadError::bad_field(self.path, name, "", "is missing"));
        }
        self.u16_or(tag, name, 0)
    }

    fn float(&self, tag: Tag, name: &str) -> Result<Option<f64>, LoadError> {
        Ok(self.floats::<1>(tag, name)?.map(|[v]| v))
    }

    /// Exactly `N` finite numbers, or none when the element is absent or empty.
    fn floats<const N: usize>(&self, tag: Tag, name: &str) -> Result<Option<[f64; N]>, LoadError> {
        let Some(element) = self.get(tag) else {
            return Ok(None);
        };
        if self.text(tag).is_empty() && element.to_multi_float64().map_or(true, |v| v.is_empty()) {
            return Ok(None);
        }
        let values = element.to_multi_float64().map_err(|_| {
            LoadError::bad_field(self.path, name, self.text(tag), "is not a list of numbers")
        })?;
        if values.len() != N || !values.iter().all(|v| v.is_finite()) {
            return Err(LoadError::bad_field(
                self.path,
                name,
                values
                    .iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join("\\"),
                format!("is not {N} finite number{}", if N == 1 { "" } else { "s" }),
            ));
        }
        let mut out = [0.0; N];
        out.copy_from_slice(&values);
        Ok(Some(out))
    }
}
