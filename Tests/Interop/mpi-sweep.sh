#!/usr/bin/env bash
# Sweeps over the ranks of an Open MPI job on this machine (loopback). The trial folders of
# `mpirun -np 2 labbook sweep` must be those of the same sweep run without MPI, trial for trial;
# and when one rank is killed mid-sweep, the job must fail with rank 0 saying so, and a rerun must
# finish the sweep, taking the trials finished before from their caches. Needs a built labbook and
# Open MPI's mpirun (Debian: openmpi-bin, which `make test` installs).
set -euo pipefail
cd "$(dirname "$0")/../.."
labbook=$(realpath "${LABBOOK:-.build/debug/labbook}")
command -v mpirun >/dev/null || { echo "mpi-sweep.sh: no mpirun; install Open MPI (Debian: openmpi-bin)" >&2; exit 1; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export LABBOOK_HISTORY="$work/history.sqlite"
# Root in a container (CI), and perhaps more ranks than the runner has cores. A job that hangs
# fails the test rather than holding it forever.
mpirun=(timeout 300 mpirun --allow-run-as-root --oversubscribe)

grid=(notebooks/quickstart.md -p learning_rate=0.1,0.3 -p hidden_units=8,16 -p steps=50)
"${mpirun[@]}" -np 2 "$labbook" sweep "${grid[@]}" -o "$work/ranks" > "$work/ranks.out"
"$labbook" sweep "${grid[@]}" -o "$work/single" --quiet > /dev/null
grep -q "over 2 MPI ranks" "$work/ranks.out" || { cat "$work/ranks.out"; echo "rank 0 did not announce the sweep over 2 ranks"; exit 1; }
python3 - "$work/single" "$work/ranks" "$work/ranks.out" <<'PY'
import json, os, sys
single, ranks, output = sys.argv[1], sys.argv[2], open(sys.argv[3]).read()
def sweep(folder):
    return json.load(open(os.path.join(folder, "sweep.json")))
def checkpoints(folder, trial):
    record = json.load(open(os.path.join(folder, trial["folder"], "run.json")))
    return record["params"], {f["path"]: f["sha256"] for f in record["files"] if f["path"].endswith(".safetensors")}
one, many = sweep(single), sweep(ranks)
ids = [t["id"] for t in one["trials"]]
assert [t["id"] for t in many["trials"]] == ids, "the trials differ"
assert sorted(os.listdir(ranks)) == sorted(os.listdir(single)), "the sweep folders hold different files"
assert os.path.isfile(os.path.join(ranks, "index.html"))
for a, b in zip(one["trials"], many["trials"]):
    assert b["status"] == "ok", f"{b['id']}: {b['status']} {b.get('error')}"
    assert a["metrics"] == b["metrics"], f"{a['id']}: {a['metrics']} != {b['metrics']}"
    params, shas = checkpoints(ranks, b)
    assert checkpoints(single, a) == (params, shas) and shas, f"{a['id']}: other checkpoints"
    # Rank 0 printed every trial's end, those of rank 1 too.
    assert output.count(f"] {b['id']}: test_accuracy") == 1, output
assert many["best"] == one["best"]
print(f"mpi-sweep: {len(ids)} trials over 2 ranks match the sweep without MPI")
PY

# The run history: with one history for both ranks (one machine, or a shared file system) every
# trial once; with a history per rank (a file system per node), rank 1's holds its own trials and
# rank 0's every trial, from the records rank 1 sent it.
"${mpirun[@]}" -np 1 env LABBOOK_HISTORY="$work/node0.sqlite" "$labbook" sweep "${grid[@]}" -o "$work/nodes" --quiet \
    : -np 1 env LABBOOK_HISTORY="$work/node1.sqlite" "$labbook" sweep "${grid[@]}" -o "$work/nodes" --quiet > /dev/null
python3 - "$work" <<'PY'
import os, sqlite3, sys
work = sys.argv[1]
def runs(history, sweep):
    rows = sqlite3.connect(os.path.join(work, history)).execute(
        "SELECT run_folder FROM run WHERE run_folder LIKE ?", (os.path.join(work, sweep) + "/%",)).fetchall()
    return sorted(os.path.basename(folder) for (folder,) in rows)
trials = sorted(name for name in os.listdir(os.path.join(work, "ranks")) if not name.endswith((".log", ".json", ".html")))
assert runs("history.sqlite", "ranks") == trials, (runs("history.sqlite", "ranks"), trials)
assert runs("node0.sqlite", "nodes") == trials, (runs("node0.sqlite", "nodes"), trials)
mine = runs("node1.sqlite", "nodes")
assert len(mine) == 2 and set(mine) < set(trials), mine
print("mpi-sweep: every trial is in rank 0's history once, whether rank 1 shares it or keeps its own")
PY

# A rank killed mid-sweep with the trial it runs, as when its node goes down: rank 1 (trials 2
# and 3, dealt back and forth) is killed once its second trial is training. Open MPI then ends rank 0, which must say
# that the job stopped and what was kept.
long=(notebooks/quickstart.md -p learning_rate=0.1,0.3 -p hidden_units=8,16 -p steps=4000)
folder=$work/killed
cat > "$work/kill-rank.sh" <<'SH'
#!/usr/bin/env bash
# Runs "$@" and kills it, with its children and this script, once the log $1 shows a training step.
log=$1
shift
"$@" & sweep=$!
until grep -qs "^step " "$log"; do
    kill -0 "$sweep" 2>/dev/null || { echo "kill-rank.sh: $log never showed a training step" >&2; exit 3; }
    sleep 0.1
done
kill -STOP "$sweep"
kill -KILL $(pgrep -P "$sweep") "$sweep"
kill -KILL $$
SH
status=0
"${mpirun[@]}" -np 1 "$labbook" sweep "${long[@]}" -o "$folder" \
    : -np 1 bash "$work/kill-rank.sh" "$folder/learning_rate-0.3_hidden_units-8_steps-4000_seed-7.log" \
        "$labbook" sweep "${long[@]}" -o "$folder" > "$work/killed.out" 2>&1 || status=$?
if [ "$status" -eq 0 ] || grep -q "never showed a training step" "$work/killed.out"; then
    cat "$work/killed.out"; echo "the job with a killed rank ended with status $status"; exit 1
fi
grep -q "^labbook sweep: stopped: another rank of this MPI job ended (or the job was interrupted); .* run the same command again" \
    "$work/killed.out" || { cat "$work/killed.out"; echo "rank 0 did not say that the job stopped"; exit 1; }
finished=$(cd "$folder" && for trial in */; do if [ -e "$trial/run.json" ]; then echo "${trial%/}"; fi; done)
echo "$finished" | grep -q "learning_rate-0.1_hidden_units-16" || { echo "rank 1's first trial was not kept"; exit 1; }
"${mpirun[@]}" -np 2 "$labbook" sweep "${long[@]}" -o "$folder" --quiet > /dev/null
for trial in $finished; do
    grep -Eq "([0-9]+) blocks \(\1 from the cache\)" "$folder/$trial.log" \
        || { cat "$folder/$trial.log"; echo "$trial, finished before the kill, ran again"; exit 1; }
done
python3 - "$folder/sweep.json" <<'PY'
import json, sys
trials = json.load(open(sys.argv[1]))["trials"]
assert [t["status"] for t in trials] == ["ok"] * 4, [(t["id"], t["status"]) for t in trials]
PY
echo "mpi-sweep: a killed rank stopped the job, and the rerun finished it with $(echo $finished | wc -w) trials from their caches"
