#!/usr/bin/env bash
# Runs a small CIFAR-10-shaped notebook and checks its checkpoint and TensorBoard file with Python's
# own safetensors and tensorboard readers (Tests/Interop/interop.py). Needs a built labbook.
set -euo pipefail
cd "$(dirname "$0")/../.."
labbook=${LABBOOK:-.build/debug/labbook}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

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

# Two networks in one notebook: one TensorBoard run each, every point of each curve kept.
"$labbook" run notebooks/quickstart.md -o "$work/quickstart" --quiet
python3 Tests/Interop/networks.py "$work/quickstart"
