"""Local engine vs Ray engine (2 workers on this machine) for `extract` and `predict`, run as a user runs them.

    python -m bench.bench_cluster --model M.pth [--sample data/sample] [--dfdc /tmp/dfdc_bench] [--frames 32]

For each data set and stage, runs `deepfake-detect extract|predict ... --engine local` and `--engine ray` (which starts
a local Ray instance with this machine's CPUs: one worker per CPU) in a subprocess, and prints a markdown table: videos,
wall seconds (including start-up), videos/s, peak memory of the whole process tree (driver, decoders, Ray and its
workers). A 1-video run of each engine measures the fixed start-up cost. The DFDC-shaped clips are the ones
bench/bench_extract.py makes (1920x1080, 10 s, 300 frames).
"""
import argparse, os, shutil, subprocess, sys, tempfile, time
from pathlib import Path
import pandas as pd
from bench.common import tree_rss

EXE = Path(sys.executable).parent/'deepfake-detect'

def run(cmd):
    "Wall seconds and peak RSS (MB) of `cmd` and all its descendants."
    t0, peak = time.time(), 0.
    p = subprocess.Popen([str(EXE), *map(str, cmd)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                         env=dict(os.environ, HF_HUB_OFFLINE='1'))
    while p.poll() is None:
        peak = max(peak, tree_rss(p.pid)); time.sleep(0.2)
    err = p.stderr.read()
    if p.returncode: raise SystemExit(f"{' '.join(map(str, cmd))} failed:\n{err[-2000:]}")
    return time.time() - t0, peak

def one_video(src, tmp):
    "A folder with the first video of `src` only (and no metadata), for the start-up cost."
    d = tmp/'one'; d.mkdir(exist_ok=True)
    v = sorted(Path(src).glob('*.mp4'))[0]
    shutil.copy(v, d/v.name)
    return d

def bench(name, stage, src, model, frames, tmp):
    rows = []
    n = len(list(Path(src).glob('*.mp4')))
    for engine in ('local', 'ray'):
        for what, folder, k in (('1 video', one_video(src, tmp), 1), ('all', src, n)):
            out = tmp/f'{stage}-{engine}-{k}'
            eng = ['--engine', engine] + (['--shard', 4] if engine == 'ray' else [])
            if stage == 'extract': cmd = ['extract', folder, out, '--frames', frames, *eng]
            else: cmd = ['predict', folder, '--model', model, '--out', out/'submission.csv', '--frames', frames, *eng]
            dt, peak = run(cmd)
            rows.append({'data': name, 'stage': stage, 'engine': engine + (' (2 workers)' if engine == 'ray' else ''), 'videos': k,
                         'wall s': round(dt, 1), 'videos/s': round(k / dt, 3), 'peak RSS MB (all processes)': round(peak)})
            shutil.rmtree(out, ignore_errors=True)
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', required=True)
    ap.add_argument('--sample', default='data/sample')
    ap.add_argument('--dfdc', default='/tmp/dfdc_bench')
    ap.add_argument('--frames', type=int, default=32)
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    rows = []
    sets = [('sample', Path(a.sample)/'train_sample_videos', Path(a.sample)/'test_videos')]
    if (Path(a.dfdc)/'train_sample_videos').is_dir(): sets.append(('DFDC-shaped 1080p', Path(a.dfdc)/'train_sample_videos', Path(a.dfdc)/'train_sample_videos'))
    for name, train, test in sets:
        rows += bench(name, 'extract', train, a.model, a.frames, tmp)
        rows += bench(name, 'predict', test, a.model, a.frames, tmp)
    df = pd.DataFrame(rows)
    print(f"{os.cpu_count()} CPUs, {a.frames} frames a video\n")
    print(df.to_markdown(index=False))
    # steady state: the all-videos run less the 1-video run's fixed cost
    fixed = df[df.videos == 1].set_index(['data', 'stage', 'engine'])['wall s']
    big = df[df.videos > 1].set_index(['data', 'stage', 'engine'])
    print('\nper video after start-up (s):')
    print(((big['wall s'] - fixed) / (big.videos - 1)).round(3).rename('s/video').reset_index().to_markdown(index=False))
