"""Ensembles of seeds: what averaging the P(fake) of k models trained with different seeds does, from the predictions
`bench/generalization.py` left in its work folder (one folder per variant, with test.csv and heldout.csv).

    python -m bench.ensembles --settings 'sbi 0.5 body lr 0.3' --seeds 42,43,44,45 --out bench/results/ensembles.csv

For k = 1 ... len(seeds), every k-subset of the seeds' models is scored as `predict` would score it with all of them
(`--model` repeated): the mean of the members' calibrated P(fake), clipped at the widest of their clip bounds. Prints the
mean of each k and, given --out, writes every subset there (no default: a run for other settings must not overwrite
another's results).
"""
import argparse, itertools, json
from pathlib import Path
import numpy as np
import pandas as pd
from sklearn.metrics import roc_auc_score
from deepfake_detect.core import clipped_log_loss

ROOT = Path(__file__).resolve().parents[1]
LABELS = dict(test=ROOT/'data'/'sample'/'test_labels.csv', heldout=ROOT/'data'/'heldout'/'labels.csv')

def member(work, settings, seed):
    "Per-video calibrated P(fake) of one variant's model on each set, and its clip bound."
    d = Path(work)/f'{settings} seed {seed}'
    clip = json.loads((d/'model.json').read_text())['clip']
    return {k: pd.read_csv(d/f'{k}.csv').set_index('filename').label for k in LABELS}, clip

def score(members, labels) -> dict:
    "Figures of the ensemble of `members` (each (predictions, clip))."
    clip, row = max(c for _, c in members), {}
    for k, lab in labels.items():
        p = np.clip(sum(m[k] for m, _ in members) / len(members), clip, 1 - clip)
        y = lab.reindex(p.index)
        row.update({f'{k}_auc': roc_auc_score(y, p), f'{k}_logloss': clipped_log_loss(y, p, clip)})
    return row

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', default='/tmp/generalization', help="bench/generalization.py's work folder")
    ap.add_argument('--settings', default='sbi 0.5 body lr 0.3', help="the variants' names without ' seed N'")
    ap.add_argument('--seeds', default='42,43,44,45')
    ap.add_argument('--out', default=None, help='a CSV for every subset (none: print the means only)')
    a = ap.parse_args()
    labels = {k: pd.read_csv(f).set_index('filename').label for k, f in LABELS.items()}
    seeds = [int(s) for s in a.seeds.split(',')]
    ms = {s: member(a.work, a.settings, s) for s in seeds}
    rows = [dict(settings=a.settings, members=k, seeds=' '.join(map(str, c)), **score([ms[s] for s in c], labels))
            for k in range(1, len(seeds) + 1) for c in itertools.combinations(seeds, k)]
    df = pd.DataFrame(rows)
    if a.out:
        Path(a.out).parent.mkdir(parents=True, exist_ok=True)
        df.to_csv(a.out, index=False)
    print(df.groupby('members')[['test_auc', 'test_logloss', 'heldout_auc', 'heldout_logloss']].agg(['mean', 'min', 'max']).round(3).to_markdown())
