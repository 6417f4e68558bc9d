"The Ray engine: the same crop index and submission as the local engine, a worker killed mid-run, bad videos on workers."
import json, os, shutil, signal, subprocess, sys, threading, time
from pathlib import Path
import numpy as np, pandas as pd, pytest
import ray
from conftest import ROOT, SAMPLE
from deepfake_detect.cluster import RayOptions, NAMESPACE
from deepfake_detect.crops import extract, CropIndex
from deepfake_detect.inference import predict

pytestmark = pytest.mark.slow   # a Ray instance a test, workers killed on purpose: `make test-all` (CI) runs it, `make test` does not

TRAIN, TEST = SAMPLE/'train_sample_videos', SAMPLE/'test_videos'
EXE = Path(sys.executable).parent/'deepfake-detect'

@pytest.fixture(scope='module')
def cluster():
    "A local Ray instance with 2 CPUs, as a CI machine has."
    os.environ.setdefault('RAY_USAGE_STATS_ENABLED', '0')
    ray.init(num_cpus=2, namespace=NAMESPACE, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()

def _workers() -> dict:
    "pid -> title of the processes of Ray actors holding a deepfake_detect worker."
    out = {}
    for pid in filter(str.isdigit, os.listdir('/proc')):
        try: cmd = Path(f'/proc/{pid}/cmdline').read_bytes().replace(b'\0', b' ').decode(errors='replace')
        except OSError: continue
        if cmd.startswith('ray::DeepfakeWorker'): out[int(pid)] = cmd.strip()
    return out

def _same_index(a:CropIndex, b:CropIndex):
    "Same rows and crops; boxes within 1 px; same status for every video (timings aside), as written to disk."
    a, b = CropIndex.load(a.root), CropIndex.load(b.root)
    key = ['video', 'frame', 'track', 'crop_path', 'label', 'original', 'interpolated']
    pd.testing.assert_frame_equal(a.index[key], b.index[key])
    assert (a.index[['x0', 'y0', 'x1', 'y1']] - b.index[['x0', 'y0', 'x1', 'y1']]).abs().max().max() <= 1
    assert (a.index.prob - b.index.prob).abs().max() < 1e-3
    pd.testing.assert_frame_equal(a.status.drop(columns='seconds'), b.status.drop(columns='seconds'))
    assert all((b.root/p).is_file() for p in b.index.crop_path)

def test_ray_extract_equals_local_with_a_worker_killed(cluster, sample_crops, tmp_path):
    "Acceptance: the sample through 2 Ray workers, one killed with SIGKILL mid-run, gives the local engine's index."
    out, n_videos = tmp_path/'ray', len(CropIndex.load(sample_crops).status)
    seen = {}
    def kill_one():
        t0 = time.time()
        while time.time() - t0 < 300 and len(list((out/'crops').glob('*/status.json'))) < 40: time.sleep(0.05)
        before = _workers()
        pid = next((p for p, t in before.items() if t.endswith('.run')), None)
        if pid is None: return
        seen['done_at_kill'] = len(list((out/'crops').glob('*/status.json')))
        os.kill(pid, signal.SIGKILL); seen['killed'] = pid
        while time.time() - t0 < 300 and not set(_workers()) - set(before): time.sleep(0.05)
        seen['restarted'] = sorted(set(_workers()) - set(before))
    killer = threading.Thread(target=kill_one); killer.start()
    ci = extract(TRAIN, out, frames=8, progress=False, engine='ray', ray=RayOptions(shard=4))   # the sample_crops settings
    killer.join()
    assert 'killed' in seen and seen['done_at_kill'] < n_videos, f"no worker was killed mid-run: {seen}"
    assert seen['restarted'], "Ray did not restart the killed worker"
    _same_index(CropIndex.load(sample_crops), ci)
    assert not list((out/'crops').glob('.*'))                                  # nothing half-written
    t0 = time.time()
    while _workers() and time.time() - t0 < 20: time.sleep(0.2)
    assert not _workers(), "the workers outlived the job"

def test_ray_predict_equals_local(cluster, sample_submission, quick_model, tmp_path):
    "Acceptance: the command with --engine ray (joining the cluster with --ray-address auto) writes the local submission."
    local, far = sample_submission[0], tmp_path/'ray.csv'
    r = subprocess.run([str(EXE), 'predict', str(TEST), '--model', str(quick_model), '--out', str(far), '--frames', '8',
                        '--engine', 'ray', '--ray-address', 'auto', '--shard', '3'],
                       capture_output=True, text=True, env=dict(os.environ, HF_HUB_OFFLINE='1'), cwd=ROOT, timeout=600)
    assert r.returncode == 0, r.stdout + r.stderr
    a, b = pd.read_csv(local), pd.read_csv(far)
    assert a.filename.tolist() == b.filename.tolist() and np.abs(a.label - b.label).max() < 1e-6, (a.label - b.label).abs().max()
    la, lb = pd.read_csv(local.with_name('submission_videos.csv')), pd.read_csv(tmp_path/'ray_videos.csv')
    cols = ['filename', 'status', 'frames', 'faces', 'tracks']
    pd.testing.assert_frame_equal(la[cols], lb[cols])
    assert np.abs(la.p_raw - lb.p_raw).max() < 1e-6
    assert json.loads((tmp_path/'ray_run.json').read_text())['engine'] == 'ray'

class KillOn:
    "A detector that kills its process on frames of one size (a crash in native code), and is MTCNN otherwise."
    def __init__(self, size): self.size, self.det = size, None
    def detect(self, frames, idxs=None, scale=None):
        if tuple(np.asarray(frames).shape[1:3]) == self.size: os._exit(1)
        if self.det is None:
            from deepfake_detect.faces import Detector
            self.det = Detector()
        return self.det.detect(frames, idxs, scale)

ray.cloudpickle.register_pickle_by_value(__import__(__name__))   # the workers cannot import this test module

def test_bad_videos_on_workers_are_recorded_as_locally(cluster, bad_videos, bad_local, quick_model, tmp_path):
    "Acceptance: every kind of bad video gets the same status, message and prediction on a worker as locally."
    crops, sub = bad_local[:2]
    b = extract(bad_videos, tmp_path/'ray', frames=8, progress=False, engine='ray', ray=RayOptions(shard=3))
    _same_index(CropIndex.load(crops), b)
    assert (b.status.status != 'ok').sum() >= 8                                      # the bad ones really are there
    pa = pd.read_csv(sub.with_name('sub_videos.csv'), dtype={'filename': str}, keep_default_na=False)
    predict(bad_videos, quick_model, tmp_path/'sub.csv', frames=8, prior=0.45, progress=False, engine='ray', ray=RayOptions(shard=3))
    pb = pd.read_csv(tmp_path/'sub_videos.csv', dtype={'filename': str}, keep_default_na=False)
    cols = ['filename', 'status', 'reason', 'frames', 'faces']
    pd.testing.assert_frame_equal(pa[cols], pb[cols])
    assert np.abs(pa.label - pb.label).max() < 1e-6

def test_a_video_that_kills_its_worker_is_recorded(cluster, bad_videos, tmp_path):
    "A video that kills its worker every time (odd_size.mp4: the only 346x202 one) is recorded as unreadable; the rest are done."
    d = tmp_path/'videos'; d.mkdir()
    for n in ('odd_size.mp4', 'good.mp4', 'portrait.mp4', 'faceless.mp4'): shutil.copy(bad_videos/n, d/n)
    st = extract(d, tmp_path/'crops', frames=4, progress=False, engine='ray', detector=KillOn((346, 202)),
                 ray=RayOptions(shard=4, retries=1)).status.set_index('video')
    msg = st.reason['odd_size.mp4']
    assert st.status['odd_size.mp4'] == 'unreadable' and str(d/'odd_size.mp4') in msg and 'its worker died 2 times' in msg, msg
    assert st.status.drop(index='odd_size.mp4').to_dict() == {'good.mp4': 'ok', 'portrait.mp4': 'ok', 'faceless.mp4': 'no_face'}

def test_videos_by_url(cluster, quick_model, tmp_path):
    "Videos given as fsspec URLs (file:// here; s3:// or gs:// on a cluster) are listed, fetched and read like local ones, on either engine."
    part = tmp_path/'part'; part.mkdir()
    md = json.loads((TRAIN/'metadata.json').read_text())
    origs = sorted({v['original'] for v in md.values() if v['label'] == 'FAKE'})[:2]         # two originals with their fakes
    keep = {k for k, v in md.items() if k in origs or v.get('original') in origs}
    for k in keep: shutil.copy(TRAIN/k, part/k)
    (part/'metadata.json').write_text(json.dumps({k: v for k, v in md.items() if k in keep}))
    a = extract(part, tmp_path/'by_path', frames=4, progress=False)
    b = extract(part.as_uri(), tmp_path/'by_url', frames=4, progress=False)          # by URL, locally; the workers read URLs below
    _same_index(a, b)
    assert b.status.reused.sum() == (b.status.label == 'FAKE').sum() > 0
    test = tmp_path/'test'; test.mkdir()
    for v in sorted(TEST.glob('*.mp4'))[:4]: shutil.copy(v, test/v.name)
    (test/'gone.mp4').symlink_to(tmp_path/'nothing.mp4')
    pa = predict(test, quick_model, frames=4, progress=False)
    pb = predict(test.as_uri(), quick_model, frames=4, progress=False, engine='ray', ray=RayOptions(shard=2))
    assert pb.path.str.startswith('file://').all() and pa.filename.tolist() == pb.filename.tolist()
    assert pa.status.tolist() == pb.status.tolist() == ['ok'] * 4 + ['missing'] and np.abs(pa.label - pb.label).max() < 1e-6

def test_a_worker_that_cannot_start_stops_the_run(cluster, quick_model, tmp_path):
    "Issue 14, item 2: a worker whose construction fails stops the run with its cause (exit 2), instead of giving every video the prior."
    d = tmp_path/'v'; d.mkdir()
    for v in sorted(TEST.glob('*.mp4'))[:2]: shutil.copy(v, d/v.name)
    r = subprocess.run([str(EXE), 'extract', str(d), str(tmp_path/'c'), '--engine', 'ray', '--ray-address', 'auto', '--device', 'cuda:7'],
                       capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 2 and 'the Ray workers could not start' in r.stderr and 'cuda:7' in r.stderr and 'Traceback' not in r.stderr, r.stderr[-2000:]
    # a .pkl given with its safe pair beside it: the driver loads the pair, and so do the workers (they are sent the files it read)
    pkl = quick_model.with_suffix('.pkl')
    r = subprocess.run([str(EXE), 'predict', str(d), '--model', str(pkl), '--out', str(tmp_path/'s.csv'), '--frames', '4',
                        '--engine', 'ray', '--ray-address', 'auto'], capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (pd.read_csv(tmp_path/'s_videos.csv').status == 'ok').all()
