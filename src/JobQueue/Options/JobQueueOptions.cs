namespace JobQueue;

/// <summary>
/// Settings every batch system shares. All are optional: an unset one comes from the configuration file
/// (<c>~/.config/jobqueue/jobqueue.yaml</c> or <c>$JOBQUEUE_CONFIG</c>, overridden by <c>JOBQUEUE__&lt;SECTION&gt;__&lt;KEY&gt;</c>
/// environment variables), else from the built-in default. <see cref="Cores"/> and <see cref="Memory"/> have no default.
/// </summary>
public abstract record JobQueueOptions : ClusterOptions
{
    /// <summary>Partition (Slurm) or queue (Grid Engine, PBS). <value>The default is the batch system's.</value></summary>
    public string? Queue { get; init; }

    /// <summary>Account charged for the jobs (Slurm and PBS <c>-A</c>; Grid Engine uses <see cref="SGEOptions.Project"/>).</summary>
    public string? Account { get; init; }

    /// <summary>Time limit of each job. <value>The default is 30 minutes, <c>00:30:00</c> (<c>00:30</c> where the batch system takes hours and minutes).</value></summary>
    public string? Walltime { get; init; }

    /// <summary>Cores requested by each job; required.</summary>
    public int? Cores { get; init; }

    /// <summary>
    /// Worker processes per job, sharing <see cref="Cores"/> and <see cref="Memory"/>; must divide <see cref="Cores"/>.
    /// <value>The default is dask's: all cores up to 4, else the smallest factor of the cores not below their square root.</value>
    /// </summary>
    public int? Processes { get; init; }

    /// <summary>Memory requested by each job, e.g. <c>"24GB"</c> or <c>"24GiB"</c>; required.</summary>
    public string? Memory { get; init; }

    /// <summary>Extra header lines, kept even when <see cref="JobDirectivesSkip"/> matches them; the prefix (<c>#SBATCH</c>…) is added when missing.</summary>
    public IReadOnlyList<string>? JobExtraDirectives { get; init; }

    /// <summary>Generated header lines that contain any of these texts are left out, e.g. <c>["--mem"]</c>.</summary>
    public IReadOnlyList<string>? JobDirectivesSkip { get; init; }

    /// <summary>Shell lines run before the worker starts, e.g. <c>module load dotnet</c>. Also known as <see cref="EnvExtra"/>.</summary>
    public IReadOnlyList<string>? JobScriptPrologue { get; init; }

    /// <summary>dask's older name of <see cref="JobScriptPrologue"/>; set one or the other.</summary>
    public IReadOnlyList<string>? EnvExtra { get; init; }

    /// <summary>Shell lines run after the worker exits.</summary>
    public IReadOnlyList<string>? JobScriptEpilogue { get; init; }

    /// <summary>
    /// Where jobs write their stdout and stderr. <c>""</c> leaves the batch system's default.
    /// <value>The default is <c>~/.jobqueue/logs/&lt;Name&gt;</c>, so logs can always be found later.</value>
    /// </summary>
    public string? LogDirectory { get; init; }

    /// <summary>Scratch directory of the workers on the node, e.g. <c>"$TMPDIR"</c>.</summary>
    public string? LocalDirectory { get; init; }

    /// <summary>The batch system's job name. <value>The default is <see cref="ClusterOptions.Name"/> when it has no <c>$</c>, else <c>jobqueue-worker</c>.</value></summary>
    public string? JobName { get; init; }

    /// <summary>First line of the script. <value>The default is <c>#!/usr/bin/env bash</c>.</value></summary>
    public string? Shebang { get; init; }

    /// <summary>Extra arguments appended to the worker command.</summary>
    public IReadOnlyList<string>? WorkerExtraArgs { get; init; }

    /// <summary>A worker that cannot reach the coordinator this long exits. <value>The default is 60 seconds.</value></summary>
    public TimeSpan? DeathTimeout { get; init; }

    /// <summary>
    /// Workers stop taking tasks this long before the job's <see cref="Walltime"/>, hand back what they have not started,
    /// finish what runs and exit (their <c>--lifetime</c>), so that no task dies with the job.
    /// <value>The default is a tenth of the walltime, at most 5 minutes.</value>
    /// </summary>
    public TimeSpan? WorkerLifetimeMargin { get; init; }

    /// <summary>
    /// Each worker leaves up to this much earlier than its lifetime, at random, so workers started together do not
    /// all leave at once (<c>--lifetime-stagger</c>). <value>The default is <see cref="WorkerLifetimeMargin"/>.</value>
    /// </summary>
    public TimeSpan? WorkerLifetimeStagger { get; init; }

    /// <summary>
    /// After SIGTERM (or Grid Engine's notify signal) running tasks get this long to finish before the worker hands them
    /// back and exits (<c>--signal-grace</c>); keep it under the batch system's kill wait (Slurm's <c>KillWait</c>).
    /// <value>The default is 20 seconds, within Slurm's default KillWait of 30 s.</value>
    /// </summary>
    public TimeSpan? WorkerSignalGrace { get; init; }

    /// <summary>
    /// Network interface of the workers' network, e.g. <c>"ib0"</c>: the coordinator binds and advertises its IPv4 address
    /// (its IPv6 one when it has none), unless <see cref="ClusterOptions.ListenAddress"/> or
    /// <see cref="ClusterOptions.ContactAddress"/> say otherwise, and the workers dial it from their own address on that
    /// interface (<c>--interface</c>). Looked up when the coordinator starts, which fails listing the interfaces there
    /// are when it does not exist; a worker on a node without it exits at once, listing the node's interfaces. <value>The default is none: the coordinator listens on
    /// every address and advertises this machine's first network address.</value>
    /// </summary>
    public string? Interface { get; init; }

    /// <summary>A Scriban job-script template to use instead of the built-in one (copy one from <c>templates/</c>).</summary>
    public string? TemplatePath { get; init; }

    /// <summary>Regular expression with a group named <c>id</c> that finds the job id in the submit command's output.</summary>
    public string? JobIdPattern { get; init; }

    /// <summary>Command that starts a worker on the node. <value>The default runs the WorkerHost next to this library with this machine's <c>dotnet</c>.</value></summary>
    public string? WorkerCommand { get; init; }

    /// <summary>Submit each scale-up as one job array. <value>The default is false.</value></summary>
    public bool? JobArrays { get; init; }

    /// <summary>Directory, visible to the nodes, for files the workers need such as the cluster's secret. <value>The default is <c>~/.jobqueue</c>.</value></summary>
    public string? SharedTempDirectory { get; init; }

    /// <summary>Directory of the batch system's commands (sbatch, qsub, …). <value>The default is to find them on PATH.</value></summary>
    public string? CommandDirectory { get; init; }

    /// <summary>
    /// How often the cluster asks the batch system for the states of its jobs, with one <c>squeue</c>/<c>qstat</c> for
    /// all of them. <value>The default is 5 seconds.</value>
    /// </summary>
    public TimeSpan? StatusInterval { get; init; }

    /// <summary>
    /// How long each batch command (sbatch, squeue, qstat, qdel, …) may take, and over <see cref="Ssh"/> each remote
    /// command, login and file copy (the first copy of the WorkerHost included). One that takes longer is stopped (the
    /// process tree it started is killed) and fails with a <see cref="BatchCommandException"/> saying it timed out; the
    /// cluster goes on polling, and disposing it returns even when scancel or qdel hangs. <value>The default is 60 seconds.</value>
    /// </summary>
    public TimeSpan? CommandTimeout { get; init; }

    /// <summary>
    /// Run the batch system's commands on another machine through SSH, e.g. <c>new SshOptions { Host = "login1" }</c>.
    /// Paths such as <see cref="LogDirectory"/> and <see cref="SharedTempDirectory"/> are then paths there, <c>~</c> being
    /// the remote home. <value>The default runs them on this machine.</value>
    /// </summary>
    public SshOptions? Ssh { get; init; }

    /// <summary>Section of the configuration file to read. <value>The default is the batch system's own: <c>slurm</c>, <c>sge</c> or <c>pbs</c>.</value></summary>
    public string? ConfigName { get; init; }
}
