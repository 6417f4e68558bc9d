"""The recipes of issue 14 ("faults that must not stick"), run as a user runs them: each must end in a complete
submission (or finished extraction) or in one line and exit 2.

    python bench/faults.py --model runs/demo/models/sample.pth

Prints a markdown table: the recipe, the exit code, and what it left (statuses, rows, or the one-line message).
The same cases have tests in tests/test_faults.py, tests/test_cluster.py and the notebooks.
"""
import argparse, json, shutil, subprocess, sys, tempfile
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT/'data'/'sample'
EXE = str(Path(sys.executable).parent/'deepfake-detect')
sys.path.insert(0, str(ROOT/'tests'))

def run(*args):
    r = subprocess.run([EXE, *map(str, args)], capture_output=True, text=True, cwd=ROOT, timeout=1200)
    lines = [l for l in r.stderr.strip().splitlines() if l.strip() and 'Warning' not in l and 'warnings.warn' not in l]
    return r.returncode, ('Traceback' in r.stderr), (lines[-1] if lines else '')

def statuses(csv, col='status'):
    return ', '.join(f'{k} {v}' for k, v in pd.read_csv(csv)[col].value_counts().items())

def few(d, n=4):
    d.mkdir(parents=True)
    names = sorted(p.name for p in (SAMPLE/'test_videos').glob('*.mp4'))[:n]
    for v in names: shutil.copy(SAMPLE/'test_videos'/v, d/v)
    pd.DataFrame(dict(filename=names, label=0.5)).to_csv(d/'sample_submission.csv', index=False)
    return d

def main(model, tmp):
    model = Path(model)
    rows = []
    def row(recipe, rc, tb, outcome): rows.append(dict(recipe=recipe, exit=rc, traceback=tb, outcome=outcome[:110]))
    d = few(tmp/'v')
    # 1. transient failures are tried again
    rc, tb, _ = run('extract', d, tmp/'a', '--frames', 4, '--timeout', 0.001)
    first = statuses(tmp/'a'/'status.csv')
    rc2, tb2, _ = run('extract', d, tmp/'a', '--frames', 4)
    row('1. extract --timeout 0.001, then again without', rc2, tb or tb2, f"first run: {first}; rerun: {statuses(tmp/'a'/'status.csv')}")
    run('predict', d, '--model', model, '--out', tmp/'p1.csv', '--frames', 4, '--timeout', 0.001, '--cache', tmp/'cache')
    first = statuses(tmp/'p1_videos.csv')
    rc, tb, _ = run('predict', d, '--model', model, '--out', tmp/'p2.csv', '--frames', 4, '--cache', tmp/'cache')
    row('1. predict --cache --timeout 0.001, then again without', rc, tb, f"first run: {first}; rerun: {statuses(tmp/'p2_videos.csv')}")
    # 2. a Ray worker that cannot start
    rc, tb, msg = run('extract', d, tmp/'r', '--frames', 4, '--engine', 'ray', '--device', 'cuda:7')
    row('2. extract --engine ray --device cuda:7 (no GPU)', rc, tb, msg)
    pkl = tmp/'m.pkl'; pkl.write_bytes(b'not a pickle'); shutil.copy(model, tmp/'m.pth'); shutil.copy(model.with_suffix('.json'), tmp/'m.json')
    rc, tb, msg = run('predict', d, '--model', pkl, '--out', tmp/'r.csv', '--engine', 'ray')
    row('2. predict --model m.pkl --engine ray (m.pth beside it)', rc, tb, f"{statuses(tmp/'r_videos.csv')} (the safe .pth pair is used)" if rc == 0 else msg)
    # 4. impossible settings
    for args in [('--weights', 'nan,1'), ('--budget-hours', 'nan'), ('--prior', 'nan'), ('--clip', 'inf')]:
        rc, tb, msg = run('predict', d, '--model', model, '--model', model, *args, '--out', tmp/'x.csv')
        row(f"4. predict {' '.join(args)}", rc, tb, msg)
    cfg = json.loads(model.with_suffix('.json').read_text())
    for k, v in [('std', [0.5, 0.0, 0.5]), ('calibration', dict(method='temperature', T=0))]:
        bad = tmp/f'bad_{k}.pth'; shutil.copy(model, bad); bad.with_suffix('.json').write_text(json.dumps(dict(cfg, **{k: v})))
        rc, tb, msg = run('predict', d, '--model', bad, '--out', tmp/'x.csv')
        row(f"4. a model config with {k} {json.dumps(v)}", rc, tb, msg)
    # 5. names that collide
    c = tmp/'c'; c.mkdir(); tr = sorted((SAMPLE/'train_sample_videos').glob('*.mp4'))
    shutil.copy(tr[0], c/'clip.mp4'); shutil.copy(tr[1], c/'clip.MP4')
    rc, tb, _ = run('extract', c, tmp/'cc', '--frames', 4)
    st = pd.read_csv(tmp/'cc'/'status.csv')
    row('5. extract clip.mp4 and clip.MP4', rc, tb, f"{len(st)} videos: " + ', '.join(f'{v} {s}' for v, s in zip(st.video, st.status)))
    (tmp/'proj').mkdir(); (tmp/'proj'/'README.md').write_text('mine')
    rc, tb, msg = run('bundle', tmp/'proj', '--model', model)
    row('5. bundle into a folder with a README it did not write', rc, tb, msg)
    dfdc = tmp/'dfdc'; shutil.copytree(SAMPLE/'train_sample_videos', dfdc)
    rc, tb, msg = run('synth', '--out', dfdc, '--videos', 4)
    row('5. synth --out an existing DFDC folder', rc, tb, msg)
    # 6. memory: an 8K clip and a crowd of 40 faces
    from badinput import make_8k_and_crowd, make_damaged_middle
    m = tmp/'m8k'
    make_8k_and_crowd(m)
    sys.path.insert(0, str(ROOT/'bench'))
    from bench_extract import tree_rss
    import time
    proc = subprocess.Popen([EXE, 'extract', str(m), str(tmp/'mc'), '--frames', '32'], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
    peak = 0
    while proc.poll() is None: peak = max(peak, tree_rss(proc.pid)); time.sleep(0.1)
    idx = pd.read_csv(tmp/'mc'/'index.csv')
    row('6. extract an 8K clip (7680x4320, 40 frames) and a frame tiled with 40 faces', proc.returncode, False,
        f"peak RSS {peak:.0f} MB (all processes); 8K crop boxes end at x <= {int(idx[idx.video == 'uhd_8k.mp4'].x1.max())} px (read at 1920 wide); "
        f"crowd: at most {idx[idx.video == 'crowd.mp4'].groupby('frame').size().max()} faces a frame")
    # 7. smaller ones
    e = few(tmp/'e', 2); names = pd.read_csv(e/'sample_submission.csv').filename.tolist()
    (e/'sample_submission.csv').write_text('filename,label\n' + names[0] + ',0.5\n,0.5\n')
    rc, tb, msg = run('predict', e, '--model', model, '--out', tmp/'e.csv')
    row('7. sample_submission.csv with an empty filename', rc, tb, msg)
    dm = tmp/'dm'; dm.mkdir()
    make_damaged_middle(dm/'damaged.mp4')
    rc, tb, _ = run('extract', dm, tmp/'dmc', '--frames', 16)
    st = pd.read_csv(tmp/'dmc'/'status.csv').iloc[0]
    row('7. a clip with its middle quarter overwritten', rc, tb, f"{st.status}, {st.faces} faces; {st.message}")
    return pd.DataFrame(rows)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True, help='a .pth model (its .json beside it)')
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    df = main(a.model, tmp)
    print(df.to_markdown(index=False))
    ok = ((df.exit == 0) | (df.exit == 2)) & ~df.traceback
    print(f"\n{len(df)} recipes; {int(ok.sum())} end in exit 0 or a one-line exit 2")
    shutil.rmtree(tmp, ignore_errors=True)
