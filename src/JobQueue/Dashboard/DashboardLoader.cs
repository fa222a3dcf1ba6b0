using System.Reflection;
using System.Runtime.Loader;
using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>Finds the optional JobQueue.Dashboard assembly beside this one and starts its dashboard.</summary>
internal static class DashboardLoader
{
    private const string AssemblyName = "JobQueue.Dashboard";
    private const string FactoryType = "JobQueue.Dashboard.KestrelDashboardFactory";

    /// <summary>Where the dashboard assembly must be: beside JobQueue.dll, where a project or package reference puts it.</summary>
    public static string Directory { get; } = Path.GetDirectoryName(typeof(DashboardLoader).Assembly.Location) ?? AppContext.BaseDirectory;

    /// <summary>The started dashboard, or null (logged, in words) when the assembly is not in <paramref name="directory"/> or it cannot start.</summary>
    public static DashboardServer? TryStart(DashboardSource source, ILogger logger, string directory)
    {
        var path = Path.Combine(directory, AssemblyName + ".dll");
        if (!File.Exists(path))
        {
            logger.LogInformation(
                "No dashboard: {Assembly}.dll is not beside JobQueue.dll in {Directory}; reference the JobQueue.Dashboard project (or package) to get one",
                AssemblyName, directory);
            return null;
        }

        try
        {
            var factory = (DashboardFactory)Activator.CreateInstance(Load(path).GetType(FactoryType, throwOnError: true)!)!;

            // Off any caller's synchronization context: the coordinator starts inside a lock, from any thread.
            var server = Task.Run(() => factory.StartAsync(source, CancellationToken.None)).GetAwaiter().GetResult();
            // Without the token: logs are read by more people and programs than the caller who asked for the link.
            logger.LogInformation("Dashboard at {Address} (cluster.DashboardLink has the link with its token)", new Uri(server.Link).GetLeftPart(UriPartial.Path));
            return server;
        }
        catch (FileNotFoundException exception)
        {
            logger.LogWarning(
                "No dashboard: {Assembly} needs the ASP.NET Core runtime, which this program does not load ({Missing}); "
                + "reference the dashboard project so that the program's runtimeconfig names Microsoft.AspNetCore.App",
                AssemblyName, exception.FileName);
        }
        catch (Exception exception)
        {
            // Whatever went wrong, the dashboard is optional: the cluster runs without it.
            logger.LogWarning("No dashboard: it could not start on {Address}: {Reason}", source.Binding.Address, exception.Message);
        }

        return null;
    }

    // Into JobQueue's own load context, so that the dashboard sees the very DashboardFactory type it derives from.
    private static Assembly Load(string path)
    {
        var context = AssemblyLoadContext.GetLoadContext(typeof(DashboardLoader).Assembly) ?? AssemblyLoadContext.Default;
        try
        {
            return context.LoadFromAssemblyName(new AssemblyName(AssemblyName));
        }
        catch (FileNotFoundException)
        {
            // Copied beside JobQueue.dll without being in the program's deps.json: load it from its file.
            return context.LoadFromAssemblyPath(path);
        }
    }
}
