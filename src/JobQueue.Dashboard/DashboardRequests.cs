using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Logging;

namespace JobQueue.Dashboard;

/// <summary>
/// Every request of the dashboard: the page and its assets, <c>/api/status</c> (JSON), <c>/events</c> (the same JSON
/// as server-sent events, once per sample) and <c>/api/jobs/{id}/log</c>. Read-only: anything but GET is refused.
/// Every request but the page's assets needs the token; on a loopback binding the Host header must name the loopback.
/// </summary>
internal sealed class DashboardRequests(
    DashboardSampler sampler, string token, bool loopbackOnly, Func<string, CancellationToken, Task<JobLog>>? jobLog, ILogger logger) : IAsyncDisposable
{
    private const string AssetPrefix = "/assets/";
    private const string JobPrefix = "/api/jobs/";
    private const string LogSuffix = "/log";

    private static readonly byte[] EventStart = "data: "u8.ToArray();
    private static readonly byte[] EventEnd = "\n\n"u8.ToArray();

    private static readonly string[] LoopbackHosts = ["localhost", "127.0.0.1", "[::1]"];

    private readonly byte[] _token = Encoding.ASCII.GetBytes(token);
    private readonly CancellationTokenSource _stopping = new();

    public async Task HandleAsync(HttpContext context)
    {
        var (request, response) = (context.Request, context.Response);
        response.Headers.XContentTypeOptions = "nosniff";
        response.Headers.ContentSecurityPolicy = "default-src 'self'; frame-ancestors 'none'";

        // The token may be in the page's URL: no link on it may pass that on.
        response.Headers["Referrer-Policy"] = "no-referrer";
        if (!HttpMethods.IsGet(request.Method))
        {
            response.StatusCode = StatusCodes.Status405MethodNotAllowed;
            response.Headers.Allow = "GET";
            await response.WriteAsync("The dashboard is read-only: GET only.\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (loopbackOnly && !LoopbackHosts.Contains(request.Host.Host, StringComparer.OrdinalIgnoreCase))
        {
            response.StatusCode = StatusCodes.Status400BadRequest;
            await response.WriteAsync("This dashboard listens on the loopback and answers only requests for localhost, 127.0.0.1 or [::1].\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        var path = request.Path.Value ?? "/";

        // The page's script and style hold no cluster data, and a script or style tag cannot send a token.
        if (path.StartsWith(AssetPrefix, StringComparison.Ordinal))
        {
            await ServeAssetAsync(response, path[AssetPrefix.Length..], context.RequestAborted).ConfigureAwait(false);
            return;
        }

        if (!Authorized(request))
        {
            response.StatusCode = StatusCodes.Status401Unauthorized;
            await response.WriteAsync("This dashboard needs its token: open the link that cluster.DashboardLink gives (it ends in ?token=...).\n", context.RequestAborted).ConfigureAwait(false);
            return;
        }

        switch (path)
        {
            case "/" or "/index.html":
                await ServeAssetAsync(response, "index.html", context.RequestAborted).ConfigureAwait(false);
                break;
            case "/api/status":
                response.ContentType = "application/json";
                response.Headers.CacheControl = "no-store";
                await response.Body.WriteAsync(sampler.Latest.Json.Value, context.RequestAborted).ConfigureAwait(false);
                break;
            case "/events":
                await StreamEventsAsync(context).ConfigureAwait(false);
                break;
            case var _ when path.StartsWith(JobPrefix, StringComparison.Ordinal) && path.EndsWith(LogSuffix, StringComparison.Ordinal):
                await ServeJobLogAsync(response, Uri.UnescapeDataString(path[JobPrefix.Length..^LogSuffix.Length]), context.RequestAborted).ConfigureAwait(false);
                break;
            default:
                response.StatusCode = StatusCodes.Status404NotFound;
                await response.WriteAsync("Not found. The dashboard serves /, /api/status, /events and /api/jobs/{id}/log.\n", context.RequestAborted).ConfigureAwait(false);
                break;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync().ConfigureAwait(false);
        await sampler.DisposeAsync().ConfigureAwait(false);
    }

    private bool Authorized(HttpRequest request)
    {
        var given = request.Query["token"].FirstOrDefault();
        var header = request.Headers.Authorization.FirstOrDefault();
        if (given is null && header is not null && header.StartsWith("Bearer ", StringComparison.Ordinal))
        {
            given = header["Bearer ".Length..].Trim();
        }

        return given is not null && CryptographicOperations.FixedTimeEquals(Encoding.ASCII.GetBytes(given), _token);
    }

    private async Task StreamEventsAsync(HttpContext context)
    {
        var response = context.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-store";
        context.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(context.RequestAborted, _stopping.Token);
        var sent = -1L;
        try
        {
            while (!ending.IsCancellationRequested)
            {
                var next = sampler.NextAsync(ending.Token);
                var latest = sampler.Latest;
                if (latest.Version != sent)
                {
                    await response.Body.WriteAsync(EventStart, ending.Token).ConfigureAwait(false);
                    await response.Body.WriteAsync(latest.Json.Value, ending.Token).ConfigureAwait(false);
                    await response.Body.WriteAsync(EventEnd, ending.Token).ConfigureAwait(false);
                    await response.Body.FlushAsync(ending.Token).ConfigureAwait(false);
                    sent = latest.Version;
                }

                await next.ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (ending.IsCancellationRequested)
        {
            // The page closed, or the cluster is being disposed.
        }
    }

    private async Task ServeJobLogAsync(HttpResponse response, string jobId, CancellationToken cancellationToken)
    {
        response.ContentType = "text/plain; charset=utf-8";
        if (jobLog is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync("This cluster runs no batch jobs.\n", cancellationToken).ConfigureAwait(false);
            return;
        }

        try
        {
            var log = await jobLog(jobId, cancellationToken).ConfigureAwait(false);
            var text = new StringBuilder()
                .Append("Job ").Append(log.JobId).Append(": ").AppendJoin(", ", log.Paths).Append("\n\n--- standard output ---\n")
                .Append(log.StandardOutput ?? "(none yet)").Append("\n\n--- standard error ---\n")
                .Append(log.StandardError ?? "(none, or merged into standard output)").Append('\n');
            await response.WriteAsync(text.ToString(), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            logger.LogWarning("Dashboard: the log of job {JobId} could not be read: {Reason}", jobId, exception.Message);
            response.StatusCode = StatusCodes.Status404NotFound;
            await response.WriteAsync($"The log of job {jobId} could not be read: {exception.Message}\n", cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task ServeAssetAsync(HttpResponse response, string name, CancellationToken cancellationToken)
    {
        await using var asset = typeof(DashboardRequests).Assembly.GetManifestResourceStream($"JobQueue.Dashboard.Assets.{name}");
        if (asset is null)
        {
            response.StatusCode = StatusCodes.Status404NotFound;
            return;
        }

        response.ContentType = Path.GetExtension(name) switch
        {
            ".html" => "text/html; charset=utf-8",
            ".js" => "text/javascript; charset=utf-8",
            ".css" => "text/css; charset=utf-8",
            _ => "application/octet-stream",
        };
        await asset.CopyToAsync(response.Body, cancellationToken).ConfigureAwait(false);
    }
}
