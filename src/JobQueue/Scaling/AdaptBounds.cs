using JobQueue.JobScripts;

namespace JobQueue.Scaling;

/// <summary>Turns <see cref="AdaptOptions"/> into whole-job bounds, refusing contradictions at the call.</summary>
internal static class AdaptBounds
{
    private static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan DefaultTargetDuration = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan DefaultIdleTimeout = TimeSpan.FromSeconds(60);
    private const int DefaultMaxPendingJobs = 4;

    /// <exception cref="ArgumentException">A bound is negative, a minimum exceeds its maximum, or the bounds leave no number of jobs.</exception>
    public static AdaptLimits Resolve(AdaptOptions options, JobDefinition definition)
    {
        static void Pair(long min, long max, string minName, string maxName)
        {
            if (min < 0 || max < 0)
            {
                throw new ArgumentException($"Adapt bounds must be 0 or more: {minName} = {min}, {maxName} = {max}.", min < 0 ? minName : maxName);
            }

            if (min > max)
            {
                throw new ArgumentException($"Adapt(...): {minName} = {min} is more than {maxName} = {max}; give a minimum no larger than the maximum, e.g. Adapt(min: 0, max: 4).", minName);
            }
        }

        Pair(options.Min, options.Max, "min", "max");
        Pair(options.MinJobs ?? 0, options.MaxJobs ?? int.MaxValue, "minJobs", "maxJobs");
        Pair(options.MinCores ?? 0, options.MaxCores ?? int.MaxValue, "minCores", "maxCores");
        var minMemory = options.MinMemory is null ? 0 : MemorySize.Parse(options.MinMemory, "minMemory").Bytes;
        var maxMemory = options.MaxMemory is null ? long.MaxValue : MemorySize.Parse(options.MaxMemory, "maxMemory").Bytes;
        Pair(minMemory, maxMemory, "minMemory", "maxMemory");

        // Whole jobs: a minimum rounds up, a maximum down.
        var minJobs = new[]
        {
            Up(options.Min, definition.Processes), options.MinJobs ?? 0, Up(options.MinCores ?? 0, definition.Cores), Up(minMemory, definition.Memory.Bytes),
        }.Max();
        var maxJobs = new[]
        {
            options.Max / definition.Processes, options.MaxJobs ?? int.MaxValue, (options.MaxCores ?? int.MaxValue) / definition.Cores,
            (int)Math.Min(int.MaxValue, maxMemory / definition.Memory.Bytes),
        }.Min();
        if (minJobs > maxJobs)
        {
            throw new ArgumentException(
                $"Adapt bounds contradict each other: the minimums need {minJobs} jobs of {definition.Processes} workers, {definition.Cores} cores and {definition.Memory.ToBinaryString()}, the maximums allow {maxJobs} (min = {options.Min}, max = {options.Max}, minJobs = {options.MinJobs}, maxJobs = {options.MaxJobs}, minCores = {options.MinCores}, maxCores = {options.MaxCores}, minMemory = {options.MinMemory}, maxMemory = {options.MaxMemory}).",
                nameof(options));
        }

        var interval = Positive(options.Interval ?? DefaultInterval, "interval");
        var targetDuration = Positive(options.TargetDuration ?? DefaultTargetDuration, "targetDuration");
        var idleTimeout = options.IdleTimeout ?? DefaultIdleTimeout;
        if (idleTimeout < TimeSpan.Zero)
        {
            throw new ArgumentException($"Adapt(...): idleTimeout = {idleTimeout} must be 0 or more, e.g. idleTimeout: TimeSpan.FromMinutes(1).", "idleTimeout");
        }

        var maxPending = options.MaxPendingJobs ?? DefaultMaxPendingJobs;
        if (maxPending < 1 || options.WaitCount < 1)
        {
            throw new ArgumentException(
                $"Adapt(...): maxPendingJobs = {maxPending} and waitCount = {options.WaitCount} must be at least 1, e.g. maxPendingJobs: 4, waitCount: 3.",
                maxPending < 1 ? "maxPendingJobs" : "waitCount");
        }

        return new AdaptLimits(minJobs, maxJobs, definition.Processes, definition.Cores / definition.Processes, options.WaitCount, targetDuration, idleTimeout, maxPending, interval);
    }

    private static int Up(long value, long per) => (int)Math.Min(int.MaxValue, (value + per - 1) / per);

    private static TimeSpan Positive(TimeSpan value, string name) =>
        value > TimeSpan.Zero ? value : throw new ArgumentException($"Adapt(...): {name} = {value} must be positive, e.g. {name}: TimeSpan.FromSeconds(5).", name);
}
