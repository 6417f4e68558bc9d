"""What the benchmarks and the tests share: DFDC-shaped clips, a process tree's memory, and bad inputs built as real files
(the robustness tests and bench/robustness.py, bench/faults.py, bench/decoders.py)."""
import json, os, shutil, time
from fractions import Fraction
from pathlib import Path
import av, cv2, numpy as np
from deepfake_detect.video import write_video, iter_frames

ROOT = Path(__file__).resolve().parents[1]
TRAIN = ROOT/'data'/'sample'/'train_sample_videos'

def make_videos(data, n, plain=False):
    """`n` DFDC-shaped clips (1920x1080, 10 s, 30 fps) in `data`, made once: originals and their fakes with metadata.json
    in `data/train_sample_videos`, or with `plain` the first `n` clips alone in `data/videos` (no metadata: nothing to reuse)."""
    from deepfake_detect.synth import make_dataset
    where = data/('videos' if plain else 'train_sample_videos')
    if len(list(where.glob('*.mp4'))) < n if plain else not (where/'metadata.json').exists():
        t0 = time.time()
        plan = make_dataset(data/'synth' if plain else data, videos=n, test=0, size=(1920, 1080), seconds=10, fps=30, clips=False, scales=(1,),
                            portrait_frac=0, workers=2, seed=0, progress=False)
        if plain:
            where.mkdir(parents=True, exist_ok=True)
            for v in plan.path: os.replace(v, where/Path(v).name)
        print(f"made {n} DFDC-shaped clips in {time.time() - t0:.0f} s", flush=True)
    return sorted(where.glob('*.mp4'))[:n] if plain else sorted(where.glob('*.mp4'))

def tree_rss(pid) -> float:
    "Resident memory (MB) of process `pid` and all its descendants, from /proc."
    kids, rss = {}, {}
    for d in Path('/proc').iterdir():
        if not d.name.isdigit(): continue
        try:
            st = (d/'stat').read_text(); ppid = int(st.rsplit(')', 1)[1].split()[1])
            kids.setdefault(ppid, []).append(int(d.name))
            rss[int(d.name)] = next(int(l.split()[1]) for l in (d/'status').read_text().splitlines() if l.startswith('VmRSS')) / 1024
        except (OSError, StopIteration, ValueError, IndexError): pass
    todo, total = [pid], 0.
    while todo:
        p = todo.pop(); total += rss.get(p, 0.); todo += kids.get(p, [])
    return total

def face_frames(n):
    "`n` frames of a real photo clip of the sample (one face, well lit)."
    md = json.loads((TRAIN/'metadata.json').read_text())
    real = next(TRAIN/k for k in sorted(md) if md[k]['label'] == 'REAL' and md[k].get('source') == 'photo')
    fr = [f for _, f in iter_frames(real)]
    return [fr[i % len(fr)] for i in range(n)]

def vfr(path, frames):
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

def audio_only(path):
    with av.open(str(path), 'w', format='mp4') as c:
        s = c.add_stream('aac', rate=44100)
        for i in range(20):
            fr = av.AudioFrame.from_ndarray(np.zeros((1, 1024), np.float32), format='fltp', layout='mono'); fr.sample_rate = 44100; fr.pts = i * 1024
            for pkt in s.encode(fr): c.mux(pkt)
        for pkt in s.encode(): c.mux(pkt)

def rotation_tagged(path, frames):
    "Frames stored sideways with a display-rotation tag that turns them upright."
    sideways = [np.ascontiguousarray(np.rot90(f, -1)) for f in frames]    # a quarter turn clockwise; the tag turns it back
    h, w = sideways[0].shape[:2]
    with av.open(str(path), 'w', format='mp4') as c:
        s = c.add_stream('libx264', rate=30); s.width, s.height, s.pix_fmt = w, h, 'yuv420p'
        s.set_display_rotation(90)
        for f in sideways:
            for pkt in s.encode(av.VideoFrame.from_ndarray(f, format='rgb24')): c.mux(pkt)
        for pkt in s.encode(): c.mux(pkt)

def _paste(frame, face, x, y):
    out = frame.copy(); h, w = face.shape[:2]
    x0, y0, x1, y1 = max(x, 0), max(y, 0), min(x + w, out.shape[1]), min(y + h, out.shape[0])
    out[y0:y1, x0:x1] = face[y0 - y:y1 - y, x0 - x:x1 - x]
    return out

def _cases(path=Path(__file__).with_name('bad_inputs.csv')) -> dict:
    "name -> (the extraction statuses it may get, what a reader should know), from bench/bad_inputs.csv; a mode-000 file is readable to root."
    import csv
    with open(path, newline='', encoding='utf-8') as f: rows = list(csv.DictReader(f))
    ok_as_root = lambda st: {'ok'} if os.geteuid() == 0 else {'unreadable'}
    return {r['video']: (ok_as_root(r['statuses']) if r['statuses'] == 'unreadable (ok as root)' else set(r['statuses'].split('/')), r['what']) for r in rows}

CASES = _cases()

def make_bad_videos(d) -> dict:
    "Write every case of `CASES` into folder `d`; returns CASES."
    d = Path(d); d.mkdir(parents=True, exist_ok=True)
    frames = face_frames(30)
    h, w = frames[0].shape[:2]
    good = d/'good.mp4'; write_video(frames, good)
    (d/'zero_bytes.mp4').write_bytes(b'')
    (d/'truncated.mp4').write_bytes(good.read_bytes()[:len(good.read_bytes()) // 3])
    (d/'random_bytes.mp4').write_bytes(np.random.default_rng(0).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    (d/'text_file.mp4').write_text('this is not a video\n' * 50)
    audio_only(d/'audio_only.mp4')
    (d/'still_image.mp4').write_bytes(cv2.imencode('.jpg', cv2.cvtColor(frames[0], cv2.COLOR_RGB2BGR))[1].tobytes())
    write_video(frames[:1], d/'one_frame.mp4')
    write_video(frames[:10], d/'five_fps.mp4', fps=5)
    write_video([cv2.resize(f, (3840, 2160)) for f in frames[:6]], d/'uhd_4k.mp4')
    write_video([cv2.resize(f, (160, 120), interpolation=cv2.INTER_AREA) for f in frames[:10]], d/'small_160x120.mp4')
    write_video([np.ascontiguousarray(np.rot90(f)) for f in frames[:10]], d/'portrait.mp4')
    rotation_tagged(d/'rotated_tag.mp4', frames[:10])
    write_video([np.repeat(cv2.cvtColor(f, cv2.COLOR_RGB2GRAY)[..., None], 3, -1) for f in frames[:10]], d/'grayscale.mp4')
    vfr(d/'variable_rate.mp4', frames[:20])
    write_video([f[(h - 346) // 2:(h - 346) // 2 + 346, (w - 202) // 2:(w - 202) // 2 + 202] for f in frames[:10]], d/'odd_size.mp4')
    shutil.copy(good, d/'name with spaces ünïcødé.mp4')
    (d/'symlink.mp4').symlink_to(good)
    (d/'broken_link.mp4').symlink_to(d/'nowhere.mp4')
    (d/'folder.mp4').mkdir()
    shutil.copy(good, d/'no_permission.mp4'); os.chmod(d/'no_permission.mp4', 0)
    grey = np.full((h, w, 3), 110, np.uint8)
    write_video([grey] * 10, d/'faceless.mp4')
    write_video([frames[i] if i < 3 else grey for i in range(30)], d/'few_faces.mp4')
    half = [np.concatenate([f[:, w // 4: w // 4 + w // 2], f[:, w // 4: w // 4 + w // 2][:, ::-1]], 1) for f in frames[:10]]
    write_video(half, d/'two_people.mp4')
    small = [cv2.resize(f, (w // 12, h // 12), interpolation=cv2.INTER_AREA) for f in frames[:10]]
    write_video([_paste(grey, s, w // 2, h // 2) for s in small], d/'tiny_face.mp4')
    write_video([_paste(grey, f[:, w // 4: 3 * w // 4], -w // 8, 0) for f in frames[:10]], d/'edge_face.mp4')
    wall = np.full((h, w, 3), (150, 120, 90), np.uint8)
    pic = cv2.copyMakeBorder(cv2.resize(frames[0][:, w // 4: 3 * w // 4], (w // 4, h // 2)), 8, 8, 8, 8, cv2.BORDER_CONSTANT, value=(40, 30, 20))
    write_video([_paste(wall, pic, w // 3 + k, h // 5) for k in range(10)], d/'printed_face.mp4')
    return CASES

# Issue 14's oversized and damaged inputs, shared by tests/test_faults.py and bench/faults.py

def make_8k_and_crowd(d):
    "`uhd_8k.mp4` (7680x4320, 40 frames, one face) and `crowd.mp4` (a frame tiled with 40 faces) in folder `d`."
    d = Path(d); d.mkdir(parents=True, exist_ok=True)
    face = face_frames(1)[0]
    big = np.zeros((4320, 7680, 3), np.uint8); big[:] = np.asarray(face.mean((0, 1)), np.uint8)
    big[1500:1500 + face.shape[0] * 4, 3000:3000 + face.shape[1] * 4] = np.kron(face, np.ones((4, 4, 1), np.uint8))
    write_video([big] * 40, d/'uhd_8k.mp4', fps=10, crf=35, preset='ultrafast')
    small = cv2.resize(face, (240, 135))
    write_video([np.concatenate([np.concatenate([small] * 8, 1)] * 5, 0)] * 10, d/'crowd.mp4', fps=10)

def make_damaged_middle(path):
    "A 60-frame face clip at `path` whose bytes from a third of the way in are overwritten for a quarter of its length."
    write_video(face_frames(60), path, fps=30, preset='ultrafast')
    raw = bytearray(Path(path).read_bytes()); a = len(raw) // 3
    raw[a:a + len(raw) // 4] = np.random.default_rng(0).integers(0, 256, len(raw) // 4, np.uint8).tobytes()
    Path(path).write_bytes(bytes(raw))

# Issue 35's inputs, shared by tests/test_faults.py and bench/faults.py

def make_thin(path, size=(320, 12)):
    "A face clip squeezed to `size` (W, H): a frame too thin for the face detector's image pyramid."
    write_video([cv2.resize(f, size, interpolation=cv2.INTER_AREA) for f in face_frames(10)], path)

def make_damaged_start(path, n=60, gop=15):
    "An H.264 face clip of `n` frames with a keyframe every `gop`, whose first packet's first 8 bytes are overwritten: its first GOP is lost."
    frames = face_frames(n)
    with av.open(str(path), 'w', format='mp4') as c:
        s = c.add_stream('libx264', rate=30); s.width, s.height, s.pix_fmt = frames[0].shape[1] // 2 * 2, frames[0].shape[0] // 2 * 2, 'yuv420p'
        s.codec_context.gop_size = gop; s.options = {'keyint': str(gop), 'min-keyint': str(gop), 'scenecut': '0'}
        for f in frames:
            for p in s.encode(av.VideoFrame.from_ndarray(np.ascontiguousarray(f[:s.height, :s.width]), format='rgb24')): c.mux(p)
        for p in s.encode(): c.mux(p)
    with av.open(str(path)) as c: pos = next(p.pos for p in c.demux(c.streams.video[0]) if p.size)
    raw = bytearray(Path(path).read_bytes()); raw[pos:pos + 8] = b'\xff' * 8
    Path(path).write_bytes(bytes(raw))
