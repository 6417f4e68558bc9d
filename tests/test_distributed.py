"""Issue 40: training in several processes (`train --nprocs 2`, gloo on the CPU) through the command."""
import json, os, signal, subprocess, sys, time
from pathlib import Path
import pandas as pd, pytest, torch
from conftest import ROOT, default_sigint

pytestmark = pytest.mark.slow   # trains with two processes, three times: `make test-all` (CI) runs it, `make test` does not

ARGS = ['--sizes', '64:4', '--bs', 16, '--per-video', 4, '--freeze-epochs', 0, '--valid-frames', 2, '--nprocs', 2,
        '--sbi', 0, '--p-merge', 0, '--p-source', 0]   # a tiny model, plain pairs: four short epochs are enough to see the loss fall
EXE = str(Path(sys.executable).parent/'deepfake-detect')

def _start(crops, out, env, *more):
    return subprocess.Popen([EXE, 'train', str(crops), '--out', str(out), *map(str, ARGS), *map(str, more)], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, preexec_fn=default_sigint)

def _ranks(parent) -> dict:
    "The rank of each child process of `parent` (from its environment)."
    res = {}
    for d in Path('/proc').iterdir():
        try:
            if d.name.isdigit() and int((d/'stat').read_text().split(') ')[1].split()[1]) == parent:
                env = dict(kv.split('=', 1) for kv in (d/'environ').read_text().split('\0') if '=' in kv)
                res[int(env['RANK'])] = int(d.name)
        except (OSError, KeyError, ValueError, IndexError): pass
    return res

def test_two_processes_train_and_resume_to_the_same_weights(cli, sample_crops, tmp_path, offline_env):
    "Two ranks train a tiny model (the loss falls, rank 0 alone writes); Ctrl-C after the first epoch, then --resume: the weights of a run that never stopped."
    r = cli('train', sample_crops, '--out', tmp_path/'a.pkl', *ARGS, check=True)
    assert 'epoch 4/4 at 64 px' in r.stdout and r.stdout.count('epoch 1/4') == 1, r.stdout[-2000:]   # rank 0 alone reports
    cfg = json.loads((tmp_path/'a.json').read_text())
    assert cfg['train']['nprocs'] == 2
    hist = pd.read_csv(tmp_path/'a_history.csv')
    assert hist.train_loss.is_monotonic_decreasing and hist.valid_loss.iloc[-1] < hist.valid_loss.iloc[0], hist
    assert sorted(p.name for p in tmp_path.iterdir()) == ['a.best.pth', 'a.json', 'a.pkl', 'a.pth', 'a_curves.png', 'a_history.csv', 'a_roc.png']
    b = tmp_path/'b.pkl'
    p = _start(sample_crops, b, offline_env)
    t0 = time.time()
    while not b.with_suffix('.resume.pth').exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    p.send_signal(signal.SIGINT); out, err = p.communicate(timeout=300)
    assert p.returncode == 130 and 'Traceback' not in err and not b.with_suffix('.pth').exists(), (p.returncode, err[-2000:])
    r = cli('train', sample_crops, '--out', b, *ARGS, '--resume', check=True)
    assert 'resuming from' in r.stdout and 'epoch 4/4 at 64 px' in r.stdout, r.stdout[-2000:]
    wa, wb = (torch.load(f, weights_only=True) for f in (tmp_path/'a.pth', tmp_path/'b.pth'))
    assert all(torch.equal(v, wb[k]) for k, v in wa.items())
    assert not b.with_suffix('.resume.pth').exists()

def test_a_killed_process_ends_the_run_with_one_line(sample_crops, tmp_path, offline_env):
    "Rank 1 killed mid-training: rank 0 is stopped rather than left waiting, and the run ends with one line and exit 2."
    b = tmp_path/'k.pkl'
    p = _start(sample_crops, b, offline_env)
    t0 = time.time()
    while not b.with_suffix('.resume.pth').exists() and p.poll() is None and time.time() - t0 < 300: time.sleep(0.05)
    ranks = _ranks(p.pid)
    assert set(ranks) == {0, 1}, ranks
    os.kill(ranks[1], signal.SIGKILL)
    out, err = p.communicate(timeout=120)
    assert p.returncode == 2, (p.returncode, err[-2000:])
    lines = [l for l in err.strip().splitlines() if l.startswith('deepfake-detect train: error:')]
    assert len(lines) == 1 and 'training process 1 of 2 was killed by signal 9' in lines[0] and 'Traceback' not in err, err[-2000:]
    assert not _ranks(p.pid) and not b.with_suffix('.pth').exists()
