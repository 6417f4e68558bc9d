"""GPU figures: decode, detect, classify and the whole `predict`, CPU against GPU, on DFDC-shaped clips; GPU memory over many videos.

    python -m bench.bench_gpu --videos DIR [--model M.pth] [--n 200] [--out gpu.json]

DIR holds DFDC-shaped clips (1920x1080, 10 s, 300 frames; `python -m bench.bench_speed` makes them with `synth`).
Without --model a model is made with random weights (EfficientNet-Lite0 at 128 px, the demo's last size): the
timings are the same as a trained model's, and the CPU/GPU agreement of its scores is still checked.

1. which GPU decoders work here (decord built with CUDA, PyNvVideoCodec's NVDEC, torchcodec) and whether NVDEC's
   frames equal the CPU decoder's (mean and 99th percentile absolute difference, grey levels);
2. s/video for decode, detect (MTCNN fp32 on the CPU, fp32 and fp16 on the GPU, boxes compared) and classify
   (fp32 on the CPU, fp16 on the GPU, P(fake) compared), 32 frames a video;
3. the whole `predict`, a process of its own each, start-up included: --n videos on the GPU (the clips repeated
   under other names) and a few on the CPU; GPU memory (NVML: all of the device, NVDEC's surfaces included; and
   torch's allocator) sampled while it runs, by videos done: a leak shows as growth from the first tenth to the end.

Prints markdown tables as it goes and writes everything to --out (JSON), stage by stage.
"""
import argparse, json, os, subprocess, sys, tempfile, time, warnings
from pathlib import Path
import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
RESULTS = {}

def save(out, key, value):
    RESULTS[key] = value
    Path(out).write_text(json.dumps(RESULTS, indent=1, default=str))

def table(rows, title):
    import pandas as pd
    print(f"\n### {title}\n\n" + pd.DataFrame(rows).round(4).to_markdown(index=False), flush=True)

def sync():
    if torch.cuda.is_available(): torch.cuda.synchronize()

def per_video(f, items, reps=1):
    "Seconds per item of `f` over `items` (after one warm-up call)."
    f(items[0]); sync()
    t0 = time.perf_counter()
    for _ in range(reps):
        for it in items: f(it)
    sync()
    return (time.perf_counter() - t0) / (reps * len(items))

def environment(path):
    r = dict(torch=torch.__version__, cuda=torch.version.cuda, gpu=torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
             cpus=os.cpu_count(), python=sys.version.split()[0])
    try: r['nvidia_smi'] = subprocess.run(['nvidia-smi', '-L'], capture_output=True, text=True, timeout=30).stdout.strip()
    except Exception as e: r['nvidia_smi'] = repr(e)
    import ctypes
    try: ctypes.CDLL('libnvcuvid.so.1'); r['libnvcuvid'] = 'loads'
    except OSError as e: r['libnvcuvid'] = str(e)[:200]
    # in a process of its own: decord's FFmpeg and PyNvVideoCodec's crash one process together
    code = "import decord\ntry: decord.ndarray.empty((1,), ctx=decord.gpu(0)); print(decord.__version__, 'gpu ok')\nexcept Exception as e: print(decord.__version__, str(e).splitlines()[0][:200])"
    r['decord'] = subprocess.run([sys.executable, '-c', code], capture_output=True, text=True, timeout=60).stdout.strip()
    try:
        import PyNvVideoCodec as nvc
        r['pynvvideocodec'] = getattr(nvc, '__version__', '?')
    except Exception as e: r['pynvvideocodec'] = repr(e)[:200]
    try:
        from torchcodec.decoders import VideoDecoder
        d = VideoDecoder(str(path), device='cuda'); d.get_frames_at([0]); r['torchcodec_cuda'] = 'ok'
    except Exception as e: r['torchcodec_cuda'] = repr(e).splitlines()[0][:200]
    return r

def decode_stage(paths, reps):
    from deepfake_detect.video import VideoError
    from deepfake_detect.decoders import read_frames, to_host
    ref = read_frames(paths[0], n=32, device='cpu', decoders=('pyav',)).data
    rows = []
    for name, device in (('pyav', 'cpu'), ('nvdec', 'cuda:0')):   # decord's FFmpeg and PyNvVideoCodec's crash one process together: decord is timed in bench_speed.py
        row = dict(decoder=name, asked=device)
        try:
            with warnings.catch_warnings(): 
                warnings.simplefilter('ignore')
                fr = read_frames(paths[0], n=32, device=device, decoders=(name,), keep_on_gpu=True)
                row.update(served=fr.decoder, on=str(getattr(fr.data, 'device', 'host')),
                           s_video=per_video(lambda p: read_frames(p, n=32, device=device, decoders=(name,), keep_on_gpu=True), paths, reps))
            d = np.abs(to_host(fr.data).astype(int) - ref.astype(int))
            row.update(mean_abs_diff=float(d.mean()), p99_abs_diff=float(np.percentile(d, 99)), same_idxs=bool(len(fr) == len(ref)))
        except (VideoError, Exception) as e: row['error'] = f"{e.__class__.__name__}: {str(e)[:300]}"
        rows.append(row); print(json.dumps(row), flush=True)
    return rows

def _match_iou(a, b):
    from deepfake_detect.faces import iou
    ious = [max([iou(f.box, g.box) for g in gs] or [0]) for fs, gs in zip(a, b) for f in fs]
    return float(np.mean(ious)) if ious else float('nan')

def detect_stage(paths, reps):
    from deepfake_detect.decoders import read_frames
    from deepfake_detect.faces import Detector
    frames = [read_frames(p, n=32, device='cpu', decoders=('pyav',)) for p in paths]
    on_gpu = [torch.from_numpy(f.data).cuda() for f in frames] if torch.cuda.is_available() else []
    base = Detector(device='cpu')
    ref = [base.detect(f.data, f.idxs) for f in frames]
    rows = [dict(detector='MTCNN fp32, CPU', s_video=per_video(lambda f: base.detect(f.data, f.idxs), frames, reps),
                 faces_per_frame=float(np.mean([len(x) for r in ref for x in r])), mean_iou_vs_cpu=1.0)]
    if torch.cuda.is_available():
        for label, det, inputs in (('MTCNN fp32, GPU, frames from host', Detector(device='cuda:0', fp16=False), [f.data for f in frames]),
                                   ('MTCNN fp16, GPU, frames from host', Detector(device='cuda:0'), [f.data for f in frames]),
                                   ('MTCNN fp16, GPU, frames on the GPU', Detector(device='cuda:0'), on_gpu)):
            got = [det.detect(x, f.idxs) for x, f in zip(inputs, frames)]
            rows.append(dict(detector=label, s_video=per_video(lambda x: det.detect(x), inputs, reps),
                             faces_per_frame=float(np.mean([len(x) for r in got for x in r])),
                             mean_iou_vs_cpu=float(np.mean([_match_iou(g, r) for g, r in zip(got, ref)])),
                             peak_gpu_mb=torch.cuda.max_memory_allocated() / 2**20))
            print(json.dumps(rows[-1]), flush=True)
    return rows, frames, ref

def classify_stage(model, frames, ref, reps):
    from deepfake_detect.crops import cut_faces, CropOptions
    from deepfake_detect.faces import link_tracks
    from deepfake_detect.inference import Classifier
    crops = [[c for *_, c in cut_faces(f, link_tracks(r), CropOptions())] for f, r in zip(frames, ref)]
    crops = [c for c in crops if c]
    cpu = Classifier(model, device='cpu')
    p_cpu = [cpu(c, tta=2) for c in crops]
    rows = [dict(classifier='fp32, CPU', crops_per_video=float(np.mean([len(c) for c in crops])), s_video=per_video(lambda c: cpu(c, tta=2), crops, reps),
                 max_abs_diff_p_vs_cpu=0.0)]
    if torch.cuda.is_available():
        gpu = Classifier(model, device='cuda:0')
        p_gpu = [gpu(c, tta=2) for c in crops]
        rows.append(dict(classifier='fp16, GPU', crops_per_video=rows[0]['crops_per_video'], s_video=per_video(lambda c: gpu(c, tta=2), crops, reps),
                         max_abs_diff_p_vs_cpu=float(max(np.abs(a - b).max() for a, b in zip(p_cpu, p_gpu)))))
    return rows

def make_model(folder):
    "A Lite0 model at 128 px with random weights, exported as training exports one (timings only)."
    from deepfake_detect.model import create_model, model_config
    from deepfake_detect.saving import export_model
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        torch.manual_seed(0)
        m = create_model('efficientnet_lite0', weights=None)
    cfg = dict(model_config('efficientnet_lite0'), size=128, note='random weights: for timings only')
    return export_model(m, cfg, Path(folder)/'random')['pth']

def linked(paths, n, folder):
    "`n` names in `folder` for the clips `paths`, repeated: no name is seen twice, so nothing is cached or reused."
    folder.mkdir(parents=True, exist_ok=True)
    for i in range(n):
        dst = folder/f'v{i:04d}.mp4'
        if not dst.exists(): os.symlink(Path(paths[i % len(paths)]).resolve(), dst)
    return folder

CHILD = """
import json, os, sys, threading, time
from pathlib import Path
folder, model, device, workers, work, decoders = sys.argv[1:7]
samples, done = [], threading.Event()
def sample():
    import torch
    try:
        import pynvml; pynvml.nvmlInit(); h = pynvml.nvmlDeviceGetHandleByIndex(0)
        used = lambda: pynvml.nvmlDeviceGetMemoryInfo(h).used / 2**20
    except Exception: used = lambda: None
    import psutil
    while not done.is_set():
        n = len(list(Path(work, 'cache').glob('*.npz'))) if Path(work, 'cache').exists() else 0
        samples.append(dict(t=round(time.time() - t0, 2), videos=n, nvml_used_mb=used(), rss_mb=psutil.Process().memory_info().rss / 2**20,
                            torch_alloc_mb=torch.cuda.memory_allocated() / 2**20 if torch.cuda.is_available() else 0,
                            torch_reserved_mb=torch.cuda.memory_reserved() / 2**20 if torch.cuda.is_available() else 0))
        Path(work, 'samples.json').write_text(json.dumps(samples))   # read back if this run is stopped at its time limit
        done.wait(0.5)
t0 = time.time()
Path(work).mkdir(parents=True, exist_ok=True)
from deepfake_detect.inference import predict
threading.Thread(target=sample, daemon=True).start()
log = predict(folder, [model], out=Path(work, 'sub.csv'), device=device, workers=int(workers), decoders=decoders, frames=32, tta=2, cache=Path(work, 'cache'), progress=False)
done.set()
print(json.dumps(dict(status=log.status.value_counts().to_dict(), decoders=log.decoder.value_counts().to_dict(), faces=float(log.faces.mean()),
                      samples=samples, seconds=time.time() - t0)))
"""

def predict_stage(paths, model, n, device, workers, work, decoders='auto', limit=300):
    folder = linked(paths, n, Path(work)/f'videos_{n}')
    out = Path(work)/f'predict_{device.replace(":", "")}_{n}_{workers}_{decoders.replace(",", "-")}'
    t0 = time.perf_counter()
    try:
        r = subprocess.run([sys.executable, '-c', CHILD, str(folder), str(model), device, str(workers), str(out), decoders], capture_output=True, text=True,
                           env=dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get('PYTHONPATH', '')])), timeout=limit)
    except subprocess.TimeoutExpired:   # stopped at its limit: the videos done by then give the rate
        s = json.loads((out/'samples.json').read_text()) if (out/'samples.json').exists() else []
        done = s[-1]['videos'] if s else 0
        return dict(device=device, decoders_asked=decoders, videos=done, workers=workers, s_video=limit / done if done else None,
                    error=f'stopped after {limit} s with {done} of {n} videos done', samples=s[::max(1, len(s) // 40)])
    dt = time.perf_counter() - t0
    if r.returncode: return dict(device=device, videos=n, decoders_asked=decoders, error=r.stderr[-2000:])
    res = json.loads(r.stdout.strip().splitlines()[-1])
    row = dict(device=device, decoders_asked=decoders, videos=n, workers=workers, s_video=dt / n, wall_s=dt, status=res['status'], decoders=res['decoders'], faces=res['faces'])
    s = [x for x in res['samples'] if x['videos'] > 0]
    row['rss_mb_at_end'] = s[-1]['rss_mb'] if s else None
    s = [x for x in s if x['nvml_used_mb'] is not None]
    if s:
        first = next((x for x in s if x['videos'] >= n // 10), s[0])
        row.update(nvml_mb_at_10pct=first['nvml_used_mb'], nvml_mb_at_end=s[-1]['nvml_used_mb'], nvml_peak_mb=max(x['nvml_used_mb'] for x in s),
                   torch_peak_reserved_mb=max(x['torch_reserved_mb'] for x in s), rss_mb_at_10pct=first['rss_mb'],
                   samples=[dict(videos=x['videos'], nvml_used_mb=x['nvml_used_mb'], rss_mb=round(x['rss_mb'])) for x in s[::max(1, len(s) // 40)]])
    return row

def main(a):
    warnings.filterwarnings('ignore', category=FutureWarning)
    every = sorted(Path(a.videos).glob('*.mp4')); paths = every[:a.clips]
    if not paths: raise SystemExit(f"{a.videos}: no .mp4 clips (make DFDC-shaped ones with bench/bench_speed.py)")
    work = Path(a.work or tempfile.mkdtemp(prefix='bench_gpu_'))
    model = a.model or make_model(work)
    save(a.out, 'environment', environment(paths[0])); print(json.dumps(RESULTS['environment'], indent=1), flush=True)
    for stage in a.stages.split(','):
        if stage == 'decode':
            rows = decode_stage(paths, a.reps); save(a.out, 'decode', rows); table(rows, f'Decode, 32 frames of a 1920x1080 10 s clip ({len(paths)} clips x {a.reps})')
        elif stage == 'detect':
            rows, frames, ref = detect_stage(paths, a.reps); save(a.out, 'detect', rows); table(rows, 'Detect, 32 frames a video')
            rows = classify_stage(model, frames, ref, a.reps); save(a.out, 'classify', rows); table(rows, 'Classify, every face crop of a video, 2 TTA views')
        elif stage == 'predict':
            rows = []
            if torch.cuda.is_available():
                for w in a.workers:
                    rows.append(predict_stage(every, model, a.n, 'cuda:0', w, work)); save(a.out, 'predict', rows)
                    print(json.dumps({k: v for k, v in rows[-1].items() if k != 'samples'}), flush=True)
                if a.n_cpu_decode:   # detection and classification on the GPU, frames decoded by CPU processes
                    rows.append(predict_stage(every, model, a.n_cpu_decode, 'cuda:0', a.cpu_workers, work, 'decord,pyav', limit=150)); save(a.out, 'predict', rows)
                    print(json.dumps({k: v for k, v in rows[-1].items() if k != 'samples'}), flush=True)
            if a.n_cpu: rows.append(predict_stage(every, model, a.n_cpu, 'cpu', a.cpu_workers, work, limit=150)); save(a.out, 'predict', rows)
            table([{k: v for k, v in r.items() if k != 'samples'} for r in rows], 'predict end to end (a process each, start-up included)')
    print(f"\nwrote {a.out}", flush=True)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--videos', required=True, help='a folder of DFDC-shaped clips')
    ap.add_argument('--model', default=None, help='a model (.pth with its .json); default: random weights, for timings')
    ap.add_argument('--clips', type=int, default=4, help='clips timed in the decode/detect/classify stages')
    ap.add_argument('--reps', type=int, default=1)
    ap.add_argument('--n', type=int, default=200, help='videos predicted on the GPU (the clips repeated under other names)')
    ap.add_argument('--workers', type=int, nargs='+', default=[4], help='decoding threads of the GPU predict runs (one run each)')
    ap.add_argument('--n-cpu', type=int, default=8, help='videos predicted on the CPU')
    ap.add_argument('--cpu-workers', type=int, default=4, help='decoding processes of the runs that decode on the CPU')
    ap.add_argument('--n-cpu-decode', type=int, default=40, help='videos predicted on the GPU with frames decoded on the CPU (0: none)')
    ap.add_argument('--stages', default='decode,predict,detect')
    ap.add_argument('--work', default=None)
    ap.add_argument('--out', default='gpu.json')
    main(ap.parse_args())
