"""Crops turned so that the eyes are level: does removing the head's roll before the model sees a face help it generalise?

    python -m bench.aligned_crops --seeds 42,43,44,45 [--work /tmp/gen_aligned]

An experiment, not a feature: it replaces the package's cropping (`crops.cut_faces`, which extraction and prediction
both use) and the mapping of landmarks into a crop (`data._in_crop`, for self-blends) *in this process only*, so that
every crop is turned about its centre by the angle of the line through the eyes (MTCNN's first two landmarks; at most
60 degrees; faces without landmarks are not turned). Then it extracts the sample's training videos into --work,
trains the defaults (SBI 0.5, body 0.3) with each seed and scores the sample's test videos and the held-out set,
predicted with the same turned crops, as `bench/generalization.py` does (its `run`). Compare with the defaults'
rows of `bench/results/where.csv` (the same seeds, upright crops). Results: bench/results/aligned.csv.
"""
import argparse, math
from pathlib import Path
import numpy as np, cv2
from bench import generalization as G
import deepfake_detect.crops as C, deepfake_detect.data as D, deepfake_detect.inference as I
from deepfake_detect.crops import extract, BOX_COLS, LANDMARK_COLS
from deepfake_detect.train import TrainOptions

def roll(lm, limit=60.0) -> float:
    "Degrees to turn a face (five landmarks, eyes first) so that its eyes are level; 0 without landmarks."
    if lm is None or not np.isfinite(lm).all(): return 0.0
    (lx, ly), (rx, ry) = lm[0], lm[1]
    return float(np.clip(math.degrees(math.atan2(ry - ly, rx - lx)), -limit, limit))

def crop_matrix(b, angle) -> np.ndarray:
    "The affine map from frame pixels to the pixels of crop box `b` turned by `angle` degrees about its centre."
    x0, y0, x1, y1 = b
    M = cv2.getRotationMatrix2D(((x0 + x1) / 2, (y0 + y1) / 2), angle, 1.0)
    M[:, 2] -= [x0, y0]
    return M

def cut_faces(frames, tracks, crop):
    "`crops.cut_faces` with each crop turned so that the eyes are level."
    for t, f, img, b in C.face_boxes(frames, tracks, crop.margin):
        x0, y0, x1, y1 = b
        lm = None if f.landmarks is None else np.asarray(f.landmarks, float)
        turned = cv2.warpAffine(C.to_host(img), crop_matrix(b, roll(lm)), (int(x1 - x0), int(y1 - y0)), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT101)
        yield t, f, b, C.shrink(turned, crop.max_size)

def in_crop(df, size):
    "`data._in_crop` for turned crops: the detector boxes (bounding the turned box) and landmarks in a crop resized to `size`."
    x0, y0, x1, y1 = (df[c].to_numpy(float) for c in ('x0', 'y0', 'x1', 'y1'))
    lm, bx = df.reindex(columns=LANDMARK_COLS).to_numpy(float).reshape(-1, 5, 2), df.reindex(columns=BOX_COLS).to_numpy(float)
    box, out = np.full((len(df), 4), np.nan), np.full((len(df), 5, 2), np.nan)
    for k in range(len(df)):
        M = crop_matrix((x0[k], y0[k], x1[k], y1[k]), roll(lm[k]))
        s = np.array([size / max(x1[k] - x0[k], 1), size / max(y1[k] - y0[k], 1)])
        out[k] = (lm[k] @ M[:, :2].T + M[:, 2]) * s
        a, b, c, d = bx[k]
        corners = np.array([[a, b], [c, b], [c, d], [a, d]]) @ M[:, :2].T + M[:, 2]
        box[k] = np.r_[corners.min(0) * s, corners.max(0) * s]
    return box, out

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--seeds', default='42,43,44,45')
    ap.add_argument('--work', default='/tmp/gen_aligned', help='crops, prediction caches and models (not shared with generalization.py: other crops)')
    ap.add_argument('--out', default=str(G.ROOT/'bench'/'results'/'aligned.csv'))
    a = ap.parse_args()
    C.cut_faces = I.cut_faces = cut_faces; D._in_crop = in_crop
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    extract(G.SAMPLE/'train_sample_videos', work/'crops', frames=32, progress=False, **G.CROP)
    vs = [(f'aligned sbi 0.5 body lr 0.3 seed {s}', TrainOptions(seed=int(s), sbi=0.5, body_lr=0.3, sizes='96:4,128:3'), ()) for s in a.seeds.split(',')]
    G.run(vs, work, work/'crops', None, save=lambda df: (df.to_csv(a.out, index=False), df)[1])
