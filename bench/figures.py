"""The quality figures that the README, the model card and the demo's report quote, made from the current build by one
command (issue 39): `make figures`, which runs

    python -m bench.figures [--seeds 42,43,44] [--reference-runs /tmp/ref43,/tmp/ref44] [--work /tmp/figures]

1. trains the demo's recipe (`DemoOptions`' training, one model, no time budget) on the sample's crops once a seed, and
   scores each model on `data/heldout` and the sample's test videos (`bench.generalization.score`: 16 frames, 2 views);
2. scores the reference model the package ships the same way, and the final models of other seeds of its recipe
   (`--reference-runs`: work folders of `python -m bench.reference train --seed N`);
3. writes bench/results/figures.csv (a row a model, with the build it was measured on), deepfake_detect/models/figures.json
   (each model's spread over seeds: the demo's report shows it) and the README's paragraph on them (nbs/index.ipynb, then
   README.md). `--write` redoes step 3 alone from the CSV.

A model already measured on this build is kept, so a stopped run goes on. The build is a hash of the code on the path from a
video to a score (`MODULES`, docstrings and comments left out), the demo's options and the sample's metadata: a test fails when the figures
are from another build.
"""
import argparse, ast, hashlib, json, subprocess, sys, time
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, HELDOUT = ROOT/'data'/'sample', ROOT/'data'/'heldout'
CSV, JSON = ROOT/'bench'/'results'/'figures.csv', ROOT/'deepfake_detect'/'models'/'figures.json'
MODULES = ('core', 'video', 'decoders', 'readahead', 'faces', 'blend', 'crops', 'tables', 'data', 'model', 'calibration',
           'saving', 'train', 'inference', 'evaluate')   # what decides a figure: the code from decoding to scoring (and the demo's options, below)
METRICS = ('valid_auc', 'heldout_auc', 'heldout_logloss', 'heldout_photo_auc', 'heldout_photo_logloss', 'heldout_video_auc',
           'heldout_video_logloss', 'test_auc', 'test_logloss')
MODELS = {'demo': "the demo's recipe", 'reference': "the reference model's recipe"}

def _code(path) -> str:
    "The module's code written back from its syntax tree, less docstrings: a changed comment, docstring or layout does not change the build."
    tree = ast.parse(Path(path).read_text())
    for node in ast.walk(tree):
        body = getattr(node, 'body', None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) and isinstance(getattr(body[0], 'value', None), ast.Constant) \
           and isinstance(body[0].value.value, str): node.body = body[1:] or [ast.Pass()]
    return ast.unparse(tree)

def build_id() -> str:
    "A hash of the code on the path from a video to a score (`MODULES`), the demo's options and the sample's training metadata."
    from dataclasses import asdict
    from deepfake_detect.pipeline import DemoOptions
    h = hashlib.sha256()
    for m in MODULES: h.update(_code(ROOT/'deepfake_detect'/f'{m}.py').encode())
    h.update(json.dumps(asdict(DemoOptions()), sort_keys=True).encode())
    h.update((SAMPLE/'train_sample_videos'/'metadata.json').read_bytes())
    return h.hexdigest()[:12]

def _commit() -> str:
    r = subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True)
    return r.stdout.strip() or 'unknown'

def cpu_name() -> str:
    "The CPU's model name: training is deterministic on one machine, not across CPU models (figures.csv records where each row was measured)."
    import platform
    try: return next(l.split(':', 1)[1].strip() for l in Path('/proc/cpuinfo').read_text().splitlines() if l.startswith('model name'))
    except (OSError, StopIteration): return platform.processor() or platform.machine()

def _row(model, seed, path, work, name, secs, valid_auc, build):
    from bench.generalization import score
    s = score(path, work, name)
    return dict(model=model, seed=int(seed), build=build, commit=_commit(), date=time.strftime('%Y-%m-%d'), train_s=secs, cpu=cpu_name(), dtype=s.get('dtype'),
                valid_auc=valid_auc, **{k: s.get(k) for k in METRICS if k != 'valid_auc'})

def demo_rows(work, seeds, have, build):
    "Train the demo's recipe once a seed on the sample's crops (as `make demo` extracts them) and score each model."
    from deepfake_detect.crops import extract
    from deepfake_detect.pipeline import DemoOptions
    from deepfake_detect.train import train
    ci = extract(SAMPLE/'train_sample_videos', work/'crops', DemoOptions().extract_options(), progress=False)
    for seed in seeds:
        if ('demo', seed) in have: continue
        t0 = time.time()
        r = train(ci, work/f'demo_seed{seed}'/'model.pkl', DemoOptions(seed=seed).train_options(), progress=False)
        yield _row('demo', seed, r['paths']['pth'], work, f'demo_seed{seed}', round(time.time() - t0), r['config']['metrics']['video_auc'], build)

def reference_rows(work, runs, have, build):
    "Score the shipped reference model, and the final model of each other run of its recipe (`runs`: bench.reference work folders)."
    from deepfake_detect.inference import reference_model
    for path in [reference_model()] + [Path(r)/'models'/'reference.pth' for r in runs]:
        cfg = json.loads(path.with_suffix('.json').read_text())
        if ('reference', cfg['train']['seed']) in have: continue
        yield _row('reference', cfg['train']['seed'], path, work, f"reference_seed{cfg['train']['seed']}", round(cfg['seconds']), cfg['metrics']['video_auc'], build)

def _kinds(d, col) -> str|None:
    "The values of column `col` among `d`'s rows, comma-separated (None where no row has one: rows from before the column)."
    return ', '.join(sorted(set(d[col].dropna()))) or None if col in d else None

def spread(df) -> dict:
    "Each model's seeds and, for each figure, its values seed by seed, mean and standard deviation (what figures.json holds)."
    out = {}
    for model, d in df.groupby('model', sort=False):
        d = d.sort_values('seed')
        # six decimals: the tables print three, and a value kept to four would be rounded twice (0.88754 -> 0.8875 -> 0.887)
        out[model] = dict(name=MODELS[model], seeds=d.seed.astype(int).tolist(), build=d.build.iloc[0], commit=d.commit.iloc[-1], date=d.date.iloc[-1],
                          dtype=_kinds(d, 'dtype'), cpu=_kinds(d, 'cpu'),
                          **{k: dict(values=[round(float(v), 6) for v in d[k]], mean=round(float(d[k].mean()), 6), sd=round(float(d[k].std(ddof=1)), 6) if len(d) > 1 else None)
                             for k in METRICS})
    return out

BEGIN, END = '<!-- figures: written by `make figures` (bench/figures.py) from bench/results/figures.csv -->', '<!-- /figures -->'

def _pm(f, k, digits=3) -> str:
    "A figure's mean +- sd over the seeds (the value alone for one seed), as the demo's report writes it."
    from deepfake_detect.report import mean_sd
    return mean_sd(f[k], digits)

def _how(f) -> str:
    "How the figures' models were scored."
    return ('16 frames a video, 2 views' + (f", the classifier computing in {f['dtype']}" if f.get('dtype') else '')
            + (f"; trained and scored on {f['cpu']}" if f.get('cpu') else ''))

def _seeds(f) -> str:
    s = [str(x) for x in f['seeds']]
    return s[0] if len(s) == 1 else ', '.join(s[:-1]) + ' and ' + s[-1]

def _beside(a, b, k='heldout_auc') -> str:
    "Where `b`'s mean of `k` lies against `a`'s spread over seeds."
    lo, hi = a[k]['mean'] - (a[k]['sd'] or 0), a[k]['mean'] + (a[k]['sd'] or 0)
    return 'within' if lo <= b[k]['mean'] <= hi else 'above' if b[k]['mean'] > hi else 'below'

def readme_paragraph(figs) -> str:
    "The README's sentences on the demo's and the reference model's figures, from `figs` (what `spread` returns)."
    from deepfake_detect.inference import reference_model
    d, r = figs['demo'], figs.get('reference')
    first = d['seeds'][0]
    shipped = json.loads(reference_model().with_suffix('.json').read_text())['train']['seed'] if r else None
    text = (f"**How far to trust a model trained on the sample.** Trained at seeds {_seeds(d)} on the current build (`make figures`, "
            f"{d['date']}, commit {d['commit']}), the demo's recipe scores AUC {_pm(d, 'heldout_auc')} and log loss {_pm(d, 'heldout_logloss')} "
            f"on the held-out set (mean ± standard deviation over the seeds; photos {_pm(d, 'heldout_photo_auc')} / {_pm(d, 'heldout_photo_logloss')}, "
            f"footage {_pm(d, 'heldout_video_auc')} / {_pm(d, 'heldout_video_logloss')}; {_how(d)}), "
            f"{'reaching' if d['heldout_auc']['mean'] >= 0.9 and d['heldout_logloss']['mean'] <= 0.4 else 'short of'} the 0.90 and 0.40 this project aims at; "
            f"seed {first}, the first model `make demo` trains, scores {d['heldout_auc']['values'][0]:.3f} / {d['heldout_logloss']['values'][0]:.3f}. "
            f"On the sample's own test videos: AUC {_pm(d, 'test_auc')}, log loss {_pm(d, 'test_logloss')}.")
    if r: text += (f" The reference model's recipe (`predict` uses its seed {shipped} when no `--model` is given; seed{'s' if len(r['seeds']) > 1 else ''} "
                   f"{_seeds(r)} measured) scores AUC {_pm(r, 'heldout_auc')} and log loss {_pm(r, 'heldout_logloss')} on the held-out set, its mean "
                   f"{_beside(d, r)} the demo's spread; its model card has its figures.")
    return f"{BEGIN}\n\n{text}\n\n{END}"

CARD = ROOT/'deepfake_detect'/'models'/'MODEL_CARD.md'

def seeds_table(figs) -> str:
    "Each recipe seed by seed, then its mean ± sd: a markdown table."
    cols = {'valid_auc': 'validation AUC', 'heldout_auc': 'held-out AUC', 'heldout_logloss': 'held-out log loss', 'heldout_photo_auc': 'photos AUC',
            'heldout_video_auc': 'footage AUC', 'test_auc': 'test AUC', 'test_logloss': 'test log loss'}
    rows = [dict(recipe=f['name'], seed=s, **{c: f"{f[k]['values'][i]:.3f}" for k, c in cols.items()}) for f in figs.values() for i, s in enumerate(f['seeds'])]
    rows += [dict(recipe=f['name'], seed='mean ± sd', **{c: _pm(f, k) for k, c in cols.items()}) for f in figs.values()]
    return pd.DataFrame(rows).to_markdown(index=False)

def _against(figs) -> str:
    if 'reference' not in figs: return ''
    d, r = figs['demo'], figs['reference']
    return f"The reference recipe's mean held-out AUC ({r['heldout_auc']['mean']:.3f}) lies {_beside(d, r)} the demo recipe's spread ({_pm(d, 'heldout_auc')})."

def card_section(figs) -> str:
    "The model card's table of the reference recipe's seeds (and the demo's beside it), between the figures' markers."
    f = figs.get('reference', figs['demo'])
    return (f"{BEGIN}\n\n## Over seeds\n\nOne seed says little, so each recipe was trained at several seeds on the build the card describes (build {f['build']}, "
            f"commit {f['commit']}, {f['date']}: `make figures`) and every model scored the same way ({_how(f)}; each model calibrated "
            f"and clipped as it was exported):\n\n{seeds_table(figs)}\n\n{_against(figs)}\n\n{END}")

BENCH = ROOT/'BENCHMARKS.md'

def bench_section(figs) -> str:
    "BENCHMARKS.md's table of the models as they ship, between the figures' markers."
    f = figs['demo']
    return (f"{BEGIN}\n\nThe recipes as they ship, each at several seeds (`make figures` on {f['date']}, commit {f['commit']}, build {f['build']}: the "
            f"demo's recipe without its time budget, and the reference model's; {_how(f)}):\n\n{seeds_table(figs)}\n\n{_against(figs)}\n\n{END}")

def _replaced(text, block, where) -> str:
    "`text` with what lies between the figures' markers (markers included) replaced by `block` (which carries them)."
    if text.count(BEGIN) != 1 or text.count(END) != 1: raise SystemExit(f"{where}: expected the figures' markers once each")
    return text[:text.index(BEGIN)] + block + text[text.index(END) + len(END):]

def _between(path, block): path.write_text(_replaced(path.read_text(), block, path))

def write(df):
    "figures.json, the README's paragraph (nbs/index.ipynb, then README.md) and the model card's table of seeds, from the figures table `df`."
    figs = spread(df)
    JSON.write_text(json.dumps(figs, indent=1) + '\n')
    if CARD.exists(): _between(CARD, card_section(figs))
    _between(BENCH, bench_section(figs))
    nb = ROOT/'nbs'/'index.ipynb'
    d = json.loads(nb.read_text())
    cells = [c for c in d['cells'] if c['cell_type'] == 'markdown' and BEGIN in ''.join(c['source'])]
    if len(cells) != 1: raise SystemExit(f"{nb}: expected one markdown cell with the figures' markers, found {len(cells)}")
    cells[0]['source'] = _replaced(''.join(cells[0]['source']), readme_paragraph(figs), nb).splitlines(keepends=True)
    nb.write_text(json.dumps(d, indent=1, ensure_ascii=False) + '\n')
    subprocess.run([sys.executable, str(ROOT/'.ci'/'readme.py')], check=True, cwd=ROOT)
    print(readme_paragraph(figs))
    return figs

def measure(work, seeds, runs):
    "Steps 1 and 2: the rows this build lacks, added to the CSV one by one (a stopped run keeps what it measured)."
    build = build_id()
    df = pd.read_csv(CSV) if CSV.exists() else pd.DataFrame(columns=['model', 'seed', 'build'])
    df = df[df.build == build]   # another build's figures are not this one's
    have = set(zip(df.model, df.seed.astype(int)))
    for rows in (demo_rows(work, seeds, have, build), reference_rows(work, runs, have, build)):
        for row in rows:
            print(json.dumps(row), flush=True)
            df = pd.concat([df, pd.DataFrame([row])], ignore_index=True)
            df.to_csv(CSV, index=False)
    return df

if __name__ == '__main__':
    from deepfake_detect.train import SEED
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--seeds', default=f'{SEED},{SEED + 1},{SEED + 2}', help="the demo recipe's seeds, comma-separated")
    ap.add_argument('--reference-runs', default='', help="work folders of other seeds' runs of the reference recipe (python -m bench.reference train --seed N), comma-separated")
    ap.add_argument('--work', default='/tmp/figures')
    ap.add_argument('--write', action='store_true', help='write figures.json and the README from bench/results/figures.csv, measuring nothing')
    a = ap.parse_args()
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    df = pd.read_csv(CSV) if a.write else measure(work, [int(s) for s in a.seeds.split(',')], [r for r in a.reference_runs.split(',') if r])
    print(df.round(3).to_markdown(index=False))
    write(df)
