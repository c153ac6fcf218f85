#!/usr/bin/env bash
# The local care study: each element alone, the full eight-element model, and a virtual ward,
# each paired against its baseline, on the 2016-17 and present-day calibrations.
# Usage: bash experiments/local_care/run.sh [replications]   (from the repository root)
set -euo pipefail
reps=${1:-8}
all=care_navigation,self_care,healthy_living,integrated_care_centre,single_point_of_access,rapid_response,discharge_to_assess,expert_opinion
for system in kent_medway kent_medway_now; do
  bedflow -m "intervention=[care_navigation],[self_care],[healthy_living],[integrated_care_centre],[single_point_of_access],[rapid_response],[discharge_to_assess],[expert_opinion],[virtual_ward],[$all]" \
    system=$system sim.replications=$reps sim.jobs=2 hydra.sweep.dir=results/local_care/$system
done
