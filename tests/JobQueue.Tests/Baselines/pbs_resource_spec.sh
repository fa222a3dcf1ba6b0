#!/usr/bin/env bash

#PBS -N jobqueue-worker
#PBS -l nodes=1:ppn=8,mem=24gb
#PBS -l walltime=00:30:00
trap 'echo "The batch system is stopping the job (SIGTERM): its workers are leaving" >&2' TERM
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name jobqueue-worker-0 --job-id "${PBS_JOBID:-$SLURM_JOB_ID}" --nthreads 2 --memory-limit 5.59GiB --nworkers 4 --death-timeout 60 --lifetime 1620 --lifetime-stagger 180 --secret-file {home}/.jobqueue/secrets/{id}.secret
