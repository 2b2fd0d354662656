# Two commands on a fresh machine: `make demo` and `make test`. Both create .venv first.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: install test demo bench bench-train report-exposure report-pix2pix-exposure report-default report-colorize report-color-constancy report-dense-unet train-default train-white-balance report-white-balance clean

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

# Seed 003's arms (and its baseline with the paper's image head) x 3 seeds at 128 px, scored whole and inside
# the clipped areas beside the trivial inverse (reports/exposure.md, docs/figures/exposure_steps.png; about 30 minutes here).
report-exposure: install
	$(PY) reports/exposure.py

# Seed 001 (u1921415): both learning-rate arms x 3 seeds of pix2pix_exposure.csv at 128 px on the shared photos,
# per EV beside the baselines (reports/pix2pix_exposure.md and two figures in docs/figures; about 40 minutes here).
report-pix2pix-exposure: install
	$(PY) reports/pix2pix_exposure.py

# The shipped default model beside the baselines on held-out photos, per EV (reports/default_model.md).
report-default: install
	$(PY) reports/default_model.py

# The shipped white-balance model (saved_models/white_balance): the train and val photos seen by the three
# measured cameras and 96 synthetic ones (about 15 minutes here); `make report-white-balance` scores it on the
# test photos seen by cameras it never saw.
WB_CAMERAS = C,N,S,X0..X95
WB_VAL_CAMERAS = C,N,S,X0..X23
train-white-balance: install
	$(PY) reports/split_photos.py copy train data/photos/train
	$(PY) reports/split_photos.py copy val data/photos/val
	$(VENV)/bin/tfcorrect-data simulate-cameras data/photos/train data/white_balance/train --cameras $(WB_CAMERAS) --per-photo 1 --long-side 128 --seed 0
	$(VENV)/bin/tfcorrect-data simulate-cameras data/photos/val data/white_balance/val --cameras $(WB_VAL_CAMERAS) --per-photo 1 --long-side 128 --seed 1
	$(VENV)/bin/tfcorrect-train param_tables/white_balance.csv --run-dir runs/white_balance

report-white-balance: install
	$(PY) reports/white_balance_model.py

# Seed 000's Table 3: four colour-constancy arms on simulate-cameras data beside the classical baselines
# (reports/color_constancy.md; about 16 minutes here; `--space raw --out reports/color_constancy_raw.md` for the literal protocol).
report-color-constancy: install
	$(PY) reports/color_constancy.py

# Seed 004's Table 4 (D loss real / fake, G loss) with and without PREPROCESS=homomorphic
# (reports/colorize_loss_table.md and .csv; a few minutes here).
report-colorize: install
	$(PY) reports/colorize.py

# Seed 002: dense_unet vs the pix2pix U-Net on DPED-layout patches of real photos with a simulated phone
# (reports/dense_unet.md; about 10 minutes of CPU). VGG19 weights: make report-dense-unet ARGS="--vgg-weights PATH".
report-dense-unet: install
	$(PY) reports/dense_unet.py $(ARGS)

# Retrain the shipped default from its table on the train / val parts of reports/photo_split.csv
# (about 20 minutes here), then `make report-default` scores it on the test part.
train-default: install
	$(PY) reports/split_photos.py copy train data/photos/train
	$(PY) reports/split_photos.py copy val data/photos/val
	$(VENV)/bin/tfcorrect-train param_tables/exposure_default.csv --run-dir runs/exposure_default
