namespace JobQueue;

/// <summary>The time-limit forms a batch system accepts in <see cref="JobQueueOptions.Walltime"/>.</summary>
public enum WalltimeSyntax
{
    /// <summary>Slurm: "MM", "MM:SS", "HH:MM:SS", "D-HH", "D-HH:MM", "D-HH:MM:SS".</summary>
    Slurm,

    /// <summary>Grid Engine and PBS: "HH:MM:SS".</summary>
    HoursMinutesSeconds,

    /// <summary>LSF's <c>-W</c>: "HH:MM" or "MM".</summary>
    HoursMinutes,
}
