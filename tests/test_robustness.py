"Bad input and faults: every video gets an answer, nothing finished is lost, no traceback reaches the user."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
import torch
from conftest import ROOT, SAMPLE
from bench.common import CASES
from deepfake_detect.core import DeepfakeError, read_submission, validate_submission, list_videos

EXE = Path(sys.executable).parent/'deepfake-detect'

def test_every_bad_video_gets_a_status_and_a_prediction(bad_videos, bad_local):
    d, (crops, sub, r, rp) = bad_videos, bad_local
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    st = pd.read_csv(crops/'status.csv', dtype={'video': str}).set_index('video')
    assert set(st.index) == set(CASES)
    for name, (allowed, what) in CASES.items():
        assert st.status[name] in allowed, (name, what, st.status[name], st.reason[name])
        if st.status[name] != 'ok': assert isinstance(st.reason[name], str) and len(st.reason[name]) > 10, name
    for name, words in [('zero_bytes.mp4', 'empty file (0 bytes)'), ('random_bytes.mp4', 'not a readable video'), ('text_file.mp4', 'not a readable video'),
                        ('audio_only.mp4', 'has no video stream (audio only)'), ('truncated.mp4', 'truncated.mp4'), ('broken_link.mp4', 'no such file'),
                        ('folder.mp4', 'is a folder')]:
        assert words in st.reason[name] and name in st.reason[name], (name, st.reason[name])
    assert st.frames['one_frame.mp4'] == 1 and st.faces['one_frame.mp4'] >= 1
    idx = pd.read_csv(crops/'index.csv', dtype={'video': str})
    for name, (w, h) in [('portrait.mp4', (360, 640)), ('rotated_tag.mp4', (640, 360)), ('uhd_4k.mp4', (3840, 2160))]:
        b = idx[idx.video == name]                                     # boxes in the frame as displayed
        assert len(b) and (b.x1 <= w).all() and (b.y1 <= h).all(), (name, b[['x1', 'y1']].max().tolist())
    assert rp.returncode == 0 and 'Traceback' not in rp.stderr, rp.stderr
    validate_submission(read_submission(sub), list_videos(d))       # every file once, whatever it is
    log = pd.read_csv(sub.with_name('sub_videos.csv'), dtype={'filename': str}).set_index('filename')
    bad = log[log.status != 'ok']
    assert (bad.label == 0.45).all() and bad.reason.str.len().min() > 10, bad
    for name in ('zero_bytes.mp4', 'truncated.mp4', 'random_bytes.mp4', 'text_file.mp4', 'audio_only.mp4'):
        assert log.status[name] == 'unreadable' and name in log.reason[name], (name, log.reason[name])
    assert log.status['broken_link.mp4'] == 'missing' and log.status['folder.mp4'] == 'missing' and 'not a regular file' in log.reason['folder.mp4']
    assert log.status['faceless.mp4'] == 'no_face'
    assert (log.loc[[n for n, (a, _) in CASES.items() if a == {'ok'}], 'status'] == 'ok').all()

def _part(d, md, files):
    d.mkdir(parents=True)
    (d/'metadata.json').write_text(json.dumps(md))
    vids = sorted(SAMPLE.joinpath('train_sample_videos').glob('*.mp4'))
    for k, f in enumerate(files): shutil.copy(vids[k], d/f)
    return d

def test_data_layout_problems_are_named_and_the_rest_is_used(cli, tmp_path):
    root = tmp_path/'data'
    _part(root/'dfdc_train_part_0', {'a.mp4': {'label': 'real'}, 'b.mp4': {'label': 'FAKE', 'original': 'a.mp4'},
                                     'gone.mp4': {'label': 'FAKE', 'original': 'a.mp4'}, 'orphan.mp4': {'label': 'FAKE', 'original': 'lost.mp4'}},
          ['a.mp4', 'b.mp4', 'orphan.mp4', 'unlisted.mp4'])
    _part(root/'dfdc_train_part_1', {'c.mp4': {'label': 'REAL'}, 'a.mp4': {'label': 'REAL'}}, ['c.mp4', 'a.mp4'])
    r = cli('extract', root, tmp_path/'crops', '--frames', 4)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    for words in ('gone.mp4', 'unlisted.mp4', 'lost.mp4', 'a.mp4'): assert words in r.stderr, (words, r.stderr)
    st = pd.read_csv(tmp_path/'crops'/'status.csv')
    assert sorted(st.video) == ['a.mp4', 'b.mp4', 'c.mp4', 'orphan.mp4'] and (st.status == 'ok').all()
    assert st.set_index('video').label['a.mp4'] == 'REAL'                               # lower case accepted
    # a folder of videos without metadata.json is a test folder: it extracts, but there is nothing to train on
    plain = _part(tmp_path/'plain', {}, ['x.mp4', 'y.mp4']); (plain/'metadata.json').unlink()
    assert cli('extract', plain, tmp_path/'pc', '--frames', 2).returncode == 0
    r = cli('train', tmp_path/'pc', '--out', tmp_path/'m.pkl')
    assert r.returncode == 2 and 'no labelled crops' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    r = cli('extract', tmp_path/'empty_dir_that_is_missing', tmp_path/'x')
    assert r.returncode == 2 and 'empty_dir_that_is_missing' in r.stderr and 'Traceback' not in r.stderr

def _kill_when(cmd, env, ready, limit=300):
    "Start `cmd`, kill -9 its process group once `ready()` is true; returns whether it was still running."
    p = subprocess.Popen(cmd, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    t0 = time.time()
    while not ready() and time.time() - t0 < limit and p.poll() is None: time.sleep(0.05)
    alive = p.poll() is None
    if alive: os.killpg(p.pid, signal.SIGKILL)
    p.wait()
    return alive

def test_kill_during_training_leaves_no_half_written_model(cli, sample_crops, offline_env, tmp_path):
    out = tmp_path/'m'/'x.pkl'
    cmd = [str(EXE), 'train', str(sample_crops), '--out', str(out), '--sizes', '64:3', '--bs', 16, '--per-video', 2, '--freeze-epochs', 0]
    cmd = [str(c) for c in cmd]
    assert _kill_when(cmd, offline_env, lambda: out.with_suffix('.best.pth').exists()), "training ended before it could be killed"
    assert not out.with_suffix('.pth').exists() and not out.with_suffix('.json').exists()   # nothing final was written
    sd = torch.load(out.with_suffix('.best.pth'), weights_only=True)                          # the checkpoint is whole
    assert len(sd) > 100
    r = cli('train', sample_crops, '--out', out, '--sizes', '64:1', '--bs', 16, '--per-video', 2, '--freeze-epochs', 0, check=True)
    assert 'kept epoch' in r.stdout and json.loads(out.with_suffix('.json').read_text())['train']['sizes'] == '64:1'

def test_kill_during_prediction_then_rerun_completes(cli, quick_model, offline_env, tmp_path):
    cache, sub = tmp_path/'cache', tmp_path/'submission.csv'
    cmd = [str(EXE), 'predict', str(SAMPLE/'test_videos'), '--model', str(quick_model), '--out', str(sub), '--frames', '4', '--cache', str(cache)]
    assert _kill_when(cmd, offline_env, lambda: len(list(cache.glob('*.npz'))) >= 10), "prediction ended before it could be killed"
    done = {p.stem for p in cache.glob('*.npz')}
    assert not sub.exists() or validate_submission(read_submission(sub), list_videos(SAMPLE/'test_videos')) is None
    cli('predict', SAMPLE/'test_videos', '--model', quick_model, '--out', sub, '--frames', 4, '--cache', cache, check=True)
    validate_submission(read_submission(sub), pd.read_csv(SAMPLE/'test_videos'/'sample_submission.csv').filename.tolist())
    log = pd.read_csv(tmp_path/'submission_videos.csv')
    cached = log[log.filename.str[:-4].isin(done)]
    assert len(cached) == len(done) and (cached.seconds == 0).all() and log.status.isin(['ok', 'no_face']).all()    # not read again

def test_disk_full_during_extraction_keeps_finished_videos(tmp_path, monkeypatch):
    import deepfake_detect.crops as crops
    from deepfake_detect.core import read_metadata, first_originals
    videos = first_originals(read_metadata(SAMPLE/'train_sample_videos'), 3)
    writes, real_save = [0], crops._save
    def full(path, data):
        writes[0] += 1
        if writes[0] > 20: raise OSError(28, 'No space left on device', str(path))
        return real_save(path, data)
    monkeypatch.setattr(crops, '_save', full)
    with pytest.raises(DeepfakeError, match='No space left on device.*finished before it are kept'):
        crops.extract(videos, tmp_path/'out', frames=8, progress=False)
    st = pd.read_csv(tmp_path/'out'/'status.csv')
    assert 1 <= len(st) < len(videos) and (st.status == 'ok').all()                   # finished videos kept, indexed
    assert not list((tmp_path/'out'/'crops').glob('.*'))                             # the half-written one is gone
    monkeypatch.setattr(crops, '_save', real_save)
    ci = crops.extract(videos, tmp_path/'out', frames=8, progress=False)             # space freed: it resumes
    assert len(ci.status) == len(videos) and (ci.status.status == 'ok').all()

def test_an_unwritable_output_is_one_line(cli, tmp_path):
    out = tmp_path/'ro'; out.mkdir()
    (out/'crops').write_text('a file where the crops folder should be')
    r = cli('extract', SAMPLE/'train_sample_videos', out, '--frames', 2)
    assert r.returncode == 2 and 'Traceback' not in r.stderr and str(out/'crops') in r.stderr, r.stderr

def test_corrupt_and_wrong_model_files_are_named(cli, quick_model, tmp_path):
    d = tmp_path/'t'; d.mkdir(); shutil.copy(sorted((SAMPLE/'test_videos').glob('*.mp4'))[0], d)
    cfg = quick_model.with_suffix('.json').read_text()
    (tmp_path/'garbage.pth').write_bytes(b'not a checkpoint'); (tmp_path/'garbage.json').write_text(cfg)
    import torchvision
    torch.save(torchvision.models.resnet18(weights=None).state_dict(), tmp_path/'resnet.pth'); (tmp_path/'resnet.json').write_text(cfg)
    shutil.copy(quick_model, tmp_path/'nojson.pth')
    shutil.copy(quick_model, tmp_path/'badjson.pth'); (tmp_path/'badjson.json').write_text('{oops')
    shutil.copy(quick_model.with_suffix('.pkl'), tmp_path/'lone.pkl')
    for name, words in [('garbage.pth', 'not a readable state dict'), ('resnet.pth', 'does not fit'), ('nojson.pth', 'no nojson.json beside it'),
                        ('badjson.pth', 'not valid JSON'), ('lone.pkl', 'a pickle runs code')]:
        r = cli('predict', d, '--model', tmp_path/name, '--out', tmp_path/'s.csv')
        assert r.returncode == 2 and words in r.stderr and name.split('.')[0] in r.stderr and 'Traceback' not in r.stderr, (name, r.stderr)

def _mutants(src, d, n, seed=0):
    "`n` damaged copies of `src`: flipped bytes, cuts, repeated and zeroed chunks."
    rng, data = np.random.default_rng(seed), bytearray(Path(src).read_bytes())
    for i in range(n):
        b = bytearray(data); kind = i % 4
        if kind == 0:
            for j in rng.integers(0, len(b), rng.integers(1, 60)): b[j] = int(rng.integers(256))
        elif kind == 1: b = b[:int(rng.integers(16, len(b)))]
        elif kind == 2:
            a = int(rng.integers(0, len(b) - 2000)); b = b[:a] + b[a:a + 2000] * 3 + b[a:]
        else:
            a = int(rng.integers(0, len(b) - 500)); b[a:a + 500] = bytes(500)
        (d/f'mutant_{i:02d}.mp4').write_bytes(bytes(b))

def test_fuzz_damaged_videos_end_without_crash_or_hang(cli, quick_model, tmp_path):
    d = tmp_path/'fuzz'; d.mkdir()
    _mutants(sorted((SAMPLE/'test_videos').glob('*.mp4'))[0], d, 24)
    t0 = time.time()
    r = cli('extract', d, tmp_path/'crops', '--frames', 8, '--timeout', 20)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    st = pd.read_csv(tmp_path/'crops'/'status.csv')
    assert len(st) == 24 and st.status.isin(['ok', 'no_face', 'unreadable']).all()
    r = cli('predict', d, '--model', quick_model, '--out', tmp_path/'s.csv', '--frames', 8, '--timeout', 20)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    validate_submission(read_submission(tmp_path/'s.csv'), list_videos(d))
    assert time.time() - t0 < 500

def test_decoding_processes_die_with_their_parent(tmp_path):
    "A job killed with SIGKILL (a driver, or a Ray worker) leaves no decoding process behind holding its memory."
    script = tmp_path/'parent.py'
    script.write_text("import time\nfrom deepfake_detect.readahead import decoding_pool\n"
                      "if __name__ == '__main__':\n"
                      "    pool = decoding_pool(2)\n"
                      "    [f.result(120) for f in [pool.submit('/nonexistent.mp4', dict(n=1)) for _ in range(4)]]\n"
                      "    print(' '.join(str(p) for p in pool.pool._processes), flush=True)\n"
                      "    time.sleep(600)\n")
    p = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, text=True)
    kids = [int(x) for x in p.stdout.readline().split()]
    assert len(kids) == 2
    os.kill(p.pid, signal.SIGKILL); p.wait()
    def alive(pid):
        try: return Path(f'/proc/{pid}/status').read_text().split('State:')[1].split()[0] != 'Z'
        except (OSError, IndexError): return False
    t0 = time.time()
    while any(alive(k) for k in kids) and time.time() - t0 < 15: time.sleep(0.2)
    assert not any(alive(k) for k in kids), "decoding processes outlived their parent"
