"""Where on the held-out set does a model go wrong? AUC within each source footage, against the AUC of all videos pooled.

    python -m bench.by_source RUN_DIR [RUN_DIR ...] [--labels data/heldout/labels.csv] [--key heldout] [--name NAME --out table.csv]

Each RUN_DIR holds a `heldout.csv` (a submission: filename,label) as `bench/generalization.py` leaves it; with several,
their P(fake) are averaged (an ensemble). A fake is grouped with the footage of the real video it was made from (its
`original`), so "within" compares each source's real clips with the fakes made on that same source: is the model right
about *which* clips of one footage are fake, even where it is wrong about the footage's level? Pooled AUC also needs
every source's real clips below every other source's fakes; the gap between the two shows how much of the error is the
level a kind of footage gets, not the manipulation.

With `--cache DIR` (the crops `predict --cache` kept for the same videos) it also prints what P(fake) follows within each
class: the Spearman correlation, over the real videos and over the fake ones, of P(fake) with the face's luminance, its
sharpness (variance of the Laplacian of the crop's centre, brought to 64 px) and the crop's size. A label-blind property
that moves P(fake) of real videos much is a shortcut the model learnt from its training data. `--faces CSV` writes
those properties with each video's P(fake). `--train-crops DIR` (an `extract` folder) prints the same sharpness for the
training crops, by method: does the training data itself tie sharpness to the label?
"""
import argparse, json
from pathlib import Path
import numpy as np, pandas as pd, cv2
from sklearn.metrics import roc_auc_score
from deepfake_detect.core import clipped_log_loss
from deepfake_detect.inference import load_cached

ROOT = Path(__file__).resolve().parents[1]

def source_of(material) -> str:
    "A short name for the footage a held-out clip comes from: 'photo', or the source video's name without its window."
    m = str(material).split('@')[0]
    for k, name in (('obama', 'White House addresses'), ('head-pose', 'Intel head-pose GIFs'), ('1001_', 'CREMA-D actor 1001')):
        if k in m: return name
    return m

def by_source(p:pd.Series, labels) -> pd.DataFrame:
    "One row per source (and one for all): videos, mean P(fake) of the real and the fake ones, AUC and log loss within it."
    lab = pd.read_csv(labels)
    lab['p'] = p.reindex(lab.filename).to_numpy()
    src = pd.Series(np.where(lab.source == 'photo', 'photos', lab.material.map(source_of)), index=lab.filename)
    lab['group'] = np.where(lab.label == 1, lab.original.map(src), src.to_numpy())
    rows = []
    for g, d in [('all, pooled', lab)] + list(lab.groupby('group')):
        two = d.label.nunique() == 2
        rows.append(dict(source=g, videos=len(d), real=int((d.label == 0).sum()), fake=int((d.label == 1).sum()),
                         p_real=d.p[d.label == 0].mean(), p_fake=d.p[d.label == 1].mean(),
                         auc=roc_auc_score(d.label, d.p) if two else np.nan, log_loss=clipped_log_loss(d.label, d.p, 0.0) if two else np.nan))
    return pd.DataFrame(rows)

def centre(im): return im[im.shape[0] // 3:2 * im.shape[0] // 3, im.shape[1] // 3:2 * im.shape[1] // 3]

def sharpness(mid) -> float:
    "Variance of the Laplacian of a grey face centre `mid` brought to 64 px: how much fine detail it holds."
    return cv2.Laplacian(cv2.resize(mid, (64, 64), interpolation=cv2.INTER_AREA), cv2.CV_32F).var()

def face_stats(npz, every=4) -> dict:
    "Mean luminance and sharpness of the centre of every `every`-th face crop a cached video holds, and the crops' size (px)."
    with np.load(npz) as z: key = json.loads(str(z['key']))
    _, jpegs, _ = load_cached(npz, key)
    ims = [cv2.imdecode(np.frombuffer(b, np.uint8), cv2.IMREAD_GRAYSCALE) for b in jpegs[::every]]
    mid = [centre(im) for im in ims]
    return dict(luminance=np.mean([m.mean() for m in mid]), size=np.mean([im.shape[0] for im in ims]), sharpness=np.mean([sharpness(m) for m in mid]))

STATS = ['luminance', 'sharpness', 'size']

def faces_table(p:pd.Series, labels, cache) -> pd.DataFrame:
    "Each labelled video with a cached prediction: its labels, `face_stats` and P(fake) `p`."
    lab = pd.read_csv(labels)
    lab = lab[[(Path(cache)/(Path(f).stem + '.npz')).exists() for f in lab.filename]]
    st = pd.DataFrame([face_stats(Path(cache)/(Path(f).stem + '.npz')) for f in lab.filename], index=lab.index)[STATS]
    return pd.concat([lab, st], axis=1).assign(p=p.reindex(lab.filename).to_numpy())

def confounds(faces:pd.DataFrame) -> pd.DataFrame:
    "Spearman correlation of P(fake) with each of `STATS` over the real videos and over the fake ones of a `faces_table`."
    return pd.DataFrame({name: {k: faces[faces.label == y][['p', k]].corr('spearman').iloc[0, 1] for k in STATS}
                         for y, name in ((0, 'real'), (1, 'fake'))}).rename_axis('P(fake) against')

def crop_sharpness(crops, per_video=3) -> pd.DataFrame:
    "Quartiles over videos of the face-centre `sharpness` of `per_video` crops a video, by the method that made it."
    from deepfake_detect.crops import CropIndex
    from deepfake_detect.core import read_metadata
    ci = CropIndex.load(crops)
    idx = ci.index.groupby('video').head(per_video)
    v = idx.assign(s=[sharpness(centre(cv2.imread(str(ci.root/f), cv2.IMREAD_GRAYSCALE))) for f in idx.crop_path]).groupby('video').s.mean()
    meta = read_metadata(json.loads((Path(crops)/'run.json').read_text())['videos']).set_index('video')
    return v.groupby(meta.method.reindex(v.index)).describe()[['count', '25%', '50%', '75%']].rename_axis('method')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('runs', nargs='+')
    ap.add_argument('--labels', default=str(ROOT/'data'/'heldout'/'labels.csv'))
    ap.add_argument('--key', default='heldout', help='the submission in each run folder: KEY.csv')
    ap.add_argument('--name', default=None, help='what the runs are (a column of the table)')
    ap.add_argument('--out', default=None, help='a CSV to add the table to (rows of an earlier --name of the same name are replaced)')
    ap.add_argument('--cache', default=None, help="the cached crops of the same videos (bench/generalization.py's cache_heldout): also print what P(fake) follows")
    ap.add_argument('--faces', default=None, help='with --cache: write each video\'s face properties and P(fake) to this CSV')
    ap.add_argument('--train-crops', default=None, help='an extract folder: print the sharpness of its crops by method')
    a = ap.parse_args()
    p = pd.concat([pd.read_csv(Path(r)/f'{a.key}.csv').set_index('filename').label for r in a.runs], axis=1).mean(axis=1)
    df = by_source(p, a.labels)
    if a.name: df.insert(0, 'models', a.name)
    print(df.to_markdown(index=False, floatfmt='.3f'))
    if a.cache:
        faces = faces_table(p, a.labels, a.cache)
        print('\n' + confounds(faces).to_markdown(floatfmt='.2f'))
        if a.faces: faces.round(4).to_csv(a.faces, index=False)
    if a.train_crops: print('\n' + crop_sharpness(a.train_crops).to_markdown(floatfmt='.1f'))
    if a.out:
        old = pd.read_csv(a.out) if Path(a.out).exists() else None
        if old is not None and a.name: df = pd.concat([old[old.models != a.name], df], ignore_index=True)
        df.round(4).to_csv(a.out, index=False)
