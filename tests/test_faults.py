"Faults that must not stick (issue 14): each test here failed on the code before its fix."
import json, os, shutil, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd
import pytest
import torch
from conftest import ROOT, SAMPLE, default_sigint
from bench.common import make_8k_and_crowd, make_damaged_middle
from deepfake_detect.core import read_submission, validate_submission

EXE = Path(sys.executable).parent/'deepfake-detect'
TRAIN = SAMPLE/'train_sample_videos'

def _few(d, n=4):
    "A folder of `n` of the sample's test videos, with a sample_submission.csv naming them."
    d.mkdir(parents=True)
    names = sorted(p.name for p in (SAMPLE/'test_videos').glob('*.mp4'))[:n]
    for v in names: shutil.copy(SAMPLE/'test_videos'/v, d/v)
    pd.DataFrame(dict(filename=names, label=0.5)).to_csv(d/'sample_submission.csv', index=False)
    return d, names

def test_failures_that_may_pass_are_tried_again(cli, quick_model, tmp_path):
    "Item 1: a timeout is not recorded for ever, in the crops or in the predict cache; a permanent failure is, unless --retry-failed."
    d, names = _few(tmp_path/'v')
    (d/'empty.mp4').write_bytes(b'')
    r = cli('extract', d, tmp_path/'c', '--frames', 4, '--timeout', 0.001, check=True)
    st = pd.read_csv(tmp_path/'c'/'status.csv').set_index('video')
    assert (st.status == 'unreadable').all() and st.transient[names].all() and not st.transient['empty.mp4'], st
    r = cli('extract', d, tmp_path/'c', '--frames', 4, check=True)
    st = pd.read_csv(tmp_path/'c'/'status.csv').set_index('video')
    assert (st.status[names] == 'ok').all() and st.status['empty.mp4'] == 'unreadable', st   # retried; the empty file stays
    assert 'this run: 4 videos' in r.stdout, r.stdout
    r = cli('extract', d, tmp_path/'c', '--frames', 4, '--retry-failed', check=True)
    assert 'this run: 1 videos' in r.stdout, r.stdout                                           # only the failure, read again
    # the predict cache: a timeout is not replayed; the cache follows the crop options and the file
    cache = tmp_path/'cache'
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'s1.csv', '--frames', 4, '--timeout', 0.001, '--cache', cache, check=True)
    log = pd.read_csv(tmp_path/'s1_videos.csv').set_index('filename')
    assert (log.status[names] == 'unreadable').all()
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'s2.csv', '--frames', 4, '--cache', cache, check=True)
    log = pd.read_csv(tmp_path/'s2_videos.csv').set_index('filename')
    assert (log.status[names] == 'ok').all() and (log.frames[names] == 4).all()
    cli('predict', d, '--model', quick_model, '--out', tmp_path/'s3.csv', '--frames', 6, '--cache', cache, check=True)
    log = pd.read_csv(tmp_path/'s3_videos.csv').set_index('filename')
    assert (log.frames[names] == 6).all() and (log.seconds[names] > 0).all()                  # other options: read again, not replayed

def test_impossible_settings_are_refused_before_any_work(cli, quick_model, tmp_path):
    "Item 4: NaN and zero where a number must be sensible: one line, exit 2, nothing written."
    d, names = _few(tmp_path/'v', 2)
    m2 = tmp_path/'m2.pth'; shutil.copy(quick_model, m2); shutil.copy(quick_model.with_suffix('.json'), m2.with_suffix('.json'))
    cfg = json.loads(quick_model.with_suffix('.json').read_text())
    for k, v, msg in [('std', [0.5, 0.0, 0.5], 'has a value <= 0'), ('calibration', dict(method='temperature', T=0), 'temperature 0')]:
        bad = tmp_path/f'bad_{k}.pth'; shutil.copy(quick_model, bad); bad.with_suffix('.json').write_text(json.dumps(dict(cfg, **{k: v})))
        r = cli('predict', d, '--model', bad, '--out', tmp_path/'x.csv')
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, (k, r.stderr)
    for args, msg in [(('--weights', 'nan,1'), 'finite'), (('--budget-hours', 'nan'), '--budget-hours nan'), (('--prior', 'nan'), '--prior nan'),
                      (('--clip', 'inf'), '--clip inf'), (('--frames', '0'), '--frames must be')]:
        r = cli('predict', d, '--model', quick_model, '--model', m2, *args, '--out', tmp_path/'x.csv')
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, (args, r.stderr)
    assert not (tmp_path/'x.csv').exists()

def test_a_score_that_is_not_a_number_gives_that_video_the_prior(cli, quick_model, tmp_path):
    "Item 4: a model that outputs NaN: every video still gets a row, the prior and the reason; the submission is written."
    d, names = _few(tmp_path/'v', 2)
    sd = torch.load(quick_model, weights_only=True)
    sd = {k: (torch.full_like(v, float('nan')) if k.endswith('8.weight') else v) for k, v in sd.items()}    # the head's output layer
    nan = tmp_path/'nan.pth'; torch.save(sd, nan); shutil.copy(quick_model.with_suffix('.json'), nan.with_suffix('.json'))
    r = cli('predict', d, '--model', nan, '--out', tmp_path/'s.csv', '--frames', 4, '--prior', 0.4, check=True)
    validate_submission(read_submission(tmp_path/'s.csv'), names)
    log = pd.read_csv(tmp_path/'s_videos.csv')
    assert (log.status == 'bad_score').all() and (log.label == 0.4).all() and log.reason.str.contains('not a number').all(), log

def test_names_that_collide_stay_apart(cli, tmp_path):
    "Item 5: clip.mp4 and clip.MP4, a/x.mp4 and b/x.mp4: separate crops, and a rerun skips both; train --out m.v2 keeps m.v1."
    d = tmp_path/'v'; d.mkdir()
    tr = sorted(TRAIN.glob('*.mp4'))
    shutil.copy(tr[0], d/'clip.mp4'); shutil.copy(tr[1], d/'clip.MP4')
    r = cli('extract', d, tmp_path/'c', '--frames', 4, check=True)
    st = pd.read_csv(tmp_path/'c'/'status.csv')
    idx = pd.read_csv(tmp_path/'c'/'index.csv')
    assert sorted(st.video) == ['clip.MP4', 'clip.mp4'] and (st.status == 'ok').all()
    assert idx.groupby('video').crop_path.apply(lambda s: s.str.split('/').str[1].iloc[0]).nunique() == 2   # two folders
    assert 'this run: 0 videos' in cli('extract', d, tmp_path/'c', '--frames', 4, check=True).stdout
    part = tmp_path/'part'; (part/'a').mkdir(parents=True); (part/'b').mkdir()
    shutil.copy(tr[0], part/'a'/'x.mp4'); shutil.copy(tr[1], part/'b'/'x.mp4')
    (part/'metadata.json').write_text(json.dumps({'a/x.mp4': {'label': 'REAL'}, 'b/x.mp4': {'label': 'REAL'}}))
    cli('extract', part, tmp_path/'c2', '--frames', 4, check=True)
    st = pd.read_csv(tmp_path/'c2'/'status.csv')
    assert sorted(st.video) == ['a/x.mp4', 'b/x.mp4'] and (st.status == 'ok').all() and st.faces.min() > 0

def test_an_8k_clip_and_a_crowd_stay_within_memory(tmp_path):
    "Item 6: an 8K clip is read shrunk, and a frame tiled with 40 faces gives at most MAX_FACES: the job's memory stays bounded."
    from deepfake_detect.faces import MAX_FACES
    from bench.common import tree_rss
    d = tmp_path/'v'
    make_8k_and_crowd(d)
    with open(tmp_path/'err.txt', 'w') as err:   # a file, not a pipe nobody reads while the job runs
        proc = subprocess.Popen([str(EXE), 'extract', str(d), str(tmp_path/'c'), '--frames', '32'], stdout=subprocess.DEVNULL, stderr=err, cwd=ROOT)
        peak = 0
        while proc.poll() is None: peak = max(peak, tree_rss(proc.pid)); time.sleep(0.1)
    assert proc.returncode == 0, (tmp_path/'err.txt').read_text()[-2000:]
    st = pd.read_csv(tmp_path/'c'/'status.csv').set_index('video')
    idx = pd.read_csv(tmp_path/'c'/'index.csv')
    assert st.status['uhd_8k.mp4'] == 'ok' and idx[idx.video == 'uhd_8k.mp4'].x1.max() <= 1920          # read at 1920 px wide
    assert 0 < idx[idx.video == 'crowd.mp4'].groupby('frame').size().max() <= MAX_FACES
    assert peak < 4500, f"peak memory {peak:.0f} MB"        # the 8K frames alone, unshrunk, would be 32 x 100 MB, twice (decoder and job)

def test_two_extracts_on_one_folder(tmp_path, offline_env):
    "Item 7: a second extract into a folder another is writing to stops with one line, and the first finishes."
    out = tmp_path/'c'
    first = subprocess.Popen([str(EXE), 'extract', str(TRAIN), str(out), '--frames', '2'], env=offline_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=default_sigint)
    t0 = time.time()
    while not (out/'.lock').exists() or not any((out/'crops').glob('*/status.json')):
        assert time.time() - t0 < 120 and first.poll() is None; time.sleep(0.1)
    r = subprocess.run([str(EXE), 'extract', str(TRAIN), str(out), '--frames', '2'], env=offline_env, cwd=ROOT, capture_output=True, text=True)
    assert r.returncode == 2 and 'another extract is writing to this folder' in r.stderr and 'Traceback' not in r.stderr, r.stderr
    os.kill(first.pid, signal.SIGINT); first.wait(60)
    assert not list((out/'crops').glob('.*.tmp'))

def test_a_sample_submission_with_an_empty_name(cli, quick_model, tmp_path):
    "Item 7: an empty filename cell is a one-line error naming the line."
    d, names = _few(tmp_path/'v', 2)
    (d/'sample_submission.csv').write_text('filename,label\n' + names[0] + ',0.5\n,0.5\n')
    r = cli('predict', d, '--model', quick_model, '--out', tmp_path/'s.csv')
    assert r.returncode == 2 and 'line 3 has an empty filename' in r.stderr and 'Traceback' not in r.stderr, r.stderr

def test_a_video_damaged_in_the_middle_is_read_where_it_decodes(tmp_path):
    "Item 7: garbage over the middle of a clip: the frames that decode are read, and the status says how many did not."
    from deepfake_detect.crops import extract
    v = tmp_path/'v'; v.mkdir()
    make_damaged_middle(v/'damaged.mp4')
    st = extract(v, tmp_path/'c', frames=16, progress=False).status.set_index('video')
    assert st.status['damaged.mp4'] == 'ok' and st.faces['damaged.mp4'] > 0, st.reason['damaged.mp4']
