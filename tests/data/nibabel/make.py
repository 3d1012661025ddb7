"""Writes NIfTI-2 files with nibabel (an independent writer) and what nibabel
reads back from them, for rasview's NIfTI-2 test. Run: python3 make.py"""
import json
import numpy as np
import nibabel as nib

rng = np.random.default_rng(2)
data = rng.integers(-300, 300, size=(9, 7, 5, 2)).astype(np.int16)
t = np.deg2rad(12.0)
affine = np.array([
    [0.9 * np.cos(t), -1.1 * np.sin(t), 0.0, -4.5],
    [0.9 * np.sin(t), 1.1 * np.cos(t), 0.3, 7.25],
    [0.0, 0.0, -2.5, 11.0],
    [0.0, 0.0, 0.0, 1.0],
])
out = {"files": []}
for name, order in [("nifti2_le.nii.gz", "<"), ("nifti2_be.nii", ">")]:
    img = nib.Nifti2Image(data, affine)
    img.header.set_data_dtype(np.dtype(np.int16).newbyteorder(order))
    img.header["scl_slope"] = 0.5
    img.header["scl_inter"] = 10.0
    if order == ">":
        img = nib.Nifti2Image(data, affine, header=img.header.as_byteswapped(">"))
        img.header["scl_slope"] = 0.5
        img.header["scl_inter"] = 10.0
    nib.save(img, name)
    back = nib.load(name)
    values = back.get_fdata()
    points = []
    for ijk in [(0, 0, 0), (8, 6, 4), (3, 2, 1), (5, 4, 3)]:
        world = back.affine @ np.array([*ijk, 1.0])
        points.append({"voxel": list(ijk), "world_ras_mm": world[:3].tolist(),
                       "values": [float(values[ijk + (t,)]) for t in range(2)]})
    out["files"].append({"file": name, "endianness": back.header.endianness,
                         "sizeof_hdr": int(back.header["sizeof_hdr"]),
                         "affine": back.affine.tolist(), "shape": list(back.shape), "points": points})
json.dump(out, open("expected.json", "w"), indent=1)
