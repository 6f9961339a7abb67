"""Real tables no one here made: scikit-learn's copies of the UCI Wine and Breast Cancer Wisconsin
data, converted to CSV files here (a training and a test table, split by scikit-learn), trained on by
a LabBook notebook, which must reach at least the test accuracy of scikit-learn's own linear model
(LogisticRegression on standardized features) on the same split.

Usage: realtable.py LABBOOK WORK_FOLDER
"""
import csv
import json
import os
import subprocess
import sys

from sklearn.datasets import load_breast_cancer, load_wine
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler

labbook, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
failures = []


def write_table(path, features, targets, names, target_names):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(list(names) + ["target"])
        for row, target in zip(features, targets):
            writer.writerow([repr(float(value)) for value in row] + [target_names[target]])


for name, loader in [("wine", load_wine), ("breast_cancer", load_breast_cancer)]:
    data = loader()
    x_train, x_test, y_train, y_test = train_test_split(data.data, data.target, test_size=0.3, random_state=0,
                                                        stratify=data.target)
    write_table(os.path.join(work, f"{name}-train.csv"), x_train, y_train, data.feature_names, data.target_names)
    write_table(os.path.join(work, f"{name}-test.csv"), x_test, y_test, data.feature_names, data.target_names)
    scaler = StandardScaler().fit(x_train)
    linear = LogisticRegression(max_iter=5000).fit(scaler.transform(x_train), y_train)
    reference = linear.score(scaler.transform(x_test), y_test)

    classes = len(data.target_names)
    notebook = os.path.join(work, f"{name}.md")
    with open(notebook, "w") as f:
        f.write(f"""---
seed: 1
---

```{{data}}
dataset: csv
path: {name}-train.csv
test: {name}-test.csv
label: target
normalize: standardize
```

```{{network}}
layers:
  - dense: 16
    activation: relu
  - dense: {classes}
init: he
l2: 0.01
```

```{{train}}
steps: 300
batch_size: 32
optimizer: adam
learning_rate: 0.003
```

```{{evaluate}}
split: test
```
""")
    out = os.path.join(work, name)
    result = subprocess.run([labbook, "run", notebook, "-o", out, "--quiet"], capture_output=True, text=True)
    if result.returncode != 0:
        failures.append(f"{name}: labbook run failed: {result.stderr}")
        continue
    record = json.load(open(os.path.join(out, "run.json")))
    blocks = {block["directive"]: block["metrics"] for block in record["blocks"]}
    accuracy = blocks["evaluate"]["accuracy"]
    if blocks["data"]["class_names"] != sorted(data.target_names):
        failures.append(f"{name}: classes {blocks['data']['class_names']}")
    if blocks["data"]["features"] != data.data.shape[1] or blocks["data"]["test_examples"] != len(y_test):
        failures.append(f"{name}: {blocks['data']['features']} features, {blocks['data']['test_examples']} test rows")
    if accuracy < reference:
        failures.append(f"{name}: LabBook's test accuracy {accuracy:.4f} is below LogisticRegression's {reference:.4f}")
    print(f"realtable: {name}: LabBook {accuracy:.4f}, scikit-learn's LogisticRegression {reference:.4f} "
          f"({len(y_test)} test rows)")

if failures:
    print("\n".join(failures))
    sys.exit(1)
