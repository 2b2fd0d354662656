# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test demo bench bench-train report-exposure report-default clean

$(VENV)/.installed: setup.cfg pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[test]"
	touch $@

install: $(VENV)/.installed

test: install
	$(PY) -m pytest -q

demo: install
	$(PY) -m tfcorrect.demo

bench: install
	$(PY) bench/predict.py

bench-train: install
	$(PY) bench/train.py

clean:
	rm -rf $(VENV) build *.egg-info

# Seed 003's table from a small CPU run of the three arms (reports/exposure.md; about 5 minutes here).
report-exposure: install
	$(PY) reports/exposure.py

# The shipped default model beside the baselines on held-out photos, per EV (reports/default_model.md).
report-default: install
	$(PY) reports/default_model.py
