//! Files others can trust: NIfTI on the base's geometry, provenance sidecars
//! (parameters, inputs with SHA-256, version), and the rule that no output
//! ever replaces a file that was read.

pub(crate) mod on_grid;
pub(crate) mod provenance;

pub use on_grid::{compact_voxels, sample_onto, sample_onto_reporting};
pub use provenance::{
    header_like, input_records, json_sidecar_path, refuse_to_overwrite, sha256_of, InputRecord,
    Sidecar,
};
