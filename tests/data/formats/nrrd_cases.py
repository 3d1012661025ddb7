"""NRRD variants written at test time (tests/integration/nrrd.rs), with what a reader must find.

Usage: python nrrd_cases.py OUT_DIR  -> prints JSON {"cases": [...]} on stdout.

Each case: file, shape (i, j, k), volumes, affine (RAS world_from_voxel computed here from the
directions this script chose, never by rasview), every voxel value in NIfTI storage order (i
fastest, then j, k, volume), the warnings a reader must give, and optionally one volume to read
alone. Where SimpleITK reads the file (3D scalar, a named space), this script asserts that
SimpleITK finds the same affine and values, so the expectation is checked by a second reader.
pynrrd writes the files; the odd layouts (byte skip -1, line skip, LIST, patterns) are written by
hand around numpy's bytes. Needs numpy, pynrrd (`nrrd`) and SimpleITK.
"""
import gzip, json, os, sys
import numpy as np
import nrrd
import SimpleITK as sitk

OUT = sys.argv[1]
rng = np.random.default_rng(1313)
LPS2RAS = np.diag([-1.0, -1.0, 1.0])
SIGNS = {'right-anterior-superior': np.diag([1.0, 1.0, 1.0]),
         'left-anterior-superior': np.diag([-1.0, 1.0, 1.0]),
         'left-posterior-superior': LPS2RAS}
cases = []


def rot(ax, deg):
    a = np.deg2rad(deg); c, s = np.cos(a), np.sin(a)
    m = np.eye(3)
    i, j = [(1, 2), (0, 2), (0, 1)][ax]
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


# Directions (columns, one per spatial axis) and origin in the file's own space.
COLS = rot(0, 17) @ rot(2, -29) @ np.diag([0.7, 1.3, 2.1])
ORIGIN = np.array([-12.5, 30.25, 7.0])


def vec(v):
    return '(' + ','.join(repr(float(x)) for x in v) + ')'


def affine(cols, origin, sign):
    A = np.eye(4)
    A[:3, :3] = sign @ cols
    A[:3, 3] = sign @ origin
    return A


def values_of(arr):
    """Every value in storage order: i fastest, then j, k, volume (arr is (i, j, k[, t]))."""
    return arr.flatten(order='F').tolist()


def add(name, arr, A, volumes=1, warn=(), only_volume=None, rgb=False, source='space directions'):
    case = dict(file=name, shape=list(arr.shape[:3]), volumes=volumes, affine=A.tolist(),
                warn=list(warn), source=source, rgb=rgb)
    if rgb:
        case['values'] = \
            np.stack([arr[..., c].flatten(order='F') for c in range(3)], axis=1).tolist()
    else:
        case['values'] = values_of(arr)
    if only_volume is not None:
        case['only_volume'] = only_volume
    cases.append(case)


def sitk_agrees(name, arr, A):
    """SimpleITK reads the file to the same RAS affine and the same values."""
    img = sitk.ReadImage(os.path.join(OUT, name))
    D = np.array(img.GetDirection()).reshape(3, 3)
    B = np.eye(4)
    B[:3, :3] = LPS2RAS @ D @ np.diag(img.GetSpacing())
    B[:3, 3] = LPS2RAS @ np.array(img.GetOrigin())
    assert np.allclose(A, B, atol=1e-9), (name, A, B)
    theirs = sitk.GetArrayFromImage(img).transpose(2, 1, 0)
    assert theirs.shape == arr.shape and np.array_equal(theirs, arr), name


def header(fields):
    return 'NRRD0005\n' + ''.join(f'{k}: {v}\n' for k, v in fields) + '\n'


def geometry_fields(space, cols=COLS, origin=ORIGIN, extra_none_first=0, extra_none_last=0):
    dirs = ['none'] * extra_none_first + [vec(cols[:, a]) for a in range(3)] + ['none'] * extra_none_last
    return [('space', space), ('space directions', ' '.join(dirs)), ('space origin', vec(origin))]


def pynrrd_header(space, dtype_name, encoding, endian='little', cols=COLS, origin=ORIGIN):
    return {'type': dtype_name, 'dimension': 3, 'space': space, 'space directions': cols.T,
            'space origin': origin, 'kinds': ['domain'] * 3, 'encoding': encoding, 'endian': endian}


def block(shape, dtype, lo=-100, hi=100):
    if np.dtype(dtype).kind == 'f':
        return (rng.standard_normal(shape) * 50).astype(dtype)
    info = np.iinfo(dtype)
    return rng.integers(max(lo, info.min), min(hi, info.max), size=shape, endpoint=True).astype(dtype)


# 1. Every scalar type in both byte orders, raw, LPS (SimpleITK checks each).
for dtype, tname in [('int8', 'int8'), ('uint8', 'uint8'), ('int16', 'short'), ('uint16', 'ushort'),
                     ('int32', 'int'), ('uint32', 'uint'), ('int64', 'int64'), ('uint64', 'uint64'),
                     ('float32', 'float'), ('float64', 'double')]:
    for endian in ['little', 'big']:
        arr = block((3, 4, 5), dtype, lo=-120, hi=250)
        name = f'type_{dtype}_{endian}.nrrd'
        nrrd.write(os.path.join(OUT, name), arr, pynrrd_header('left-posterior-superior', tname, 'raw', endian),
                   index_order='F')
        A = affine(COLS, ORIGIN, LPS2RAS)
        sitk_agrees(name, arr, A)
        add(name, arr, A)

# 2. ascii int16 in RAS, gzip uint16 big-endian in LAS.
arr = block((4, 5, 6), 'int16')
nrrd.write(os.path.join(OUT, 'ascii_ras_i16.nrrd'), arr, pynrrd_header('right-anterior-superior', 'short', 'ascii'),
           index_order='F')
A = affine(COLS, ORIGIN, SIGNS['right-anterior-superior'])
sitk_agrees('ascii_ras_i16.nrrd', arr, A)
add('ascii_ras_i16.nrrd', arr, A)
arr = block((4, 5, 6), 'uint16', lo=0, hi=60000)
nrrd.write(os.path.join(OUT, 'gzip_big_las_u16.nrrd'), arr,
           pynrrd_header('left-anterior-superior', 'ushort', 'gzip', 'big'), index_order='F')
A = affine(COLS, ORIGIN, SIGNS['left-anterior-superior'])
sitk_agrees('gzip_big_las_u16.nrrd', arr, A)
add('gzip_big_las_u16.nrrd', arr, A)

# 3. byte skip -1: junk between the header and the data; raw (SimpleITK reads it) and gzip.
arr = block((4, 3, 5), 'int32')
common = [('type', 'int32'), ('dimension', 3), ('sizes', '4 3 5'), ('endian', 'little'), ('byte skip', -1)]
with open(os.path.join(OUT, 'byteskip_end_raw.nrrd'), 'wb') as f:
    f.write(header(common + [('encoding', 'raw')] + geometry_fields('left-posterior-superior')).encode())
    f.write(b'JUNK' * 7 + arr.tobytes(order='F'))
A = affine(COLS, ORIGIN, LPS2RAS)
sitk_agrees('byteskip_end_raw.nrrd', arr, A)
add('byteskip_end_raw.nrrd', arr, A)
with open(os.path.join(OUT, 'byteskip_end_gzip.nrrd'), 'wb') as f:
    f.write(header(common + [('encoding', 'gzip')] + geometry_fields('left-posterior-superior')).encode())
    f.write(gzip.compress(b'JUNK' * 5 + arr.tobytes(order='F')))
add('byteskip_end_gzip.nrrd', arr, A)

# 4. A detached header whose data file starts with 3 lines of text and 5 more bytes.
arr = block((5, 4, 3), 'uint8', lo=0, hi=255)
with open(os.path.join(OUT, 'lineskip.raw'), 'wb') as f:
    f.write(b'P5 some old header\n# a comment\n5 12\nXXXXX' + arr.tobytes(order='F'))
with open(os.path.join(OUT, 'lineskip.nhdr'), 'w') as f:
    f.write(header([('type', 'uchar'), ('dimension', 3), ('sizes', '5 4 3'), ('encoding', 'raw'),
                    ('line skip', 3), ('byte skip', 5)] + geometry_fields('right-anterior-superior')
                   + [('data file', 'lineskip.raw')]))
A = affine(COLS, ORIGIN, SIGNS['right-anterior-superior'])
add('lineskip.nhdr', arr, A)

# 5. LIST of slice files and a printf pattern (one k-slice per file by default).
arr = block((4, 3, 4), 'int16')
names = [f'list_slice_{k}.raw' for k in range(4)]
for k, n in enumerate(names):
    open(os.path.join(OUT, n), 'wb').write(arr[:, :, k].tobytes(order='F'))
with open(os.path.join(OUT, 'list.nhdr'), 'w') as f:
    f.write('NRRD0005\n' + ''.join(f'{k}: {v}\n' for k, v in
            [('type', 'short'), ('dimension', 3), ('sizes', '4 3 4'), ('encoding', 'raw'), ('endian', 'little')]
            + geometry_fields('left-posterior-superior') + [('data file', 'LIST')]) + '\n'.join(names) + '\n')
A = affine(COLS, ORIGIN, LPS2RAS)
sitk_agrees('list.nhdr', arr, A)
add('list.nhdr', arr, A)
for n, k in zip([3, 5, 7, 9], range(4)):
    gz = gzip.compress(arr[:, :, k].tobytes(order='F'))
    open(os.path.join(OUT, f'part{n:02d}.raw.gz'), 'wb').write(gz)
with open(os.path.join(OUT, 'pattern.nhdr'), 'w') as f:
    f.write(header([('type', 'short'), ('dimension', 3), ('sizes', '4 3 4'), ('encoding', 'gzip'),
                    ('endian', 'little')] + geometry_fields('left-posterior-superior')
                   + [('data file', 'part%02d.raw.gz 3 9 2')]))
add('pattern.nhdr', arr, A)

# 6. 4D: a vector axis first (gzip), a list axis last (raw, one volume read alone), and a pattern
#    of one file per volume (subdim 3, one volume read alone).
arr4 = block((4, 3, 5, 3), 'float32')
nrrd.write(os.path.join(OUT, 'vector_first.nrrd'), np.ascontiguousarray(arr4.transpose(3, 0, 1, 2)),
           {'type': 'float', 'dimension': 4, 'space': 'left-posterior-superior',
            'space directions': np.vstack([np.full(3, np.nan), COLS.T]), 'space origin': ORIGIN,
            'kinds': ['vector', 'domain', 'domain', 'domain'], 'encoding': 'gzip', 'endian': 'little'},
           index_order='F')
A = affine(COLS, ORIGIN, LPS2RAS)
add('vector_first.nrrd', arr4, A, volumes=3)
add('vector_first.nrrd', arr4[..., 1], A, volumes=3, only_volume=1)
arr4b = block((3, 4, 2, 4), 'uint16', lo=0, hi=9000)
nrrd.write(os.path.join(OUT, 'list_last.nrrd'), arr4b,
           {'type': 'ushort', 'dimension': 4, 'space': 'right-anterior-superior',
            'space directions': np.vstack([COLS.T, np.full(3, np.nan)]), 'space origin': ORIGIN,
            'kinds': ['domain', 'domain', 'domain', 'list'], 'encoding': 'raw', 'endian': 'big'},
           index_order='F')
Ar = affine(COLS, ORIGIN, SIGNS['right-anterior-superior'])
add('list_last.nrrd', arr4b, Ar, volumes=4)
add('list_last.nrrd', arr4b[..., 2], Ar, volumes=4, only_volume=2)
for t in range(4):
    open(os.path.join(OUT, f'vol{t}.raw'), 'wb').write(arr4b[..., t].astype('<u2').tobytes(order='F'))
with open(os.path.join(OUT, 'pattern4d.nhdr'), 'w') as f:
    f.write(header([('type', 'ushort'), ('dimension', 4), ('sizes', '3 4 2 4'), ('encoding', 'raw'),
                    ('endian', 'little'), ('kinds', 'domain domain domain list')]
                   + geometry_fields('right-anterior-superior', extra_none_last=1)
                   + [('data file', 'vol%d.raw 0 3 1 3')]))
add('pattern4d.nhdr', arr4b, Ar, volumes=4)
add('pattern4d.nhdr', arr4b[..., 3], Ar, volumes=4, only_volume=3)

# 7. RGB colour, the colour axis first.
rgb = block((3, 4, 5, 2), 'uint8', lo=0, hi=255)
nrrd.write(os.path.join(OUT, 'rgb.nrrd'), rgb,
           {'type': 'uchar', 'dimension': 4, 'space': 'left-posterior-superior',
            'space directions': np.vstack([np.full(3, np.nan), COLS.T]), 'space origin': ORIGIN,
            'kinds': ['RGB-color', 'domain', 'domain', 'domain'], 'encoding': 'raw'}, index_order='F')
add('rgb.nrrd', np.moveaxis(rgb, 0, -1), affine(COLS, ORIGIN, LPS2RAS), rgb=True)

# 8. Spacings only (no orientation), and spaces that name no patient axes.
arr = block((3, 4, 5), 'int16')
nrrd.write(os.path.join(OUT, 'spacings_only.nrrd'), arr,
           {'type': 'short', 'dimension': 3, 'spacings': [0.5, 1.5, 2.5], 'kinds': ['domain'] * 3,
            'encoding': 'raw', 'endian': 'little'}, index_order='F')
add('spacings_only.nrrd', arr, affine(np.diag([0.5, 1.5, 2.5]), np.zeros(3), np.eye(3)),
    warn=['no orientation'], source='pixdim')
for name, space_fields in [('scanner_xyz.nrrd', [('space', 'scanner-xyz')]),
                           ('right_handed.nrrd', [('space', '3D-right-handed')]),
                           ('no_space.nrrd', [('space dimension', 3)])]:
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(header([('type', 'short'), ('dimension', 3), ('sizes', '3 4 5'), ('encoding', 'raw'),
                        ('endian', 'little')] + space_fields
                       + [('space directions', ' '.join(vec(COLS[:, a]) for a in range(3))),
                          ('space origin', vec(ORIGIN))]).encode())
        f.write(arr.tobytes(order='F'))
    # Used as given: the directions as RAS, no sign changed.
    add(name, arr, affine(COLS, ORIGIN, np.eye(3)), warn=['space unknown'])

print(json.dumps(dict(cases=cases, simpleitk=sitk.Version.VersionString(), pynrrd=nrrd.__version__)))
