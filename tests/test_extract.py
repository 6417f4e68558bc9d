"Extraction end to end: the sample, and interruption and resume (bad videos: test_robustness.py)."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
from conftest import ROOT, SAMPLE
from deepfake_detect.core import read_metadata
from deepfake_detect.crops import extract, CropIndex

TRAIN = SAMPLE/'train_sample_videos'

def test_extract_sample_cli(cli, sample_crops):
    "Acceptance: a face track in every real video of the sample, an index; a second run does no work (the session's crops, 8 frames a video)."
    out = sample_crops
    ci = CropIndex.load(out)
    md = read_metadata(TRAIN)
    st = ci.status.set_index('video')
    reals = md[md.label == 'REAL'].video
    assert (st.status[reals] == 'ok').all() and (st.tracks[reals] >= 1).all(), st.loc[reals, ['status', 'tracks']]
    assert set(ci.index.video) >= set(reals)
    assert list(ci.index.columns[:12]) == ['video', 'frame', 'track', 'x0', 'y0', 'x1', 'y1', 'prob', 'interpolated', 'crop_path', 'label', 'original']
    assert all((out/p).exists() for p in ci.index.crop_path)
    before = {p: p.stat().st_mtime_ns for p in out.rglob('*') if p.is_file() and p.suffix in ('.jpg', '.json')}
    r2 = cli('extract', TRAIN, out, '--frames', 8, check=True)
    assert 'nothing to do' in r2.stdout
    assert {p: p.stat().st_mtime_ns for p in before} == before

@pytest.fixture(scope='module')
def subset(tmp_path_factory):
    "Four originals of the sample and their fakes, as a DFDC part of its own."
    d = tmp_path_factory.mktemp('subset')/'part'
    d.mkdir()
    md = json.loads((TRAIN/'metadata.json').read_text())
    origs = sorted({v['original'] for v in md.values() if v['label'] == 'FAKE'})[:4]
    keep = {k: v for k, v in md.items() if k in origs or v.get('original') in origs}
    for k in keep: shutil.copy(TRAIN/k, d/k)
    (d/'metadata.json').write_text(json.dumps(keep))
    return d

def _table(out):
    ci = CropIndex.load(out)
    st = ci.status.drop(columns=['seconds', 'decoder'])
    return ci.index, st

def test_kill_and_resume_gives_the_same_index(cli, offline_env, subset, tmp_path):
    whole = tmp_path/'whole'
    cli('extract', subset, whole, check=True)
    out = tmp_path/'killed'
    exe = Path(sys.executable).parent/'deepfake-detect'
    p = subprocess.Popen([str(exe), 'extract', str(subset), str(out)], env=offline_env, cwd=ROOT,
                         stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.time()
    while len(list((out/'crops').glob('*/status.json'))) < 3 and time.time() - t0 < 300 and p.poll() is None: time.sleep(0.05)
    assert p.poll() is None, "the job finished before it could be killed"
    os.killpg(p.pid, signal.SIGKILL); p.wait()
    n_done = len(list((out/'crops').glob('*/status.json')))
    assert 3 <= n_done < len(json.loads((subset/'metadata.json').read_text()))
    r = cli('extract', subset, out, check=True)
    assert f"this run: {len(json.loads((subset/'metadata.json').read_text())) - n_done} videos" in r.stdout, r.stdout
    a, b = _table(whole), _table(out)
    pd.testing.assert_frame_equal(a[0], b[0]); pd.testing.assert_frame_equal(a[1], b[1])
    assert not list((out/'crops').glob('.*'))

# Bad videos of every kind: tests/test_robustness.py (the cases are built in bench/common.py).
