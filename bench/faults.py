"""The recipes of issue 14 ("faults that must not stick") and issue 35 ("faults, round two"), run as a user runs them:
each must end in a complete submission (or finished extraction) or in one line and exit 2, with no user file changed.

    python -m bench.faults --model runs/demo/models/sample.pth

Prints a markdown table: the recipe, the exit code, and what it left (statuses, rows, or the one-line message).
The same cases have tests in tests/test_faults.py, tests/test_faults_35.py, tests/test_cluster.py and the notebooks.
"""
import argparse, json, shutil, subprocess, sys, tempfile
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT/'data'/'sample'
EXE = str(Path(sys.executable).parent/'deepfake-detect')

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

def main(model, tmp, only=None):
    model = Path(model)
    rows = []
    def row(recipe, rc, tb, outcome): rows.append(dict(recipe=recipe, exit=rc, traceback=tb, outcome=outcome[:110]))
    if only == '35': round_two(model, tmp, row); return pd.DataFrame(rows)
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
    from bench.common import make_8k_and_crowd, make_damaged_middle
    m = tmp/'m8k'
    make_8k_and_crowd(m)
    from bench.common import tree_rss
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
    row('7. a clip with its middle quarter overwritten', rc, tb, f"{st.status}, {st.faces} faces; {st.reason}")
    round_two(model, tmp, row)
    return pd.DataFrame(rows)

def _shm(folder, out):
    "extract `folder` into `out` with 16 MB of /dev/shm (a mount namespace of its own; needs root): (exit, traceback, blocks left, warnings)."
    script = f"mount -t tmpfs -o size=16m tmpfs /dev/shm && '{EXE}' extract '{folder}' '{out}' --frames 32; echo rc=$?; ls -A /dev/shm | wc -l"
    r = subprocess.run(['unshare', '-m', 'sh', '-c', script], capture_output=True, text=True, cwd=ROOT, timeout=1200)
    lines = r.stdout.strip().splitlines()
    rc = int(next(l for l in lines if l.startswith('rc='))[3:]) if any(l.startswith('rc=') for l in lines) else -1
    return rc, 'Traceback' in r.stderr, lines[-1] if lines else '?', r.stderr.count('warning: shared memory')

def round_two(model, tmp, row):
    "Issue 35's recipes, as rows of the same table."
    import signal, time
    from bench.common import make_thin, make_damaged_start
    from deepfake_detect.video import write_video, iter_frames
    v = few(tmp/'r2', 3)
    try:
        rc, tb, left, warned = _shm(v, tmp/'r2shm')
        row('35.1 extract with 16 MB of /dev/shm (Docker gives 64)', rc, tb, f"{statuses(tmp/'r2shm'/'status.csv')}; {left} blocks left in /dev/shm; {warned} warning line")
    except (OSError, StopIteration, subprocess.SubprocessError) as e: row('35.1 extract with 16 MB of /dev/shm', -1, False, f'not run here ({e.__class__.__name__}: needs unshare and root)')
    make_thin(v/'thin.mp4'); make_thin(v/'wide.mp4', (1920, 80))
    pd.DataFrame(dict(filename=sorted(p.name for p in v.glob('*.mp4')), label=0.5)).to_csv(v/'sample_submission.csv', index=False)
    rc, tb, _ = run('extract', v, tmp/'r2c', '--frames', 8)
    row('35.2 extract a 320x12 and a 1920x80 video beside good ones', rc, tb, statuses(tmp/'r2c'/'status.csv'))
    rc, tb, _ = run('predict', v, '--model', model, '--out', tmp/'r2.csv', '--frames', 8)
    row('35.2 predict the same folder', rc, tb, statuses(tmp/'r2_videos.csv'))
    dd = tmp/'r2d'; dd.mkdir(); make_damaged_start(dd/'damaged.mp4')
    rc, tb, _ = run('extract', dd, tmp/'r2dc', '--frames', 16)
    st = pd.read_csv(tmp/'r2dc'/'status.csv').iloc[0]
    row('35.3 the first packet of a GOP-15 clip overwritten (45 of 60 frames decode)', rc, tb, f"{st.status}, {st.faces} faces from {st.frames} frames")
    u = tmp/'U'; (u/'crops'/'good').mkdir(parents=True); (u/'crops'/'good'/'my_notes.txt').write_text('notes'); (u/'index.csv').write_text('x\n')
    rc, tb, msg = run('extract', few(tmp/'r2g', 1), u, '--frames', 4)
    row('35.4 extract into U/ holding crops/good/my_notes.txt and index.csv', rc, tb, msg + f" (my_notes.txt kept: {(u/'crops'/'good'/'my_notes.txt').exists()})")
    vids = few(tmp/'r2o', 2); first = sorted(vids.glob('*.mp4'))[0]; before = first.read_bytes(); (tmp/'adir').mkdir()
    for out, what in [(first, 'a video of the run'), (vids/'sample_submission.csv', 'the sample submission'), (tmp/'adir', 'an existing folder')]:
        rc, tb, msg = run('predict', vids, '--model', model, '--out', out, '--frames', 4)
        row(f"35.{6 if out.is_dir() else 5} predict --out {what}", rc, tb, msg)
    assert first.read_bytes() == before
    run('predict', vids, '--model', model, '--out', tmp/'n.csv', '--frames', 4, '--cache', tmp/'C', '--decoders', 'nvdec')
    first_run = statuses(tmp/'n_videos.csv')
    rc, tb, _ = run('predict', vids, '--model', model, '--out', tmp/'n2.csv', '--frames', 4, '--cache', tmp/'C')
    row('35.7 predict --cache --decoders nvdec (no GPU), then again without', rc, tb, f"first: {first_run}; then: {statuses(tmp/'n2_videos.csv')}")
    ev = tmp/'r2e'; ev.mkdir(); f0 = next(iter_frames(first))[1]; write_video([f0], ev/'one.mp4')
    pd.DataFrame(dict(filename=['one.mp4'], label=[0.99])).to_csv(ev/'s.csv', index=False)
    pd.DataFrame(dict(filename=['one.mp4'], path=[str(ev/'one.mp4')], status='ok')).to_csv(ev/'s_videos.csv', index=False)
    pd.DataFrame(dict(filename=['one.mp4'], label=['REAL'])).to_csv(ev/'labels.csv', index=False)
    rc, tb, msg = run('evaluate', ev/'s.csv', ev/'labels.csv')
    row('35.8 evaluate with a one-frame video among the most wrong', rc, tb, f"metrics.json written: {(ev/'s_eval'/'metrics.json').exists()}, wrong.png: {(ev/'s_eval'/'wrong.png').exists()}")
    ln = tmp/'r2l'; ln.mkdir(); shutil.copy(first, ln/('a' * 241 + '.mp4')); shutil.copy(first, ln/('b' * 251 + '.mp4'))
    rcs = [run('predict', ln, '--model', model, '--out', tmp/f'l{k}.csv', '--frames', 4, '--cache', tmp/'CL')[0] for k in (1, 2)]
    rc, tb, _ = run('extract', ln, tmp/'r2lc', '--frames', 4)
    row('35.9 245- and 255-character names: predict --cache twice, then extract', max(rcs + [rc]), tb, f"predict: {statuses(tmp/'l2_videos.csv')}; extract: {statuses(tmp/'r2lc'/'status.csv')}")
    big = few(tmp/'r2s', 60); run('predict', big, '--model', model, '--out', tmp/'keep.csv', '--frames', 4)
    kept = (tmp/'keep.csv').read_bytes()
    p = subprocess.Popen([EXE, 'predict', str(big), '--model', str(model), '--out', str(tmp/'keep.csv'), '--frames', '32'], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    time.sleep(15); p.send_signal(signal.SIGINT); err = p.communicate(timeout=120)[1]
    part = pd.read_csv(tmp/'keep_partial_videos.csv') if (tmp/'keep_partial_videos.csv').exists() else pd.DataFrame(columns=['status', 'p_raw'])
    row('35.10, 35.11 predict of 60 videos stopped by Ctrl-C after 15 s, over an earlier submission', p.returncode, 'Traceback' in err,
        f"earlier submission unchanged: {(tmp/'keep.csv').read_bytes() == kept}; keep_partial.csv: {statuses(tmp/'keep_partial_videos.csv') if len(part) else 'none'}; "
        f"ok rows without a score: {int(((part.status == 'ok') & part.p_raw.isna()).sum())}")
    rc, tb, msg = run('extract', vids, tmp/'r2r', '--engine', 'ray', '--ray-address', 'ray://headnode')
    row('35.15 extract --engine ray --ray-address ray://headnode', rc, tb, msg)
    part_ = tmp/'r2m'; part_.mkdir(); shutil.copy(first, part_/'a.mp4'); shutil.copy(first, part_/'видео'); (tmp/'x.mp4').write_bytes(first.read_bytes())
    (part_/'metadata.json').write_text(json.dumps({'a.mp4': {'label': 'REAL'}, 'видео': {'label': 'REAL'}, '../x.mp4': {'label': 'REAL'}, str(tmp/'x.mp4'): {'label': 'REAL'}}))
    r = subprocess.run([EXE, 'extract', str(part_), str(tmp/'r2mc'), '--frames', '4'], capture_output=True, text=True, cwd=ROOT)
    again = subprocess.run([EXE, 'extract', str(part_), str(tmp/'r2mc'), '--frames', '4'], capture_output=True, text=True, cwd=ROOT).stdout
    st = pd.read_csv(tmp/'r2mc'/'status.csv')
    row('35.16, 35.17 metadata.json keys ../x.mp4, an absolute path and `видео`', r.returncode, 'Traceback' in r.stderr,
        f"indexed: {', '.join(st.video)}; {sum('lead outside' in l for l in r.stderr.splitlines())} warning; rerun: " + next(l for l in again.splitlines() if l.startswith('this run')))
    rc, tb, msg = run('report', tmp/'r2c')
    row('35.18 deepfake-detect report RUN_DIR', rc, tb, msg or f"wrote {tmp/'r2c'/'report.html'}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True, help='a .pth model (its .json beside it)')
    ap.add_argument('--only', choices=['35'], help="issue 35's recipes alone")
    a = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    df = main(a.model, tmp, a.only)
    print(df.to_markdown(index=False))
    ok = ((df.exit == 0) | (df.exit == 2) | ((df.exit == 130) & df.recipe.str.contains('Ctrl-C'))) & ~df.traceback
    print(f"\n{len(df)} recipes; {int(ok.sum())} end in exit 0, a one-line exit 2, or (stopped by Ctrl-C) 130")
    shutil.rmtree(tmp, ignore_errors=True)
