#!/usr/bin/env bash

#SBATCH -J jobqueue-worker
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --cpus-per-task=8
#SBATCH --mem-per-cpu=2862M
#SBATCH -t 1-12
trap 'echo "The batch system is stopping the job (SIGTERM): its workers are leaving" >&2' TERM
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name jobqueue-worker-0 --job-id "$SLURM_JOB_ID" --nthreads 2 --memory-limit 5.59GiB --nworkers 4 --death-timeout 60 --lifetime 129300 --lifetime-stagger 300 --secret-file {home}/.jobqueue/secrets/{id}.secret
