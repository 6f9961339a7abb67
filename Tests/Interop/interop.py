#!/usr/bin/env python3
"""Reads a LabBook run with other tools' own readers and checks they agree with the run's record.

1. Python's `safetensors` loads model.safetensors; a NumPy forward pass over the CIFAR-10 test set
   (binary version), with the mean training image subtracted as the notebook did, must reproduce the
   test accuracy run.json reports.
2. TensorBoard's EventAccumulator reads the run's event file: the loss and training accuracy scalars
   must have the steps and values of run.json's training history, the logits histograms must be
   there at the same steps, and the test accuracy scalar must match the evaluation.

usage: interop.py RUN_DIR CIFAR_BIN_DIR        (pip install safetensors tensorboard numpy)
Exit status 0 when every check passes, 1 otherwise.
"""
import glob
import json
import os
import sys

import numpy as np
from safetensors.numpy import load_file
from tensorboard.backend.event_processing.event_accumulator import EventAccumulator

failures = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def read_cifar_bin(path):
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return records[:, 1:].astype(np.float64), records[:, 0].astype(np.int64)


def main():
    run_dir, cifar_dir = sys.argv[1], sys.argv[2]
    record = json.load(open(os.path.join(run_dir, "run.json")))
    blocks = record["blocks"]
    train = next(b["metrics"] for b in blocks if b["directive"] == "train")
    evaluation = next(b["metrics"] for b in blocks if b["directive"] == "evaluate")

    # 1. safetensors + NumPy forward pass
    tensors = load_file(os.path.join(run_dir, "model.safetensors"))
    check({"Layer1/weights", "Layer1/biases", "Layer2/weights", "Layer2/biases"} <= set(tensors),
          "model.safetensors holds the tutorial's tensor names")
    train_images = np.concatenate([read_cifar_bin(p)[0] for p in sorted(glob.glob(os.path.join(cifar_dir, "data_batch_*.bin")))])
    test_images, test_labels = read_cifar_bin(os.path.join(cifar_dir, "test_batch.bin"))
    x = (test_images - train_images.mean(axis=0)).astype(np.float32)
    hidden = np.maximum(x @ tensors["Layer1/weights"] + tensors["Layer1/biases"], 0)
    logits = hidden @ tensors["Layer2/weights"] + tensors["Layer2/biases"]
    accuracy = float((logits.argmax(axis=1) == test_labels).mean())
    check(abs(accuracy - evaluation["accuracy"]) <= 1.0 / len(test_labels) + 1e-9,
          f"NumPy test accuracy {accuracy:.4f} matches the run's {evaluation['accuracy']:.4f}")

    # 2. TensorBoard
    # One TensorBoard run per network: logs/<network name>/.
    log_dir = os.path.join(run_dir, "logs", "network-1")
    events = glob.glob(os.path.join(run_dir, "logs", "*", "events.out.tfevents.*"))
    check(len(events) == 1 and os.path.dirname(events[0]) == log_dir, f"one event file, in logs/network-1 ({events})")
    accumulator = EventAccumulator(log_dir, size_guidance={"scalars": 0, "histograms": 0})
    accumulator.Reload()
    tags = accumulator.Tags()
    history = train["history"]
    for tag, key in [("loss", "loss"), ("accuracy/train", "train_accuracy")]:
        scalars = accumulator.Scalars(tag) if tag in tags["scalars"] else []
        check([s.step for s in scalars] == [h["step"] for h in history], f"{tag}: steps match the history")
        check(all(abs(s.value - h[key]) <= 1e-5 * max(1, abs(h[key])) for s, h in zip(scalars, history)),
              f"{tag}: values match the history")
    histograms = accumulator.Histograms("logits") if "logits" in tags["histograms"] else []
    check([h.step for h in histograms] == [h["step"] for h in history], "logits histograms at every logged step")
    check(all(h.histogram_value.num == train["batch_size"] * 10 for h in histograms), "each histogram counts one batch of logits")
    test = accumulator.Scalars("accuracy/test") if "accuracy/test" in tags["scalars"] else []
    check(len(test) == 1 and abs(test[0].value - evaluation["accuracy"]) < 1e-6, "accuracy/test matches the evaluation")

    if failures:
        print(f"{len(failures)} interop checks failed", file=sys.stderr)
        return 1
    print("interop: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
