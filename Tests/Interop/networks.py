#!/usr/bin/env python3
"""Checks that TensorBoard sees each network of a run as its own run, with all of its curve.

The quickstart trains a linear model and then a two-layer network, each for the same steps. Both
used to share one event file, where TensorBoard kept one loss series and dropped the other.
TensorBoard's EventMultiplexer, pointed at the run folder as `tensorboard --logdir` would be, must
find one run per {network} block (logs/<name>), and in each the loss at every step that network's
training history in run.json logged, with its values.

usage: networks.py RUN_DIR        (pip install tensorboard)
Exit status 0 when every check passes, 1 otherwise.
"""
import json
import os
import sys

from tensorboard.backend.event_processing.event_multiplexer import EventMultiplexer


def main():
    run_dir = sys.argv[1]
    record = json.load(open(os.path.join(run_dir, "run.json")))
    failures = []

    def check(condition, message):
        print(("ok    " if condition else "FAIL  ") + message)
        if not condition:
            failures.append(message)

    # Each {network} block's name, then the training history recorded until the next network.
    networks = []
    for block in record["blocks"]:
        metrics = block.get("metrics") or {}
        if block["directive"] == "network":
            networks.append((metrics["name"], []))
        elif block["directive"] == "train" and networks:
            networks[-1][1].extend(metrics["history"])
    check(len(networks) >= 2, f"the run has several networks ({[name for name, _ in networks]})")

    multiplexer = EventMultiplexer(size_guidance={"scalars": 0})
    multiplexer.AddRunsFromDirectory(run_dir)
    multiplexer.Reload()
    runs = multiplexer.Runs()
    for name, history in networks:
        run = os.path.join("logs", name)
        check(run in runs, f"TensorBoard has a run {run} (runs: {sorted(runs)})")
        if run not in runs:
            continue
        scalars = multiplexer.Scalars(run, "loss")
        check([s.step for s in scalars] == [h["step"] for h in history], f"{run}: loss at every logged step")
        check(all(abs(s.value - h["loss"]) <= 1e-5 * max(1, abs(h["loss"])) for s, h in zip(scalars, history)),
              f"{run}: loss values match its history")

    if failures:
        print(f"{len(failures)} checks failed", file=sys.stderr)
        return 1
    print("networks: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
