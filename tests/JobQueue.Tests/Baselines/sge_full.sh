#!/usr/bin/env bash

#$ -N chem
#$ -q all.q
#$ -P chemistry
#$ -l arch=lx-amd64
#$ -l h_rt=02:30:00
#$ -pe smp 8
#$ -l h_vmem=2862M
#$ -S /bin/bash
#$ -e {home}/logs/
#$ -o {home}/logs/
#$ -cwd
#$ -j y
#$ -notify
module load dotnet
export OMP_NUM_THREADS=1
trap 'echo "Grid Engine sent its notify signal: the job is about to be killed, so its workers are leaving" >&2' USR2
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name chem-0 --job-id "$JOB_ID" --nthreads 2 --memory-limit 5.59GiB --nworkers 4 --death-timeout 60 --lifetime 8700 --lifetime-stagger 300 --secret-file /shared/me/secrets/{id}.secret
