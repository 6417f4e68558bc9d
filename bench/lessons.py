"""The write-up's lessons, rerun on the sample: one row per experiment with log loss, AUC and seconds, from one script.

    python -m bench.lessons [--groups training,inference,decoders] [--model M] [--dfdc DIR] [--seeds 42,43,44]

inference  a model (--model; its training seed in each row) on data/sample/test_videos: aggregation within a track (mean, median, confident, max),
           TTA views 1/2/4, frames per video 8/16/32, detection on every sampled frame (predict's default: every 2nd). Crops are cached per crop setting,
           so the aggregation and TTA rows time the scoring alone (`seconds`: the whole predict call).
decoders   decord, PyAV and OpenCV reading 32 frames of DFDC-shaped clips (1920x1080, 10 s; --dfdc, or made by synth).
training   the current training defaults on the sample's crops (32 frames a video), then one thing changed: no pair
           sampler (random crops, as many an epoch as the pairs'), one fixed size at about equal time, no randmerge, no crappify; each once a seed
           (--seeds, three by default). Each model predicts the test videos (16 frames, 2 views) and the held-out set,
           as bench/generalization.py does.

Writes bench/results/lessons.csv (a run of some groups replaces their rows and keeps the others) and prints the table.
"""
import argparse, json, time
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, HELDOUT = ROOT/'data'/'sample', ROOT/'data'/'heldout'

def _eval(sub):
    from deepfake_detect.evaluate import evaluate
    r = evaluate(sub, SAMPLE/'test_labels.csv', n_wrong=0)
    return dict(test_logloss=r['log_loss'], test_auc=r['auc'])

def inference_rows(model, work, have=()):
    from deepfake_detect.inference import predict
    rows, seed = [], json.loads(Path(model).with_suffix('.json').read_text())['train']['seed']   # the model's training seed: each row is one seed's
    def run(group, setting, crop_kw=None, **score_kw):
        if (group, setting, str(seed)) in have: return   # measured by an earlier run that stopped
        kw = dict(dict(frames=32), **(crop_kw or {}))
        cache = work/('cache_' + '_'.join(f'{k}{v}' for k, v in sorted(kw.items())))
        sub = work/f'{group}_{setting}.csv'
        t0 = time.time()
        predict(SAMPLE/'test_videos', [model], out=sub, cache=cache, progress=False, **kw, **score_kw)
        rows.append(dict(group=group, setting=setting, seed=seed, seconds=round(time.time() - t0, 1), **_eval(sub)))
        print(json.dumps(rows[-1]), flush=True); SAVE(rows)
    run('frames per video', '32')             # also fills the cache the next rows read
    for agg in ('mean', 'median', 'confident', 'max'): run('aggregation within a track', agg, agg=agg)
    for tta in (1, 2, 4): run('TTA views', str(tta), tta=tta)
    for f in (8, 16): run('frames per video', str(f), dict(frames=f))
    run('detect on every k-th frame', '1', dict(detect_every=1))   # predict's own default, every 2nd, is the 32-frame row's
    return rows

def decoder_rows(dfdc, n=6):
    from deepfake_detect.decoders import read_frames
    paths = sorted(Path(dfdc).glob('*.mp4'))[:n]
    rows = []
    for d in ('decord', 'pyav', 'opencv'):
        read_frames(paths[0], n=32, decoders=(d,))   # warm-up
        t0 = time.time()
        for p in paths: read_frames(p, n=32, decoders=(d,))
        rows.append(dict(group='decoder (32 frames of a 1920x1080 10 s clip)', setting=d, seconds=round((time.time() - t0) / len(paths), 3)))
        print(json.dumps(rows[-1]), flush=True)
    return rows

@contextmanager
def without_aug(name):
    "Training without the augmentation `name` (taken out of the defaults for the duration)."
    from deepfake_detect import data
    saved = data.AUGS.pop(name)
    try: yield
    finally: data.AUGS[name] = saved

def pair_epoch(crops, opts) -> int:
    "The pairs an epoch of `opts` draws from the training split of `crops` (a `CropIndex`): a random-crop epoch of twice as many crops trains as long."
    from deepfake_detect.data import crop_table, PairSampler
    tbl = crop_table(crops, split=opts.split, valid_pct=opts.valid_pct, seed=opts.seed)
    return PairSampler(tbl[~tbl.is_valid].reset_index(drop=True), opts.bs, opts.per_video, opts.epoch_pairs, opts.seed, opts.sbi).n

def training_variants(epoch_pairs=None):
    "(name, options, context) for each training row: the current defaults, then one thing changed; `epoch_pairs`: the defaults' pairs an epoch (`pair_epoch`), which the random crops match."
    from deepfake_detect.train import TrainOptions, parse_sizes
    from contextlib import nullcontext
    d = TrainOptions()
    cost = sum(e * (s / 96) ** 2 for s, e in parse_sizes(d.sizes))   # epochs in 96-px units: a pixel costs about the same at any size
    fixed = f'128:{round(cost / (128 / 96) ** 2)}'
    return [(f'the defaults (pairs, {d.sizes}, randmerge {d.p_merge}, crappify)', d, nullcontext()),
            ('random crops instead of real/fake pairs, as many an epoch (so no self-blends: they are made from pairs)', replace(d, pairs=False, sbi=0.0, epoch_pairs=epoch_pairs), nullcontext()),
            (f'one fixed size, {fixed} (about the same time)', replace(d, sizes=fixed), nullcontext()),
            ('no randmerge', replace(d, p_merge=0.0), nullcontext()),
            ('no crappify', d, without_aug('crappify'))]

def training_rows(work, have=(), seeds=(42,)):
    "Train each variant once a seed: the defaults for every seed first (the baseline), then the others seed by seed, so a stopped run leaves them even."
    from deepfake_detect.crops import extract, CropIndex
    from deepfake_detect.train import train, TrainOptions
    from bench.generalization import score
    crops = work/'crops'
    extract(SAMPLE/'train_sample_videos', crops, frames=32, progress=False)
    ci, rows = CropIndex.load(crops), []
    variants = {s: list(enumerate(training_variants(pair_epoch(ci, replace(TrainOptions(), seed=s))))) for s in seeds}
    for seed, (i, (name, opts, ctx)) in [(s, variants[s][0]) for s in seeds] + [(s, v) for s in seeds for v in variants[s][1:]]:   # the defaults of every seed first: the baseline
        if ('training', name, str(seed)) in have: continue
        t0 = time.time()
        with ctx: r = train(ci, work/f'train{i}_seed{seed}'/'model.pkl', replace(opts, seed=seed), progress=False)
        secs = round(time.time() - t0)
        s = score(r['paths']['pth'], work, f'train{i}_seed{seed}')
        rows.append(dict(group='training', setting=name, seed=seed, seconds=secs, test_logloss=s['test_logloss'], test_auc=s['test_auc'],
                         heldout_logloss=s.get('heldout_logloss'), heldout_auc=s.get('heldout_auc'), valid_auc=r['config']['metrics']['video_auc']))
        print(json.dumps(rows[-1]), flush=True); SAVE(rows)
    return rows

SAVE = lambda rows: None   # set by the script: rows are written as they come, so a stopped run loses nothing

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--model', default=None, help="the inference rows' model (default: the training rows' model of the defaults and the first seed, under --work)")
    ap.add_argument('--dfdc', default=None, help='a folder of DFDC-shaped clips (default: made by synth under --work)')
    ap.add_argument('--groups', default='training,inference,decoders', help='comma-separated, run in this order (inference scores the model training made)')
    ap.add_argument('--work', default='/tmp/lessons')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'lessons.csv'))
    from deepfake_detect.train import SEED
    ap.add_argument('--seeds', default=f'{SEED},{SEED + 1},{SEED + 2}', help="the training rows' seeds, comma-separated (the demo's ensemble uses the first two)")
    ap.add_argument('--redo', action='store_true', help='measure every row again (default: rows already in --out are kept, so a stopped run goes on)')
    a = ap.parse_args()
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    out = Path(a.out); out.parent.mkdir(parents=True, exist_ok=True)
    def save(rows):
        "Write `rows` into the CSV: rows of the same group, setting and seed are replaced (and an older row of no seed), the others kept."
        df = pd.DataFrame(rows)
        if out.exists() and len(df):
            old = pd.read_csv(out)
            for d in (old, df):
                if 'seed' not in d: d['seed'] = np.nan   # the decoders' rows: no model, no seed
            setting = lambda d: d.group + '|' + d.setting.astype(str)
            seeded = lambda d: setting(d) + '|' + d.seed.astype('Int64').astype(str)
            gone = seeded(old).isin(set(seeded(df))) | (old.seed.isna() & setting(old).isin(set(setting(df))))   # a row of no seed: an older build's, replaced by any new one
            df = pd.concat([old[~gone], df], ignore_index=True)
        df.to_csv(out, index=False)
        return df
    SAVE = save
    done = pd.read_csv(out) if out.exists() and not a.redo else pd.DataFrame(columns=['group', 'setting', 'seed'])
    have = set(zip(done.group, done.setting.astype(str), done.reindex(columns=['seed']).seed.astype('Int64').astype(str)))   # (group, setting, seed) measured
    for g in a.groups.split(','):
        if g == 'inference': df = save(inference_rows(Path(a.model or work/f"train0_seed{a.seeds.split(',')[0]}"/'model.pth'), work, have))
        elif g == 'decoders':
            if a.dfdc is None:
                from bench.common import make_videos
                a.dfdc = str(make_videos(work/'dfdc', 6, plain=True)[0].parent)
            df = save(decoder_rows(a.dfdc))
        elif g == 'training': df = save(training_rows(work, have, [int(x) for x in a.seeds.split(',')]))
        else: raise SystemExit(f"unknown group {g!r}")
    print(df.round(3).to_markdown(index=False))
