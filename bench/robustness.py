"""Robustness figures: every bad-input case of bench/common.py through extraction and prediction.

    python -m bench.robustness --model runs/demo/models/sample.pth

Prints a markdown table: the case, what extraction recorded (status and reason), what prediction gave (status and
P(fake)), and whether the outcome is one the tests allow. The same cases run in tests/test_robustness.py.
"""
import argparse, tempfile, warnings
from pathlib import Path
import pandas as pd
from bench.common import CASES, make_bad_videos

if __name__ == '__main__':
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--model', required=True); ap.add_argument('--frames', type=int, default=8)
    a = ap.parse_args()
    warnings.simplefilter('ignore')
    from deepfake_detect.crops import extract
    from deepfake_detect.inference import predict
    tmp = Path(tempfile.mkdtemp())
    make_bad_videos(tmp/'videos')
    st = extract(tmp/'videos', tmp/'crops', frames=a.frames, progress=False).status.set_index('video')
    log = predict(tmp/'videos', [a.model], out=tmp/'sub.csv', frames=a.frames, progress=False).set_index('filename')
    rows = []
    for name, (allowed, what) in CASES.items():
        msg = str(st.reason.get(name, '') or '').replace(str(tmp/'videos') + '/', '')
        rows.append({'case': name, 'what it is': what, 'extract': st.status[name], 'extract reason': msg[:70],
                     'predict': log.status[name], 'P(fake)': round(float(log.label[name]), 3), 'as expected': st.status[name] in allowed})
    df = pd.DataFrame(rows)
    print(df.to_markdown(index=False))
    print(f"\n{len(df)} cases, {int(df['as expected'].sum())} as expected; every one has a row in the submission: "
          f"{set(log.index) == set(CASES)}")
