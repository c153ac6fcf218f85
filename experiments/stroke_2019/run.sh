#!/usr/bin/env bash
# Stroke 2019: the three HASUs against seven units (paired), the beds each HASU needs, and the
# model against Monks et al. 2016. From the repository root: bash experiments/stroke_2019/run.sh [replications]
set -euo pipefail
reps=${1:-10}
bedflow scenario=stroke_hasu_2019 sim.replications="$reps" sim.jobs=2 \
    hydra.run.dir=results/stroke_2019/hasu_2019
python experiments/stroke_2019/beds_sweep.py "$reps" 5
