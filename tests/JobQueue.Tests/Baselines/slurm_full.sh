#!/bin/bash -l

#SBATCH -J jobqueue-worker
#SBATCH -e /scratch/me/logs/jobqueue-worker-%J.err
#SBATCH -o /scratch/me/logs/jobqueue-worker-%J.out
#SBATCH -p regular
#SBATCH -A myproj
#SBATCH -n 1
#SBATCH -N 1
#SBATCH --cpus-per-task=8
#SBATCH --mem=23G
#SBATCH -t 02:30:00
#SBATCH --exclusive
module load dotnet
export OMP_NUM_THREADS=1
trap 'echo "The batch system is stopping the job (SIGTERM): its workers are leaving" >&2' TERM
dotnet /opt/jobqueue/WorkerHost.dll --scheduler tcp://COORDINATOR:PORT --name chem-0 --job-id "$SLURM_JOB_ID" --nthreads 4 --memory-limit 11.18GiB --nworkers 2 --death-timeout 90 --lifetime 8700 --lifetime-stagger 300 --local-directory "$TMPDIR" --interface ib0 --secret-file /shared/me/secrets/{id}.secret --extra "two words"
echo done
