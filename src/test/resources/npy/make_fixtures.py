"""Regenerates the numpy-written .npy fixtures of NpyTest: python3 make_fixtures.py (run in this folder).

Values are small and exact in binary so the Java tests can state them literally.
"""
import numpy as np

# Readable: version 1.0 float32 matrix, 1-D float32, 0-d float64, version 2.0 and 3.0 float64.
np.save("f4_2x3.npy", (np.arange(6, dtype="<f4") / 4 - 0.5).reshape(2, 3))
np.save("f4_5.npy", np.array([1.5, -2.0, 0.25, 1e-3, 3e38], dtype="<f4"))
np.save("f8_scalar.npy", np.array(-7.125, dtype="<f8"))
with open("f8_2x2x2_v2.npy", "wb") as f:
    np.lib.format.write_array(f, np.arange(8, dtype="<f8").reshape(2, 2, 2) - 3.5, version=(2, 0))
with open("f8_3_v3.npy", "wb") as f:
    np.lib.format.write_array(f, np.array([0.1, 0.2, 0.3], dtype="<f8"), version=(3, 0))

# Rejected: Fortran order, an integer dtype, big-endian floats.
np.save("fortran_f4_2x3.npy", np.asfortranarray(np.arange(6, dtype="<f4").reshape(2, 3)))
np.save("i4_3.npy", np.array([1, 2, 3], dtype="<i4"))
np.save("be_f4_3.npy", np.array([1, 2, 3], dtype=">f4"))

# Readable as FLOAT16: normal, negative, the largest finite, a subnormal, infinity.
np.save("f2_5.npy", np.array([1.5, -2.0, 65504.0, 2.0**-24, np.inf], dtype="<f2"))
