"""Experiment: train the defaults with the training augmentations changed, and score as bench/generalization.py does.

    python -m bench.augs --variant tone --seeds 42,43,44,45
    python -m bench.augs --variant soft --seeds 42,43,44,45

On the held-out set the real faces' P(fake) falls as their faces get sharper and brighter (Spearman -0.70 with the
Laplacian variance of the face's centre; -0.51 with its luminance, mostly between sources; four default models,
bench/by_source.py --cache): a soft or low-contrast real face is called fake. The sample's fakes are softer than its
real faces, and its real faces are nearly all light-skinned. Each variant changes the training crops so that these
properties say less of the label (tone and soft apply to both crops of a real/fake pair alike):
- tone: a gamma curve on the whole crop (exponent log-uniform in 0.6-2.0, darker or lighter), p 0.3;
- soft: the crop blurred (sigma 0.5-2) or brought down to 32-80 px and back, each p 0.25, and its contrast lowered
  (0.5-1), p 0.2, on top of the default augmentations;
- sharp_fakes: the sample's fakes are softer than its real faces (median sharpness of the face's centre 23-34 for
  synth's methods against 60 for real videos), so a fake crop (synth's or self-blended) is sharpened as a whole (unsharp
  mask, sigma 0.7-1.5, amount 0.3-1.5) with p 0.4 before the other augmentations, as a generator's output often is.
The package is patched in this process only (crop_dls reads `data.AUGS` when it builds the training set).
"""
import argparse
from functools import partial
from pathlib import Path
import numpy as np, cv2
from bench import generalization as G
from deepfake_detect import data
from deepfake_detect.train import TrainOptions

def tone(img, rng, lo=0.6, hi=2.0):
    "A gamma curve on the whole crop, the exponent log-uniform in [lo, hi] (above 1: darker)."
    g = float(np.exp(rng.uniform(np.log(lo), np.log(hi))))
    return ((np.arange(256) / 255.0) ** g * 255 + 0.5).astype(np.uint8)[img]

soft_blur = partial(data.blur, lo=0.5, hi=2.0)
def low_res(img, rng): return data.crappify(img, rng, int(rng.integers(32, 81)))
def low_contrast(img, rng):
    m = img.reshape(-1, 3).mean(0)
    return np.clip((img - m) * rng.uniform(0.5, 1.0) + m, 0, 255).astype(np.uint8)

def unsharp(img, rng):
    a = rng.uniform(0.3, 1.5)
    return np.clip(img.astype(np.float32) * (1 + a) - cv2.GaussianBlur(img, (0, 0), rng.uniform(0.7, 1.5)) * a, 0, 255).astype(np.uint8)

def sharpen_fakes(p=0.4):
    "Patch CropDataset so that a training fake (synth's or a self-blend) is sharpened with probability `p` before augmentation."
    rng, load, blend = np.random.default_rng(7), data.CropDataset.load, data.self_blend
    def load2(self, i):
        img = load(self, i)
        return unsharp(img, rng) if self.train and self.y[i] == 1 and rng.random() < p else img
    def blend2(*args, **kw):
        img, mask = blend(*args, **kw)
        return (unsharp(img, rng) if rng.random() < p else img), mask
    data.CropDataset.load, data.self_blend = load2, blend2

VARIANTS = {'sharp_fakes': {}, 'tone': dict(tone=(tone, 0.3)),
            'soft': dict(soft_blur=(soft_blur, 0.25), low_res=(low_res, 0.25), low_contrast=(low_contrast, 0.2))}

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--variant', required=True, choices=list(VARIANTS)); ap.add_argument('--seeds', default='42,43,44,45')
    ap.add_argument('--work', default='/tmp/generalization'); ap.add_argument('--out', default=None)
    a = ap.parse_args()
    data.AUGS = {**data.AUGS, **VARIANTS[a.variant]}
    if a.variant == 'sharp_fakes': sharpen_fakes()
    work = Path(a.work)
    out = Path(a.out or G.ROOT/'bench'/'results'/f'augs_{a.variant}.csv')
    meta = G.read_metadata(G.SAMPLE/'train_sample_videos')
    vs = [(f'sbi 0.5 body lr 0.3 average 3 augs {a.variant} seed {s}', TrainOptions(seed=s, **G.CUR), ()) for s in map(int, a.seeds.split(','))]
    df = G.run(vs, work, work/'crops', meta, save=lambda df: (df.to_csv(out, index=False), df)[1])
    print(df.round(3).to_markdown(index=False))
