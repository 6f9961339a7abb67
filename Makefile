# LabBook: `make demo` renders the demo, `make test` runs every test.
SWIFT ?= swift
LABBOOK = .build/release/labbook

.PHONY: setup build release test demo clean

setup:
	@scripts/install-system-packages

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	@scripts/install-python-packages safetensors tensorboard numpy
	Tests/Interop/run.sh

demo: setup
	@scripts/install-system-packages dataset-fashion-mnist
	$(SWIFT) build -c release
	$(LABBOOK) run notebooks/fashion-mnist-fc.md -o runs/fashion-mnist-fc

clean:
	rm -rf .build runs
