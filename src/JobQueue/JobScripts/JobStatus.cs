namespace JobQueue;

/// <summary>
/// One job as a status command listed it (<see cref="BatchSystem.ParseStatus"/>). <see cref="JobState.Lost"/> here means "ended, outcome not reported"
/// (PBS/Torque's <c>C</c>, Grid Engine's deletion); the job table settles it from what it knows.
/// </summary>
/// <param name="Id">The id the cluster tracks: the submit id, or the array task's id (<c>42_3</c>, <c>42.3</c>).</param>
/// <param name="State">The state, mapped from the batch system's own.</param>
/// <param name="ExitCode">The exit code of an ended job where reported.</param>
/// <param name="Reason">The batch system's reason for the state, where it gives one.</param>
/// <param name="LogId">The id that names the job's log files when it differs from <paramref name="Id"/> (a Slurm array task's own job id).</param>
public sealed record JobStatus(string Id, JobState State, int? ExitCode = null, string? Reason = null, string? LogId = null);
