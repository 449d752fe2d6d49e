# kaicity developer commands.  `make demo` and `make test` work on a fresh clone:
# they create .venv with the system python3, install kaicity editable with its dev
# extras, build the Cython core in place, then run.  A second run with nothing
# changed skips every set-up step.

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

.PHONY: demo test bench lint build clean screenshot

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip "setuptools>=68" wheel "Cython>=3" numpy

$(STAMP): $(PY) pyproject.toml setup.py
	$(PY) -m pip install -q --no-build-isolation --config-settings editable_mode=compat -e ".[dev]"
	$(PY) -m kaicity.viz.assets --quiet || true
	touch $@

$(CORE_STAMP): $(STAMP) $(CORE_SRC) setup.py
	$(PY) setup.py -q build_ext --inplace -j 2
	touch $@

build: $(STAMP) $(CORE_STAMP)

demo: build
	$(BIN)/kaicity compare scenarios/smart_city.yaml scenarios/ai_city.yaml --out $(OUT)

lint: build
	$(BIN)/ruff check .

test: build
	$(BIN)/ruff check .
	$(BIN)/pytest -q

bench: build
	$(PY) -m pip install -q ".[bench]" --no-build-isolation --config-settings editable_mode=compat -e . || \
	  $(PY) -m pip install -q igraph pandana cityseer
	@for f in benchmarks/bench_*.py; do echo "== $$f"; $(PY) $$f || exit 1; done

screenshot: build
	$(PY) docs/make_screenshot.py

clean:
	rm -rf build kaicity/_core/*.c kaicity/_core/*.so $(CORE_STAMP)
