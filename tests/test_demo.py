"The whole job in one command, and its report rendered by a real browser."
import json, re, shutil, subprocess
from pathlib import Path
import numpy as np
import pandas as pd
import pytest
from conftest import ROOT, chromium
from deepfake_detect.core import read_submission, validate_submission

SECTIONS = ('data', 'faces', 'training', 'evaluation', 'wrong', 'time', 'config')

@pytest.fixture(scope='module')
def demo_run(cli, small_sample, tmp_path_factory):
    "The demo, on small settings and a smaller copy of the sample (the README's `make demo` runs the defaults on all of it)."
    run = tmp_path_factory.mktemp('demo')/'run'
    r = cli('demo', '--out', run, '--data', small_sample, '--frames', 4, '--predict-frames', 4, '--sizes', '64:1', '--per-video', 2, check=True)
    return run, r

def test_demo_writes_report_submission_and_metrics(demo_run, small_sample):
    run, r = demo_run
    for k, name in enumerate(['info', 'extract training faces', 'train', 'predict test videos', 'evaluate', 'report'], 1):
        assert f'[{k}/6] {name}' in r.stdout, (name, r.stdout[-2000:])
    assert 'demo finished in' in r.stdout
    expected = pd.read_csv(small_sample/'test_videos'/'sample_submission.csv').filename.tolist()
    validate_submission(read_submission(run/'submission.csv'), expected)
    m = json.loads((run/'eval'/'metrics.json').read_text())
    assert m['videos'] == len(expected) and m['auc'] is not None
    cfg = json.loads((run/'config.json').read_text())
    assert cfg['params']['seed'] == 42 and cfg['params']['sizes'] == '64:1' and {'torch', 'fastai', 'decord'} <= set(cfg['versions'])
    assert cfg['params']['members'] == 2                                    # an ensemble of two seeds by default, both used to predict
    seeds = [json.loads((run/'models'/f'{n}.json').read_text())['train']['seed'] for n in ('sample', 'sample_2')]
    assert seeds == [42, 43], seeds
    used = json.loads((run/'submission_run.json').read_text())['models']
    assert [Path(m).name for m in used] == ['sample.pth', 'sample_2.pth'], used
    assert 'model 2 of 2:' in r.stdout
    t = pd.read_csv(run/'timings.csv')
    assert t.stage.tolist() == ['info', 'extract training faces', 'train', 'predict test videos', 'evaluate', 'report'] and (t.seconds >= 0).all()
    page = (run/'report.html').read_text()
    for s in SECTIONS: assert f'<section id="{s}">' in page, s
    assert page.count('data:image/png;base64,') >= 6 and 'class="missing"' not in page
    assert 'of a 10-minute budget (600 s: within it)' in page               # the time section says against what
    ref = json.loads((run/'reference'/'eval'/'metrics.json').read_text())   # the reference model the package ships, on the same videos
    assert ref['videos'] == len(expected) and 'the reference model the package ships, on the same videos: log loss' in r.stdout
    assert 'Beside the reference model' in page and f"{ref['log_loss']:.4g}" in page
    assert (run/'reference'/'figures.json').exists() and 'The recipes over seeds' in page   # the spread over seeds that `make figures` measured (issue 39)
    assert not re.search(r'(src|href)="https?:', page)                      # self-contained

def test_demo_keeps_its_time_budget(demo_run, small_sample, cli, tmp_path):
    "Over its budget, the demo cuts its training's schedule and trains no second model, says both, and predicts with the one (extraction resumes from a copy of the first run)."
    run = tmp_path/'run'
    shutil.copytree(demo_run[0], run)   # its models/sample_2.* stay: the report must not count a member this run did not use
    r = cli('demo', '--out', run, '--data', small_sample, '--frames', 4, '--predict-frames', 4, '--sizes', '64:1,80:1', '--per-video', 2, '--budget-minutes', 0.01, check=True)
    assert 'model 2 of 2 skipped' in r.stdout and 'budget of 0.01 minutes' in r.stdout, r.stdout[-2000:]
    assert 'time budget: 80:1 would take about' in r.stdout and 'nothing more instead' in r.stdout, r.stdout[-2000:]   # the schedule is cut, said
    assert json.loads((run/'models'/'sample.json').read_text())['schedule'] == '64:1'
    assert 'of a 0.01-minute budget (1 s: over it)' in (run/'report.html').read_text()
    assert [Path(m).name for m in json.loads((run/'submission_run.json').read_text())['models']] == ['sample.pth']
    assert 'ensemble' not in (run/'report.html').read_text()
    r = cli('demo', '--out', run, '--budget-minutes', -1)
    assert r.returncode == 2 and '--budget-minutes -1' in r.stderr and 'Traceback' not in r.stderr

def test_demo_bad_data_folder(cli, tmp_path):
    r = cli('demo', '--out', tmp_path/'x', '--data', tmp_path)
    assert r.returncode == 2 and 'need train_sample_videos/ and test_videos/' in r.stderr and 'Traceback' not in r.stderr


def test_report_renders_in_headless_chromium(demo_run, tmp_path):
    exe = chromium()
    if exe is None: pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); CI installs it and runs this test")
    run, _ = demo_run
    uri = (run/'report.html').resolve().as_uri()
    flags = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', f'--user-data-dir={tmp_path/"profile"}']
    dom = subprocess.run(flags + ['--virtual-time-budget=10000', '--dump-dom', uri], capture_output=True, text=True, timeout=120).stdout
    body = re.search(r'<body([^>]*)>', dom)
    assert body, dom[:500]
    attrs = dict(re.findall(r'data-([\w-]+)="(\d+)"', body.group(1)))
    assert int(attrs['sections']) == len(SECTIONS) and int(attrs['images']) >= 6, attrs
    assert attrs['images-rendered'] == attrs['images'], f"only {attrs['images-rendered']} of {attrs['images']} images rendered"
    for h in ('Data', 'Faces', 'Training with progressive resizing', 'Evaluation on the test videos', 'Most wrong videos', 'Time per stage'):
        assert f'>{h}</h2>' in dom, h
    png = tmp_path/'report.png'
    subprocess.run(flags + ['--hide-scrollbars', '--window-size=1200,2400', f'--screenshot={png}', uri], capture_output=True, timeout=120)
    from PIL import Image
    img = np.asarray(Image.open(png).convert('RGB'))
    assert img.shape == (2400, 1200, 3)
    assert img.std() > 20 and len(np.unique(img.reshape(-1, 3)[::97], axis=0)) > 200      # text and plots, not a blank page
