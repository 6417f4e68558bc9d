"""The write-up's CNN+LSTM lesson, rerun on the sample: a small recurrent head over a video's frames, against the mean of them.

    python -m bench.temporal --models /tmp/lessons/train0_seed42/model.pth,/tmp/lessons/train0_seed43/model.pth [--work DIR]

The write-up trained an LSTM over 15 frames' CNN features and found it overfitted, so it kept the mean of the frames'
scores. Here, for each per-frame model `train` wrote (the lessons' default runs, one a seed), the crops of the sample's
training and test videos (32 frames; each video's longest track, in frame order) go through the model up to its head's
hidden layer: 512 features a frame, and the model's own P(fake). Then, trained on the training videos alone:

  mean    the mean of the frames' P(fake) (the plain view alone, where `predict` also averages the mirrored one),
          calibrated and clipped as `predict` does: nothing is trained here;
  pooled  the frames' features averaged, then a linear layer: trained, but blind to the order of the frames;
  gru     a one-layer GRU (64 wide) over the frames' features in order, then a linear layer: the temporal head.

The two heads are fitted with Adam on the training videos less a fifth of their originals (with their fakes), for up to
60 epochs, keeping the epoch with the lowest validation log loss, the head's seed the model's. Each is scored on the
82 test videos. Rows go to bench/results/temporal.csv (one row a head and seed; 10a_lessons reads it) and are printed.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from torch import nn

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT/'data'/'sample'
GROUP = 'temporal (heads over one per-frame model a seed)'

def sequences(ci, clf):
    "{video: (features (T, 512), P(fake) (T,))} over each video's longest track, frames in order."
    from PIL import Image
    head = clf.model[1]
    hidden, last = head[:7], head[7:]   # ... Linear(2C, 512), ReLU, BatchNorm | Dropout, Linear(512, 2)
    out = {}
    for video, rows in ci.index.groupby('video'):
        rows = rows[rows.track == rows.track.value_counts().idxmax()].sort_values('frame')
        x = np.stack([clf.prepare(np.asarray(Image.open(ci.path(p)).convert('RGB'))) for p in rows.crop_path]).astype(np.float32)
        with torch.inference_mode():
            f = hidden(clf.model[0](torch.from_numpy((x - clf.mean) / clf.std).permute(0, 3, 1, 2)))
            p = last(f).softmax(1)[:, 1]
        out[video] = (f.numpy(), p.numpy())
    return out

class GRUHead(nn.Module):
    def __init__(self, n=512, width=64):
        super().__init__(); self.gru, self.out = nn.GRU(n, width, batch_first=True), nn.Linear(width, 1)
    def forward(self, x, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
        return self.out(self.gru(packed)[1][-1]).squeeze(1)

class PooledHead(nn.Module):
    def __init__(self, n=512):
        super().__init__(); self.out = nn.Linear(n, 1)
    def forward(self, x, lengths):
        return self.out(x.sum(1) / lengths[:, None].to(x.dtype)).squeeze(1)

HEADS = dict(pooled=PooledHead, gru=GRUHead)

def _batch(seqs, videos):
    fs = [torch.from_numpy(seqs[v][0]) for v in videos]
    return nn.utils.rnn.pad_sequence(fs, batch_first=True), torch.tensor([len(f) for f in fs])

def fit_head(kind, seqs, y, train, valid, seed, epochs=60, lr=1e-3, bs=16):
    "A head of `kind` fitted on the `train` videos, the epoch with the lowest log loss on `valid` kept; (head, its validation log loss)."
    torch.manual_seed(seed); rng = np.random.default_rng(seed)
    head = HEADS[kind](); opt = torch.optim.Adam(head.parameters(), lr=lr, weight_decay=1e-4)
    loss = nn.BCEWithLogitsLoss()
    xv, lv = _batch(seqs, valid); yv = torch.tensor([y[v] for v in valid], dtype=torch.float32)
    best, state = np.inf, None
    for _ in range(epochs):
        head.train()
        order = rng.permutation(train)
        for k in range(0, len(order), bs):
            x, l = _batch(seqs, order[k:k + bs])
            opt.zero_grad(); loss(head(x, l), torch.tensor([y[v] for v in order[k:k + bs]], dtype=torch.float32)).backward(); opt.step()
        head.eval()
        with torch.no_grad(): v = float(loss(head(xv, lv), yv))
        if v < best: best, state = v, {k: t.clone() for k, t in head.state_dict().items()}
    head.load_state_dict(state)
    return head.eval(), best

def rows_for(model, work, seed):
    "The three rows (mean, pooled, gru) of one per-frame model."
    from deepfake_detect.crops import extract
    from deepfake_detect.inference import Classifier
    from deepfake_detect.calibration import calibrate
    from deepfake_detect.core import split_by_original, log_loss
    from sklearn.metrics import roc_auc_score
    clf = Classifier(model)
    train_ci = extract(SAMPLE/'train_sample_videos', work/'train_crops', frames=32, progress=False)
    test_ci = extract(SAMPLE/'test_videos', work/'test_crops', frames=32, progress=False)
    t0 = time.time()
    tr, te = sequences(train_ci, clf), sequences(test_ci, clf)
    feat_s = time.time() - t0
    vids = train_ci.index.drop_duplicates('video')[['video', 'label', 'original']].reset_index(drop=True)
    vids = vids[vids.video.isin(tr)].reset_index(drop=True)
    is_valid = split_by_original(vids, 0.2, seed).to_numpy()
    y = dict(zip(vids.video, (vids.label == 'FAKE').astype(int)))
    labels = pd.read_csv(SAMPLE/'test_labels.csv')
    test = [v for v in labels.filename if v in te]
    yt = labels.set_index('filename').label[test].to_numpy()
    score = lambda p: dict(test_logloss=log_loss(yt, p), test_auc=roc_auc_score(yt, p))
    rows = [dict(group=GROUP, setting='mean of the frames (as predict)', seed=seed, seconds=round(feat_s, 1),
                 **score(np.clip(calibrate([te[v][1].mean() for v in test], clf.calibration), clf.clip, 1 - clf.clip)))]
    for kind, name in (('pooled', 'features averaged, a linear layer (trained)'), ('gru', 'a GRU over the frames in order (trained)')):
        t0 = time.time()
        head, v_loss = fit_head(kind, tr, y, vids.video[~is_valid].to_numpy(), vids.video[is_valid].to_numpy(), seed)
        with torch.no_grad():
            x, l = _batch(te, test); p = torch.sigmoid(head(x, l)).numpy()
        with torch.no_grad():
            xt, lt = _batch(tr, list(vids.video[~is_valid])); pt = torch.sigmoid(head(xt, lt)).numpy()
        rows.append(dict(group=GROUP, setting=name, seed=seed, seconds=round(time.time() - t0, 1), valid_logloss=v_loss,
                         train_logloss=log_loss(np.array([y[v] for v in vids.video[~is_valid]]), pt), **score(p)))
    return rows

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--models', required=True, help="per-frame models' .pth files, comma-separated (each its seed, read from its .json)")
    ap.add_argument('--work', default='/tmp/temporal')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'temporal.csv'))
    a = ap.parse_args()
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    out = Path(a.out)
    for m in a.models.split(','):
        seed = int(json.loads(Path(m).with_suffix('.json').read_text())['train']['seed'])
        rows = pd.DataFrame(rows_for(Path(m), work, seed))
        print(rows.round(3).to_string(index=False), flush=True)
        old = pd.read_csv(out) if out.exists() else pd.DataFrame(columns=rows.columns)
        keep = ~((old.group == GROUP) & (old.seed == seed))
        pd.concat([old[keep], rows], ignore_index=True).to_csv(out, index=False)
