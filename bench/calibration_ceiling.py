"""How much log loss any calibration could win on data/heldout and the sample's test videos (issue 39, item 4), from the runs
that `make figures` scored:

    python -m bench.calibration_ceiling [--work /tmp/figures] [--out bench/results/calibration_ceiling.csv]

For each model folder of the figures' work folder (`demo_seedN`, `reference_seedN`) and each set it was scored on, the
video scores before calibration (`p_raw` in `NAME_videos.csv`) are scored four ways: as they are (no temperature), with the
temperature and clip the model fitted on its validation videos (what `predict` submits), and with the temperature that is
best on that very set (the *ceiling*: a calibration fitted on the answers it is judged by, which no honest calibration
beats; clipped as the model clips). The same for the set's parts (photos, footage). A ceiling far below what the model
submits means calibration is worth building; a ceiling near it means the log loss is the ranking's, and only a model that
ranks better moves it.
"""
import argparse, json
from pathlib import Path
import pandas as pd
from deepfake_detect.calibration import calibrate, fit_calibration
from deepfake_detect.core import clipped_log_loss
from deepfake_detect.evaluate import read_labels

ROOT = Path(__file__).resolve().parents[1]
LABELS = dict(heldout=ROOT/'data'/'heldout'/'labels.csv', test=ROOT/'data'/'sample'/'test_labels.csv')

def ceiling(y, p, cal, clip) -> dict:
    "Log loss of scores `p` on labels `y`: raw (T = 1), as fitted (`cal`, `clip`), and at the best temperature for these labels."
    best = fit_calibration(y, p, 'temperature', min_T=0.05)
    return dict(n=len(y), T_fitted=cal['T'] if cal else 1.0, T_best=best['T'], ll_raw=clipped_log_loss(y, p, clip),
                ll_fitted=clipped_log_loss(y, calibrate(p, cal), clip), ll_best=clipped_log_loss(y, calibrate(p, best), clip))

def rows(work):
    "One row per model folder, set and part (all, photo, video)."
    for key, labels in LABELS.items():
        truth = read_labels(labels)   # y and source, by filename: read once for every model
        for d in sorted(Path(work).glob('*_seed*')):
            f = d/f'{key}_videos.csv'
            if not f.exists(): continue
            run = json.loads((d/f'{key}_run.json').read_text())
            cal = json.loads(Path(run['models'][0]).with_suffix('.json').read_text()).get('calibration')
            v = pd.read_csv(f)
            v = v[v.p_raw.notna()].assign(y=lambda x: x.filename.map(truth.y).astype(float), part=lambda x: x.filename.map(truth.source))
            for part, g in [('all', v), *v.groupby('part')]:
                yield dict(model=d.name, set=key, part=part, **ceiling(g.y.values, g.p_raw.values, cal, run['clip']))

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', default='/tmp/figures', help="bench.figures' work folder")
    ap.add_argument('--out', default=ROOT/'bench'/'results'/'calibration_ceiling.csv')
    a = ap.parse_args()
    df = pd.DataFrame(rows(a.work)).round(4)
    df.to_csv(a.out, index=False)
    print(df.to_markdown(index=False))
