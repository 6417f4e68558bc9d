"""How many test-time views, and which aggregation of crop scores, pay: re-score the held-out set and the sample's test
videos with models that `bench/generalization.py` trained, from its cached crops (so only the scoring differs).

    python -m bench.tta --settings 'sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4' --seeds 42,43,44,45,46,47 --views 1,4 --out bench/results/tta.csv
    python -m bench.tta --views 2 --agg confident,median --out bench/results/agg.csv
    python -m bench.tta --views 2 --across mean --out bench/results/across.csv

Views are `predict --tta`'s: 1 the plain crop, 2 + its mirror (the default; generalization.py's own rows), 3 + a centre
zoom, 4 + the zoomed mirror. `--agg` is `predict --agg` (crop scores to a track's: mean, the default; confident, the
1st-place rule; median; max), `--across` is `predict --across` (tracks to the video: max, the default, or mean). Each
model is scored as generalization.py scores it (its `score`, with the scoring asked). Prints and writes one row per
model and setting, with the seconds each set took.
"""
import argparse, itertools, json
from pathlib import Path
import pandas as pd
from bench import generalization as G

COLS = ['test_auc', 'test_logloss', 'test_s', 'heldout_auc', 'heldout_logloss', 'heldout_s']

def rescore(work, settings, seed, views, agg='mean', across='max') -> dict:
    "Figures of one variant's model on each set with `views` test-time views and the `agg`/`across` aggregation, from generalization.py's crop caches."
    name = f'{settings} seed {seed}'
    model = Path(work)/name/'model.pth'
    if not model.exists(): raise SystemExit(f"{model}: no such model; run bench/generalization.py for it first")
    row = G.score(model, Path(work), name, tta=views, agg=agg, across=across)
    return dict(variant=name, tta=views, agg=agg, across=across, **{k: row[k] for k in COLS})

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', default='/tmp/generalization', help="bench/generalization.py's work folder")
    ap.add_argument('--settings', default='sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4', help="the variants' names without ' seed N'")
    ap.add_argument('--seeds', default='42,43,44,45,46,47')
    ap.add_argument('--views', default='1,4', help='numbers of test-time views to score (2 is in generalization.py\'s rows)')
    ap.add_argument('--agg', default='mean', help='crop-to-track aggregations to score, comma-separated (predict --agg)')
    ap.add_argument('--across', default='max', help='track-to-video rules to score, comma-separated (predict --across)')
    ap.add_argument('--out', default=None, help='a CSV of the rows (none: print only)')
    a = ap.parse_args()
    rows = []
    for v, g, c in itertools.product([int(x) for x in a.views.split(',')], a.agg.split(','), a.across.split(',')):
        for s in [int(x) for x in a.seeds.split(',')]:
            rows.append(rescore(a.work, a.settings, s, v, g, c)); print(json.dumps(rows[-1]), flush=True)
            if a.out: pd.DataFrame(rows).to_csv(a.out, index=False)
    print(pd.DataFrame(rows).round(3).to_markdown(index=False))
