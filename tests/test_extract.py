"Extraction end to end: the sample, interruption and resume, and every kind of bad video."
import json, os, shutil, signal, subprocess, sys, time
from fractions import Fraction
from pathlib import Path
import av, numpy as np, pandas as pd, pytest
from conftest import ROOT, SAMPLE
from deepfake_detect.core import read_metadata
from deepfake_detect.crops import extract, CropIndex
from deepfake_detect.video import write_video, iter_frames

TRAIN = SAMPLE/'train_sample_videos'

def test_extract_sample_cli(cli, tmp_path):
    "Acceptance: a face track in every real video of the sample, an index; a second run does no work."
    out = tmp_path/'crops'
    r = cli('extract', TRAIN, out, check=True)
    ci = CropIndex.load(out)
    md = read_metadata(TRAIN)
    st = ci.status.set_index('video')
    reals = md[md.label == 'REAL'].video
    assert (st.status[reals] == 'ok').all() and (st.tracks[reals] >= 1).all(), st.loc[reals, ['status', 'tracks']]
    assert set(ci.index.video) >= set(reals)
    assert list(ci.index.columns[:12]) == ['video', 'frame', 'track', 'x0', 'y0', 'x1', 'y1', 'prob', 'interpolated', 'crop_path', 'label', 'original']
    assert all((out/p).exists() for p in ci.index.crop_path)
    before = {p: p.stat().st_mtime_ns for p in out.rglob('*') if p.is_file() and p.suffix in ('.jpg', '.json')}
    r2 = cli('extract', TRAIN, out, check=True)
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

# ---- bad input: each case is a real file; the run records a status per video and finishes the others

def _face_frames(n):
    src = sorted(TRAIN.glob('*.mp4'))
    md = json.loads((TRAIN/'metadata.json').read_text())
    real = next(p for p in src if md[p.name]['label'] == 'REAL' and md[p.name].get('method') == 'photo')
    fr = [f for _, f in iter_frames(real)]
    return [fr[i % len(fr)] for i in range(n)]

def _vfr(path, frames):
    "Variable frame rate: irregular gaps between timestamps."
    with av.open(str(path), 'w', format='mp4') as c:
        s = c.add_stream('libx264', rate=30); s.width, s.height, s.pix_fmt = frames[0].shape[1], frames[0].shape[0], 'yuv420p'
        s.codec_context.time_base = Fraction(1, 1000)
        t = 0
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(f, format='rgb24'); vf.pts, vf.time_base = t, Fraction(1, 1000)
            t += (20, 50, 33, 80)[i % 4]
            for pkt in s.encode(vf): c.mux(pkt)
        for pkt in s.encode(): c.mux(pkt)

def _audio_only(path):
    with av.open(str(path), 'w', format='mp4') as c:
        s = c.add_stream('aac', rate=44100)
        for i in range(20):
            fr = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format='fltp', layout='mono'); fr.sample_rate = 44100; fr.pts = i * 1024
            for pkt in s.encode(fr): c.mux(pkt)
        for pkt in s.encode(): c.mux(pkt)

@pytest.fixture(scope='module')
def bad_dir(tmp_path_factory):
    d = tmp_path_factory.mktemp('bad')
    frames = _face_frames(30)
    good = d/'good.mp4'; write_video(frames, good)
    (d/'zero_bytes.mp4').write_bytes(b'')
    (d/'truncated.mp4').write_bytes(good.read_bytes()[:len(good.read_bytes()) // 3])
    (d/'random_bytes.mp4').write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    (d/'text_file.mp4').write_text('this is not a video\n' * 50)
    _audio_only(d/'audio_only.mp4')
    write_video(frames[:1], d/'one_frame.mp4')
    write_video([np.ascontiguousarray(np.rot90(f)) for f in frames[:10]], d/'portrait.mp4')
    import cv2
    h, w = frames[0].shape[:2]   # an unusual size (not a multiple of 16), cut from the middle so the face stays undistorted
    write_video([f[(h - 346) // 2:(h - 346) // 2 + 346, (w - 202) // 2:(w - 202) // 2 + 202] for f in frames[:10]], d/'odd_size.mp4')
    _vfr(d/'variable_rate.mp4', frames[:20])
    return d

EXPECTED = {  # video -> (status, words in the message)
    'good.mp4': ('ok', ''), 'one_frame.mp4': ('ok', ''), 'portrait.mp4': ('ok', ''), 'odd_size.mp4': ('ok', ''), 'variable_rate.mp4': ('ok', ''),
    'zero_bytes.mp4': ('unreadable', 'empty file (0 bytes)'), 'truncated.mp4': ('unreadable', 'truncated.mp4'),
    'random_bytes.mp4': ('unreadable', 'not a readable video'), 'text_file.mp4': ('unreadable', 'not a readable video'),
    'audio_only.mp4': ('unreadable', 'has no video stream (audio only)'),
}

def test_bad_videos_get_a_status_and_the_rest_is_done(bad_dir, tmp_path):
    ci = extract(bad_dir, tmp_path/'out', n_frames=8, progress=False)
    st = ci.status.set_index('video')
    assert set(st.index) == set(EXPECTED)
    for v, (status, words) in EXPECTED.items():
        assert st.status[v] == status, (v, st.status[v], st.message[v])
        if words: assert words in st.message[v] and v in st.message[v], (v, st.message[v])
    assert st.frames['one_frame.mp4'] == 1 and st.faces['one_frame.mp4'] >= 1
    crops = ci.index[ci.index.video == 'portrait.mp4']
    assert (crops.y1 <= 640).all() and (crops.x1 <= 360).all()   # boxes in the portrait frame

def test_bad_videos_through_the_cli(cli, bad_dir, tmp_path):
    r = cli('extract', bad_dir, tmp_path/'out', '--frames', 4)
    assert r.returncode == 0 and 'Traceback' not in r.stderr, r.stderr
    assert 'unreadable 5' in r.stdout and 'ok 5' in r.stdout, r.stdout
