#!/usr/bin/env bash

#SBATCH -J jobqueue-worker
#SBATCH -e {home}/.jobqueue/logs/jobqueue-worker/jobqueue-worker-%J.err
#SBATCH -o {home}/.jobqueue/logs/jobqueue-worker/jobqueue-worker-%J.out
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --cpus-per-task=4
#SBATCH -t 00:30:00
#SBATCH --mem-per-cpu=2G
#SBATCH -A other
trap 'echo "The batch system is stopping the job (SIGTERM): its workers are leaving" >&2' TERM
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name jobqueue-worker-0 --job-id "$SLURM_JOB_ID" --nthreads 1 --memory-limit 2.00GiB --nworkers 4 --death-timeout 60 --lifetime 1620 --lifetime-stagger 180 --secret-file {home}/.jobqueue/secrets/{id}.secret
