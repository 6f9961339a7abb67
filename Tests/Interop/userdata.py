"""Notebooks on files that NumPy and Python wrote, as a user's would be: a Keras-style .npz of images,
a pair of .npy arrays holding a table, and a folder of PNG and JPEG images in train/ and test/ class
folders. Each is trained on by `labbook run` and must be learned; its run.json must say what was read.

Usage: userdata.py LABBOOK WORK_FOLDER
"""
import json
import os
import struct
import subprocess
import sys
import zlib

import numpy as np

labbook, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(3)
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def run(name, data_block, hidden=32, steps=200, batch=50):
    notebook = os.path.join(work, name + ".md")
    with open(notebook, "w") as f:
        f.write(f"""---
seed: 2
---

```{{data}}
{data_block}
```

```{{network}}
layers:
  - dense: {hidden}
    activation: relu
  - dense: 3
```

```{{train}}
steps: {steps}
batch_size: {batch}
optimizer: adam
learning_rate: 0.01
```

```{{evaluate}}
split: test
```
""")
    out = os.path.join(work, name)
    result = subprocess.run([labbook, "run", notebook, "-o", out, "--quiet"], capture_output=True, text=True)
    check(result.returncode == 0, f"{name}: labbook run failed: {result.stderr}")
    if result.returncode != 0:
        return None
    return json.load(open(os.path.join(out, "run.json")))


def blocks(record, directive):
    return [block["metrics"] for block in record["blocks"] if block["directive"] == directive]


# Images: each class a bright bar in its own third of the picture, on noise; 28x28 grey as Keras's MNIST.
def images(count):
    labels = rng.integers(0, 3, size=count)
    pixels = rng.integers(0, 60, size=(count, 28, 28))
    for image, label in zip(pixels, labels):
        image[:, 9 * label:9 * label + 9] += 180
    return pixels.astype(np.uint8), labels.astype(np.int64)


x_train, y_train = images(600)
x_test, y_test = images(200)
np.savez_compressed(os.path.join(work, "bars.npz"), x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test)
record = run("npz", "dataset: npz\npath: bars.npz\nnormalize: scale")
if record:
    data = blocks(record, "data")[0]
    check(data["image_shape"] == {"channels": 1, "height": 28, "width": 28} or data.get("features") == 784,
          f"npz: image shape {data.get('image_shape')}")
    check(data["train_examples"] == 600 and data["test_examples"] == 200, f"npz: sizes {data['train_examples']}, {data['test_examples']}")
    check(data["class_names"] == ["0", "1", "2"], f"npz: classes {data['class_names']}")
    accuracy = blocks(record, "evaluate")[0]["accuracy"]
    check(accuracy > 0.95, f"npz: test accuracy {accuracy}")

# A table in a pair of .npy files: three Gaussian blobs in 4 dimensions, float32, test drawn by LabBook.
centres = np.array([[0, 0, 0, 0], [4, 0, 4, 0], [0, 4, 0, 4]], dtype=np.float32)
labels = rng.integers(0, 3, size=400)
features = (centres[labels] + rng.normal(size=(400, 4))).astype(np.float32)
np.save(os.path.join(work, "x.npy"), features)
np.save(os.path.join(work, "y.npy"), labels.astype(np.int32))
record = run("npy", "dataset: npy\npath: x.npy\nlabels: y.npy\ntest_fraction: 0.25\nnormalize: standardize", hidden=8)
if record:
    data = blocks(record, "data")[0]
    check(data["train_examples"] == 300 and data["test_examples"] == 100, f"npy: sizes {data['train_examples']}, {data['test_examples']}")
    check(data["features"] == 4, f"npy: features {data['features']}")
    accuracy = blocks(record, "evaluate")[0]["accuracy"]
    check(accuracy > 0.9, f"npy: test accuracy {accuracy}")


# A folder of images: PNGs written with zlib alone, and JPEGs with Pillow where it is installed.
def png(path, pixels):
    height, width, _ = pixels.shape
    raw = b"".join(b"\x00" + row.tobytes() for row in pixels)
    def chunk(kind, body):
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))


try:
    from PIL import Image
except ImportError:
    Image = None
colours = {"blue": [30, 60, 220], "green": [40, 200, 60], "red": [220, 40, 40]}
for split, count in [("train", 60), ("test", 20)]:
    for index, (name, colour) in enumerate(colours.items()):
        folder = os.path.join(work, "photos", split, name)
        os.makedirs(folder, exist_ok=True)
        for number in range(count):
            pixels = np.clip(np.array(colour) + rng.integers(-40, 40, size=(12, 12, 3)), 0, 255).astype(np.uint8)
            if Image is not None and number % 3 == 0:
                Image.fromarray(pixels).save(os.path.join(folder, f"{number:03}.jpg"), quality=90)
            else:
                png(os.path.join(folder, f"{number:03}.png"), pixels)
open(os.path.join(work, "photos", "README.txt"), "w").write("Files beside the class folders are skipped.\n")
record = run("images", "dataset: image-folder\npath: photos\nsize: 8\nnormalize: scale", hidden=16, steps=150, batch=30)
if record:
    data = blocks(record, "data")[0]
    check(data["class_names"] == ["blue", "green", "red"], f"images: classes {data['class_names']}")
    check(data["train_examples"] == 180 and data["test_examples"] == 60, f"images: sizes {data['train_examples']}, {data['test_examples']}")
    check(data["features"] == 8 * 8 * 3, f"images: features {data['features']} (resized to 8x8)")
    check(len(data["files"]) == 240, f"images: {len(data['files'])} files recorded")
    accuracy = blocks(record, "evaluate")[0]["accuracy"]
    check(accuracy > 0.95, f"images: test accuracy {accuracy}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print("userdata: npz, npy and image-folder notebooks trained on files NumPy and Python wrote"
      + ("" if Image is not None else " (no JPEGs: Pillow is not installed)"))
