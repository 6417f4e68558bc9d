"""Compare variants with a baseline seed by seed: mean difference and its standard error over the seeds both ran.

    python -m bench.paired bench/results/average.csv bench/results/source.csv [more.csv ...]

Each CSV is a table `bench/generalization.py` (or a script built on it) wrote: one row per variant, named '... seed N'.
The first file's rows are the baseline; every other variant is paired with the baseline row of the same seed.
"""
import argparse
import numpy as np, pandas as pd

COLS = ['test_auc', 'test_logloss', 'heldout_auc', 'heldout_logloss']

def split_seed(df):
    df = df.copy()
    df['seed'] = df.variant.str.extract(r'seed (\d+)$', expand=False).astype(float)
    df['name'] = df.variant.str.replace(r'\s*seed \d+$', '', regex=True)
    return df.dropna(subset=['seed'])

def paired(base:pd.DataFrame, other:pd.DataFrame, cols=COLS) -> pd.DataFrame:
    "One row per variant of `other`: seeds paired, mean of each column, and mean +- standard error of its difference from `base`."
    b = split_seed(base).set_index('seed')[cols]
    rows = []
    for name, g in split_seed(other).groupby('name', sort=False):
        g = g.set_index('seed')[cols]
        s = g.index.intersection(b.index)
        d = g.loc[s] - b.loc[s]
        row = {'variant': name, 'seeds': len(s)}
        for c in cols: row[c] = f"{g.loc[s, c].mean():.3f} ({d[c].mean():+.3f} +- {d[c].std(ddof=1) / np.sqrt(len(s)) if len(s) > 1 else float('nan'):.3f})"
        rows.append(row)
    return pd.DataFrame(rows)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('base'); ap.add_argument('others', nargs='+')
    a = ap.parse_args()
    base = pd.read_csv(a.base)
    b = split_seed(base)
    print(f"baseline {b.name.iloc[0]!r}, seeds {sorted(b.seed.astype(int))}: " + ', '.join(f'{c} {b[c].mean():.3f}' for c in COLS))
    print(pd.concat([paired(base, pd.read_csv(f)) for f in a.others]).to_markdown(index=False))
