"Render nbs/index.ipynb as README.md (markdown cells as they are, code cells as python blocks); --check compares instead."
import json, sys
from pathlib import Path

root = Path(__file__).resolve().parents[1]

def render(nb_path):
    out = []
    for c in json.loads(Path(nb_path).read_text())['cells']:
        src = ''.join(c['source']).strip('\n')
        if c['cell_type'] == 'markdown': out.append(src.replace('](images/', '](nbs/images/'))   # the notebook's links are relative to nbs/
        elif c['cell_type'] == 'code':
            lines = src.split('\n')
            if any(l.strip() in ('#| hide', '#|hide') for l in lines): continue
            code = '\n'.join(l for l in lines if not l.startswith('#|')).strip('\n')
            if code: out.append(f'```python\n{code}\n```')
    return '\n\n'.join(out) + '\n\n<!-- This file is generated from nbs/index.ipynb by `make readme`: edit the notebook. -->\n'

if __name__ == '__main__':
    text, readme = render(root/'nbs'/'index.ipynb'), root/'README.md'
    if '--check' in sys.argv:
        if not readme.exists() or readme.read_text() != text: sys.exit('README.md is out of date with nbs/index.ipynb: run `make readme`')
    else: readme.write_text(text)
