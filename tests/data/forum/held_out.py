"""A held-out run of the forum's case through the command line: other slices of the three
calibration scans and two scans the calibration never saw (niivue's FLAIR and avg152T1, 2 mm),
the same detectors as make_forum.py and the same wrong placements as tests/integration/forum.rs,
each written with `rasview import-npy --plane P --slice N --transpose no` and judged by
`rasview check --json`. Prints the verdicts per placement and every case not judged as hoped.
Nothing is stored.

    python3 held_out.py path/to/rasview        # a release build takes about 0.1 s a check
"""
import json, os, subprocess, sys, tempfile, collections
import numpy as np, SimpleITK as sitk
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import make_forum as mf
RV = sys.argv[1]
ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", ".."))
bases = {'mni': 'tests/data/niivue/MNI152_2009_template.nii.gz', 't1': 'assets/highres.nii.gz',
         'epi': 'tests/data/coreg-qa/example_func.nii.gz', 'flair': 'tests/data/niivue/FLAIR.nii.gz',
         'avg152': 'tests/data/niivue/avg152T1_RL_nifti.nii.gz'}
fractions = {'mni': [0.4, 0.65], 't1': [0.4, 0.65], 'epi': [0.4, 0.65], 'flair': [0.45, 0.6], 'avg152': [0.45, 0.6]}
tmp = tempfile.mkdtemp()
def shift(m, dr, dc):
    out = np.zeros_like(m); H, W = m.shape
    out[max(dr,0):H+min(dr,0), max(dc,0):W+min(dc,0)] = m[max(-dr,0):H+min(-dr,0), max(-dc,0):W+min(-dc,0)]
    return out
tab = collections.defaultdict(lambda: [0, 0, 0, 0])  # n, caught, inconclusive, confirmed
fails = []
for bname, rel in bases.items():
    zyx = sitk.GetArrayFromImage(sitk.ReadImage(os.path.join(ROOT, rel)))
    for plane, axis in (('axial', 0), ('coronal', 1), ('sagittal', 2)):
        for fr in fractions[bname]:
            n = int(round(fr * (zyx.shape[axis] - 1)))
            img = mf.cut(zyx, plane, n)
            for dname, _, run in mf.detectors():
                E = (np.asarray(run(img)) != 0).astype(np.uint8)
                if E.sum() == 0: continue
                cases = [('right', E, n), ('upside down', E[::-1], n), ('mirrored', E[:, ::-1], n), ('turned', E[::-1, ::-1], n)]
                if E.shape[0] == E.shape[1]: cases.append(('transposed', E.T, n))
                cases += [('slice -1', E, n - 1), ('slice +1', E, n + 1), ('rows +2', shift(E, 2, 0), n), ('cols +2', shift(E, 0, 2), n), ('rows -1', shift(E, -1, 0), n), ('cols +1', shift(E, 0, 1), n)]
                for cname, arr, sl in cases:
                    p = f'{tmp}/a.npy'; np.save(p, np.ascontiguousarray(arr)); out = f'{tmp}/a.nii.gz'
                    for f in (out, f'{tmp}/a.json'):
                        if os.path.exists(f): os.remove(f)
                    r = subprocess.run([RV, 'import-npy', p, '--like', os.path.join(ROOT, rel), '--out', out, '--plane', plane, '--slice', str(sl), '--transpose', 'no'], capture_output=True)
                    if r.returncode: continue
                    r = subprocess.run([RV, 'check', os.path.join(ROOT, rel), out, '--json'], capture_output=True, text=True)
                    j = json.loads(r.stdout); c = j.get('content')
                    if c is None: v = 'skipped'
                    elif c['fits_better_otherwise']: v = 'caught'
                    elif c['confirmed_as_stored']: v = 'confirmed'
                    else: v = 'inconclusive'
                    key = cname if cname != 'mirrored' else f'mirrored {"(LR)" if plane != "sagittal" else "(AP)"}'
                    t = tab[key]; t[0] += 1; t[{'caught': 1, 'inconclusive': 2, 'confirmed': 3, 'skipped': 2}[v]] += 1
                    good = (v == 'confirmed') if cname == 'right' else (v == 'caught')
                    if not good: fails.append(f'{bname} {plane} {n} {dname} {cname}: {v}: {j["findings"][-1]["text"][:220]}')
for k, v in sorted(tab.items()): print(f'{k:16s} cases {v[0]:4d} caught {v[1]:4d} inconclusive {v[2]:4d} confirmed {v[3]:4d}')
print(len(fails), 'not as hoped:')
for f in fails: print(' ', f)
