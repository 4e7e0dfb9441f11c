# presskeep — every target the README names.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean pywb

install: $(STAMP)

$(STAMP): pyproject.toml
	@echo "make: installing presskeep and its dependencies (Scrapy, lxml, trafilatura, warcio,"
	@echo "make: pyarrow, ...) into $(VENV): about 650 MB; 1-3 minutes the first time, then cached"
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: install
	$(BIN)/python -m sample.demo --out data

test: install
	-@$(MAKE) --no-print-directory pywb || echo "make: pywb unavailable; its WACZ load test will skip"
	$(BIN)/python -m pytest -q tests

# pywb pins redis<3 (scrapy-redis needs redis>=5), so it gets a venv of its own
PYWB_VENV := .venv-pywb
pywb: $(PYWB_VENV)/.installed

$(PYWB_VENV)/.installed:
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb>=2.10'
	$(PYWB_VENV)/bin/python -c 'import pywb.apps.frontendapp'
	touch $@

lint: install
	$(BIN)/ruff check crawler pipelines archive web tests bench sample

# the benchmarks' own extra (html-text, for bench.eval_extract's readability baseline)
bench: $(VENV)/.installed-bench
	$(BIN)/python -m bench.run

$(VENV)/.installed-bench: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	touch $@

clean:
	rm -rf $(VENV) $(PYWB_VENV) data .pytest_cache
