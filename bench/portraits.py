"""A scratch faces folder for `synth` with many more people: the repository's data/faces plus a folder of portraits, one
person a file, numbered so that `synth` (its `identity_of`) reads each file as a person of its own.

    python -m bench.portraits PORTRAITS --out /tmp/xfaces --exclude O000167
    python -c "from deepfake_detect.synth import make_dataset; make_dataset('/tmp/xsample', videos=930, test=82, faces='/tmp/xfaces', footage_frac=0.145, workers=2)"
    python -m bench.generalization --exp identities --sample /tmp/xsample --work /tmp/generalization_ids --seeds 42,43,44,45

Measured with PORTRAITS = the `images/` folder of github.com/Hainish/congress-images-225x275 (commit 20531e9): 878
official portraits of members of the US Congress at 225x275 px, thumbnails of github.com/unitedstates/images, public
domain (Government Publishing Office). `--exclude` names files to leave out by their stem: O000167 is Barack Obama,
who speaks in the held-out set's White House addresses. Nothing of it is shipped: the sample it makes is larger than
data/sample may be (bench/logs/generalization.md, "More people in the photos").
"""
import argparse, shutil
from pathlib import Path
from deepfake_detect.synth import find_photos

ROOT = Path(__file__).resolve().parents[1]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('portraits', help='a folder of face photos, one person a file')
    ap.add_argument('--out', required=True, help='the faces folder to make (must not exist)')
    ap.add_argument('--family', default='congress', help='the subfolder the portraits go to')
    ap.add_argument('--exclude', default='', help='comma-separated file stems to leave out')
    a = ap.parse_args()
    out, skip = Path(a.out), set(filter(None, a.exclude.split(',')))
    if out.exists(): raise SystemExit(f"{out}: exists; give a new folder")
    photos = [p for p in find_photos(a.portraits) if p.stem not in skip]   # synth's own listing of a photo folder
    shutil.copytree(ROOT/'data'/'faces', out)
    (out/a.family).mkdir()
    for k, p in enumerate(photos, 1): shutil.copy(p, out/a.family/f'{k:04d}_{p.stem}{p.suffix.lower()}')   # the leading number is the person (synth.identity_of)
    print(f"{out}: data/faces and {len(photos)} portraits in {a.family}/ ({len(skip)} left out)")
