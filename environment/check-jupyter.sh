#!/usr/bin/env bash
# Proves that the notebooks run in Jupyter with charts: sets up the kernel in a throw-away Jupyter data
# folder, executes notebooks/00-toolchain.ipynb with `jupyter nbconvert --execute`, and asserts that the
# executed notebook holds a Plotly chart output and no error. Exit 0 on success.
set -euo pipefail
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
export JUPYTER_DATA_DIR="$work/jupyter"

bash "$root/environment/setup-jupyter.sh" "$@"
cd "$root/notebooks"
started=$(date +%s)
jupyter nbconvert --to notebook --execute 00-toolchain.ipynb --output "$work/executed.ipynb" \
  --ExecutePreprocessor.timeout=600 --ExecutePreprocessor.kernel_name=.net-csharp > "$work/nbconvert.log" 2>&1 \
  || { tail -n 40 "$work/nbconvert.log" >&2; echo "jupyter check: FAILED (nbconvert)" >&2; exit 1; }
python3 - "$work/executed.ipynb" "$(( $(date +%s) - started ))" <<'PY'
import json, sys
notebook = json.load(open(sys.argv[1]))
outputs = [o for c in notebook["cells"] if c["cell_type"] == "code" for o in c.get("outputs", [])]
errors = [o for o in outputs if o["output_type"] == "error"]
html = ["".join(o["data"]["text/html"]) for o in outputs if "text/html" in o.get("data", {})]
charts = [h for h in html if "Plotly.newPlot" in h and "parp-figure" in h]
tables = [h for h in html if "parp-dataframe" in h]
if errors or not charts or not tables:
    print(f"jupyter check: FAILED ({len(errors)} errors, {len(charts)} charts, {len(tables)} tables)", file=sys.stderr)
    for e in errors: print(e.get("ename"), e.get("evalue"), file=sys.stderr)
    sys.exit(1)
print(f"jupyter check: passed: 00-toolchain.ipynb ran in Jupyter in {sys.argv[2]} s, {len(outputs)} outputs, {len(charts)} Plotly chart(s), {len(tables)} DataFrame table(s), no error")
PY
