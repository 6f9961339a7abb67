#!/usr/bin/env bash
# Runs small CIFAR-10-shaped notebooks and checks their checkpoints and TensorBoard files with Python's
# own safetensors and tensorboard readers (Tests/Interop/interop.py, cnn.py, networks.py). Needs a
# built labbook.
set -euo pipefail
cd "$(dirname "$0")/../.."
labbook=${LABBOOK:-.build/debug/labbook}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Runs record themselves in a run history; keep it out of the repository.
export LABBOOK_HISTORY="$work/history.sqlite"

python3 - "$work/cifar" <<'PY'
import os, sys
import numpy as np
out = os.path.join(sys.argv[1], "cifar-10-batches-bin")
os.makedirs(out)
rng = np.random.default_rng(7)
prototypes = rng.integers(0, 256, size=(10, 3072))
def batch(n):
    labels = rng.integers(0, 10, size=n)
    images = np.clip(prototypes[labels] + rng.integers(-255, 256, size=(n, 3072)) * 3, 0, 255)
    return np.concatenate([labels[:, None], images], axis=1).astype(np.uint8).tobytes()
for i in range(1, 6):
    open(os.path.join(out, f"data_batch_{i}.bin"), "wb").write(batch(120))
open(os.path.join(out, "test_batch.bin"), "wb").write(batch(300))
PY

cat > "$work/interop.md" <<'NB'
---
title: Interop check
seed: 5
---

```{data}
dataset: cifar10
path: cifar
normalize: mean-image
```

```{network}
layers:
  - dense: 24
    activation: relu
  - dense: 10
l2: 0.01
```

```{train}
steps: 60
batch_size: 50
learning_rate: 0.0005
log_every: 10
```

```{evaluate}
split: test
```
NB

"$labbook" run "$work/interop.md" -o "$work/run" --quiet
python3 Tests/Interop/interop.py "$work/run" "$work/cifar/cifar-10-batches-bin"

# A small CNN: its checkpoint read by safetensors, its metadata rebuilt into a NumPy-only forward
# pass that must classify the test images as the run's {evaluate} did (Tests/Interop/cnn.py). The
# first convolution's 'same' padding of 3 rows and columns is uneven, as TensorFlow splits it; batch
# norm's epsilon of 0.5 is large enough that a pass ignoring the metadata's would classify otherwise.
# Pixel-wise class prototypes are lost to pooling, so this dataset has something a CNN can learn:
# dark noise with one bright square of the class's colour somewhere.
python3 - "$work/cnn-data" <<'PY'
import os, sys
import numpy as np
out = os.path.join(sys.argv[1], "cifar-10-batches-bin")
os.makedirs(out)
rng = np.random.default_rng(11)
colours = np.array([[255, 0, 0], [0, 255, 0], [0, 0, 255], [255, 255, 0], [255, 0, 255],
                    [0, 255, 255], [255, 255, 255], [255, 128, 0], [128, 0, 255], [0, 128, 128]])
def batch(n):
    labels = rng.integers(0, 10, size=n)
    images = rng.integers(0, 48, size=(n, 3, 32, 32))
    for image, label in zip(images, labels):
        top, left = rng.integers(0, 21, size=2)
        image[:, top:top + 12, left:left + 12] = colours[label][:, None, None]
    return np.concatenate([labels[:, None], images.reshape(n, -1)], axis=1).astype(np.uint8).tobytes()
for i in range(1, 6):
    open(os.path.join(out, f"data_batch_{i}.bin"), "wb").write(batch(120))
open(os.path.join(out, "test_batch.bin"), "wb").write(batch(300))
PY

cat > "$work/cnn.md" <<'NB'
---
title: CNN interop check
seed: 9
---

```{data}
dataset: cifar10
path: cnn-data
normalize: scale
```

```{network}
layers:
  - conv2d: 6
    kernel: 5
    stride: 2
    padding: same
  - batch_norm: {momentum: 0.9}
  - max_pool: 3
    stride: 2
  - conv2d: 8
  - batch_norm: {momentum: 0.9, epsilon: 0.5}
  - avg_pool: 2
  - flatten
  - dense: 16
  - batch_norm:
    momentum: 0.9
  - dropout: 0.2
  - dense: 10
init: he
```

```{train}
steps: 60
batch_size: 50
optimizer: adam
learning_rate: 0.01
augment: {flip: true, crop: 2}
log_every: 20
```

```{evaluate}
split: test
```
NB

"$labbook" run "$work/cnn.md" -o "$work/cnn" --quiet
python3 Tests/Interop/cnn.py "$work/cnn" "$work/cnn-data/cifar-10-batches-bin"

# Two networks in one notebook: one TensorBoard run each, every point of each curve kept.
"$labbook" run notebooks/quickstart.md -o "$work/quickstart" --quiet
python3 Tests/Interop/networks.py "$work/quickstart"

# Sweeps: every trial's event files carry the HParams plugin's summaries, which TensorBoard's own
# HParams protos and dashboard backend read (Tests/Interop/hparams.py). A grid whose diverging
# trials fail (kept in logs.failed/, their sessions marked failed), and a random search over seeds.
status=0
"$labbook" sweep notebooks/quickstart.md -p learning_rate=1000000,0.1 -p hidden_units=8,16 -p steps=50 \
    -o "$work/grid" --quiet || status=$?
[ "$status" -eq 1 ] || { echo "the sweep with diverging trials ended with status $status, not 1"; exit 1; }
python3 Tests/Interop/hparams.py "$work/grid" learning_rate=list hidden_units=list
"$labbook" sweep notebooks/quickstart.md -p "learning_rate=log-uniform(0.01,0.3)" -p "hidden_units=int-uniform(8,32)" \
    -p steps=50 --trials 2 --seeds 2 -o "$work/random" --quiet
python3 Tests/Interop/hparams.py "$work/random" learning_rate=interval hidden_units=interval seed=list

# The same sweep over the ranks of an Open MPI job on this machine, and a job one of whose ranks
# is killed mid-sweep (Tests/Interop/mpi-sweep.sh).
LABBOOK="$labbook" Tests/Interop/mpi-sweep.sh

# The user's own files: a Keras-style .npz, a pair of .npy arrays and a folder of PNGs and JPEGs,
# written by NumPy, zlib and Pillow, each trained on by a notebook (Tests/Interop/userdata.py).
python3 Tests/Interop/userdata.py "$labbook" "$work/userdata"

# Real tables no one here made (scikit-learn's UCI Wine and Breast Cancer copies, converted to CSV
# here): LabBook must reach scikit-learn's LogisticRegression's test accuracy (Tests/Interop/realtable.py).
python3 Tests/Interop/realtable.py "$labbook" "$work/realtable"

# Data-parallel training over Open MPI on loopback: 1, 2 and 4 ranks and one process with --slices
# give the same checkpoints, verify proves a 2-rank run, and a killed rank ends the job
# (Tests/Interop/mpi-train.sh).
LABBOOK="$labbook" Tests/Interop/mpi-train.sh
