"""Gather the per-epoch history (`model_history.csv`) of variants that `bench/generalization.py` trained into one CSV, for plots.

    python -m bench.curves --settings 'sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4' 'sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4 stage lr 0.5' \
        --seeds 42,43,44,45 --out bench/results/stage_lr_curves.csv
"""
import argparse
from pathlib import Path
import pandas as pd

COLS = ['epoch', 'size', 'train_loss', 'valid_loss', 'video_auc']

def curves(work, settings, seeds) -> pd.DataFrame:
    "One row per epoch of each `settings` x `seeds` variant's training, named as generalization.py names the variant."
    rows = []
    for name in settings:
        for s in seeds:
            f = Path(work)/f'{name} seed {s}'/'model_history.csv'
            if not f.exists(): raise SystemExit(f"{f}: no such history; run bench/generalization.py for '{name}' with seed {s} first")
            rows.append(pd.read_csv(f)[COLS].assign(variant=f'{name} seed {s}'))
    return pd.concat(rows, ignore_index=True)[['variant'] + COLS]

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--work', default='/tmp/generalization', help="bench/generalization.py's work folder")
    ap.add_argument('--settings', nargs='+', required=True, help="the variants' names without ' seed N'")
    ap.add_argument('--seeds', default='42,43,44,45')
    ap.add_argument('--out', required=True)
    a = ap.parse_args()
    df = curves(a.work, a.settings, [int(s) for s in a.seeds.split(',')])
    df.round(4).to_csv(a.out, index=False)
    print(f"{a.out}: {len(df)} epochs of {df.variant.nunique()} trainings")
