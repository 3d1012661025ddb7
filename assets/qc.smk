# rasview QC under Snakemake: one `rasview qc` job per entry (a volume, or a
# base/overlay pair), then one `rasview qc --collect` job that joins their
# reports into one page. Snakemake schedules the jobs: on this machine with
# --cores, on a cluster through an executor plugin (README: "QC of a dataset").
#
#   snakemake -s assets/qc.smk --cores 2 \
#       --config inputs="sub-01/T1w.nii.gz sub-02/T1w.nii.gz" pairs=pairs.tsv out=qc
#
# config (--config key=value, or a YAML --configfile):
#   inputs   volumes: a space-separated string or a YAML list (optional)
#   pairs    a PAIRS.tsv, BASE<TAB>OVERLAY a line, paths relative to it (optional)
#   out      the report's folder (default: qc); each entry's own report is
#            written under OUT/parts/NAME, the joined one at OUT/index.html
#   rasview  the rasview program (default: rasview, from PATH)
#   qc_args  more options for every entry, e.g. "--slices 8 --sigma-mm 1.5"
#   mem_mb   memory asked of the scheduler per entry (default: 4000)
#
# Entries run with --exit-zero so that a failed or misaligned entry is
# recorded in the report rather than failing the workflow (Snakemake would
# delete its outputs). The verdicts are in OUT/qc.json; for rasview's exit
# code (1 failed, 3 not aligned) run `rasview qc --collect OUT/parts/* --out OUT`.

import hashlib
import os
import shlex

OUT = config.get("out", "qc")
RASVIEW = config.get("rasview", "rasview")
QC_ARGS = config.get("qc_args", "")
MEM_MB = int(config.get("mem_mb", 4000))


def as_list(value):
    if isinstance(value, str):
        return value.split()
    return list(value or [])


def entry_name(*paths):
    """A readable, unique wildcard value: the last file's stem and a hash of all paths."""
    stem = os.path.basename(os.path.normpath(paths[-1]))
    for suffix in (".nii.gz", ".nii", ".nrrd", ".nhdr", ".mha", ".mhd", ".hdr", ".img", ".gz"):
        if stem.lower().endswith(suffix):
            stem = stem[: -len(suffix)]
            break
    stem = "".join(c if c.isalnum() or c in "-_." else "_" for c in stem)
    digest = hashlib.sha256("\0".join(os.path.abspath(p) for p in paths).encode()).hexdigest()
    return f"{stem}-{digest[:8]}"


def read_pairs(tsv):
    folder = os.path.dirname(tsv)
    with open(tsv) as f:
        for n, line in enumerate(f):
            line = line.rstrip("\r\n")
            if not line.strip() or line.startswith("#"):
                continue
            fields = [x.strip() for x in line.split("\t")]
            if n == 0 and len(fields) == 2 and fields[0].lower() == "base":
                continue
            if len(fields) != 2:
                raise ValueError(f"{tsv} line {n + 1}: expected BASE<TAB>OVERLAY, found {len(fields)} fields")
            yield os.path.join(folder, fields[0]), os.path.join(folder, fields[1])


# name -> (files the entry reads, its arguments to rasview qc)
ENTRIES = {}
for path in as_list(config.get("inputs")):
    ENTRIES[entry_name(path)] = ([path], shlex.quote(path))
if config.get("pairs"):
    for base, overlay in read_pairs(config["pairs"]):
        ENTRIES[entry_name(base, overlay)] = (
            [base, overlay],
            f"--pair {shlex.quote(base)} {shlex.quote(overlay)}",
        )
if not ENTRIES:
    raise ValueError("nothing to check: give --config inputs=... and/or pairs=PAIRS.tsv")


wildcard_constraints:
    name="[^/]+",


rule all:
    input:
        f"{OUT}/index.html",


rule entry:
    input:
        lambda w: ENTRIES[w.name][0],
    output:
        f"{OUT}/parts/{{name}}/qc.json",
    params:
        args=lambda w: ENTRIES[w.name][1],
        folder=lambda w: shlex.quote(f"{OUT}/parts/{w.name}"),
    resources:
        mem_mb=MEM_MB,
    threads: 1
    shell:
        "{RASVIEW} qc {params.args} --out {params.folder} --jobs 1 --exit-zero {QC_ARGS}"


rule collect:
    input:
        expand(f"{OUT}/parts/{{name}}/qc.json", name=sorted(ENTRIES)),
    output:
        f"{OUT}/index.html",
        f"{OUT}/qc.json",
    params:
        parts=" ".join(shlex.quote(f"{OUT}/parts/{n}") for n in sorted(ENTRIES)),
        out=shlex.quote(OUT),
    shell:
        "{RASVIEW} qc --collect {params.parts} --out {params.out} --exit-zero"
