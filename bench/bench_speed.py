"""Extraction against the DFDC 1st-place extractor, and predict end to end, in one run on the same DFDC-shaped clips.

    python -m bench.bench_speed --kernel-utils /path/to/dfdc_deepfake_challenge/kernel_utils.py [--videos 9] [--model M.pth]
        [--repeats 3] [--precisions auto,fp32]

The 1st-place team's `kernel_utils.py` (selimsef/dfdc_deepfake_challenge, MIT) is the user's copy: it is loaded from
the path given, never committed here. Its `VideoReader.read_frames` (OpenCV, 32 frames spread over the clip) feeds its
`FaceExtractor` (facenet-pytorch MTCNN on frames at half size), run on the CPU as it would run without a GPU; its
extractor is timed as a whole process, like `deepfake-detect extract`, on the same clips (1920x1080, 10 s, 300 frames,
made by `synth`, with no metadata, so no fake reuses its original's boxes). Prints seconds per video for each and the
ratio; then `deepfake-detect predict` end to end (whole process, start-up included) in seconds per video, at each
`--precision` asked for (in turns with the rest, so the figures of one run compare).
"""
import argparse, json, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import numpy as np
import pandas as pd
from bench.common import make_videos

ROOT = Path(__file__).resolve().parents[1]
EXE = Path(sys.executable).parent/'deepfake-detect'

FIRST = """
import sys, time, json, types, numpy as np
np.int = int                                                  # removed from numpy since; the kernel still uses it
try: import albumentations.augmentations.functional
except ImportError:                                           # only its image_compression is imported, and extraction never calls it
    m = types.ModuleType('albumentations'); m.augmentations = types.ModuleType('a'); m.augmentations.functional = types.ModuleType('f')
    m.augmentations.functional.image_compression = None
    sys.modules.update({{'albumentations': m, 'albumentations.augmentations': m.augmentations, 'albumentations.augmentations.functional': m.augmentations.functional}})
import facenet_pytorch.models.mtcnn as fm
_init = fm.MTCNN.__init__
def _cpu(self, *a, **k): k['device'] = 'cpu'; _init(self, *a, **k)   # the kernel asks for cuda; this machine has none
fm.MTCNN.__init__ = _cpu
sys.path.insert(0, {dir!r})
from kernel_utils import VideoReader, FaceExtractor
reader = VideoReader(verbose=False)
ex = FaceExtractor(lambda p: reader.read_frames(p, num_frames=32))
names = {names!r}
faces = 0
for i in range(len(names)):
    faces += sum(len(r['faces']) for r in ex.process_videos({folder!r}, names, [i]))
print(json.dumps(dict(faces=faces)))
"""

def timed(cmd, **kw):
    t0 = time.time(); r = subprocess.run(cmd, capture_output=True, text=True, **kw); dt = time.time() - t0
    if r.returncode: raise SystemExit(f"{cmd[:3]} failed:\n{r.stderr[-3000:]}")
    return dt, r

def main(kernel_utils, n, model, data, frames, repeats=1, precisions=('auto',)):
    paths = make_videos(Path(data), n, plain=True)   # a plain folder: no metadata, so nothing is reused
    root = Path(tempfile.mkdtemp(prefix='bench_speed_'))   # every run's crops and submission; removed at the end, whatever happens
    try: measure(root, kernel_utils, paths, model, frames, repeats, precisions)
    finally: shutil.rmtree(root, ignore_errors=True)

def measure(root, kernel_utils, paths, model, frames, repeats, precisions=('auto',)):
    n = len(paths)
    folder = root/'videos'; folder.mkdir()   # exactly these n clips, for both tools (the data folder may hold more)
    for p in paths: (folder/p.name).symlink_to(p.resolve())
    code = FIRST.format(dir=str(Path(kernel_utils).resolve().parent), names=[p.name for p in paths], folder=str(folder))
    t_first, t_ours, t_pred = [], [], {p: [] for p in precisions}
    for i in range(repeats):   # taken in turns, so a busy moment of the machine falls on both; the median of each is reported
        dt, r1 = timed([sys.executable, '-c', code]); t_first.append(dt)
        out = root/f'run{i}'; out.mkdir()
        dt, r2 = timed([str(EXE), 'extract', str(folder), str(out/'crops'), '--frames', '32']); t_ours.append(dt)
        for p in precisions if model else ():
            dt, r3 = timed([str(EXE), 'predict', str(folder), '--model', str(model), '--out', str(out/f'sub_{p}.csv'), '--precision', p] + (['--frames', str(frames)] if frames else [])); t_pred[p].append(dt)
    st = pd.read_csv(out/'crops'/'status.csv')
    f, o = float(np.median(t_first)), float(np.median(t_ours))
    runs = lambda ts: ', '.join(f'{t / n:.2f}' for t in ts)
    rows = [dict(extractor='1st place (kernel_utils VideoReader + FaceExtractor, CPU)', videos=n, faces=json.loads(r1.stdout.strip().splitlines()[-1])['faces'],
                 **{'s/video': f / n, 'runs': runs(t_first)}),
            dict(extractor='deepfake-detect extract', videos=n, faces=int(st.faces.sum()), **{'s/video': o / n, 'runs': runs(t_ours)})]
    print(f"### Extraction, whole processes, {n} DFDC-shaped clips (1920x1080, 10 s, 300 frames), 32 frames each, median of {repeats}\n")
    print(pd.DataFrame(rows).round(2).to_markdown(index=False))
    pairs = [a / b for a, b in zip(t_first, t_ours)]   # each run of ours against the 1st place's run just before it
    print(f"\ndeepfake-detect extract is {f / o:.2f}x faster than the 1st-place extractor (medians; run by run: "
          f"{', '.join(f'{r:.2f}x' for r in pairs)}; {sum(r >= 2 for r in pairs)} of {len(pairs)} runs at 2x or more)\n")
    for p in precisions if model else ():
        log, run = pd.read_csv(out/f'sub_{p}_videos.csv'), json.loads((out/f'sub_{p}_run.json').read_text())
        print(f"### Predict end to end, --precision {p} ({run['dtype']}): {np.median(t_pred[p]) / n:.2f} s/video (runs {runs(t_pred[p])}; {n} videos, {run['crop']['frames']} frames, "
              f"start-up included, status {log.status.value_counts().to_dict()})")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--kernel-utils', required=True, help="the 1st-place team's kernel_utils.py (your copy)")
    ap.add_argument('--videos', type=int, default=9)
    ap.add_argument('--model', default=None, help='a model .pth for the predict timing')
    ap.add_argument('--frames', type=int, default=None, help="frames per video for predict (default: predict's own)")
    ap.add_argument('--data', default='/tmp/dfdc_speed')
    ap.add_argument('--repeats', type=int, default=1, help='runs of each, taken in turns; the median is reported')
    ap.add_argument('--precisions', default='auto', help="predict's --precision values to time, comma-separated (e.g. auto,fp32)")
    a = ap.parse_args()
    main(a.kernel_utils, a.videos, a.model, a.data, a.frames, a.repeats, tuple(a.precisions.split(',')))
