"""Benchmark of decoding, face detection and extraction on DFDC-shaped videos (1920x1080, 10 s, 300 frames).

    python -m bench.bench_extract [--data /tmp/dfdc_bench] [--videos 6] [--frames 32]

Makes the videos with the sample generator once (kept in --data), then prints markdown tables:
decode frames/s for `--frames` sampled frames (decord vs PyAV vs OpenCV, same videos), detection frames/s (batched vs
frame by frame, per scale), and whole extraction seconds/video and peak memory (in a subprocess, as a user runs it).
"""
import argparse, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
import pandas as pd
from bench.common import make_videos, tree_rss

def bench_decode(paths, n):
    from deepfake_detect.video import probe
    from deepfake_detect.decoders import read_frames
    rows = []
    for dec in ('decord', 'pyav', 'opencv'):
        secs = []
        for p in paths:
            t0 = time.time(); f = read_frames(p, n=n, decoders=[dec], device='cpu'); secs.append(time.time() - t0)
        rows.append(dict(decoder=dec, frames=len(f), **{'s/video': np.mean(secs), 'frames/s': n / np.mean(secs)}))
    i = probe(paths[0])
    print(f"### Decode: {n} frames sampled uniformly from {i.width}x{i.height}, {i.frames} frames, {len(paths)} videos, 1 process\n")
    print(pd.DataFrame(rows).round(2).to_markdown(index=False), '\n')

def bench_detect(paths, n):
    from deepfake_detect.decoders import read_frames
    from deepfake_detect.faces import Detector, detect_scale
    det = Detector(device='cpu')
    frames = [read_frames(p, n=n).data for p in paths[:3]]
    auto = detect_scale((frames[0].shape[2], frames[0].shape[1]))
    rows = []
    for scale in sorted({auto, 0.5, 1.0}):
        t0 = time.time(); faces = [det.detect(f, scale=scale) for f in frames]; dt = time.time() - t0
        found = np.mean([np.mean([len(x) > 0 for x in fs]) for fs in faces])
        rows.append(dict(mode='batched', scale=round(scale, 2), **{'frames/s': n * len(frames) / dt, 'frames with a face': found}))
    t0 = time.time(); faces = [[det.detect(f[i:i + 1], scale=auto)[0] for i in range(len(f))] for f in frames]; dt = time.time() - t0
    rows.append(dict(mode='frame by frame', scale=round(auto, 2), **{'frames/s': n * len(frames) / dt,
                'frames with a face': np.mean([np.mean([len(x) > 0 for x in fs]) for fs in faces])}))
    print(f"### Detect: MTCNN on CPU, {n} frames x {len(frames)} videos (auto scale for 1920 px: {auto:.2f})\n")
    print(pd.DataFrame(rows).round(2).to_markdown(index=False), '\n')

def bench_extract(data, n, reuse):
    out = Path(tempfile.mkdtemp())/'crops'
    exe = Path(sys.executable).parent/'deepfake-detect'
    cmd = [str(exe), 'extract', str(data/'train_sample_videos'), str(out), '--frames', str(n), '--workers', '1'] + ([] if reuse else ['--no-reuse'])
    t0 = time.time()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    peak = 0
    while proc.poll() is None:
        peak = max(peak, tree_rss(proc.pid)); time.sleep(0.1)
    if proc.returncode: raise SystemExit(proc.stderr.read().decode())
    dt = time.time() - t0
    st = pd.read_csv(out/'status.csv')
    return dict(reuse_original_boxes=reuse, videos=len(st), ok=int((st.status == 'ok').sum()),
                **{'s/video (wall, incl. start-up)': dt / len(st), 's/video (work)': st.seconds.mean(), 'peak RSS MB (job: main + decoders)': peak})

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--data', default='/tmp/dfdc_bench'); ap.add_argument('--videos', type=int, default=6); ap.add_argument('--frames', type=int, default=32)
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    import torch; print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU cores: {os.cpu_count()}, CUDA: {torch.cuda.is_available()}\n")
    paths = make_videos(Path(a.data), a.videos)
    bench_decode(paths, a.frames)
    bench_detect(paths, a.frames)
    rows = [bench_extract(Path(a.data), a.frames, reuse) for reuse in (True, False)]
    print(f"### Extraction: `deepfake-detect extract`, {a.frames} frames per video, decode in 1 worker process overlapping detection\n")
    print(pd.DataFrame(rows).round(2).to_markdown(index=False))
