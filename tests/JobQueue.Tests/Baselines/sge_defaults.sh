#!/usr/bin/env bash

#$ -N jobqueue-worker
#$ -l h_rt=00:30:00
#$ -e {home}/.jobqueue/logs/jobqueue-worker/
#$ -o {home}/.jobqueue/logs/jobqueue-worker/
#$ -cwd
#$ -j y
#$ -notify
trap 'echo "Grid Engine sent its notify signal: the job is about to be killed, so its workers are leaving" >&2' USR2
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name jobqueue-worker-0 --job-id "$JOB_ID" --nthreads 2 --memory-limit 5.59GiB --nworkers 4 --death-timeout 60 --lifetime 1620 --lifetime-stagger 180 --secret-file {home}/.jobqueue/secrets/{id}.secret
