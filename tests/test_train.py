"Training from the command line on the sample's crops, and the model it writes."
import json, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT, SAMPLE, default_sigint

TINY = ['--sizes', '64:1,96:2', '--bs', 16, '--per-video', 2, '--freeze-epochs', 0, '--valid-frames', 2]   # plumbing, not quality: a tiny run

@pytest.fixture(scope='module')
def tiny_run(cli, sample_crops, tmp_path_factory):
    "A tiny training that never stopped: its model file and the command's output (the resume test's reference too)."
    out = tmp_path_factory.mktemp('tiny')/'models'/'m.pkl'
    return out, cli('train', sample_crops, '--out', out, *TINY, check=True)

def test_train_cli_writes_a_model_that_loads_offline(tiny_run, offline_env):
    out, r = tiny_run
    assert 'kept epoch' in r.stdout and 'video log loss' in r.stdout, r.stdout
    for suffix in ('.pth', '.json', '.pkl'): assert out.with_suffix(suffix).exists()
    for png in ('m_curves.png', 'm_roc.png'): assert (out.parent/png).stat().st_size > 1000
    cfg = json.loads(out.with_suffix('.json').read_text())
    assert cfg['arch'] == 'efficientnet_lite0' and cfg['size'] == cfg['best_stage_size'] in (64, 96) and cfg['n_valid_videos'] > 0
    code = ("import torch; from deepfake_detect.saving import load_model; m, c = load_model(%r); "
            "print(m(torch.zeros(2, 3, c['size'], c['size'])).softmax(1).shape)") % str(out.with_suffix('.pth'))
    p = subprocess.run([sys.executable, '-c', code], env=offline_env, capture_output=True, text=True)
    assert p.returncode == 0 and 'torch.Size([2, 2])' in p.stdout, p.stderr

def test_train_bad_input(cli, tmp_path, sample_crops):
    r = cli('train', tmp_path/'nothing', '--out', tmp_path/'m.pkl')
    assert r.returncode == 2 and 'no index.csv' in r.stderr and 'Traceback' not in r.stderr
    # good crops, an impossible schedule: only the size check can stop it (without it, training would start)
    for sizes in ('big', '16:1', '128:0'):
        r = cli('train', sample_crops, '--out', tmp_path/'m.pkl', '--sizes', sizes)
        assert r.returncode == 2 and 'SIZE:EPOCHS' in r.stderr and 'Traceback' not in r.stderr, (sizes, r.stderr[-500:])
    assert not (tmp_path/'m.pth').exists()

def test_train_resumes_after_ctrl_c_with_the_same_weights(cli, sample_crops, tiny_run, tmp_path, offline_env):
    "Issue 39: Ctrl-C in the second epoch, then `train --resume`: it goes on from the first epoch's checkpoint and ends with the weights of a run that never stopped."
    import signal, time, torch
    args, a = TINY, tiny_run[0]
    b = tmp_path/'b.pkl'
    p = subprocess.Popen([str(Path(sys.executable).parent/'deepfake-detect'), 'train', str(sample_crops), '--out', str(b), *map(str, args)],
                         env=offline_env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)
    t0 = time.time()
    while not b.with_suffix('.resume.pth').exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    p.send_signal(signal.SIGINT); err = p.communicate(timeout=300)[1]
    assert p.returncode == 130 and 'Traceback' not in err and not b.with_suffix('.pth').exists(), (p.returncode, err[-2000:])
    r = cli('train', sample_crops, '--out', b, *args, '--resume', check=True)
    assert 'resuming from' in r.stdout and '1 of 3 epochs done' in r.stdout and 'epoch 3/3 at 96 px' in r.stdout, r.stdout[-2000:]
    wa, wb = (torch.load(f, weights_only=True) for f in (a.with_suffix('.pth'), b.with_suffix('.pth')))
    assert all(torch.equal(v, wb[k]) for k, v in wa.items())
    assert not b.with_suffix('.resume.pth').exists()

def test_predict_cuts_crops_as_the_model_was_trained(cli, tmp_path):
    "Issue 37: `extract --quality 40`, then `train`: the model records it, and `predict` (no --quality) encodes its crops at 40, not at the default."
    from deepfake_detect.core import read_metadata, first_originals
    part = tmp_path/'part'; part.mkdir()
    md = first_originals(read_metadata(SAMPLE/'train_sample_videos'), 6)
    import shutil
    for p in md.path: shutil.copy(p, part/Path(p).name)
    full = json.loads((SAMPLE/'train_sample_videos'/'metadata.json').read_text())
    (part/'metadata.json').write_text(json.dumps({v: full[v] for v in md.video}))
    cli('extract', part, tmp_path/'c', '--frames', 4, '--quality', 40, check=True)
    assert json.loads((tmp_path/'c'/'run.json').read_text())['crop']['quality'] == 40
    cli('train', tmp_path/'c', '--out', tmp_path/'m.pkl', '--sizes', '64:1', '--bs', 8, '--per-video', 2, '--freeze-epochs', 0, '--valid-pct', 0.34, check=True)
    assert json.loads((tmp_path/'m.json').read_text())['crop']['quality'] == 40
    d = tmp_path/'v'; d.mkdir(); shutil.copy(sorted((SAMPLE/'test_videos').glob('*.mp4'))[0], d/'a.mp4')
    cli('predict', d, '--model', tmp_path/'m.pth', '--out', tmp_path/'s.csv', '--frames', 4, check=True)
    assert json.loads((tmp_path/'s_run.json').read_text())['crop']['quality'] == 40
