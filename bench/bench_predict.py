"""Benchmark of end-to-end inference on DFDC-shaped videos (1920x1080, 10 s, 300 frames): seconds per video by stage.

    python -m bench.bench_predict --model models/x.pth [--data /tmp/dfdc_bench] [--videos 12] [--frames 32] [--tta 2]

Uses the videos bench_extract.py makes (made here if missing). Prints a markdown table of the stages measured one by
one in this process (decode, detect, cut + JPEG, classify with TTA), then the whole `deepfake-detect predict` run as a
user runs it (decoding overlapped with the rest in a worker process), its seconds per video and peak memory.
"""
import argparse, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path
import pandas as pd
from bench.common import make_videos, tree_rss

def by_stage(paths, model, n, tta):
    from deepfake_detect.decoders import read_frames
    from deepfake_detect.faces import Detector, detect_tracks
    from deepfake_detect.crops import cut_faces, jpeg_bytes, CropOptions, QUALITY
    from deepfake_detect.inference import Classifier, _unjpeg
    from deepfake_detect.model import dtype_name
    det, clf, rows = Detector(), Classifier(model), []
    for p in paths:
        t0 = time.time(); fr = read_frames(p, n); t1 = time.time()
        tracks = detect_tracks(det, fr.data, fr.idxs); t2 = time.time()
        crops = [_unjpeg(jpeg_bytes(c, QUALITY)) for _, _, _, c in cut_faces(fr, tracks, CropOptions())]; t3 = time.time()
        clf(crops, tta); t4 = time.time()
        rows.append(dict(decode=t1 - t0, detect=t2 - t1, cut=t3 - t2, classify=t4 - t3, crops=len(crops)))
    df = pd.DataFrame(rows)
    t = df.mean().to_frame('s/video').T.assign(total=lambda d: d[['decode', 'detect', 'cut', 'classify']].sum(1))
    print(f"### Inference by stage: {n} frames, {tta} TTA views, model input {clf.size} px, classified in {dtype_name(clf.dtype)}, {len(paths)} videos, one process, CPU\n")
    print(t.round(3).to_markdown(index=False), '\n')

def end_to_end(data, model, n, tta):
    out = Path(tempfile.mkdtemp())/'submission.csv'
    exe = Path(sys.executable).parent/'deepfake-detect'
    cmd = [str(exe), 'predict', str(data/'train_sample_videos'), '--model', str(model), '--out', str(out), '--frames', str(n), '--tta', str(tta)]
    t0 = time.time(); proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE); peak = 0
    while proc.poll() is None: peak = max(peak, tree_rss(proc.pid)); time.sleep(0.1)
    if proc.returncode: raise SystemExit(proc.stderr.read().decode())
    dt = time.time() - t0
    log = pd.read_csv(out.with_name('submission_videos.csv'))
    print(f"### `deepfake-detect predict`: {n} frames, {tta} TTA views, decoding overlapped in 1 worker process\n")
    print(pd.DataFrame([dict(videos=len(log), ok=int((log.status == 'ok').sum()), **{'s/video (wall, incl. start-up)': dt / len(log),
          's/video (per-video work)': log.seconds.mean(), 'peak RSS MB': peak})]).round(2).to_markdown(index=False))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True); ap.add_argument('--data', default='/tmp/dfdc_bench')
    ap.add_argument('--videos', type=int, default=12); ap.add_argument('--frames', type=int, default=32); ap.add_argument('--tta', type=int, default=2)
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    import torch; print(f"torch {torch.__version__}, {torch.get_num_threads()} threads, CPU cores: {os.cpu_count()}, CUDA: {torch.cuda.is_available()}\n")
    paths = make_videos(Path(a.data), a.videos)
    by_stage(paths, a.model, a.frames, a.tta)
    end_to_end(Path(a.data), a.model, a.frames, a.tta)
