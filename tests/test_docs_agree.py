"What the docs say agrees with the code: the decoder order, the licence, a figure in every chapter (issue 41). Fast: no site build."
import configparser, inspect, json, re, sys
from pathlib import Path
from conftest import ROOT
from deepfake_detect.crops import CropOptions
from deepfake_detect.decoders import DECODERS, GPU_DECODERS, read_frames

NBS = ROOT/'nbs'
NO_FIGURE_NEEDED = {'16_cli.ipynb': "the CLI reference: flags and help text"}

def _markdown(nb):
    return '\n'.join(''.join(c['source']) for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'markdown')

def prose():
    "(where, text) for what a reader reads: the README, the benchmarks summary, each notebook's prose."
    yield 'README.md', (ROOT/'README.md').read_text()
    yield 'BENCHMARKS.md', (ROOT/'BENCHMARKS.md').read_text()
    for nb in sorted(NBS.glob('*.ipynb')): yield nb.name, _markdown(nb)

FIRST = re.compile(r'\b(' + '|'.join(sorted(DECODERS, key=len, reverse=True)) + r'|PyAV|OpenCV|NVDEC)\b[^.;:\n]{0,20}?\b(?:first|reads first|stays first)\b', re.I)

CONTEXTS = (('gpu', r'nvdec|NVDEC|on a GPU|CUDA'), ('read_frames', r'read_frames'), ('pipeline', r'extract|predict|--decoders|pipeline|by default|defaults'))

def decoder_claims(text):
    "Yield (decoder, context) for each '<decoder> ... first' in `text`; its context is the one named nearest before it in its sentence."
    for sentence in re.split(r'(?<=[.!?])\s+|\n\s*\n|^#+ ', text, flags=re.M):
        for m in FIRST.finditer(sentence):
            named = [(k.end(), ctx) for ctx, pat in CONTEXTS for k in re.finditer(pat, sentence[:m.end()], re.I)]
            yield m.group(1).lower(), max(named)[1] if named else None, sentence

def expected_first(context):
    "The decoders the code may read first in a context: `read_frames`' own, the pipeline's on the CPU (extract, predict), the GPU's."
    if context == 'gpu': return set(GPU_DECODERS)
    if context == 'read_frames': return {inspect.signature(read_frames).parameters['decoders'].default[0]}
    if context == 'pipeline': return {CropOptions().for_stage(s).decoder_names()[0] for s in ('extract', 'predict')}

def test_the_decoder_order_the_docs_state_is_the_codes():
    wrong, vague = [], []
    for where, text in prose():
        for dec, context, sentence in decoder_claims(text):
            want = expected_first(context)
            if want is None: vague.append(f"{where}: {sentence.strip()[:160]}")
            elif dec not in want: wrong.append(f"{where}: says {dec} first, the code reads {'/'.join(sorted(want))} first: {sentence.strip()[:160]}")
    assert not wrong, '\n'.join(wrong)
    assert not vague, "say whose order (read_frames, extract/predict, the GPU):\n" + '\n'.join(vague)

def test_the_claims_are_found():
    "The checker sees a claim where there is one (it must be able to fail)."
    (claim,) = list(decoder_claims("Extraction reads with decord first."))
    assert claim[:2] == ('decord', 'pipeline') and 'decord' not in expected_first('pipeline')
    assert [c[:2] for c in decoder_claims("`read_frames` tries decord first, but extraction reads with PyAV first.")] == [('decord', 'read_frames'), ('pyav', 'pipeline')]

def test_licence_file_matches_settings():
    cfg = configparser.ConfigParser(); cfg.read(ROOT/'settings.ini')
    assert cfg['DEFAULT']['license'] == 'apache2'
    text = (ROOT/'LICENSE').read_text()
    assert 'Apache License' in text and 'Version 2.0' in text

def _figures(nb):
    return sum('image/png' in o.get('data', {}) or 'image/svg+xml' in o.get('data', {})
               for c in json.loads(nb.read_text())['cells'] if c['cell_type'] == 'code' for o in c.get('outputs', []))

def test_every_numbered_chapter_shows_a_figure():
    missing = [nb.name for nb in sorted(NBS.glob('[0-9]*.ipynb')) if nb.name not in NO_FIGURE_NEEDED and not _figures(nb)]
    assert not missing, f"chapters with no figure in their stored outputs (make notebooks): {', '.join(missing)}"

def test_the_site_screenshot_is_current():
    "nbs/images/site_10a_lessons.png shows the lessons page as the notebook is now (`make screenshot` retakes it)."
    sys.path.insert(0, str(ROOT/'.ci'))
    from screenshot import PNG, RECORD, notebook_sha
    assert PNG.exists() and RECORD.exists(), "no screenshot of the lessons page: run `make screenshot`"
    assert json.loads(RECORD.read_text())['notebook_sha256'] == notebook_sha(), "10a_lessons changed since its screenshot: run `make screenshot`"

def test_the_quality_figures_are_the_current_builds():
    "The README's, BENCHMARKS.md's, the model card's and the demo report's figures are what `make figures` measured on this build (issue 39)."
    import pandas as pd
    from bench import figures
    assert figures.CSV.exists(), "no bench/results/figures.csv: run `make figures`"
    df = pd.read_csv(figures.CSV)
    assert set(df.build) == {figures.build_id()}, f"bench/results/figures.csv was measured on build(s) {sorted(set(df.build))}, this is {figures.build_id()}: run `make figures`"
    figs = figures.spread(df)
    assert json.loads(figures.JSON.read_text()) == figs, "deepfake_detect/models/figures.json is not bench/results/figures.csv's: run `python -m bench.figures --write`"
    assert figures.readme_paragraph(figs) in (ROOT/'README.md').read_text(), "README.md's figures are not bench/results/figures.csv's: run `python -m bench.figures --write`"
    assert figures.card_section(figs) in figures.CARD.read_text(), "the model card's table of seeds is not bench/results/figures.csv's: run `python -m bench.figures --write`"
    assert figures.bench_section(figs) in figures.BENCH.read_text(), "BENCHMARKS.md's table of seeds is not bench/results/figures.csv's: run `python -m bench.figures --write`"

def test_the_build_changes_with_the_code_not_its_docstrings(tmp_path):
    "A figure stays current through a docstring or comment change, and goes stale with a change to the code (it must be able to fail)."
    from bench.figures import _code
    a, b, c = (tmp_path/f'{k}.py' for k in 'abc')
    a.write_text('def f(x):\n    "Twice x."\n    return 2 * x   # double\n')
    b.write_text('def f(x):\n    "Two times x, said otherwise."\n    return 2 * x\n')
    c.write_text('def f(x):\n    "Twice x."\n    return 3 * x\n')
    assert _code(a) == _code(b) != _code(c)
