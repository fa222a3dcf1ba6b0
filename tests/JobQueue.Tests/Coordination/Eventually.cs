namespace JobQueue.Tests.Coordination;

/// <summary>Polling for an expected state, with a deadline that bounds failure and measures nothing.</summary>
internal static class Eventually
{
    public static async Task HoldsAsync(Func<bool> condition, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (!condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Not within {deadline.TotalSeconds} s: {what}");
            }

            await Task.Delay(50);
        }
    }

    /// <summary>Like the other, for a condition that must ask something (a batch system) each time.</summary>
    public static async Task HoldsAsync(Func<Task<bool>> condition, TimeSpan deadline, string what)
    {
        using var timeout = new CancellationTokenSource(deadline);
        while (!await condition())
        {
            if (timeout.IsCancellationRequested)
            {
                Assert.Fail($"Not within {deadline.TotalSeconds} s: {what}");
            }

            await Task.Delay(250);
        }
    }
}
