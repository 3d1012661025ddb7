"""Smoke test of the installed wheel (run by .ci/run in a fresh virtual
environment): the binary is on the PATH, and each of the module's four
functions agrees with the command line on tests/data.

usage: python smoke_wheel.py REPO_ROOT SCRATCH_DIR   (DISPLAY set for view)
"""

import gzip
import json
import os
import subprocess
import sys
import time

import numpy as np
import rasview

root, scratch = sys.argv[1], sys.argv[2]
base = os.path.join(root, "tests/data/coreg-qa/example_func.nii.gz")
edges = np.load(os.path.join(root, "tests/data/forum/epi_axial_opencv_canny_40_100.npy"))

# binary(): the wheel's own, and it runs.
exe = rasview.binary()
assert os.path.dirname(exe) == os.path.dirname(sys.executable), exe
version = subprocess.run([exe, "--version"], capture_output=True, text=True, check=True)
assert version.stdout.startswith("rasview "), version.stdout

# save_like(): the same voxels and the same placement as import-npy itself.
ours = os.path.join(scratch, "edges_module.nii.gz")
placement = rasview.save_like(edges, base, ours, plane="axial", slice=19)
npy = os.path.join(scratch, "edges.npy")
np.save(npy, edges)
theirs = os.path.join(scratch, "edges_cli.nii.gz")
cli = subprocess.run(
    [exe, "import-npy", npy, "--like", base, "--out", theirs, "--plane", "axial", "--slice", "19"],
    capture_output=True, text=True, check=True,
)
# The placement in words (its first line; the second names the files).
assert placement.splitlines()[0] == cli.stderr.strip().splitlines()[0], (placement, cli.stderr)


def voxels(path):
    data = gzip.open(path).read()
    return data[352:]


assert voxels(ours) == voxels(theirs), "save_like wrote other voxels than import-npy"
assert int(np.count_nonzero(np.frombuffer(voxels(ours), np.uint8))) == int(np.count_nonzero(edges))

# check(): the CLI's verdict and findings; a flipped slice is caught.
module = rasview.check(base, ours)
cli = subprocess.run([exe, "check", base, ours, "--json"], capture_output=True, text=True)
assert cli.returncode in (0, 3), cli.stderr
assert module == json.loads(cli.stdout)
flipped = os.path.join(scratch, "flipped.nii.gz")
rasview.save_like(edges[::-1, :], base, flipped, plane="axial", slice=19)
verdict = rasview.check(base, flipped)
assert verdict["aligned"] is False, verdict["findings"]
assert any("flipped" in f["text"] for f in verdict["findings"]), verdict["findings"]

# Errors come back as RasviewError with the binary's message.
try:
    rasview.check(base, os.path.join(scratch, "missing.nii.gz"))
except rasview.RasviewError as e:
    assert "missing.nii.gz" in str(e), e
else:
    raise AssertionError("a missing file was not refused")

# view(): the window opens (and stays open) with an array as an overlay.
window = rasview.view(base, np.zeros((64, 64, 36), np.uint8))
time.sleep(4)
assert window.poll() is None, f"the window exited with {window.returncode}"
window.kill()
window.wait()
print("wheel smoke test: binary, save_like, check and view agree with the CLI")
