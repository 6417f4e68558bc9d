"""The sample's test log loss of finished runs (demo folders) with the temperature each fitted, and with it floored at 1.

    python -m bench.temperature_floor runs/demo [other demo output folders ...]

Each folder holds models/sample.json (the calibration and clip) and submission_videos.csv (each test video's score
before calibration, `p_raw`); the clip is kept as the run chose it."""
import json, sys, numpy as np, pandas as pd
from pathlib import Path
from deepfake_detect.calibration import calibrate
from deepfake_detect.core import log_loss
from deepfake_detect.evaluate import read_labels
y_of = read_labels('data/sample/test_labels.csv').y
rows = []
for run in sys.argv[1:] or ['runs/demo']:
    cfg = json.loads((Path(run)/'models/sample.json').read_text())
    cal, clip = cfg.get('calibration'), cfg.get('clip')
    sv = pd.read_csv(Path(run)/'submission_videos.csv')
    y = sv.filename.map(y_of).astype(float).values
    raw = sv.p_raw.values; ok = ~np.isnan(raw)
    def ll(T):
        p = calibrate(raw, dict(method='temperature', T=T))
        return log_loss(y[ok], np.clip(p[ok], clip, 1 - clip))
    rows.append(dict(run=run.rstrip('/').split('/')[-1], T=round(cal['T'], 3), clip=clip, ll_fitted=round(ll(cal['T']), 4), ll_floor1=round(ll(max(1, cal['T'])), 4), ll_submitted=round(log_loss(y[ok], sv.label.values[ok]), 4)))
print(pd.DataFrame(rows).to_markdown(index=False))
