"""What moves a model's P(fake)? Score a model's own validation crops, real and fake, as they are and after one change each.

    python -m bench.sensitivity --crops /tmp/generalization/crops MODEL.pth [MODEL.pth ...] [--names A,B] [--n 200] [--out table.csv]

A change that no real video makes between real and fake (a head turned, a softer lens, a coarser codec) should leave
P(fake) where it was. Where it moves the real crops' mean P(fake) a lot, the model has learnt that change as a sign of
a fake, and real footage that happens to have it (a tilted head, an old camera) will be called fake.

The crops are each model's validation crops (`crop_table` with the seed the model was trained with): its training
never saw them. Prints one markdown table (mean P(fake) of the real and the fake crops under each change, one TTA view).
"""
import argparse
from pathlib import Path
import numpy as np, cv2, pandas as pd
from PIL import Image
from deepfake_detect.crops import CropIndex
from deepfake_detect.data import crop_table, jpeg, crappify
from deepfake_detect.inference import Classifier

def rotate(a):
    def f(img):
        h, w = img.shape[:2]
        return cv2.warpAffine(img, cv2.getRotationMatrix2D((w / 2, h / 2), a, 1.0), (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    return f

def sharpen(img, a=0.7):
    return np.clip(img.astype(np.float32) * (1 + a) - cv2.GaussianBlur(img, (0, 0), 1.0) * a, 0, 255).astype(np.uint8)

def gif(img):   # 256 colours, dithered: a GIF
    return np.asarray(Image.fromarray(img).quantize(256, dither=Image.Dither.FLOYDSTEINBERG).convert('RGB'))

CHANGES = {'as is': lambda x: x, 'rotated 10°': rotate(10), 'rotated 20°': rotate(20), 'rotated -20°': rotate(-20), 'rotated 30°': rotate(30),
           'blurred (σ 1)': lambda x: cv2.GaussianBlur(x, (0, 0), 1.0), 'sharpened': sharpen, 'JPEG q30': lambda x: jpeg(x, np.random.default_rng(0), 30, 30),
           'down to 48 px and up': lambda x: crappify(x, None, 48), 'GIF colours': gif}

def sensitivity(model, crops, n=200, changes=CHANGES) -> pd.DataFrame:
    "Mean P(fake) of `n` real and `n` fake validation crops of `model` under each of `changes`: one row per change."
    clf = Classifier(model)
    seed = int(clf.cfg.get('train', {}).get('seed', 42))
    tbl = crop_table(CropIndex.load(crops), seed=seed)
    val, rows = tbl[tbl.is_valid], {}
    for y, name in ((0, 'real'), (1, 'fake')):
        sel = val[val.y == y]
        imgs = [cv2.cvtColor(cv2.imread(p), cv2.COLOR_BGR2RGB) for p in sel.sample(min(n, len(sel)), random_state=0).path]
        for k, f in changes.items(): rows.setdefault(k, {})[name] = float(clf([f(i) for i in imgs], tta=1).mean())
    return pd.DataFrame(rows).T.rename_axis('change')

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('models', nargs='+')
    ap.add_argument('--crops', required=True, help='the crop folder the models were trained on (`extract` output)')
    ap.add_argument('--n', type=int, default=200, help='real and fake crops each')
    ap.add_argument('--names', default=None, help='comma-separated column names for the models')
    ap.add_argument('--out', default=None, help='also write the table as CSV here')
    a = ap.parse_args()
    names = a.names.split(',') if a.names else [Path(m).parent.name or Path(m).stem for m in a.models]
    tabs = [sensitivity(m, a.crops, a.n).add_prefix(f'{nm} ') for nm, m in zip(names, a.models)]
    df = pd.concat(tabs, axis=1)
    if a.out: df.round(4).to_csv(a.out)
    print(df.to_markdown(floatfmt='.2f'))
