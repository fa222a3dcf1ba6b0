// The JobQueue Jupyter kernel: `install` writes its kernelspec, `start CONNECTION_FILE` is what Jupyter runs.
using System.CommandLine;
using JobQueue.Kernel.Install;
using JobQueue.Kernel.Protocol;
using JobQueue.Kernel.Serving;

// The kernel's own log goes to the standard error it started with (Jupyter shows it in the server's log); cells'
// console output goes to the notebook instead.
var log = new StreamWriter(Console.OpenStandardError()) { AutoFlush = true };
void Log(string line) => log.WriteLine($"[JobQueue.Kernel {DateTimeOffset.UtcNow:HH:mm:ss.fff}] {line}");

var user = new Option<bool>("--user") { Description = "Install for this user ($JUPYTER_DATA_DIR/kernels, by default ~/.local/share/jupyter/kernels)." };
var prefix = new Option<string?>("--prefix") { Description = "Install under PREFIX/share/jupyter/kernels (e.g. a virtual environment's folder)." };
var install = new Command("install", "Writes the kernelspec \"jobqueue-csharp\" (C# (JobQueue)) where Jupyter finds it; without --user or --prefix, for all users.") { user, prefix };
install.SetAction(async (result, cancellationToken) =>
{
    var directory = KernelSpec.KernelsDirectory(result.GetValue(user), result.GetValue(prefix));
    var written = await KernelSpec.InstallAsync(directory, KernelSpec.CurrentStartCommand(), cancellationToken);
    Console.WriteLine($"Installed kernelspec {KernelSpec.Name} in {written}");
    return 0;
});

var connectionFile = new Argument<FileInfo>("connection-file") { Description = "The connection file Jupyter passes ({connection_file} in kernel.json)." };
var start = new Command("start", "Serves one Jupyter session on the ports of the connection file.") { connectionFile };
start.SetAction(async (result, cancellationToken) =>
{
    var file = result.GetValue(connectionFile)!;
    if (!file.Exists)
    {
        Log($"The connection file {file.FullName} does not exist; Jupyter passes it as the argument after 'start'.");
        return 2;
    }

    ConnectionInfo connection;
    try
    {
        connection = await ConnectionInfo.ReadAsync(file.FullName, cancellationToken);
    }
    catch (Exception exception) when (exception is InvalidDataException or System.Text.Json.JsonException)
    {
        Log(exception.Message);
        return 2;
    }

    using var server = new KernelServer(connection, Environment.CurrentDirectory, Log);
    Log($"Serving {file.FullName}");
    await server.RunAsync(cancellationToken);
    Log("Shut down.");
    return 0;
});

var root = new RootCommand("A Jupyter kernel for C# with JobQueue built in.") { install, start };
return await root.Parse(args).InvokeAsync();

// ASP.NET Core (which JobQueue brings) makes a top-level program's class public for integration tests; this tool's
// program is no API, so it stays internal.
internal partial class Program;
