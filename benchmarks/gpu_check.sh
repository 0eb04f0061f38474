#!/usr/bin/env bash
# GPU check of biodl (issue 17): training throughput of the default models against a plain
# PyTorch loop at fp32 and bf16-mixed, one whole `biodl train` on the GPU, and a 2-GPU DDP run
# when two GPUs are present.
#
#   benchmarks/gpu_check.sh                 # on a GPU machine: under 5 minutes on one GPU
#   benchmarks/gpu_check.sh --device cpu    # the same steps, tiny, on CPU (checks the script)
#
# Everything goes to stdout as Markdown, ready to paste into benchmarks/RESULTS.md. Run from
# the repository root; PYTHON defaults to .venv/bin/python (else python3).
set -euo pipefail

DEVICE=cuda
if [[ "${1:-}" == "--device" ]]; then DEVICE="${2:?--device cpu|cuda}"; fi
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[[ -x "$PYTHON" ]] || PYTHON=python3
export PYTHONPATH="$ROOT/src${PYTHONPATH:+:$PYTHONPATH}"
export BIODL_QUIET=1
WORK="$(mktemp -d -t biodl-gpu-check-XXXXXX)"
trap 'rm -rf "$WORK"' EXIT
cd "$ROOT/benchmarks"

if [[ "$DEVICE" == cuda ]]; then  # sizes for about a minute per model on one GPU
  SEQ=(--n 20480 --epochs 3); IMG=(--n 20000 --epochs 3)
  EXPR=(--throughput-n 50000 --epochs 2); REC=(--records 2000); DEMO_N=20000
else  # tiny: proves that every step runs, not for numbers
  SEQ=(--n 256 --epochs 2); IMG=(--n 256 --epochs 2)
  EXPR=(--throughput-n 2000 --epochs 2); REC=(--records 200); DEMO_N=400
fi

echo "## GPU check ($(date -u +%Y-%m-%d), benchmarks/gpu_check.sh --device $DEVICE)"
echo
echo '```'
"$PYTHON" - <<'PY'
import platform, torch
print(f"python {platform.python_version()}, torch {torch.__version__}, "
      f"cuda {torch.version.cuda}, GPUs {torch.cuda.device_count()}")
for i in range(torch.cuda.device_count()):
    print(f"  {i}: {torch.cuda.get_device_name(i)}")
PY
if command -v nvidia-smi >/dev/null; then nvidia-smi -L; fi
echo '```'
START=$SECONDS

# One benchmark: its rows through FILTER, or FAILED and the end of its stderr (the check goes on).
step() {
  local filter="$1"; shift
  if "$PYTHON" "$@" >"$WORK/step.out" 2>"$WORK/step.err"; then
    $filter <"$WORK/step.out"
  else
    echo "FAILED: $*"; tail -n 5 "$WORK/step.err"
  fi
}
cnn_rows() { sed -n '/^threads/,/^$/p'; }
last_two() { tail -n 2; }
rnn_rows() { grep -E '^(grud|gru):' || true; }
image_rows() { sed -n '/img\/s/,+1p'; }

for PRECISION in 32-true bf16-mixed; do
  echo
  echo "### $PRECISION"
  echo
  echo '```'
  ON=(--device "$DEVICE" --precision "$PRECISION")
  echo "# sequence CNN (200 bp DNA), biodl fit_network vs plain loop"
  step cnn_rows bench_training.py --model cnn "${SEQ[@]}" --repeats 1 --threads 1 "${ON[@]}"
  echo "# expression MLP (2,000 genes, sparse), biodl fit_network vs plain loop"
  step last_two bench_expression.py --skip-memory "${EXPR[@]}" --pairs 1 "${ON[@]}"
  echo "# records GRU-D and GRU (one epoch), pre-built batches vs biodl's batches"
  step rnn_rows bench_records.py "${REC[@]}" --folder "$WORK/records" --train "${ON[@]}"
  echo "# image CNN (28x28, 10 classes), biodl fit_network vs plain loop"
  step image_rows bench_images.py --skip-memory "${IMG[@]}" --repeats 1 "${ON[@]}"
  echo '```'
done

echo
echo "### DDP"
echo
echo '```'
GPUS=0
if command -v nvidia-smi >/dev/null; then GPUS=$(nvidia-smi -L | grep -c '^GPU' || true); fi
if [[ "$DEVICE" == cuda && "$GPUS" -ge 1 ]]; then
  "$PYTHON" -c "from biodl.data.demo import write_demo_fasta as w; w('$WORK/demo.fa', n=$DEMO_N)"
  for DEVICES in $(seq 1 $((GPUS < 2 ? GPUS : 2))); do
    "$PYTHON" -m biodl train "$WORK/demo.fa" --out "$WORK/ddp$DEVICES" --device cuda \
      --devices "$DEVICES" --strategy ddp --precision bf16-mixed --epochs 5 --patience 0 \
      --baseline fast --bootstrap 50 -q >/dev/null 2>"$WORK/ddp$DEVICES.err" \
      || { echo "devices=$DEVICES FAILED:"; tail -n 5 "$WORK/ddp$DEVICES.err"; continue; }
    "$PYTHON" - "$WORK/ddp$DEVICES" "$DEVICES" <<'PY'
import json, sys
run, devices = sys.argv[1], sys.argv[2]
m = json.load(open(f"{run}/metrics.json"))
t = m["training"]
print(f"devices={devices} ({t['device']}): training {t['seconds']:.1f} s for {t['epochs_run']} "
      f"epochs, test {m['primary_metric']} {m['model']['test'][m['primary_metric']]:.3f}")
PY
  done
else
  echo "skipped: $GPUS GPU(s) listed by nvidia-smi -L or --device cpu"
fi
if [[ "$DEVICE" == cuda && "$GPUS" -lt 2 ]]; then
  echo "2-GPU DDP skipped: $GPUS GPU(s) listed by nvidia-smi -L (needs 2)"
fi
echo '```'
echo
echo "script time $((SECONDS - START)) s"
