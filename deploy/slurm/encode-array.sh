#!/usr/bin/env bash
# ShiftLens: encode a pilot's images in N shards as a Slurm job array, then merge and run.
#
#   sbatch deploy/slurm/encode-array.sh /shared/pilot/pilot.json
#
# Each array task gets SLURM_ARRAY_TASK_ID (0..N-1; keep --array 0-based) and
# `shiftlens encode --shard auto/N` turns it into its slice; every task writes only its
# own folder STORE/shard-<I>-of-N/ on shared storage. The last step is a dependent job
# (afterok: it starts only when every task succeeded) that merges the shards into STORE
# and runs the pilot. Re-submitting after a failure re-encodes only what is missing.
#
# Change N in two places: --array=0-(N-1) and SHARDS.
#
# shiftlens must be on PATH (scripts/install.sh --prefix DIR on the nodes or shared storage), or run
# from the container image (deploy/container/Dockerfile) by setting SHIFTLENS, e.g.
#   SHIFTLENS="apptainer exec --bind /shared shiftlens-0.1.0-v3.sif shiftlens" sbatch encode-array.sh ...
# (apptainer build shiftlens-0.1.0-v3.sif docker://registry.example.com/shiftlens:0.1.0-v3).
#SBATCH --job-name=shiftlens-encode
#SBATCH --array=0-7
#SBATCH --cpus-per-task=8
#SBATCH --mem=8G
#SBATCH --time=24:00:00
#SBATCH --output=shiftlens-encode-%A_%a.log
set -euo pipefail

SHARDS=8
PILOT=${1:?usage: sbatch encode-array.sh /shared/path/pilot.json [STORE] [SITE]}
STORE=${2:-$(dirname "$PILOT")/.shiftlens/store}
SITE=${3:-$(dirname "$PILOT")/site}
SHIFTLENS=${SHIFTLENS:-shiftlens}   # split into words on purpose: a command with its options

$SHIFTLENS encode "$PILOT" --shard "auto/$SHARDS" --store "$STORE" --threads "${SLURM_CPUS_PER_TASK:-1}"

# The first task submits the merge-and-run job once, dependent on the whole array.
if [ "${SLURM_ARRAY_TASK_ID}" = "0" ]; then
  sbatch --dependency="afterok:${SLURM_ARRAY_JOB_ID}" --job-name=shiftlens-merge-and-run \
    --cpus-per-task=8 --mem=16G --time=12:00:00 --output=shiftlens-merge-and-run-%j.log \
    --wrap="set -e; $SHIFTLENS merge '$STORE'/shard-*-of-$SHARDS --into '$STORE' && $SHIFTLENS run '$PILOT' --store '$STORE' --site '$SITE'"
fi
