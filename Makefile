# Everything installs into $(VENV); `make demo` and `make test` work on a fresh machine.
# uv installs (it resolves and fetches the pinned set in seconds, where pip took minutes); `make install` is the package
# alone (all the demo needs), `make install-dev` adds what the tests, notebooks and docs need. --compile-bytecode writes
# each module's .pyc once, at install: uv leaves that to the first import, which never caches it where
# PYTHONDONTWRITEBYTECODE is set (as on the machine the project is developed on), so every process compiled torch, pandas and fastai again.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
UV := $(BIN)/uv pip install --python $(BIN)/python -q --compile-bytecode
STAMP := $(VENV)/.installed
DEV := $(VENV)/.installed-dev

.PHONY: install install-dev demo test test-all nbtest nbtest-all pytest pytest-all export clean readme check notebooks docs screenshot figures

$(BIN)/uv:
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q uv

$(STAMP): setup.py settings.ini $(BIN)/uv
	$(UV) -e .
	touch $@

$(DEV): $(STAMP)
	$(UV) -e ".[dev,ray,docs]"
	touch $@

install: $(STAMP)

install-dev: $(DEV)

# the main job on the bundled sample: info, extract, train, predict, evaluate, runs/demo/report.html
demo: install
	$(BIN)/deepfake-detect demo --out runs/demo

# what a contributor runs every time: every notebook's tests and the end-to-end tests, less the few slow ones. The two run side
# by side: each alone keeps the second core idle about a third of the time (imports, decoding, subprocesses starting), and
# torch's threads are kept from spinning against each other: the notebooks compute on one thread, pytest's threads sleep when
# idle (OMP_WAIT_POLICY=passive). Each one's output appears when it ends (BENCHMARKS.md: the suite's time).
test: install-dev
	$(MAKE) -j2 --output-sync=target nbtest pytest NBTEST_ENV=OMP_NUM_THREADS=1 PYTEST_ENV=OMP_WAIT_POLICY=PASSIVE

# CI: all of it, the slow checks too (notebook cells flagged `#| slow`, and tests marked slow: Ray, the docs in Chromium, the kernel)
test-all: install-dev nbtest-all pytest-all

# variables set before each command (make test sets torch's threads through them); empty when each is run alone
NBTEST_ENV ?=
PYTEST_ENV ?=

# one notebook at a time: two at once fight over 2 cores (torch's threads spin) and take longer in all
nbtest: install-dev
	cd nbs && $(NBTEST_ENV) VIRTUAL_ENV=$(abspath $(VENV)) HF_HUB_OFFLINE=1 ../$(BIN)/nbdev_test --n_workers 1 --timing

nbtest-all: install-dev
	cd nbs && VIRTUAL_ENV=$(abspath $(VENV)) HF_HUB_OFFLINE=1 ../$(BIN)/nbdev_test --n_workers 1 --timing --flags slow

pytest: install-dev
	$(PYTEST_ENV) HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q -m "not slow" --durations=12 tests

pytest-all: install-dev
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q --durations=12 tests

export: install-dev
	$(BIN)/nbdev_export

# run every notebook on the bundled sample and store its outputs (tables, figures): the notebooks read as the blog post
notebooks: install-dev
	HF_HUB_OFFLINE=1 $(BIN)/python .ci/notebooks.py
	$(BIN)/nbdev_clean

# every quality figure that the README, the model card and the demo's report quote, measured on the current build (about 45
# minutes on 2 cores; a stopped run goes on): bench/results/figures.csv, deepfake_detect/models/figures.json, README.md, the model
# card's table of seeds. REFERENCE_RUNS: folders of the reference recipe at other seeds (python -m bench.reference train --seed N --work DIR)
REFERENCE_RUNS ?=
figures: install-dev
	HF_HUB_OFFLINE=1 $(BIN)/python -m bench.figures --reference-runs "$(REFERENCE_RUNS)"

# the docs site, offline, from the notebooks and their stored outputs (no Quarto): _docs/index.html
docs: install-dev
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build -q

# the lessons page of the site as a browser shows it, into the docs folder (needs Chromium): nbs/images/site_10a_lessons.png
screenshot: install-dev
	$(BIN)/python .ci/screenshot.py

clean: install-dev
	$(BIN)/nbdev_clean

readme:
	$(PY) .ci/readme.py

# what CI checks besides the tests: package, notebooks and README in sync with the notebooks
check: install-dev
	$(BIN)/nbdev_export
	@git status --porcelain -- deepfake_detect | grep . && { echo "nbdev_export changed deepfake_detect/: export the notebooks and commit"; exit 1; } || true
	$(BIN)/nbdev_clean
	@git status --porcelain -- nbs | grep . && { echo "notebooks are not clean: run make clean and commit"; exit 1; } || true
	$(BIN)/python .ci/readme.py --check
	$(BIN)/python .ci/notebooks.py --check
