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

demo: release
	$(LABBOOK) tutorial --dataset spiral --normalize none --hidden1 64 --batch-size 60 \
		--optimizer momentum --learning-rate 0.1 --reg-constant 0.001 --max-steps 1000 --log-every 200

clean:
	rm -rf .build runs
