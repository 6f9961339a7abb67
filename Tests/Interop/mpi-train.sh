#!/usr/bin/env bash
# Data-parallel training over Open MPI on loopback: the same notebook and seed must give
# bit-identical checkpoints on 1, 2 and 4 ranks and in one process with --slices, for a dense network
# and a small CNN with batch norm and dropout; `labbook verify` must prove a 2-rank run in one
# process; a rank killed mid-training must end the job with an error, never a hang or a published
# run folder. Needs a built labbook and Open MPI's mpirun (scripts/install-system-packages).
set -euo pipefail
cd "$(dirname "$0")/../.."
labbook=$(realpath "${LABBOOK:-.build/debug/labbook}")
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LABBOOK_HISTORY="$work/history.sqlite"
# Root in a container: Open MPI refuses root without these; --oversubscribe lets 4 ranks share 2 cores.
mpirun=(mpirun --allow-run-as-root --oversubscribe)

checkpoint_hashes() {  # every checkpoint's SHA-256, from run.json
    python3 -c 'import json,sys; r=json.load(open(sys.argv[1])); print(" ".join(c["path"] + "=" + c["sha256"] for c in r["checkpoints"]))' "$1/run.json"
}

# A dense network (the quickstart's spirals, two networks) and a CNN on the digits folder.
cp notebooks/quickstart.md "$work/dense.md"
mkdir -p "$work/data" && cp -r notebooks/data/digits "$work/data/digits"
cat > "$work/cnn.md" <<'NB'
---
title: Data-parallel CNN check
seed: 4
---

```{data}
dataset: image-folder
path: data/digits
channels: 1
test_fraction: 0.2
normalize: scale
```

```{network}
layers:
  - conv2d: 4
    kernel: 3
    padding: same
  - batch_norm: {momentum: 0.9}
  - max_pool: 2
  - dropout: 0.1
  - flatten
  - dense: 10
init: he
```

```{train}
steps: 30
batch_size: 40
optimizer: adam
learning_rate: 0.01
log_every: 10
```

```{evaluate}
split: test
```
NB

for notebook in dense cnn; do
    params=()
    [ "$notebook" = dense ] && params=(-p steps=120)
    "$labbook" run "$work/$notebook.md" "${params[@]}" --slices 8 -o "$work/$notebook-slices" --quiet
    expected=$(checkpoint_hashes "$work/$notebook-slices")
    for ranks in 1 2 4; do
        timeout 600 "${mpirun[@]}" -np "$ranks" "$labbook" run "$work/$notebook.md" "${params[@]}" \
            -o "$work/$notebook-$ranks" --quiet
        got=$(checkpoint_hashes "$work/$notebook-$ranks")
        if [ "$got" != "$expected" ]; then
            echo "mpi-train: $notebook on $ranks ranks gave other checkpoints than one process with --slices 8:"
            echo "  $got"; echo "  $expected"; exit 1
        fi
        python3 - "$work/$notebook-$ranks/run.json" "$ranks" <<'PY'
import json, sys
record = json.load(open(sys.argv[1]))
assert record["status"] == "ok", record.get("error")
assert record["data_parallel"] == {"slices": 8, "ranks": int(sys.argv[2])}, record.get("data_parallel")
PY
    done
    # Only rank 0 writes: one run folder, nothing else in the work folder named for another rank.
    "$labbook" verify "$work/$notebook-2" > "$work/verify.txt" || { cat "$work/verify.txt"; exit 1; }
    grep -q "bit-identical" "$work/verify.txt" || { echo "mpi-train: verify of $notebook-2 did not say bit-identical"; cat "$work/verify.txt"; exit 1; }
    echo "mpi-train: $notebook: 1, 2 and 4 ranks and --slices 8 agree ($expected)"
done

# An ordinary run computes each gradient as one product over the batch: other bits, which the
# README says; the check makes sure the data-parallel runs above really took the sliced path.
"$labbook" run "$work/dense.md" -p steps=120 -o "$work/dense-plain" --quiet
[ "$(checkpoint_hashes "$work/dense-plain")" != "$(checkpoint_hashes "$work/dense-2")" ] \
    || { echo "mpi-train: a run without MPI gave the sliced run's bits, so the ranks did not slice"; exit 1; }

# More ranks than slices is refused before anything runs.
status=0
timeout 120 "${mpirun[@]}" -np 2 "$labbook" run "$work/dense.md" --slices 1 -o "$work/refused" > "$work/refused.txt" 2>&1 || status=$?
[ "$status" -ne 0 ] && grep -q "pass --slices 2 or more" "$work/refused.txt" && [ ! -e "$work/refused/run.json" ] \
    || { echo "mpi-train: 2 ranks with 1 slice: status $status"; cat "$work/refused.txt"; exit 1; }

# A mistake every rank finds is printed once; one only rank 1 finds (its notebook is not there, as a
# file missing on one machine would be) is printed by rank 1, naming itself, and no rank runs.
printf -- '---\nseed: 1\n---\n\n```{train}\nsteps: -3\n```\n' > "$work/bad.md"
status=0
timeout 120 "${mpirun[@]}" -np 2 "$labbook" run "$work/bad.md" -o "$work/bad" > "$work/bad.txt" 2>&1 || status=$?
alone=$("$labbook" run "$work/bad.md" -o "$work/bad" 2>&1 | grep -c "error:" || true)
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && [ "$alone" -ge 1 ] && [ "$(grep -c "error:" "$work/bad.txt")" -eq "$alone" ] \
    || { echo "mpi-train: a bad notebook on 2 ranks: status $status, its error not printed exactly once:"; cat "$work/bad.txt"; exit 1; }
status=0
timeout 120 "${mpirun[@]}" -np 1 "$labbook" run "$work/dense.md" -o "$work/half" --quiet \
    : -np 1 "$labbook" run "$work/missing.md" -o "$work/half" --quiet > "$work/half.txt" 2>&1 || status=$?
[ "$status" -ne 0 ] && [ "$status" -ne 124 ] && grep -q "rank 1 of 2" "$work/half.txt" && grep -q "missing.md" "$work/half.txt" \
    && [ ! -e "$work/half/run.json" ] \
    || { echo "mpi-train: a notebook missing on rank 1: status $status:"; cat "$work/half.txt"; exit 1; }

# A rank killed mid-training: the job must end (no rank left waiting), non-zero, and the run folder
# keep the last good run untouched.
cp -r "$work/dense-2" "$work/killed"
before=$(checkpoint_hashes "$work/killed")
status=0
timeout 300 "${mpirun[@]}" -np 1 "$labbook" run "$work/dense.md" -p steps=100000 -o "$work/killed" --quiet \
    : -np 1 timeout -s KILL 5 "$labbook" run "$work/dense.md" -p steps=100000 -o "$work/killed" --quiet \
    > "$work/killed.txt" 2>&1 || status=$?
if [ "$status" -eq 0 ] || [ "$status" -eq 124 ]; then
    echo "mpi-train: killing a rank ended the job with status $status (0 or a hang)"; cat "$work/killed.txt"; exit 1
fi
[ ! -e /nonexistent-labbook-rank-1 ] || { echo "mpi-train: rank 1 wrote outside any run folder"; exit 1; }
[ "$(checkpoint_hashes "$work/killed")" = "$before" ] || { echo "mpi-train: the killed run changed the run folder"; exit 1; }
echo "mpi-train: a rank killed mid-training ended the job with status $status; the last good run is untouched"
