using Microsoft.Extensions.Logging;
using Serilog;
using Serilog.Events;

namespace JobQueue.Coordination;

/// <summary>The user's logger factory, or our own: Serilog writing warnings and errors to standard error, disposed with the cluster.</summary>
internal sealed class OwnedLoggerFactory : IDisposable
{
    private readonly ILoggerFactory? _owned;

    public OwnedLoggerFactory(ILoggerFactory? given)
    {
        if (given is null)
        {
            var serilog = new LoggerConfiguration()
                .MinimumLevel.Warning()
                .WriteTo.Console(standardErrorFromLevel: LogEventLevel.Verbose, outputTemplate: "{Timestamp:HH:mm:ss} {Level:u3} JobQueue: {Message:lj}{NewLine}{Exception}")
                .CreateLogger();
            _owned = new Serilog.Extensions.Logging.SerilogLoggerFactory(serilog, dispose: true);
        }

        Factory = given ?? _owned!;
    }

    public ILoggerFactory Factory { get; }

    public void Dispose() => _owned?.Dispose();
}
