"""MetaImage cases written (and read back) by SimpleITK, the oracle for rasview's MetaImage reader.

Run by tests/integration/metaimage.rs at test time: python3 make_metaimage_cases.py OUT_DIR.
Writes every pixel type as .mha (zlib) and .mhd + .raw, RGB and 2-component vector images,
4D, 2D, and headers edited by hand the way other writers make them (big-endian data,
HeaderSize -1 and > 0, LIST and %d-pattern data files, gzip instead of zlib, synonyms, no
CompressedDataSize), each under a non-symmetric oblique direction so that a TransformMatrix
read by rows cannot pass. Every file is read back by SimpleITK (which must accept it); the JSON
printed on stdout gives, per file, SimpleITK's RAS world_from_voxel and the values at random
voxels: {"file", "size", "components", "affine", "samples": [{"index", "value"}]}.
"""
import gzip, json, os, sys, zlib
import numpy as np
import SimpleITK as sitk

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(1313)
LPS2RAS = np.diag([-1.0, -1.0, 1.0, 1.0])


def rot(ax, deg):
    a = np.deg2rad(deg); c, s = np.cos(a), np.sin(a)
    m = np.eye(3)
    i, j = [(1, 2), (0, 2), (0, 1)][ax]
    m[i, i], m[i, j], m[j, i], m[j, j] = c, -s, s, c
    return m


# Non-symmetric and permuted: its transpose is a different orientation.
D3 = rot(0, 17) @ rot(1, -29) @ rot(2, 8) @ np.array([[0, 1, 0], [0, 0, -1], [1, 0, 0]], float)
assert not np.allclose(D3, D3.T)
SPACING = (0.7, 1.9, 1.3)
ORIGIN = (12.5, -40.25, 7.0)

TYPES = {
    'i8': (sitk.sitkInt8, np.int8), 'u8': (sitk.sitkUInt8, np.uint8),
    'i16': (sitk.sitkInt16, np.int16), 'u16': (sitk.sitkUInt16, np.uint16),
    'i32': (sitk.sitkInt32, np.int32), 'u32': (sitk.sitkUInt32, np.uint32),
    'i64': (sitk.sitkInt64, np.int64), 'u64': (sitk.sitkUInt64, np.uint64),
    'f32': (sitk.sitkFloat32, np.float32), 'f64': (sitk.sitkFloat64, np.float64),
}


def random_values(dtype, shape):
    if np.issubdtype(dtype, np.floating):
        return (rng.standard_normal(shape) * 1000).astype(dtype)
    info = np.iinfo(dtype)
    # Within 2^53 so that JSON and f64 carry them exactly; extremes included.
    lo, hi = max(info.min, -2**53), min(info.max, 2**53)
    a = rng.integers(lo, hi, size=shape, dtype=np.int64 if info.min < 0 else np.uint64, endpoint=True)
    a = a.astype(dtype)
    a.flat[0], a.flat[-1] = lo, hi
    return a


def place(img, dim=3):
    d = D3
    if dim == 2:
        d = np.array([[0.6, -0.8], [0.8, 0.6]]) @ np.array([[0, 1], [1, 0]], float)
    img.SetDirection([float(x) for x in d.ravel()])
    img.SetSpacing([float(x) for x in (list(SPACING) + [1.0])[:dim]])
    img.SetOrigin([float(x) for x in (list(ORIGIN) + [0.0])[:dim]])
    return img


def header_of(path):
    with open(path, 'rb') as f:
        data = f.read()
    end = data.index(b'ElementDataFile')
    end = data.index(b'\n', end) + 1
    return data[:end].decode(), data[end:]


def set_field(header, name, value):
    lines = [l for l in header.splitlines() if not l.startswith(name + ' ')]
    if value is not None:
        lines.insert(len(lines) - 1, f'{name} = {value}')
    return '\n'.join(lines) + '\n'


def write(name, header, data=b''):
    with open(os.path.join(OUT, name), 'wb') as f:
        f.write(header.encode() + data)


cases = []


def oracle(name, like=None):
    """SimpleITK's reading of `name`, or of `like` (the same voxels and geometry) where
    SimpleITK cannot read `name` itself."""
    img = sitk.ReadImage(os.path.join(OUT, like or name))
    dim = img.GetDimension()
    size = list(img.GetSize())
    d = np.array(img.GetDirection()).reshape(dim, dim)
    s = np.array(img.GetSpacing()); o = np.array(img.GetOrigin())
    n = min(dim, 3)
    A = np.eye(4)
    A[:n, :n] = d[:n, :n] @ np.diag(s[:n]); A[:n, 3] = o[:n]
    A = LPS2RAS @ A
    arr = sitk.GetArrayFromImage(img)
    comps = img.GetNumberOfComponentsPerPixel()
    samples = []
    for p in range(16):
        idx = [int(rng.integers(0, size[a])) for a in range(dim)]
        if p == 0:
            idx = [0] * dim
        if p == 1:
            idx = [x - 1 for x in size]
        v = arr[tuple(reversed(idx))]
        value = [x.item() for x in v] if comps > 1 else v.item()
        samples.append(dict(index=idx, value=value))
    cases.append(dict(file=name, size=size, components=comps, affine=A.tolist(), samples=samples))


# Every pixel type, compressed .mha and raw .mhd.
for tag, (ptype, dtype) in TYPES.items():
    img = place(sitk.GetImageFromArray(random_values(dtype, (4, 5, 7))))
    assert img.GetPixelID() == ptype, (tag, img.GetPixelIDTypeAsString())
    sitk.WriteImage(img, os.path.join(OUT, f'{tag}.mha'), useCompression=True)
    sitk.WriteImage(img, os.path.join(OUT, f'{tag}.mhd'), useCompression=False)
    oracle(f'{tag}.mha'); oracle(f'{tag}.mhd')

# Colour and vectors.
rgb = place(sitk.GetImageFromArray(random_values(np.uint8, (4, 5, 7, 3)), isVector=True))
sitk.WriteImage(rgb, os.path.join(OUT, 'rgb.mha'), useCompression=True); oracle('rgb.mha')
vec = place(sitk.GetImageFromArray(random_values(np.float32, (4, 5, 7, 2)), isVector=True))
sitk.WriteImage(vec, os.path.join(OUT, 'vector2.mhd')); oracle('vector2.mhd')

# 4D and 2D.
four = sitk.JoinSeries([place(sitk.GetImageFromArray(v)) for v in random_values(np.int16, (3, 4, 5, 7))])
assert four.GetDimension() == 4
sitk.WriteImage(four, os.path.join(OUT, 'four.mha'), useCompression=True); oracle('four.mha')
sitk.WriteImage(four, os.path.join(OUT, 'four.mhd')); oracle('four.mhd')
two = place(sitk.GetImageFromArray(random_values(np.float32, (6, 9))), 2)
sitk.WriteImage(two, os.path.join(OUT, 'two.mha'), useCompression=True); oracle('two.mha')

# Hand-edited headers on the raw int16 and float64 cases.
for tag in ['i16', 'f64']:
    dtype = TYPES[tag][1]
    h, _ = header_of(os.path.join(OUT, f'{tag}.mhd'))
    raw = np.fromfile(os.path.join(OUT, f'{tag}.raw'), dtype=dtype)
    # Big-endian data, said with either field name.
    for field in ['BinaryDataByteOrderMSB', 'ElementByteOrderMSB']:
        name = f'{tag}_msb_{field}'
        raw.byteswap().tofile(os.path.join(OUT, name + '.raw'))
        hh = set_field(h, 'BinaryDataByteOrderMSB', None)
        hh = set_field(hh, field, 'True').replace(f'{tag}.raw', name + '.raw')
        write(name + '.mhd', hh); oracle(name + '.mhd')
    # Junk before the data: HeaderSize -1 (the data ends the file) and HeaderSize 37.
    for hs in [-1, 37]:
        name = f'{tag}_headersize{hs}'
        with open(os.path.join(OUT, name + '.raw'), 'wb') as f:
            f.write(b'J' * 37 + raw.tobytes())
        write(name + '.mhd', set_field(h, 'HeaderSize', hs).replace(f'{tag}.raw', name + '.raw'))
        oracle(name + '.mhd')

# Data in one file per slice: LIST and a %d pattern (numbered from 3 in steps of 2).
h, _ = header_of(os.path.join(OUT, 'u16.mhd'))
raw = np.fromfile(os.path.join(OUT, 'u16.raw'), dtype=np.uint16).reshape(4, -1)
names = []
for k in range(4):
    names.append(f'u16_slice{k}.raw'); raw[k].tofile(os.path.join(OUT, names[-1]))
    raw[k].tofile(os.path.join(OUT, f'u16_pat{3 + 2 * k:03d}.raw'))
write('u16_list.mhd', h.replace('ElementDataFile = u16.raw', 'ElementDataFile = LIST\n' + '\n'.join(names)))
oracle('u16_list.mhd')
write('u16_pattern.mhd', h.replace('ElementDataFile = u16.raw', 'ElementDataFile = u16_pat%03d.raw 3 9 2'))
oracle('u16_pattern.mhd')
# An absolute data file name.
write('u16_absolute.mhd', h.replace('ElementDataFile = u16.raw', 'ElementDataFile = ' + os.path.abspath(os.path.join(OUT, 'u16.raw'))))
oracle('u16_absolute.mhd')
# 4D as one file per volume (LIST 3D) and one per slice (LIST 2D).
h, _ = header_of(os.path.join(OUT, 'four.mhd'))
raw = np.fromfile(os.path.join(OUT, 'four.raw'), dtype=np.int16).reshape(3, 4, -1)
vols = []
slices = []
for t in range(3):
    vols.append(f'four_vol{t}.raw'); raw[t].tofile(os.path.join(OUT, vols[-1]))
    for k in range(4):
        slices.append(f'four_t{t}_k{k}.raw'); raw[t, k].tofile(os.path.join(OUT, slices[-1]))
write('four_list3d.mhd', h.replace('ElementDataFile = four.raw', 'ElementDataFile = LIST 3D\n' + '\n'.join(vols)))
oracle('four_list3d.mhd')
write('four_list2d.mhd', h.replace('ElementDataFile = four.raw', 'ElementDataFile = LIST 2D\n' + '\n'.join(slices)))
oracle('four_list2d.mhd')

# Compressed variants: gzip instead of zlib (today's MetaIO inflates both), no
# CompressedDataSize (MetaIO then takes the rest of the file). SimpleITK 2.5.7 prints "Uncompress
# failed" for both and returns garbage, so the oracle is its reading of i32.mha, the same voxels.
h, data = header_of(os.path.join(OUT, 'i32.mha'))
plain = zlib.decompress(data)
write('i32_gzip.mha', set_field(h, 'CompressedDataSize', len(gzip.compress(plain))), gzip.compress(plain))
oracle('i32_gzip.mha', like='i32.mha')
write('i32_nosize.mha', set_field(h, 'CompressedDataSize', None), data)
oracle('i32_nosize.mha', like='i32.mha')

# Synonyms: Origin over Offset, Rotation, ElementSize; a contradicting AnatomicalOrientation.
h, data = header_of(os.path.join(OUT, 'f32.mha'))
hh = h.replace('TransformMatrix', 'Rotation').replace('Offset = ', 'Origin = ').replace('ElementSpacing', 'ElementSize')
hh = set_field(hh, 'Offset', '1 2 3')
write('f32_synonyms.mha', hh, data)
oracle('f32_synonyms.mha')
write('f32_wrong_orientation.mha', set_field(h, 'AnatomicalOrientation', 'RAI'), data)
oracle('f32_wrong_orientation.mha')

json.dump(dict(simpleitk=sitk.Version.VersionString(), cases=cases), sys.stdout)
