#!/usr/bin/env bash
# Carries the 16-filter Pets runs forward from wherever the last session left
# them: trains the SEU-Net, then the two U-Nets (each resumes from its
# run/backup/ or stops at once when run/done exists), then evaluates each
# finished run on the whole test split at the 17 factors of the SEU-Net
# protocol (each resumes from its partial file in runs/eval/). U-Nets are
# evaluated first: they take about a seventh of the SEU-Net's time.
#
# Usage, from the repository root, with the project's environment active:
#   nohup runs/continue.sh > runs/continue.log 2>&1 &
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

DATA="../shared/data/oxford_iiit_pet_128"
BACKEND="tensorflow"  # fastest at training this network on the CPU (BENCHMARKS.md)

for run in seunet_pets16 unet_pets16 unet_pets16_jitter; do
    keras-dss --backend "$BACKEND" train "runs/$run" --quiet
done

evaluate() {  # run folder, constructor, constructor arguments
    keras-dss --backend "$BACKEND" evaluate \
        "$2:runs/$1/run/final.weights.h5" --model-args "$3" \
        --data "$DATA" --dataset oxford_iiit_pet \
        --out "runs/eval/$1" --reuse --no-progress
}
evaluate unet_pets16 UNet '{"num_classes": 3, "filters": 16, "depth": 4}'
evaluate unet_pets16_jitter UNet '{"num_classes": 3, "filters": 16, "depth": 4}'
evaluate seunet_pets16 SEUNet \
    '{"num_classes": 3, "filters": 16, "depth": 4, "num_scales": 4}'
