"The show_ helpers draw from the installed package alone, in a fresh interpreter with the Agg backend (issue 17)."
import json, os, subprocess, sys
from conftest import ROOT, SAMPLE

SCRIPT = r'''
import sys, json
from pathlib import Path
import numpy as np, torch
out, crops, sample = map(Path, sys.argv[1:4])
from deepfake_detect.faces import Detector, show_faces
from deepfake_detect.decoders import read_frames
from deepfake_detect.crops import CropIndex, show_crops
from deepfake_detect.data import show_batch
from deepfake_detect.synth import show_pair
meta = json.loads((sample/'train_sample_videos'/'metadata.json').read_text())
fake = next(k for k, v in meta.items() if v['label'] == 'FAKE')
real = sample/'train_sample_videos'/meta[fake]['original']
frame = read_frames(real, 1).data[0]
ax = show_faces(frame, Detector().detect([frame])[0]); ax.figure.savefig(out/'faces.png')
ci = CropIndex.load(crops)
axs = show_crops(ci, ci.status.video[:2], n=3); axs.flat[0].figure.savefig(out/'crops.png')
axs = show_batch(torch.rand(4, 3, 32, 32), torch.tensor([0, 1, 0, 1]), [0.5] * 3, [0.5] * 3, n=2); axs.flat[0].figure.savefig(out/'batch.png')
axs = show_pair(real, sample/'train_sample_videos'/fake); axs[0].figure.savefig(out/'pair.png')
import matplotlib; print(matplotlib.get_backend())
'''

def test_show_helpers_work_from_a_fresh_interpreter(sample_crops, tmp_path):
    "Each helper imports what it draws with: no NameError for `plt` outside the notebooks."
    env = dict(os.environ, MPLBACKEND='Agg')
    r = subprocess.run([sys.executable, '-c', SCRIPT, str(tmp_path), str(sample_crops), str(SAMPLE)], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=300)
    assert r.returncode == 0, r.stderr[-3000:]
    assert r.stdout.strip().lower() == 'agg'
    for f in ['faces', 'crops', 'batch', 'pair']: assert (tmp_path/f'{f}.png').stat().st_size > 1000, f
