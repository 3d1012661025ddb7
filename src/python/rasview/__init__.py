"""rasview from Python: a thin layer over the ``rasview`` binary in this wheel.

The step that went wrong in the forum thread that started rasview (an edge
map computed in NumPy, written back under a scan's header, landing rotated
on two slices) is one call here::

    import rasview
    print(rasview.save_like(edges, "t1.nii.gz", "edges.nii.gz", plane="axial", slice=80))
    rasview.check("t1.nii.gz", "edges.nii.gz")["aligned"]

Every function runs the binary (subprocess, JSON where it gives JSON); its
error messages become :class:`RasviewError`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tempfile

__all__ = ["RasviewError", "binary", "save_like", "check", "view"]


class RasviewError(RuntimeError):
    """The binary refused: its message names the file and the field."""


def binary() -> str:
    """The path of the ``rasview`` binary this wheel installed."""
    exe = "rasview.exe" if os.name == "nt" else "rasview"
    beside = os.path.join(sysconfig.get_path("scripts"), exe)
    if os.path.exists(beside):
        return beside
    found = shutil.which("rasview")
    if found:
        return found
    raise RasviewError("the rasview binary is not installed beside this module or on the PATH")


def _run(args, ok_codes=(0,)):
    done = subprocess.run([binary(), *map(str, args)], capture_output=True, text=True)
    if done.returncode not in ok_codes:
        message = done.stderr.strip() or done.stdout.strip()
        raise RasviewError(message.removeprefix("rasview: "))
    return done


def save_like(array, like, out, order="auto", plane=None, slice=None):
    """Write ``array`` with the geometry of ``like``, as ``rasview import-npy``.

    ``array``: a 3D array in ijk (nibabel) or kji ((z, y, x): SimpleITK,
    Slicer) order (``order`` "auto", "ijk" or "kji"), or a 2D array on slice
    ``slice`` of ``plane`` ("axial", "coronal", "sagittal").
    ``like``: the base volume (any format rasview reads).
    ``out``: the file to write (NIfTI, NRRD or MetaImage by its name); a
    JSON sidecar is written beside it.
    Returns the placement in words.
    """
    import numpy as np

    with tempfile.TemporaryDirectory(prefix="rasview-") as folder:
        npy = os.path.join(folder, "array.npy")
        np.save(npy, np.asarray(array))
        args = ["import-npy", npy, "--like", like, "--out", out, "--order", order]
        if plane is not None or slice is not None:
            if plane is None or slice is None:
                raise ValueError("a 2D array needs both plane and slice")
            args += ["--plane", plane, "--slice", int(slice)]
        done = _run(args)
    return done.stderr.strip()


def check(base, overlay):
    """``rasview check BASE OVERLAY --json`` as a dict: ``aligned``,
    ``findings`` (each with ``kind`` and ``text``), ``content`` and more."""
    done = _run(["check", base, overlay, "--json"], ok_codes=(0, 3))
    return json.loads(done.stdout)


def view(base, *overlays, edges=False):
    """Open the window on ``base`` with ``overlays`` without blocking.

    An overlay may be a file or a NumPy array; an array is placed on the
    base's grid with :func:`save_like` (into a temporary file) first.
    Returns the window's :class:`subprocess.Popen`.
    """
    args = [binary(), str(base)]
    for overlay in overlays:
        if not isinstance(overlay, (str, os.PathLike)):
            folder = tempfile.mkdtemp(prefix="rasview-view-")
            path = os.path.join(folder, "overlay.nii.gz")
            save_like(overlay, base, path)
            overlay = path
        args += ["--overlay", str(overlay)]
    if edges:
        args.append("--edges")
    return subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=sys.stderr)
