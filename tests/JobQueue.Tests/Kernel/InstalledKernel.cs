namespace JobQueue.Tests.Kernel;

/// <summary>A Jupyter data directory with this build's kernel installed, shared by the tests of a class.</summary>
public sealed class InstalledKernel : IAsyncLifetime
{
    internal Jupyter Jupyter { get; } = new();

    public Task InitializeAsync() => Jupyter.InstallKernelAsync("--user");

    public Task DisposeAsync()
    {
        Jupyter.Dispose();
        return Task.CompletedTask;
    }
}
