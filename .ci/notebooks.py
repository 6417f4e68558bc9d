"""Execute the notebooks in order on the bundled sample and store their outputs: `make notebooks`.

    python .ci/notebooks.py             # every numbered notebook and index.ipynb (not the Kaggle kernel)
    python .ci/notebooks.py 03 10       # those whose names start so
    python .ci/notebooks.py --check     # fail if a notebook that should have outputs has none (CI)

Cells run as `nbdev_test` runs them (the same directives are honoured), in the notebook's folder. Outputs are made
stable before they are stored, so that a rerun changes little: progress bars are dropped, local paths, temporary folder
names and memory addresses are replaced, figures are PNGs at 72 dpi. A notebook that fails is left as it was.
"""
import os, re, sys, time
from pathlib import Path
from fastcore.foundation import working_directory
from execnb.nbio import read_nb, write_nb
from execnb.shell import CaptureShell
from nbdev.process import NBProcessor
from nbdev.frontmatter import FrontmatterProc

ROOT = Path(__file__).resolve().parents[1]
NBS = ROOT/'nbs'
NO_OUTPUT = set()      # the Kaggle kernel too: its stored outputs are its run on the sample's test videos
MAX_MB = 2.0

def notebooks(prefixes=()):
    nbs = sorted(NBS.glob('[0-9]*.ipynb')) + [NBS/'index.ipynb']
    return [p for p in nbs if p.name not in NO_OUTPUT and (not prefixes or p.name.startswith(tuple(prefixes)))]

def _skip(cell):
    "nbdev_test's rule: skip markdown, export calls and `#| eval: false` cells."
    if cell.cell_type != 'code': return True
    if 'nbdev_export' + '(' in cell.source: return True
    return (getattr(cell, 'directives_', {}) or {}).get('eval:', [''])[0].lower() == 'false'

SUBS = [(re.compile(re.escape(str(ROOT)) + r'/?'), ''),                     # the checkout's own path
        (re.compile(r'/tmp/(?:pytest-of-\w+/)?(?:tmp|pytest-)[\w.-]+'), '/tmp/TMP'),   # temporary folders
        (re.compile(r'0x[0-9a-f]{6,}'), '0x...'),                            # memory addresses
        (re.compile(r'pid=\d+'), 'pid=N')]

def _stable(text):
    for rx, new in SUBS: text = rx.sub(new, text)
    return text

def _clean(outputs):
    "Outputs without progress bars, local paths or addresses."
    res = []
    for o in outputs:
        data = o.get('data', {})
        html = ''.join(data.get('text/html', ''))
        if '<progress' in html or 'progress-bar' in html: continue
        if o.get('name') == 'stderr' and 'Warning' in ''.join(o.get('text', '')): continue   # library deprecation noise
        if 'text' in o: o['text'] = _stable(''.join(o['text']))
        for k in ('text/plain', 'text/html', 'text/markdown'):
            if k in data: data[k] = _stable(''.join(data[k]))
        if o.get('output_type') == 'error': o['traceback'] = [_stable(t) for t in o.get('traceback', [])]
        res.append(o)
    return res

def run(path):
    "Execute `path` and store its outputs; True if it ran to the end."
    os.environ['IN_TEST'] = '1'
    nb = NBProcessor(path, procs=FrontmatterProc, process=True).nb
    k = CaptureShell(path, mpl_format='png')
    k.run("import matplotlib as mpl; mpl.rcParams.update({'figure.dpi': 72, 'savefig.dpi': 72})")
    try:
        with working_directory(path.parent): k.run_all(nb, exc_stop=True, preproc=_skip)
    except Exception:
        sys.stderr.write(k.prettytb(fname=path) + '\n')
        return False
    outs = {c.id: c for c in nb.cells if c.cell_type == 'code'}
    raw = read_nb(path)
    n = 1
    for c in raw.cells:
        if c.cell_type != 'code': continue
        ran = outs.get(c.id)
        c['outputs'] = _clean(list(ran.get('outputs', []))) if ran is not None else []
        c['execution_count'] = n if c['outputs'] else None
        n += 1
    write_nb(raw, path)
    return True

def has_outputs(path): return any(c.get('outputs') for c in read_nb(path).cells if c.cell_type == 'code')

def check():
    "Every notebook but the kernel stores outputs, and none is over MAX_MB."
    bad = [f"{p.name}: no outputs (run `make notebooks`)" for p in notebooks() if not has_outputs(p)]
    bad += [f"{p.name}: {p.stat().st_size / 2**20:.1f} MB, over {MAX_MB} MB" for p in notebooks() if p.stat().st_size > MAX_MB * 2**20]
    for b in bad: print(b)
    return not bad

if __name__ == '__main__':
    args = sys.argv[1:]
    if args == ['--check']: sys.exit(0 if check() else 1)
    failed = []
    for p in notebooks(args):
        t0 = time.time()
        ok = run(p)
        print(f"{p.name}: {'ok' if ok else 'FAILED'} in {time.time() - t0:.0f} s, {p.stat().st_size / 2**20:.2f} MB", flush=True)
        if not ok: failed.append(p.name)
    total = sum(p.stat().st_size for p in notebooks()) / 2**20
    print(f"{len(notebooks(args)) - len(failed)} notebooks stored with outputs; all notebooks {total:.1f} MB")
    sys.exit(1 if failed else 0)
