"""Build the held-out set: real footage of people the sample never shows, and face swaps made by a recipe that is not in `synth`.

    python -m bench.heldout --shared ../shared/data --gifs /path/to/intel-iot-devkit/sample-videos/preview --out data/heldout

Nothing here is used to train or tune a model; it exists to measure whether one generalises. It shares with the
bundled sample no person, no footage and no recipe:
- real footage: White House Weekly Address cuts (public domain), CREMA-D actor 1001 (ODbL/DbCL) and Intel's
  head-pose clips (CC BY 4.0, GIF previews), cut into 1.5-second windows;
- real photos of held-out people (London set smiling photos with ids 031-122, Canada set men), seen by a moving camera;
- fakes: each window's main face replaced by a *donor photo* of a held-out person (London set smiling photos with
  ids 031-122, Canada set men: neither is in data/faces), aligned by its landmarks, squeezed through a 64-px
  bottleneck and sharpened (as a generator's output), and pasted with Poisson blending (OpenCV's seamlessClone) through
  a polygon around the landmarks: no alpha mask, no Reinhard colour transfer, none of synth's mask families;
- degradation: archive-like profiles (352x288 MPEG-1, 480x360 MPEG-4 Part 2, 320x240 scaled up, heavy H.264),
  shared by a real window and its fake.
Writes OUT/videos/*.mp4 with sample_submission.csv, and OUT/labels.csv (filename,label,original,method,source,material).
"""
import argparse, json, re
from pathlib import Path
import numpy as np
import pandas as pd
import cv2
from deepfake_detect.core import write_submission, atomic_write
from deepfake_detect.video import VideoWriter, probe
from deepfake_detect.blend import similarity
from deepfake_detect.synth import load_photos, find_photos, clip_faces, clip_frames, camera_path, _name

PROFILES = [dict(size=(352, 288), codec='mpeg1video', kbps=500), dict(size=(480, 360), codec='mpeg4', kbps=450),
            dict(size=(320, 240), up=(640, 480), codec='libx264', crf=26), dict(size=(640, 360), codec='libx264', crf=36),
            dict(size=(352, 288), codec='libx264', crf=30)]

def windows(paths, seconds=2.0):
    "(path, start) of every window of `seconds` of each video (one for a clip a little shorter), with a face in most frames."
    res = []
    for p in paths:
        d = probe(p).duration
        for k in range(max(int(d >= 0.75 * seconds), int((d + 1e-6) // seconds))):
            fr = clip_frames(p, (320, 240), seconds, 5 / seconds, k * seconds)
            if np.mean([f is not None for f in clip_faces(fr)]) >= 0.8: res.append((str(p), k * seconds))
    return res

def poisson_swap(img, landmarks, box, donor, rng):
    "The held-out recipe: the donor's face on `img`'s landmarks, through a 64-px bottleneck, sharpened, Poisson-blended in a landmark polygon."
    h, w = img.shape[:2]
    src = cv2.warpAffine(donor.img, similarity(donor.landmarks, landmarks), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    size = max(box[2] - box[0], box[3] - box[1])
    f = min(1.0, 64 / size)
    if f < 1: src = cv2.resize(cv2.resize(src, None, fx=f, fy=f, interpolation=cv2.INTER_AREA), (w, h), interpolation=cv2.INTER_CUBIC)
    soft = cv2.GaussianBlur(src, (0, 0), 1.2)
    src = np.clip(src.astype(np.float32) * 1.6 - soft * 0.6, 0, 255).astype(np.uint8)
    eyes, mouth = landmarks[:2].mean(0), landmarks[3:].mean(0)
    down = mouth - eyes
    pts = np.concatenate([landmarks, [eyes - 0.45 * down, mouth + 0.45 * down]])      # brows and chin beyond the five points
    c = pts.mean(0)
    poly = c + (pts - c) * rng.uniform(1.25, 1.5)
    hull = cv2.convexHull(poly.astype(np.float32)).reshape(-1, 2)
    hull = np.clip(hull, 2, [w - 3, h - 3]).astype(np.int32)
    mask = np.zeros((h, w), np.uint8); cv2.fillConvexPoly(mask, hull, 255)
    x, y, bw, bh = cv2.boundingRect(hull)
    return cv2.seamlessClone(src, img, mask, (x + bw // 2, y + bh // 2), cv2.NORMAL_CLONE)

def render(frames, faces, prof, path, fake=None, Ms=None):
    "Write `frames` degraded as `prof` says to `path`; with `fake` = (donor, seed), each frame's face swapped; `Ms`: a camera path (a photo)."
    W, H = prof['size']
    done = {}
    with VideoWriter(path, 25, prof.get('crf', 23), codec=prof['codec'], kbps=prof.get('kbps', 400)) as wr:
        for i, (img, face) in enumerate(zip(frames, faces)):
            if fake is not None and face is not None:
                key = 0 if Ms is not None else i    # a photo is swapped once
                if key not in done: done[key] = poisson_swap(img, face[1], face[0], fake[0], np.random.default_rng(fake[1]))
                img = done[key]
            if Ms is not None: img = cv2.warpAffine(img, Ms[i], (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)
            f = cv2.resize(img, (W, H), interpolation=cv2.INTER_AREA)
            if 'up' in prof: f = cv2.resize(f, prof['up'], interpolation=cv2.INTER_LINEAR)
            wr.write(f)

def main(shared, gifs, out, seed=0, seconds=1.5, n_photos=20):
    rng = np.random.default_rng(seed)
    shared, out = Path(shared), Path(out)
    footage = sorted((shared/'videos_more'/'obama_weekly_address').glob('*.mp4')) + sorted((shared/'videos_more'/'crema_d').glob('*.flv'))
    if gifs: footage += [Path(gifs)/f'head-pose-face-detection-{k}.gif' for k in ('female', 'male', 'female-and-male')]
    wins = windows(footage, seconds)
    donors = [p for p in find_photos(shared/'faces'/'london_smiling') if 31 <= int(re.match(r'(\d+)', p.name).group(1)) <= 122]
    donors += [p for p in find_photos(shared/'faces'/'canada') if p.stem.endswith('m')]
    donors = load_photos(sorted(donors))
    people = [donors[k] for k in rng.permutation(len(donors))[:n_photos]]        # photos of people seen in real videos of their own
    rows, names = [], set()
    (out/'videos').mkdir(parents=True, exist_ok=True)
    for k, (path, start) in enumerate(wins):
        prof = PROFILES[k % len(PROFILES)]
        W, H = prof['size']
        frames = clip_frames(path, (W * 2, H * 2) if W < 400 else (W, H), seconds, 25, start)
        faces = clip_faces(frames)
        real, fake = _name(rng, names), _name(rng, names)
        donor = donors[int(rng.integers(len(donors)))]
        render(frames, faces, prof, out/'videos'/real)
        render(frames, faces, prof, out/'videos'/fake, (donor, int(rng.integers(2**31))))
        material = f"{Path(path).name}@{start:g}"
        rows += [dict(filename=real, label=0, original=None, method='real', source='video', material=material, codec=prof['codec']),
                 dict(filename=fake, label=1, original=real, method='poisson_swap', source='video', material=material, codec=prof['codec'],
                      donor=Path(donor.path).name)]
        print(f"{k + 1}/{len(wins)} {material} -> {real}, {fake} ({prof['codec']})", flush=True)
    for k, person in enumerate(people):
        prof = PROFILES[(k + len(wins)) % len(PROFILES)]
        n = int(seconds * 25)
        Ms = camera_path(person, prof['size'], n, np.random.default_rng([seed, k]), face_frac=0.4)
        frames, faces = [person.img] * n, [(person.box, person.landmarks)] * n
        real, fake = _name(rng, names), _name(rng, names)
        donor = next(d for d in (donors[int(i)] for i in rng.permutation(len(donors))) if d.identity != person.identity)
        render(frames, faces, prof, out/'videos'/real, Ms=Ms)
        render(frames, faces, prof, out/'videos'/fake, (donor, int(rng.integers(2**31))), Ms=Ms)
        material = Path(person.path).name
        rows += [dict(filename=real, label=0, original=None, method='real', source='photo', material=material, codec=prof['codec']),
                 dict(filename=fake, label=1, original=real, method='poisson_swap', source='photo', material=material, codec=prof['codec'],
                      donor=Path(donor.path).name)]
        print(f"photo {k + 1}/{len(people)} {material} -> {real}, {fake} ({prof['codec']})", flush=True)
    labels = pd.DataFrame(rows).sort_values('filename')
    with atomic_write(out/'labels.csv') as f: labels.to_csv(f, index=False)
    write_submission({v: 0.5 for v in labels.filename}, out/'videos'/'sample_submission.csv')
    with atomic_write(out/'heldout.json') as f: json.dump(dict(seed=seed, seconds=seconds, windows=len(wins), photos=len(people), donors=len(donors)), f, indent=1)
    mb = sum(p.stat().st_size for p in (out/'videos').glob('*.mp4')) / 2**20
    print(f"wrote {len(labels)} videos ({(labels.label == 0).sum()} real, {labels.label.sum()} fake, {mb:.1f} MB) to {out}")

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--shared', default='../shared/data', help='the shared data folder (videos_more/, faces/)')
    ap.add_argument('--gifs', default=None, help="intel-iot-devkit/sample-videos' preview/ folder (the head-pose GIFs)")
    ap.add_argument('--out', default='data/heldout')
    ap.add_argument('--seed', type=int, default=0)
    a = ap.parse_args()
    main(a.shared, a.gifs, a.out, a.seed)
