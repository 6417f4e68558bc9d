# Everything installs into $(VENV); `make demo` and `make test` work on a fresh machine.
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: install demo test nbtest pytest export clean readme check notebooks docs

$(STAMP): setup.py settings.ini
	test -x $(BIN)/python || $(PY) -m venv $(VENV)
	$(BIN)/python -m pip install -q -e ".[dev,ray,docs]"
	touch $@

install: $(STAMP)

# the main job on the bundled sample: info, extract, train, predict, evaluate, runs/demo/report.html
demo: install
	$(BIN)/deepfake-detect demo --out runs/demo

test: install nbtest pytest

# one notebook at a time: two at once fight over 2 cores (torch's threads spin) and take longer in all
nbtest: install
	cd nbs && VIRTUAL_ENV=$(abspath $(VENV)) HF_HUB_OFFLINE=1 ../$(BIN)/nbdev_test --n_workers 1 --timing

pytest: install
	HF_HUB_OFFLINE=1 $(BIN)/python -m pytest -q --durations=12 tests

export: install
	$(BIN)/nbdev_export

# run every notebook on the bundled sample and store its outputs (tables, figures): the notebooks read as the blog post
notebooks: install
	HF_HUB_OFFLINE=1 $(BIN)/python .ci/notebooks.py
	$(BIN)/nbdev_clean

# the docs site, offline, from the notebooks and their stored outputs (no Quarto): _docs/index.html
docs: install
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build -q

clean: install
	$(BIN)/nbdev_clean

readme:
	$(PY) .ci/readme.py

# what CI checks besides the tests: package, notebooks and README in sync with the notebooks
check: install
	$(BIN)/nbdev_export
	@git status --porcelain -- deepfake_detect | grep . && { echo "nbdev_export changed deepfake_detect/: export the notebooks and commit"; exit 1; } || true
	$(BIN)/nbdev_clean
	@git status --porcelain -- nbs | grep . && { echo "notebooks are not clean: run make clean and commit"; exit 1; } || true
	$(BIN)/python .ci/readme.py --check
	$(BIN)/python .ci/notebooks.py --check
