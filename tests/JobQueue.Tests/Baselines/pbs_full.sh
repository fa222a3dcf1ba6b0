#!/usr/bin/env bash

#PBS -N chem
#PBS -q workq
#PBS -A myproj
#PBS -l select=1:ncpus=36:mem=168GB
#PBS -l walltime=02:30:00
#PBS -e /scratch/me/logs/
#PBS -o /scratch/me/logs/
#PBS -m n
module load dotnet
export OMP_NUM_THREADS=1
trap 'echo "The batch system is stopping the job (SIGTERM): its workers are leaving" >&2' TERM
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name chem-0 --job-id "${PBS_JOBID:-$SLURM_JOB_ID}" --nthreads 6 --memory-limit 27.94GiB --nworkers 6 --death-timeout 60 --lifetime 8700 --lifetime-stagger 300 --secret-file /shared/me/secrets/{id}.secret
