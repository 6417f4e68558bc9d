"""One training on one process against the same on two (`train --nprocs 2`, gloo on the CPU): validation figures and time.

    python -m bench.distributed --crops /tmp/ref/crops --seeds 42,43 --work /tmp/distbench

--crops: the demo's training crops (`deepfake-detect extract data/sample/train_sample_videos CROPS`, 32 frames a video).
Each seed is trained with the defaults (the demo's schedule), once with --nprocs 1 and once with --nprocs 2, through the
command, one after the other; the wall time includes starting the processes. Results: bench/results/distributed.csv.
"""
import argparse, json, subprocess, sys, time
from pathlib import Path
import pandas as pd

ROOT = Path(__file__).resolve().parents[1]
EXE = str(Path(sys.executable).parent/'deepfake-detect')

def run(crops, out, seed, nprocs) -> dict:
    "Train one model through the command; its validation figures and times."
    t0 = time.time()
    subprocess.run([EXE, 'train', str(crops), '--out', str(out), '--seed', str(seed), '--nprocs', str(nprocs)], check=True, cwd=ROOT,
                   stdout=subprocess.DEVNULL)
    cfg = json.loads(Path(out).with_suffix('.json').read_text())
    m = cfg['metrics']
    return dict(seed=seed, nprocs=nprocs, wall_s=round(time.time() - t0, 1), train_s=cfg['seconds'], valid_auc=m['video_auc'],
                valid_logloss=m['video_logloss'], valid_logloss_calibrated=m['video_logloss_calibrated'], valid_videos=cfg['n_valid_videos'])

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--crops', required=True)
    ap.add_argument('--seeds', default='42,43')
    ap.add_argument('--work', default='/tmp/distbench')
    ap.add_argument('--out', default=str(ROOT/'bench'/'results'/'distributed.csv'))
    a = ap.parse_args()
    rows = []
    for seed in map(int, a.seeds.split(',')):
        for n in (1, 2):
            rows.append(run(a.crops, Path(a.work)/f'seed{seed}_n{n}.pkl', seed, n))
            df = pd.DataFrame(rows); df.to_csv(a.out, index=False); print(df.to_string(index=False), flush=True)
