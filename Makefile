# kaicity developer commands.  `make demo` and `make test` work on a fresh clone with an
# empty pip cache (PIP_NO_CACHE_DIR=1): they create .venv with the system python3, install
# kaicity editable with its dev extras (with build isolation, so dependencies published only
# as sdists build with their own backends), build the Cython core in place with the venv's
# numpy, then run.  The editable install skips the core (KAICITY_SKIP_CORE=1) because the
# next step builds it in place.  A second run with nothing changed skips every set-up step.

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.kaicity-installed
CORE_SRC   := $(wildcard kaicity/_core/*.pyx kaicity/_core/*.pxd)
CORE_STAMP := kaicity/_core/.built
OUT    ?= out/demo
export SOLARA_TELEMETRY_MIXPANEL_ENABLE := False
export MPLBACKEND := Agg

.PHONY: demo test bench lint build clean screenshot golden

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools>=77" wheel "Cython>=3" numpy

$(STAMP): $(PY) pyproject.toml setup.py
	KAICITY_SKIP_CORE=1 $(PY) -m pip install -q --config-settings editable_mode=compat -e ".[dev]"
	$(PY) -m kaicity.viz.assets --quiet || true
	touch $@

$(CORE_STAMP): $(STAMP) $(CORE_SRC) setup.py
	$(PY) setup.py -q build_ext --inplace -j 2
	touch $@

build: $(STAMP) $(CORE_STAMP)

demo: build
	$(BIN)/kaicity compare scenarios/smart_city.yaml scenarios/ai_city.yaml --seeds 3 --decompose --equal-budget --workers 2 --out $(OUT) --overwrite

lint: build
	$(BIN)/ruff check .

test: build
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/pytest -q

# peers are installed here, not by the package (the `bench` extra lists the same ones)
bench: build
	$(PY) -m pip install -q "igraph>=0.11" "pandana>=0.7" "cityseer>=4"
	@mkdir -p bench-results
	@for f in benchmarks/bench_*.py; do echo "== $$f"; \
	  $(PY) $$f --json bench-results/$$(basename $$f .py).json || exit 1; done

# regenerate tests/golden/ on purpose (a change of behaviour; say why in the commit)
golden: build
	$(PY) tests/golden/regenerate.py

screenshot: build
	$(PY) docs/make_screenshot.py

clean:
	rm -rf build kaicity/_core/*.c kaicity/_core/*.so $(CORE_STAMP)
