#!/usr/bin/env bash
# The local care study: each element alone, a virtual ward, and the full eight-element model on
# the validated 2016-17 year, each paired against its own baseline (same seeds); the full model's
# sensitivity to every input over its range (the tornado); the full model and the largest
# elements on the present-day calibration. From the repository root:
#   bash experiments/local_care/run.sh [replications]
set -euo pipefail
reps=${1:-5}
all=care_navigation,self_care,healthy_living,integrated_care_centre,single_point_of_access,rapid_response,discharge_to_assess,expert_opinion
bedflow -m "intervention=[care_navigation],[self_care],[healthy_living],[integrated_care_centre],[single_point_of_access],[rapid_response],[discharge_to_assess],[expert_opinion],[virtual_ward],[$all]" \
  system=kent_medway sim.replications=$reps sim.jobs=2 hydra.sweep.dir=results/local_care/kent_medway
bedflow "intervention=[$all]" system=kent_medway sim.replications=$reps sim.jobs=2 \
  sim.sensitivity=true hydra.run.dir=results/local_care/sensitivity
bedflow -m "intervention=[rapid_response],[discharge_to_assess],[virtual_ward],[$all]" \
  system=kent_medway_now sim.replications=$reps sim.jobs=2 hydra.sweep.dir=results/local_care/kent_medway_now
