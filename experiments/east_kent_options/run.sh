#!/usr/bin/env bash
# East Kent's two options against the three sites as they were, paired on the same patients.
# From the repository root: bash experiments/east_kent_options/run.sh [replications]
set -euo pipefail
reps=${1:-10}
for option in east_kent_option1 east_kent_option2; do
    bedflow scenario="$option" sim.replications="$reps" sim.jobs=2 \
        hydra.run.dir=results/east_kent_options/"$option"
done
