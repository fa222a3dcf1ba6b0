#!/usr/bin/env bash

#BSUB -J chem
#BSUB -e /scratch/me/logs/chem-%J-%I.err
#BSUB -o /scratch/me/logs/chem-%J-%I.out
#BSUB -q normal
#BSUB -P chemistry
#BSUB -n 8
#BSUB -R "span[hosts=1]"
#BSUB -M 22889MB
#BSUB -W 02:30
#BSUB -x
module load dotnet
trap 'echo "LSF is stopping the job (SIGTERM): its workers are leaving" >&2' TERM
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name chem-0 --job-id "$LSB_JOBID" --nthreads 4 --memory-limit 11.18GiB --nworkers 2 --death-timeout 60 --lifetime 8700 --lifetime-stagger 300 --secret-file /shared/me/secrets/{id}.secret
