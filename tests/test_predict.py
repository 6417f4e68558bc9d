"Prediction, evaluation and the offline Kaggle bundle, driven through the command line as a user would."
import json, os, shutil, subprocess, sys, venv
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, SAMPLE
from deepfake_detect.core import read_submission, validate_submission

def _expected(test_dir): return pd.read_csv(Path(test_dir)/'sample_submission.csv').filename.tolist()

def test_predict_then_evaluate_the_sample(cli, quick_model, sample_submission, tmp_path):
    sub, r = sample_submission
    expected = _expected(SAMPLE/'test_videos')
    validate_submission(read_submission(sub), expected)            # every test video exactly once, labels in [0, 1]
    assert f'{len(expected)} videos: ok {len(expected)}' in r.stdout, r.stdout
    log = pd.read_csv(sub.with_name('submission_videos.csv'))
    run = json.loads(sub.with_name('submission_run.json').read_text())
    assert run['score']['tta'] == 2 and run['crop']['frames'] == 8 and run['models'] == [str(quick_model)] and 'torch' in run['versions']
    assert run['clip'] == json.loads(quick_model.with_suffix('.json').read_text())['clip']          # the bound the model chose
    assert (log.status == 'ok').all() and log.label.between(run['clip'], 1 - run['clip']).all() and log.faces.min() > 0
    r = cli('evaluate', sub, SAMPLE/'test_labels.csv', '--out-dir', tmp_path/'eval', check=True)
    assert 'log loss' in r.stdout and 'AUC' in r.stdout and 'calibration: log loss' in r.stdout, r.stdout
    m = json.loads((tmp_path/'eval'/'metrics.json').read_text())
    assert m['videos'] == len(expected) and 0 <= m['auc'] <= 1 and m['log_loss'] > 0 and set(m['log_loss_at_clip']) >= {'none', '0.01', '0.1'}
    for png in ('evaluation', 'roc', 'reliability', 'hist', 'wrong'): assert (tmp_path/'eval'/f'{png}.png').stat().st_size > 5000, png

def test_predict_gives_every_video_an_answer(cli, quick_model, tmp_path):
    d = tmp_path/'test_videos'; d.mkdir()
    good = sorted((SAMPLE/'test_videos').glob('*.mp4'))[:2]
    for g in good: shutil.copy(g, d/g.name)
    (d/'empty.mp4').write_bytes(b'')
    (d/'noise.mp4').write_bytes(np.random.default_rng(0).bytes(5000))
    from deepfake_detect.video import write_video
    write_video(np.full((12, 72, 128, 3), 80, np.uint8), d/'faceless.mp4', fps=12)
    names = [g.name for g in good] + ['empty.mp4', 'noise.mp4', 'faceless.mp4', 'listed but gone.mp4']
    pd.DataFrame(dict(filename=names, label=0.5)).to_csv(d/'sample_submission.csv', index=False)
    r = cli('predict', d, '--model', quick_model, '--out', tmp_path/'s.csv', '--frames', 6, '--prior', 0.4, check=True)
    assert 'Traceback' not in r.stderr
    validate_submission(read_submission(tmp_path/'s.csv'), names)
    log = pd.read_csv(tmp_path/'s_videos.csv').set_index('filename')
    assert log.loc[['empty.mp4', 'noise.mp4'], 'status'].tolist() == ['unreadable'] * 2
    assert log.loc['faceless.mp4', 'status'] == 'no_face' and log.loc['listed but gone.mp4', 'status'] == 'missing'
    assert log.loc[['empty.mp4', 'noise.mp4', 'faceless.mp4', 'listed but gone.mp4'], 'label'].tolist() == [0.4] * 4
    assert log.loc[['empty.mp4', 'noise.mp4', 'faceless.mp4'], 'reason'].str.len().min() > 10
    # user mistakes: one line, exit 2
    for args, msg in [(('--model', tmp_path/'nope.pth'), 'no such model file'),
                      (('--model', quick_model, '--tta', 7), 'choose 1 to 4 views'), (('--model', quick_model, '--agg', 'mode'), 'choose from')]:
        r = cli('predict', d, *args, '--out', tmp_path/'x.csv')
        assert r.returncode == 2 and msg in r.stderr and 'Traceback' not in r.stderr, (args, r.stderr)
    r = cli('evaluate', tmp_path/'s.csv', tmp_path/'no_labels.csv')
    assert r.returncode == 2 and 'no such labels file' in r.stderr

def test_bundle_installs_offline_and_predicts(quick_model, bundle_dir, kaggle_python, tmp_path, offline_env):
    b, py = bundle_dir, kaggle_python
    wheels = {w.name.split('-')[0].lower() for w in b.glob('*.whl')}
    assert {'deepfake_detect', 'facenet_pytorch', 'decord', 'av'} <= wheels and not {'torch', 'torchvision', 'fastai'} & wheels, wheels
    assert (b/'models'/quick_model.name).exists() and (b/'models'/quick_model.with_suffix('.json').name).exists()
    check = [str(py), '-c', 'import importlib.util as u; print(u.find_spec("deepfake_detect"), u.find_spec("facenet_pytorch"), u.find_spec("torch") is not None)']
    assert subprocess.run(check, capture_output=True, text=True, cwd=tmp_path).stdout.startswith('None None True')   # as on Kaggle: torch, no package
    r = subprocess.run([str(py), '-m', 'pip', 'install', '--no-index', '--find-links', str(b), '--no-deps', '-r', str(b/'requirements.txt')],
                       capture_output=True, text=True, env=offline_env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    d = tmp_path/'test_videos'; d.mkdir()
    for g in sorted((SAMPLE/'test_videos').glob('*.mp4'))[:3]: shutil.copy(g, d/g.name)
    code = ("import sys, deepfake_detect; from deepfake_detect.cli import main; print(deepfake_detect.__file__); "
            f"sys.exit(main(['predict', {str(d)!r}, '--model', {str(b/'models'/quick_model.name)!r}, '--out', 'sub.csv', '--frames', '4']))")
    r = subprocess.run([str(py), '-c', code], capture_output=True, text=True, env=offline_env, cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert str(py.parent.parent) in r.stdout.splitlines()[0]                 # the bundle's copy, not this checkout
    import zipfile
    wheel = next(b.glob('deepfake_detect-*.whl'))
    assert {'deepfake_detect/models/reference.pth', 'deepfake_detect/models/reference.json', 'deepfake_detect/models/MODEL_CARD.md'} <= set(zipfile.ZipFile(wheel).namelist())
    validate_submission(read_submission(tmp_path/'sub.csv'), [g.name for g in d.glob('*.mp4')])

def test_predict_without_a_model_uses_the_reference_model(cli, tmp_path):
    "Issue 39: no --model: the reference model shipped in the package predicts, and the command says so on one line."
    from deepfake_detect.inference import reference_model
    ref = reference_model()
    if ref is None: pytest.fail("this build ships no reference model (deepfake_detect/models/reference.pth)")
    d = tmp_path/'v'; d.mkdir()
    for g in sorted((SAMPLE/'test_videos').glob('*.mp4'))[:3]: shutil.copy(g, d/g.name)
    r = cli('predict', d, '--out', tmp_path/'s.csv', '--frames', 4, check=True)
    assert sum('reference model' in l for l in r.stdout.splitlines()) == 1, r.stdout
    assert json.loads((tmp_path/'s_run.json').read_text())['models'] == [str(ref)]
    validate_submission(read_submission(tmp_path/'s.csv'), [g.name for g in d.glob('*.mp4')])
