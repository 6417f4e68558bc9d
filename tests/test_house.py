"""Rules of the house a reader of the code relies on, checked over the package's source (deepfake_detect/)."""
import ast, dataclasses, os
from pathlib import Path
from deepfake_detect.crops import CropOptions
from deepfake_detect.train import TrainOptions
from deepfake_detect.inference import ScoreOptions
from deepfake_detect.synth import SynthOptions

OPTIONS = (CropOptions, TrainOptions, ScoreOptions, SynthOptions)

PKG = Path(os.environ.get('DEEPFAKE_PKG_DIR') or Path(__file__).parents[1]/'deepfake_detect')
# A parameter may share an option's name and value and still be another option: say so here, with the reason.
NOT_THE_OPTION = {('synth.py', 'workers'): "synth's processes render videos; CropOptions' decode them"}
# An option whose name and value are common words for other things: not checked, with the reason.
UNCHECKED = {('SynthOptions', 'seed'): "0 seeds many other random things (a sampler, a recipe, a figure's pick), each its own",
             ('SynthOptions', 'fps'): "30 is also a video writer's frame rate, which synth passes on"}

def _value(node):
    try: return ast.literal_eval(node)
    except (ValueError, TypeError, SyntaxError): return _value   # not a literal: a name, a call (the default comes from elsewhere)

def default_sites(src):
    "Yield `(name, value, line)` for each default written in `src`: parameters, annotated fields, and module constants (NAME = value, as name)."
    for node in ast.walk(ast.parse(src)):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            a = node.args; pos = a.posonlyargs + a.args
            pairs = list(zip(pos[len(pos) - len(a.defaults):], a.defaults)) + [(k, d) for k, d in zip(a.kwonlyargs, a.kw_defaults) if d is not None]
            for arg, d in pairs: yield arg.arg, _value(d), d.lineno
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            yield node.target.id, _value(node.value), node.lineno
        elif isinstance(node, ast.Assign) and len(node.targets) == 1 and isinstance(node.targets[0], ast.Name) and node.targets[0].id.isupper():
            yield node.targets[0].id.lower(), _value(node.value), node.lineno

def restated_defaults(pkg=PKG) -> dict:
    "For each option of the `OPTIONS` classes with a default, where that default is written, if not exactly once."
    sites = [(p.name, n, v, l) for p in sorted(pkg.glob('*.py')) if not p.name.startswith('_') for n, v, l in default_sites(p.read_text())]
    bad = {}
    for cls in OPTIONS:
        for f in dataclasses.fields(cls):
            d = f.default
            if d is None or isinstance(d, bool) or (cls.__name__, f.name) in UNCHECKED: continue   # None: "not said", worked out where it is used; flags are off by default
            where = [f"{file}:{line}" for file, n, v, line in sites if n == f.name and type(v) is not bool and v == d and (file, n) not in NOT_THE_OPTION]
            if len(where) != 1: bad[f"{cls.__name__}.{f.name}={d!r}"] = where
    return bad

def test_each_default_is_written_once():
    "Each option's default is written in one place (its options class, or a named constant the class and the functions below it share)."
    assert restated_defaults() == {}

def test_the_check_finds_a_restated_default(tmp_path):
    "The check can fail: a function that says an option's default again is found."
    (tmp_path/'crops.py').write_text("from dataclasses import dataclass\n@dataclass\nclass CropOptions:\n    frames:int=32\n    margin:float=1.3\n")
    (tmp_path/'faces.py').write_text("def crop_box(box, size, margin=1.3): pass\nMIN_FACE = 30\n")
    bad = restated_defaults(tmp_path)
    assert bad['CropOptions.margin=1.3'] == ['crops.py:5', 'faces.py:1']
    assert 'CropOptions.frames=32' not in bad and 'CropOptions.min_face=30' not in bad
    assert bad['CropOptions.max_size=320'] == []   # written nowhere in that tree

def long_exported_cells(nbs=Path(__file__).parents[1]/'nbs', most=60) -> list:
    "The exported cells of the notebooks in `nbs` longer than `most` lines, as 'notebook cell-id: lines'."
    import json
    res = []
    for p in sorted(nbs.glob('*.ipynb')):
        for c in json.loads(p.read_text())['cells']:
            src = ''.join(c['source'])
            if c['cell_type'] == 'code' and src.startswith('#| export') and src.count('\n') + 1 > most: res.append(f"{p.name} {c.get('id')}: {src.count(chr(10)) + 1}")
    return res

def test_no_exported_cell_over_60_lines(tmp_path):
    "A notebook's exported cells stay small enough to read with the prose around them; the check finds a long one."
    assert long_exported_cells() == []
    import json
    (tmp_path/'x.ipynb').write_text(json.dumps(dict(cells=[dict(cell_type='code', id='a', source=['#| export\n'] + ['x = 1\n'] * 60 + ['x = 1'])])))
    assert long_exported_cells(tmp_path) == ['x.ipynb a: 62']
