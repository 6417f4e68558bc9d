"End-to-end tests of the `deepfake-detect` command, run as a user would, with the network blocked."
import json, os, subprocess, sys
import pandas as pd
import pytest
from conftest import ROOT, SAMPLE

def test_network_is_blocked_in_subprocesses(offline_env):
    "The guard works: a subprocess that tries to connect fails."
    code = "import urllib.request; urllib.request.urlopen('http://127.0.0.1:9', timeout=2)"
    r = subprocess.run([sys.executable, '-c', code], env=offline_env, capture_output=True, text=True)
    assert r.returncode != 0 and 'network blocked by the test' in r.stderr

def test_import_offline(offline_env):
    r = subprocess.run([sys.executable, '-c', 'import deepfake_detect, deepfake_detect.cli, deepfake_detect.synth; print(deepfake_detect.__version__)'],
                       env=offline_env, capture_output=True, text=True)
    assert r.returncode == 0, r.stderr

def test_info_sample(cli):
    r = cli('info', SAMPLE, check=True)
    meta = json.loads((SAMPLE/'train_sample_videos'/'metadata.json').read_text())
    n_fake = sum(v['label'] == 'FAKE' for v in meta.values())
    line = next(l for l in r.stdout.splitlines() if l.startswith('total'))
    assert line.split()[1:4] == [str(len(meta)), str(len(meta) - n_fake), str(n_fake)]
    for s in ['Training parts', 'Test videos', 'Resolutions', '640x360', 'Frame rate and length']: assert s in r.stdout
    assert 'Unreadable' not in r.stdout

def test_info_bad_input_is_one_line(cli, tmp_path):
    r = cli('info', tmp_path/'nope')
    assert r.returncode == 2 and 'Traceback' not in r.stderr
    assert r.stderr.strip() == f"deepfake-detect info: error: {tmp_path/'nope'}: no such file or folder"
    (tmp_path/'metadata.json').write_text('{broken')
    r = cli('info', tmp_path)
    assert r.returncode == 2 and 'metadata.json: not valid JSON' in r.stderr and 'Traceback' not in r.stderr

@pytest.mark.slow   # a minute of rendering; 12_synth's tests and the synth refusal below cover the command in `make test`
def test_synth_20_playable_videos(cli, tmp_path):
    "The acceptance check: 20 playable videos, every fake names an existing original; offline."
    out = tmp_path/'s'
    r = cli('synth', '--out', out, '--videos', 20, '--seed', 1, check=True)
    assert 'wrote 20 videos' in r.stdout
    vids = sorted(out.rglob('*.mp4'))
    assert len(vids) == 20
    import av
    for v in vids:
        with av.open(str(v)) as c:
            n = sum(1 for _ in c.decode(video=0))
        assert n == 60, (v, n)
    meta = json.loads((out/'train_sample_videos'/'metadata.json').read_text())
    names = set(meta)
    fakes = {k: v for k, v in meta.items() if v['label'] == 'FAKE'}
    assert fakes and all(v['original'] in names and meta[v['original']]['label'] == 'REAL' for v in fakes.values())
    assert all(v['split'] == 'train' for v in meta.values())
    labels = pd.read_csv(out/'test_labels.csv')
    assert sorted(labels.filename) == sorted(p.name for p in (out/'test_videos').glob('*.mp4'))
    sub = pd.read_csv(out/'test_videos'/'sample_submission.csv')
    assert sorted(sub.filename) == sorted(labels.filename) and (sub.label == 0.5).all()
    # rerun does no work; info reads what synth wrote
    before = {p: p.stat().st_mtime_ns for p in vids}
    cli('synth', '--out', out, '--videos', 20, '--seed', 1, check=True)
    assert {p: p.stat().st_mtime_ns for p in vids} == before
    assert 'Training parts' in cli('info', out, check=True).stdout

def test_synth_refuses_a_folder_made_differently(cli, tmp_path):
    out = tmp_path/'s'
    cli('synth', '--out', out, '--videos', 3, '--test', 0, '--seconds', 0.3, '--size', '160x90', '--no-clips', check=True)
    r = cli('synth', '--out', out, '--videos', 3, '--test', 0, '--seconds', 0.3, '--size', '160x90', '--no-clips', '--seed', 5)
    assert r.returncode == 2 and 'made with other settings' in r.stderr

def test_unknown_command_and_help(cli):
    r = cli('frobnicate'); assert r.returncode == 2 and 'unknown command' in r.stderr
    r = cli('--help'); assert r.returncode == 0 and 'info' in r.stdout and 'synth' in r.stdout

def test_engine_options_are_checked(cli, tmp_path):
    "Ray options without --engine ray, an unknown engine, an unreachable cluster: one line each, exit 2."
    train = SAMPLE/'train_sample_videos'
    for args, msg in [(('--ray-address', 'auto'), 'need --engine ray'), (('--engine', 'spark'), 'choose local or ray'),
                      (('--engine', 'ray', '--ray-workers', 0), 'at least 1'),
                      (('--engine', 'ray', '--ray-address', '127.0.0.1:9'), 'could not connect to the Ray cluster at 127.0.0.1:9')]:
        r = cli('extract', train, tmp_path/'out', *args)
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, (args, r.stderr[-2000:])
    assert 'engine' in cli('predict', '--help').stdout and 'ray-address' in cli('extract', '--help').stdout

def test_light_modules_import_no_heavy_libraries():
    "Issue 37: prediction imports no fastai learner, matplotlib or sklearn (a Kaggle kernel starts faster); the report imports no fastai; `info` no torch (it answers in a second)."
    code = ("import sys, importlib; importlib.import_module(sys.argv[1]); "
            "print(' '.join(m for m in ('fastai', 'fastai.learner', 'matplotlib', 'sklearn', 'torch') if m in sys.modules))")
    loaded = lambda mod: subprocess.run([sys.executable, '-c', code, mod], capture_output=True, text=True, check=True).stdout.split()
    assert not {'fastai.learner', 'matplotlib', 'sklearn'} & set(loaded('deepfake_detect.inference')), loaded('deepfake_detect.inference')
    assert 'fastai' not in loaded('deepfake_detect.report'), loaded('deepfake_detect.report')
    assert not loaded('deepfake_detect.info'), loaded('deepfake_detect.info')
