"""A mkdocs hook: the site shows each notebook as the post it is, not the workshop it was written in.

Before mkdocs-jupyter renders a notebook, this writes a reader's copy of it under build/site_nbs/ and points the page
there: cells marked `#| hide` go (the hidden tests and their imports), the `#|` directive lines go from the cells that
stay, `#| echo: false` keeps a cell's output without its code, `#| output: false` its code without its output, and
after each exported cell comes a card per public function or class it defines, with its signature and docstring (what
nbdev's `show_doc` shows). The notebooks in nbs/ are not touched.
"""
import ast, copy, json, re
from pathlib import Path
from fastcore.basics import AttrDict
from mkdocs.plugins import event_priority
from nbdev.process import extract_directives

OUT = Path(__file__).resolve().parents[1]/'build'/'site_nbs'
DIRECTIVE = re.compile(r'^\s*#\s*\|')   # the Quarto ones (`#| echo: false`), which nbdev leaves in a cell's source

def _signature(node):
    "`name(arg, arg=default, *, kw=default)` from a function's AST, as written in the source."
    return f"{node.name}({ast.unparse(node.args)})"

def doc_cards(source):
    "Markdown cards for the public functions and classes a cell defines: the signature in code, the docstring under it."
    try: tree = ast.parse(source)
    except SyntaxError: return []
    cards = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and not node.name.startswith('_'):
            head = f"def {_signature(node)}"
        elif isinstance(node, ast.ClassDef) and not node.name.startswith('_'):
            init = next((n for n in node.body if isinstance(n, ast.FunctionDef) and n.name == '__init__'), None)
            bases = ', '.join(ast.unparse(b) for b in node.bases)
            head = f"class {node.name}" + (f"({bases})" if bases else '') + (f"\n    def {_signature(init)}" if init else '')
        else: continue
        doc = ast.get_docstring(node) or ''
        cards.append(f"```python\n{head}\n```\n\n" + (f"> {doc}" if doc else ''))
    return cards

def _md(source): return dict(cell_type='markdown', metadata={}, source=source)

def reader_copy(nb):
    "The notebook as the site shows it: hidden cells dropped, directives stripped, exported cells followed by their cards."
    cells = []
    for cell in nb['cells']:
        src = ''.join(cell['source']) if isinstance(cell['source'], list) else cell['source']
        if cell['cell_type'] != 'code': cells.append(cell); continue
        parsed = AttrDict(cell_type='code', source=src)
        d = extract_directives(parsed)   # nbdev's reading: {'hide': [], 'export': [], 'echo:': ['false']}, its own taken out
        if 'hide' in d: continue
        keep = '\n'.join(l for l in parsed.source.splitlines() if not DIRECTIVE.match(l)).strip('\n')
        if not keep: continue
        cell = copy.deepcopy(cell)
        cell['source'] = keep
        if d.get('echo:') == ['false']: cell.setdefault('metadata', {}).setdefault('tags', []).append('remove_input')
        if d.get('output:') == ['false']: cell['outputs'] = []
        cells.append(cell)
        if {'export', 'exports'} & d.keys(): cells += [_md(c) for c in doc_cards(keep)]
    return dict(nb, cells=cells)

@event_priority(100)   # before mkdocs-jupyter wraps the files
def on_files(files, config):
    OUT.mkdir(parents=True, exist_ok=True)
    for f in files:
        if f.src_uri.endswith('.ipynb'):
            dest = OUT/f.src_uri
            dest.write_text(json.dumps(reader_copy(json.loads(Path(f.abs_src_path).read_text())), indent=1))
            f.src_dir = str(OUT)   # mkdocs-jupyter's wrapper reads the path from src_dir and src_uri
            f.__dict__.pop('abs_src_path', None)
    return files
