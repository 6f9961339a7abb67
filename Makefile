# LabBook: `make demo` renders the demo, `make test` runs every test,
# `make install [PREFIX=/usr/local] [DESTDIR=]` installs the labbook binary.
SWIFT ?= swift
LABBOOK = .build/release/labbook
PREFIX ?= /usr/local
INSTALL ?= install

.PHONY: setup build release test demo install clean

setup:
	@scripts/install-system-packages

build: setup
	$(SWIFT) build

release: setup
	$(SWIFT) build -c release

# Open MPI's mpirun and library (openmpi-bin brings libopenmpi3's libmpi.so.40) for the MPI tests
# (data-parallel training and sweeps over ranks, on loopback); LabBook loads the library only when
# mpirun or srun starts it, so nothing else needs it.
test: setup
	@scripts/install-system-packages openmpi-bin
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build --disable-swift-testing
	@scripts/install-python-packages safetensors tensorboard numpy PIL:pillow sklearn:scikit-learn
	Tests/Interop/run.sh

demo: setup
	@scripts/install-system-packages dataset-fashion-mnist
	$(SWIFT) build -c release
	$(LABBOOK) run notebooks/fashion-mnist-fc.md -o runs/fashion-mnist-fc

# The templates are compiled into the binary, so it is the only file to install.
install: release
	$(INSTALL) -d "$(DESTDIR)$(PREFIX)/bin"
	$(INSTALL) -m 755 $(LABBOOK) "$(DESTDIR)$(PREFIX)/bin/labbook"

clean:
	rm -rf .build runs
