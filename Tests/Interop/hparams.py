"""Checks a `labbook sweep` folder with TensorBoard's own HParams code: every trial's event files
parsed by TensorBoard's event reader and HParams protos, and the HParams plugin's backend (what the
dashboard asks for) listing one session per trial and network, with the trial's parameters, status
and metrics.

Usage: hparams.py SWEEP_FOLDER AXIS_KIND...  where each AXIS_KIND is NAME=list or NAME=interval, one
for each axis that takes more than one value.
"""
import glob
import json
import math
import os
import sys

from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_provider, event_accumulator
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2, backend_context, list_session_groups, plugin_data_pb2

folder = sys.argv[1]
axis_kinds = dict(argument.split("=") for argument in sys.argv[2:])
sweep = json.load(open(os.path.join(folder, "sweep.json")))
trials = sweep["trials"]
assert trials, "the sweep lists no trials"
metric = sweep.get("metric") or "test_accuracy"
metric_tag = {"test_accuracy": "accuracy/test", "validation_accuracy": "accuracy/validation"}[metric]
failures = []


def check(condition, message):
    if not condition:
        failures.append(message)


def plugin_data(accumulator, tag, field):
    content = accumulator.SummaryMetadata(tag).plugin_data
    check(content.plugin_name == "hparams", f"{tag}: plugin {content.plugin_name!r}")
    data = plugin_data_pb2.HParamsPluginData.FromString(content.content)
    check(data.version == 0, f"{tag}: version {data.version}")
    check(data.WhichOneof("data") == field, f"{tag}: holds {data.WhichOneof('data')}, not {field}")
    return getattr(data, field)


def value_of(proto_value):
    kind = proto_value.WhichOneof("kind")
    return getattr(proto_value, kind)


# 1. Each network's event file of each trial, through TensorBoard's event reader and protos.
sessions = {}
for trial in trials:
    # A failed trial's logs are kept beside its last good run's (if any), in logs.failed/.
    logs = "logs" if trial["status"] == "ok" else "logs.failed"
    event_folders = sorted(glob.glob(os.path.join(folder, trial["id"], logs, "*")))
    check(event_folders, f"{trial['id']}: no event files")
    for event_folder in event_folders:
        accumulator = event_accumulator.EventAccumulator(event_folder, size_guidance={"tensors": 0})
        accumulator.Reload()
        name = os.path.relpath(event_folder, folder)
        tags = accumulator.Tags()["tensors"]
        missing = [tag for tag in ["_hparams_/experiment", "_hparams_/session_start_info", "_hparams_/session_end_info"]
                   if tag not in tags]
        check(not missing, f"{name}: no {missing} among the tensors {tags}")
        if missing:
            continue
        start = plugin_data(accumulator, "_hparams_/session_start_info", "session_start_info")
        values = {key: value_of(value) for key, value in start.hparams.items()}
        for parameter, text in trial["parameters"].items():
            got = values.get(parameter)
            if isinstance(got, float):
                check(math.isclose(got, float(text), rel_tol=1e-12), f"{name}: {parameter} = {got}, trial has {text}")
            else:
                check(got == text, f"{name}: {parameter} = {got!r}, trial has {text!r}")
        check(values.get("seed") == trial["seed"], f"{name}: seed {values.get('seed')}, trial has {trial['seed']}")
        check(start.start_time_secs > 1e9, f"{name}: start time {start.start_time_secs}")
        end = plugin_data(accumulator, "_hparams_/session_end_info", "session_end_info")
        expected = api_pb2.STATUS_SUCCESS if trial["status"] == "ok" else api_pb2.STATUS_FAILURE
        check(end.status == expected, f"{name}: status {end.status}, trial is {trial['status']}")
        check(end.end_time_secs >= start.start_time_secs, f"{name}: ends before it starts")
        experiment = plugin_data(accumulator, "_hparams_/experiment", "experiment")
        infos = {info.name: info for info in experiment.hparam_infos}
        check(set(infos) == set(values), f"{name}: experiment lists {sorted(infos)}, session {sorted(values)}")
        for axis, kind in axis_kinds.items():
            info = infos.get(axis)
            check(info is not None and info.differs, f"{name}: swept {axis} not marked as differing")
            if info is None:
                continue
            if kind == "list":
                domain = [value_of(v) for v in info.domain_discrete.values]
                check(values[axis] in domain, f"{name}: {axis} = {values[axis]} outside its domain {domain}")
            else:
                check(info.HasField("domain_interval"), f"{name}: {axis} has no interval")
                interval = info.domain_interval
                check(interval.min_value <= values[axis] <= interval.max_value,
                      f"{name}: {axis} = {values[axis]} outside [{interval.min_value}, {interval.max_value}]")
        fixed = [info.name for info in experiment.hparam_infos if info.name not in axis_kinds and info.name != "seed"]
        check(all(not infos[n].differs for n in fixed), f"{name}: a fixed parameter is marked as differing")
        metric_tags = [info.name.tag for info in experiment.metric_infos]
        check(metric_tags and metric_tags[0] == metric_tag, f"{name}: metrics {metric_tags}, ranked by {metric_tag}")
        sessions[name] = trial

# 2. The HParams dashboard's own backend over the whole sweep folder, as `tensorboard --logdir` serves it.
multiplexer = plugin_event_multiplexer.EventMultiplexer()
multiplexer.AddRunsFromDirectory(folder)
multiplexer.Reload()
provider = data_provider.MultiplexerDataProvider(multiplexer, folder)
context = backend_context.Context(base_plugin.TBContext(logdir=folder, multiplexer=multiplexer, data_provider=provider))
request = api_pb2.ListSessionGroupsRequest(start_index=0, slice_size=1000, allowed_statuses=[
    api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS, api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING])
response = list_session_groups.Handler(tb_context.RequestContext(), context, "", request).run()
listed = {}
for group in response.session_groups:
    for session in group.sessions:
        listed[session.name] = (group, session)
check(set(listed) == set(sessions), f"the dashboard lists sessions {sorted(listed)}, expected {sorted(sessions)}")
for name, (group, session) in listed.items():
    trial = sessions.get(name)
    if trial is None:
        continue
    for parameter, text in trial["parameters"].items():
        got = value_of(group.hparams[parameter])
        check(str(got) == text or (isinstance(got, float) and math.isclose(got, float(text), rel_tol=1e-12)),
              f"dashboard {name}: {parameter} = {got}, trial has {text}")
    expected = api_pb2.STATUS_SUCCESS if trial["status"] == "ok" else api_pb2.STATUS_FAILURE
    check(session.status == expected, f"dashboard {name}: status {session.status}")
# The sweep's metric is the last network's last evaluation: its session shows the same value.
for trial in trials:
    if trial["status"] != "ok":
        continue
    names = sorted(name for name, t in sessions.items() if t is trial)
    if not names:
        continue
    last = names[-1]
    values = {m.name.tag: m.value for m in listed[last][1].metric_values} if last in listed else {}
    check(metric_tag in values and math.isclose(values[metric_tag], trial["metrics"][metric], rel_tol=1e-6),
          f"dashboard {last}: {metric_tag} = {values.get(metric_tag)}, sweep.json has {trial['metrics'][metric]}")

if failures:
    print("\n".join(failures))
    sys.exit(1)
print(f"hparams: {len(sessions)} sessions of {len(trials)} trials read by TensorBoard's HParams plugin")
