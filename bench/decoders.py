"""The CPU decoders side by side, and decord judged as the library it is: speed, bad input, memory over many videos.

    python -m bench.decoders --data /tmp/dfdc9 [--memory 200] [--bad]

Run it once in the project's environment (decord 0.6.0) and once in one where `pip install decord2` replaced it (same
`import decord`) to compare the two; it prints which decord it measured. Three tables:

- speed: seconds a video for 32 frames of each DFDC-shaped clip in `--data/videos` (one process, median of `--repeats`
  passes taken in turns), for decord, PyAV, `pyav_fast` and OpenCV, and whether each returned the frames PyAV did;
- `--bad`: every case of `bench/common.py` (and a clip damaged in the middle) read by decord alone in a process of its own (killed after `--timeout`
  seconds, so a hang shows as one), and by the whole `read_frames`;
- `--memory N`: the resident memory of one process that opens a new decord reader for each of N videos (the sample's
  videos, every 10th a 1080p clip), as `read_frames` does: decord 0.6 leaked with a reader kept across videos (#197).
"""
import argparse, glob, os, subprocess, sys, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]

def rss_mb() -> float: return int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE') / 2**20

def speed(paths, repeats, n=32):
    from deepfake_detect.decoders import read_frames
    decs = ('decord', 'pyav', 'pyav_fast', 'opencv')
    secs, same = {d: [] for d in decs}, {d: True for d in decs}
    for _ in range(repeats):   # in turns: a busy moment of the machine falls on every decoder
        for p in paths:
            got = {}
            for d in decs:
                t0 = time.time(); got[d] = read_frames(p, n=n, decoders=(d,), device='cpu'); secs[d].append(time.time() - t0)
            ref = got['pyav']
            for d in ('decord', 'opencv'):   # exact decoders must return PyAV's frames; pyav_fast serves nearby frames, each exactly
                f = got[d]; same[d] &= bool(np.array_equal(f.idxs, ref.idxs) and np.abs(f.data.astype(int) - ref.data).max() <= 1)
    rows = [{'decoder': d, 's/video': np.median(np.reshape(secs[d], (repeats, -1)).sum(1)) / len(paths), 'frames as PyAV': same.get(d) if d != 'pyav_fast' else 'nearby'} for d in decs]
    return pd.DataFrame(rows)

CASE = """
import sys, numpy as np, decord
vr = decord.VideoReader(sys.argv[1], ctx=decord.cpu(0), num_threads=2)
idx = np.linspace(0, len(vr) - 1, 32).round().astype(int)
a = vr.get_batch(list(idx)).asnumpy()
print(f"ok: {len(vr)} frames, {a.shape[2]}x{a.shape[1]}")
"""

def bad(timeout):
    import tempfile
    import shutil
    from bench.common import CASES, make_bad_videos, make_damaged_middle
    from deepfake_detect.decoders import read_frames
    d = Path(tempfile.mkdtemp())/'videos'
    make_bad_videos(d)
    shutil.copy(d/'good.mp4', d/'damaged_middle.mp4'); make_damaged_middle(d/'damaged_middle.mp4')
    rows = []
    for name in [*CASES, 'damaged_middle.mp4']:
        p = d/name
        try:
            r = subprocess.run([sys.executable, '-c', CASE, str(p)], capture_output=True, text=True, timeout=timeout)
            raw = r.stdout.strip().splitlines()[-1] if r.returncode == 0 else f"error (exit {r.returncode}): " + ((r.stderr.strip().splitlines() or [''])[-1].split(']')[-1].strip()[:60])
        except subprocess.TimeoutExpired: raw = f"HANG (killed after {timeout} s)"
        try: f = read_frames(p, n=8, decoders=('decord',), device='cpu'); ours = f"ok: {len(f)} frames"
        except Exception as e: ours = f"{e.__class__.__name__}"
        rows.append({'case': name, 'decord alone': raw, 'read_frames(decoders=decord)': ours})
    return pd.DataFrame(rows)

def memory(n, data):
    import decord
    vids = sorted(glob.glob(str(ROOT/'data/sample/*/*.mp4'))); big = sorted(Path(data, 'videos').glob('*.mp4'))
    seq = [big[i % len(big)] if big and i % 10 == 0 else vids[i % len(vids)] for i in range(n)]
    marks = []
    for i, p in enumerate(seq):
        vr = decord.VideoReader(str(p), ctx=decord.cpu(0), num_threads=2)
        a = vr.get_batch(list(np.linspace(0, len(vr) - 1, 32).round().astype(int))).asnumpy(); del vr, a
        if i + 1 in (1, 10) or (i + 1) % 50 == 0: marks.append((i + 1, round(rss_mb())))
    return marks

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='/tmp/dfdc_speed', help='a folder with videos/: DFDC-shaped clips (bench_speed.py makes them)')
    ap.add_argument('--repeats', type=int, default=2); ap.add_argument('--memory', type=int, default=0)
    ap.add_argument('--bad', action='store_true'); ap.add_argument('--timeout', type=float, default=60)
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    before = rss_mb()
    import decord
    print(f"decord {decord.__version__} ({Path(decord.__file__).parent}); importing it took the process from {before:.0f} to {rss_mb():.0f} MB\n")
    paths = sorted(Path(a.data, 'videos').glob('*.mp4'))
    if paths:
        print(f"### Speed: 32 frames of each of {len(paths)} clips in {a.data}/videos, one process, median of {a.repeats}\n")
        print(speed(paths, a.repeats).round(3).to_markdown(index=False), '\n')
    if a.bad:
        print("### Bad input: the cases of bench/common.py\n")
        print(bad(a.timeout).to_markdown(index=False), '\n')
    if a.memory:
        print("### Memory: resident MB of one process after reading N videos with a new decord reader each\n")
        print(' | '.join(f'{k}: {v}' for k, v in memory(a.memory, a.data)))
