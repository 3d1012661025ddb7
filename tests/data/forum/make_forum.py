"""The forum's case, made by tools nobody on this project wrote.

Each scan is read as a (z, y, x) array (as SimpleITK's GetArrayFromImage and
Slicer's arrayFromVolume give it); one slice is taken in each plane; an edge
map is made from it by OpenCV, scikit-image, SimpleITK or a thresholded
Sobel; the map is saved as it was taken (rows along the slice's second voxel
axis, as `rasview import-npy --plane P --slice N --transpose no` expects).
Only these right placements are stored; tests/forum.rs derives the wrong
ones (upside down, mirrored, transposed, one slice off, shifted) from them.

    pip install numpy opencv-python-headless scikit-image SimpleITK
    python3 make_forum.py        # from this folder; rewrites *.npy and manifest.json
"""

import json
import os

import cv2
import numpy as np
import SimpleITK as sitk
import skimage
from skimage.feature import canny as sk_canny

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", "..", ".."))

# Paths relative to the repository root; every one is BSD-2-Clause (see
# tests/data/README.md and the LICENSE beside each).
BASES = {
    "mni": "tests/data/niivue/MNI152_2009_template.nii.gz",  # T1 template, 1 mm
    "t1": "assets/highres.nii.gz",  # oblique T1, 1 mm
    "epi": "tests/data/coreg-qa/example_func.nii.gz",  # oblique EPI, 3 x 3 x 3.6 mm
}
# Where each plane is cut, as a fraction of the axis: through the brain,
# off the midline for sagittal slices.
FRACTIONS = {"axial": 0.55, "coronal": 0.5, "sagittal": 0.38}


def to_u8(img):
    """The forum's normalisation: min-max to 0..255."""
    return cv2.normalize(img.astype(np.float32), None, 0, 255, cv2.NORM_MINMAX).astype(np.uint8)


def detectors():
    def cv_canny(low, high, blur):
        def run(img):
            u8 = to_u8(img)
            if blur:
                u8 = cv2.GaussianBlur(u8, (3, 3), 0)
            return cv2.Canny(u8, low, high)

        name = f"opencv_canny_{low}_{high}" + ("_blur3" if blur else "")
        return name, {"library": "opencv", "version": cv2.__version__, "call": "cv2.Canny",
                      "low": low, "high": high, "gaussian_blur": "3x3" if blur else None}, run

    out = [cv_canny(lo, hi, b) for b in (False, True) for lo, hi in ((40, 100), (50, 120))]

    def skimage_canny(img):
        x = img.astype(np.float64)
        x = (x - x.min()) / max(np.ptp(x), 1e-12)
        return sk_canny(x, sigma=1.0)  # default thresholds: 0.1 / 0.2 of the range

    out.append(("skimage_canny", {"library": "scikit-image", "version": skimage.__version__,
                                  "call": "skimage.feature.canny", "sigma": 1.0,
                                  "input": "min-max to 0..1"}, skimage_canny))

    def sitk_canny(img):
        x = sitk.GetImageFromArray(to_u8(img).astype(np.float32))
        e = sitk.CannyEdgeDetection(x, lowerThreshold=10.0, upperThreshold=30.0, variance=[1.0, 1.0])
        return sitk.GetArrayFromImage(e)

    out.append(("sitk_canny", {"library": "SimpleITK", "version": sitk.Version.VersionString(),
                               "call": "sitk.CannyEdgeDetection", "lower": 10.0, "upper": 30.0,
                               "variance": [1.0, 1.0], "input": "min-max to 0..255, float32"},
                sitk_canny))

    def sobel(img):
        u8 = to_u8(img)
        gx = cv2.Sobel(u8, cv2.CV_32F, 1, 0, ksize=3)
        gy = cv2.Sobel(u8, cv2.CV_32F, 0, 1, ksize=3)
        return np.hypot(gx, gy) > 150.0

    out.append(("sobel_150", {"library": "opencv", "version": cv2.__version__,
                              "call": "cv2.Sobel 3x3, |g| > 150", "input": "min-max to 0..255"},
                sobel))
    return out


def cut(zyx, plane, n):
    """Slice n of plane from a (z, y, x) array, rows along its second voxel axis."""
    if plane == "axial":
        return zyx[n, :, :]
    if plane == "coronal":
        return zyx[:, n, :]
    return zyx[:, :, n]


def main():
    manifest = []
    for f in os.listdir(HERE):
        if f.endswith(".npy"):
            os.remove(os.path.join(HERE, f))
    for base_name, rel in BASES.items():
        zyx = sitk.GetArrayFromImage(sitk.ReadImage(os.path.join(ROOT, rel)))
        for plane, fraction in FRACTIONS.items():
            axis = {"axial": 0, "coronal": 1, "sagittal": 2}[plane]
            n = int(round(fraction * (zyx.shape[axis] - 1)))
            img = cut(zyx, plane, n)
            for det_name, params, run in detectors():
                edges = (np.asarray(run(img)) != 0).astype(np.uint8)
                name = f"{base_name}_{plane}_{det_name}.npy"
                np.save(os.path.join(HERE, name), edges)
                manifest.append({
                    "file": name, "base": rel, "plane": plane, "slice": n,
                    "shape": list(edges.shape), "detector": det_name, "params": params,
                    "edge_pixels": int(edges.sum()),
                })
    with open(os.path.join(HERE, "manifest.json"), "w") as out:
        json.dump({"numpy": np.__version__, "maps": manifest}, out, indent=1)
        out.write("\n")


if __name__ == "__main__":
    main()
