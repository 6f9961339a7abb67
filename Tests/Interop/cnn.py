#!/usr/bin/env python3
"""Checks a LabBook CNN checkpoint with Python's safetensors and a forward pass written in NumPy alone.

The checkpoint's metadata says what the network is: `input_shape` ([height, width, channels]) and
`layers`, a JSON list such as [{"kind":"conv2d","filters":8,"kernel":3,"stride":1,"padding":"same",
"activation":"relu"}, ...]. Its tensors are Keras's: `LayerN/weights` [k, k, C, F] and
`LayerN/biases` for convolutions, [inputs, units] for dense layers, and `gamma`, `beta`,
`moving_mean`, `moving_variance` for batch norm. This script rebuilds the network from that and
nothing else (no LabBook code, no framework), runs it on the CIFAR-10 test split as the notebook
normalized it (`normalize: scale`: x / 255; LabBook stores CIFAR planar RGB and feeds
convolutional networks height x width x channels), and checks that it classifies the test images
as LabBook's {evaluate} recorded: the same confusion matrix, or at most one example apart where a
near-tie between two logits can flip between LabBook's Float32 and this Float64.

usage: cnn.py RUN_DIR CIFAR_BIN_DIR        (pip install safetensors numpy)
Exit status 0 when every check passes, 1 otherwise.
"""
import json
import os
import sys

import numpy as np
from safetensors import safe_open
from safetensors.numpy import load_file

failures = []


def check(condition, message):
    print(("ok    " if condition else "FAIL  ") + message)
    if not condition:
        failures.append(message)


def read_cifar_bin(path):
    records = np.fromfile(path, dtype=np.uint8).reshape(-1, 3073)
    return records[:, 1:], records[:, 0].astype(np.int64)


def activation(x, name):
    if name == "relu":
        return np.maximum(x, 0)
    if name == "none":
        return x
    if name == "sigmoid":
        return 1 / (1 + np.exp(-x))
    if name == "tanh":
        return np.tanh(x)
    raise ValueError(f"unknown activation {name}")


def padding_amounts(size, kernel, stride, padding):
    """Output size and (before, after) zeros on one side, as TensorFlow pads."""
    if padding == "valid":
        return (size - kernel) // stride + 1, (0, 0)
    out = -(-size // stride)
    total = max((out - 1) * stride + kernel - size, 0)
    # TensorFlow puts the smaller half of an odd total before (top or left).
    return out, (total // 2, total - total // 2)


def conv2d(x, weights, biases, stride, padding):
    """x: [N, H, W, C]; weights: [k, k, C, F]."""
    n, h, w, c = x.shape
    k = weights.shape[0]
    out_h, pad_h = padding_amounts(h, k, stride, padding)
    out_w, pad_w = padding_amounts(w, k, stride, padding)
    x = np.pad(x, ((0, 0), pad_h, pad_w, (0, 0)))
    out = np.zeros((n, out_h, out_w, weights.shape[3]))
    for i in range(k):
        for j in range(k):
            patch = x[:, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride, :]
            out += np.einsum("nhwc,cf->nhwf", patch, weights[i, j])
    return out + biases


def pool(x, window, stride, reduce):
    """Valid windows only, as Keras's default: [N, H, W, C] -> [N, H', W', C]."""
    n, h, w, c = x.shape
    out_h, out_w = (h - window) // stride + 1, (w - window) // stride + 1
    windows = [x[:, i:i + stride * (out_h - 1) + 1:stride, j:j + stride * (out_w - 1) + 1:stride, :]
               for i in range(window) for j in range(window)]
    return reduce(np.stack(windows), axis=0)


def forward(x, input_shape, layers, tensors):
    assert list(x.shape[1:]) == list(input_shape), (x.shape, input_shape)
    for index, layer in enumerate(layers, start=1):
        scope = f"Layer{index}/"
        kind = layer["kind"]
        if kind == "conv2d":
            x = conv2d(x, tensors[scope + "weights"].astype(np.float64), tensors[scope + "biases"].astype(np.float64),
                       layer["stride"], layer["padding"])
            x = activation(x, layer["activation"])
        elif kind == "dense":
            x = x @ tensors[scope + "weights"].astype(np.float64) + tensors[scope + "biases"].astype(np.float64)
            x = activation(x, layer["activation"])
        elif kind == "max_pool":
            x = pool(x, layer["window"], layer["stride"], np.max)
        elif kind == "avg_pool":
            x = pool(x, layer["window"], layer["stride"], np.mean)
        elif kind == "global_avg_pool":
            x = x.mean(axis=(1, 2))
        elif kind == "flatten":
            x = x.reshape(len(x), -1)  # NHWC order: channels vary fastest
        elif kind == "dropout":
            pass  # inference: every unit, unscaled (training scales the kept ones up)
        elif kind == "batch_norm":
            gamma, beta, mean, variance = (tensors[scope + name].astype(np.float64)
                                           for name in ("gamma", "beta", "moving_mean", "moving_variance"))
            x = gamma * (x - mean) / np.sqrt(variance + layer["epsilon"]) + beta
        else:
            raise ValueError(f"unknown layer kind {kind}")
    return x


def main():
    run_dir, cifar_dir = sys.argv[1], sys.argv[2]
    record = json.load(open(os.path.join(run_dir, "run.json")))
    blocks = record["blocks"]
    network = next(b["metrics"] for b in blocks if b["directive"] == "network")
    evaluation = next(b["metrics"] for b in blocks if b["directive"] == "evaluate")

    path = os.path.join(run_dir, "model.safetensors")
    tensors = load_file(path)
    with safe_open(path, framework="numpy") as f:
        metadata = f.metadata()
    input_shape = json.loads(metadata["input_shape"])
    layers = json.loads(metadata["layers"])
    kinds = [layer["kind"] for layer in layers]
    check(input_shape == [32, 32, 3], f"metadata input_shape is [32, 32, 3] ({input_shape})")
    check(kinds == [layer["kind"] for layer in network["layers"]], f"metadata layers are run.json's ({kinds})")
    check({"conv2d", "max_pool", "batch_norm", "dense"} <= set(kinds), "the network has conv2d, max_pool, batch_norm and dense layers")

    # Every layer's tensors have the shapes its settings and the layer before it give.
    shape = list(input_shape)
    expected = {}
    for index, layer in enumerate(layers, start=1):
        scope, kind = f"Layer{index}/", layer["kind"]
        if kind == "conv2d":
            expected[scope + "weights"] = [layer["kernel"], layer["kernel"], shape[2], layer["filters"]]
            expected[scope + "biases"] = [layer["filters"]]
            out_h, _ = padding_amounts(shape[0], layer["kernel"], layer["stride"], layer["padding"])
            out_w, _ = padding_amounts(shape[1], layer["kernel"], layer["stride"], layer["padding"])
            shape = [out_h, out_w, layer["filters"]]
        elif kind == "dense":
            expected[scope + "weights"] = [int(np.prod(shape)), layer["units"]]
            expected[scope + "biases"] = [layer["units"]]
            shape = [layer["units"]]
        elif kind in ("max_pool", "avg_pool"):
            shape = [(shape[0] - layer["window"]) // layer["stride"] + 1,
                     (shape[1] - layer["window"]) // layer["stride"] + 1, shape[2]]
        elif kind == "global_avg_pool":
            shape = [shape[2]]
        elif kind == "flatten":
            shape = [int(np.prod(shape))]
        elif kind == "batch_norm":
            for name in ("gamma", "beta", "moving_mean", "moving_variance"):
                expected[scope + name] = [shape[-1]]
        check(shape == network["layers"][index - 1]["output_shape"],
              f"{scope[:-1]} ({kind}) outputs {shape}, as run.json says")
    model = {name: list(tensor.shape) for name, tensor in tensors.items() if name.startswith("Layer") and "/" in name
             and name.split("/", 1)[1] in ("weights", "biases", "gamma", "beta", "moving_mean", "moving_variance")}
    check(model == expected, "the checkpoint's tensors are exactly those of its layers, with their shapes")
    for index, layer in enumerate(layers, start=1):
        if layer["kind"] == "batch_norm":
            mean, variance = tensors[f"Layer{index}/moving_mean"], tensors[f"Layer{index}/moving_variance"]
            check(np.abs(mean).max() > 1e-3 and np.abs(variance - 1).max() > 1e-3,
                  f"Layer{index} (batch_norm) moving statistics moved from their start (the pass below uses them)")

    # The forward pass on the test split, planar RGB made HWC, scaled as `normalize: scale` does.
    images, labels = read_cifar_bin(os.path.join(cifar_dir, "test_batch.bin"))
    x = images.reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1).astype(np.float64) / 255
    logits = forward(x, input_shape, layers, tensors)
    predicted = logits.argmax(axis=1)
    classes = len(evaluation["confusion"])
    confusion = np.zeros((classes, classes), dtype=np.int64)
    np.add.at(confusion, (labels, predicted), 1)
    recorded = np.array(evaluation["confusion"])
    correct, recorded_correct = int(np.trace(confusion)), int(np.trace(recorded))
    check(evaluation["examples"] == len(labels), f"LabBook evaluated all {len(labels)} test images")
    check(recorded_correct == round(evaluation["accuracy"] * len(labels)), "run.json's accuracy is its confusion matrix's")
    check(abs(correct - recorded_correct) <= 1,
          f"NumPy classifies {correct} of {len(labels)} test images right, LabBook {recorded_correct}")
    differing = int(np.abs(confusion - recorded).sum()) // 2
    check(differing <= 1, f"NumPy's confusion matrix is LabBook's ({differing} example(s) differ)")
    check(recorded_correct > 2 * len(labels) / classes, f"the network learned something ({recorded_correct / len(labels):.2f} accuracy)")

    # TensorBoard's own reader: the Graphs tab's GraphDef names every layer's operation, wired in
    # order, and every parameter has histograms.
    from tensorboard.backend.event_processing import event_accumulator
    logs = os.path.join(run_dir, "logs", network.get("name") or "network-1")
    events = event_accumulator.EventAccumulator(logs, size_guidance={"histograms": 0})
    events.Reload()
    graph = events.Graph()
    nodes = {node.name: node for node in graph.node}
    ops = {"conv2d": "Conv2D", "dense": "MatMul", "max_pool": "MaxPool", "avg_pool": "AvgPool",
           "batch_norm": "FusedBatchNorm", "flatten": "Reshape", "dropout": "Dropout", "global_avg_pool": "Mean"}
    for index, layer in enumerate(network["layers"], start=1):
        check(f"Layer{index}/{ops[layer['kind']]}" in nodes, f"the graph has Layer{index}/{ops[layer['kind']]}")
    first = nodes.get("Layer1/" + ops[network["layers"][0]["kind"]])
    check(first is not None and list(first.input)[:1] == ["input"], "the first layer reads the input placeholder")
    histograms = set(events.Tags()["histograms"])
    check({name for name in model if "/" in name and not name.endswith(("adam_m", "adam_v", "velocity"))
           and not name.startswith("batch_order")} <= histograms, "TensorBoard has histograms of every parameter")

    if failures:
        print(f"{len(failures)} cnn checks failed", file=sys.stderr)
        return 1
    print("cnn: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
