"""Writes the tiny .npy fixtures of tests/npy.rs with numpy itself.

Run from this folder: python3 make_npy.py (numpy 2.x). Each file's values
follow a formula that tests/npy.rs repeats in Rust; the tests read the
committed files and need no Python.
"""

import numpy as np

# bool, shape (2, 3): True where the C-order index is even.
np.save("bool_2x3.npy", np.arange(6).reshape(2, 3) % 2 == 0)

# big-endian uint16, shape (2, 3, 4): 1000 * C-order index.
np.save("u2_big_2x3x4.npy", (np.arange(24).reshape(2, 3, 4) * 1000).astype(">u2"))

# float16, shape (3, 4): index / 8 - 0.5 (exact in half precision).
np.save("f2_3x4.npy", (np.arange(12).reshape(3, 4) / 8 - 0.5).astype("<f2"))

# int64, shape (4, 3, 2): (index - 12) * 10**12 (beyond float32 and int32).
np.save("i8_4x3x2.npy", ((np.arange(24, dtype="<i8") - 12) * 10**12).reshape(4, 3, 2))

# float32 in Fortran order, shape (2, 3, 4): 12a + 4b + c + 0.25 at [a, b, c].
fortran = np.asfortranarray(np.arange(24, dtype="<f4").reshape(2, 3, 4) + 0.25)
assert fortran.flags.f_contiguous and not fortran.flags.c_contiguous
np.save("f4_fortran_2x3x4.npy", fortran)

# format version 2.0, float64, shape (2, 3): 1.5 * index.
with open("f8_v2_2x3.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(6, dtype="<f8").reshape(2, 3) * 1.5, version=(2, 0))

# format version 3.0, int16, shape (2, 3): index - 3.
with open("i2_v3_2x3.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(-3, 3, dtype="<i2").reshape(2, 3), version=(3, 0))
