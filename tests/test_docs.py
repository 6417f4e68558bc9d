"The docs site builds offline from the notebooks' stored outputs, and a real browser shows its figures (issue 17)."
import html, json, re, subprocess, sys
from pathlib import Path
import pytest
from conftest import ROOT, chromium



@pytest.fixture(scope='module')
def site(tmp_path_factory, offline_env):
    "`mkdocs build` (what `make docs` runs) into a temporary folder, offline."
    out = tmp_path_factory.mktemp('site')/'_docs'
    env = dict(offline_env, NO_MKDOCS_2_WARNING='1')
    r = subprocess.run([str(Path(sys.executable).parent/'mkdocs'), 'build', '-q', '-d', str(out)], cwd=ROOT, env=env, capture_output=True, text=True, timeout=900)
    assert r.returncode == 0, r.stderr[-3000:]
    return out

def test_every_notebook_page_is_built(site):
    for nb in sorted((ROOT/'nbs').glob('[0-9]*.ipynb')) + [ROOT/'nbs'/'index.ipynb']:
        page = site/nb.with_suffix('.html').name
        assert page.exists(), page
    assert not re.search(r'<(?:script|img|link)[^>]+(?:src|href)="https?://', (site/'03_faces.html').read_text())   # nothing fetched from the web

def _shown(page_html) -> str:
    "The text a reader sees in a page's HTML: less its styles, scripts and tags."
    return re.sub(r'<[^>]+>', '', re.sub(r'<(style|script)[^>]*>.*?</\1>', '', page_html, flags=re.S))

def _text(page): return _shown(page.read_text())

def test_pages_show_the_post_not_the_workshop(site):
    "No `#|` directive and no hidden cell on any page; exported functions carry their signature and docstring (issue 41)."
    pages = sorted(site.glob('[0-9]*.html')) + [site/'index.html']
    left = [p.name for p in pages if '#|' in _text(p)]
    assert not left, f"pages showing nbdev directives: {left}"
    data = _text(site/'06_data.html')
    assert 'def show_batch(xb, yb, mean, std, n=8, axs=None)' in data and 'Show the first n pairs of a batch' in data
    hidden = next(c for c in json.loads((ROOT/'nbs'/'06_data.ipynb').read_text())['cells'] if c['cell_type'] == 'code' and '#| hide' in ''.join(c['source']))
    line = next(l for l in ''.join(hidden['source']).splitlines() if l.strip() and not l.startswith('#|'))
    assert html.escape(line.strip()) not in (site/'06_data.html').read_text(), f"a hidden cell shows: {line}"
    assert 'In&nbsp;[' not in (site/'06_data.html').read_text() and 'In [' not in data

@pytest.mark.slow   # opens pages in Chromium: `make test-all` (CI) runs it, `make test` does not
@pytest.mark.parametrize('page', ['index.html', '03_faces.html', '10a_lessons.html'])
def test_pages_show_their_figures_in_headless_chromium(site, page, tmp_path):
    exe = chromium()
    if exe is None: pytest.skip("Chromium is not installed here (Debian: apt-get install chromium); CI installs it and runs this test")
    flags = [exe, '--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', f'--user-data-dir={tmp_path/"profile"}']
    dom = subprocess.run(flags + ['--virtual-time-budget=10000', '--dump-dom', (site/page).as_uri()], capture_output=True, text=True, timeout=120).stdout
    body = re.search(r'<body([^>]*)>', dom)
    assert body, dom[:500]
    attrs = dict(re.findall(r'data-([\w-]+)="(\d+)"', body.group(1)))
    assert int(attrs.get('images', 0)) >= 1, f"{page}: no figure (run `make notebooks` to store the outputs)"
    assert attrs['images-rendered'] == attrs['images'], f"{page}: only {attrs['images-rendered']} of {attrs['images']} images rendered"
    assert '#|' not in _shown(dom), f"{page}: the browser shows an nbdev directive"
