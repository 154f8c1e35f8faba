# Two commands do all set-up on a fresh machine (Python 3.11 with venv):
#   make demo   - create .venv, install, run the live loop on the bundled demo video
#                 (a window where there is a display; headless output in out/webcam/ otherwise)
#   make test   - create .venv, install with the test and cluster extras (Ray, for the
#                 --engine ray tests), run the test suite
#   make test-fast - the same without the tests marked slow (training, real windows)
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: demo test test-fast install clean

$(BIN)/activate:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/activate setup.cfg pyproject.toml
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

# The tests also need the cluster extra (Ray, a few hundred MB): the demo does not.
$(VENV)/.installed-test: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet -e '.[test,cluster]'
	touch $@

install: $(VENV)/.installed

demo: install
	$(BIN)/recognizer webcam --source samples/demo.mp4

test: $(VENV)/.installed-test
	$(BIN)/python -m pytest -ra

test-fast: $(VENV)/.installed-test
	$(BIN)/python -m pytest -ra -m "not slow"

clean:
	rm -rf $(VENV) build *.egg-info
