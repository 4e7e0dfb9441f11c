# presskeep — every target the README names.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: install demo test lint bench clean pywb hf

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
	-@$(MAKE) --no-print-directory hf || echo "make: datasets unavailable; the dataset card's loader test will skip"
	$(BIN)/python -m pytest -q tests

# pywb pins redis<3 (scrapy-redis needs redis>=5), so it gets a venv of its own
PYWB_VENV := .venv-pywb
pywb: $(PYWB_VENV)/.installed

$(PYWB_VENV)/.installed:
	test -x $(PYWB_VENV)/bin/python || $(PYTHON) -m venv $(PYWB_VENV)
	$(PYWB_VENV)/bin/python -m pip install --quiet 'pywb>=2.10'
	$(PYWB_VENV)/bin/python -c 'import pywb.apps.frontendapp'
	touch $@

# the Hugging Face loader reads export's dataset card (tests/test_dataset_card.py); a venv of
# its own: with pandas installed, sqlite-utils imports it (+90 MB in every crawl process)
HF_VENV := .venv-hf
hf: $(HF_VENV)/.installed

$(HF_VENV)/.installed:
	test -x $(HF_VENV)/bin/python || $(PYTHON) -m venv $(HF_VENV)
	$(HF_VENV)/bin/python -m pip install --quiet 'datasets>=5.2'
	$(HF_VENV)/bin/python -c 'import datasets'
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
	rm -rf $(VENV) $(PYWB_VENV) $(HF_VENV) data .pytest_cache
