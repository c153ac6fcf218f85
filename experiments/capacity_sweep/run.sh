#!/usr/bin/env bash
# P1 reablement capacity against rapid-response caseload on kent_medway: a 3 x 3 surface of
# medically optimised patients and acute beds released. From the repository root:
#   bash experiments/capacity_sweep/run.sh [local|slurm] [replications]
# Rerunning it (same folder) runs only the points not yet complete. Then:
#   bedflow-collect results/sweeps/capacity_sweep --kpi mean_medically_optimised --kpi effect_beds_released
set -euo pipefail
launcher=${1:-local}
reps=${2:-5}
case "$launcher" in
    local) run=(hydra/launcher=local sim.jobs=1) ;;       # points in parallel over the cores
    slurm) run=(hydra/launcher=slurm sim.jobs=2 hydra.launcher.timeout_min=30) ;;  # a point per array task, 2 cores each
    *) echo "usage: $0 [local|slurm] [replications]" >&2; exit 2 ;;
esac
# P1 capacity is varied through discharge_to_assess's extra reablement places (+0%, +5%, +10%
# at every site), with its other mechanisms (shorter delays, home first) and its team cost off.
bedflow -m "${run[@]}" system=kent_medway sim.replications="$reps" \
  'intervention=[rapid_response,discharge_to_assess]' \
  intervention.discharge_to_assess.process_delay_factor=1.0 \
  intervention.discharge_to_assess.home_first_share_P2=0.0 \
  intervention.discharge_to_assess.home_first_share_P3=0.0 \
  intervention.discharge_to_assess.cost_per_site_per_year=0 \
  intervention.discharge_to_assess.extra_reablement_share=0.0,0.05,0.1 \
  intervention.rapid_response.caseload_per_site=0,5,10 \
  hydra.sweep.dir=results/sweeps/capacity_sweep
