using System.Net.Http.Headers;

namespace JobQueue.Tests.Dashboard;

/// <summary>What the tests take from a dashboard link (<c>http://127.0.0.1:port/?token=…</c>), as a user's browser or script would.</summary>
internal static class DashboardLinks
{
    public static string Token(string link) => System.Web.HttpUtility.ParseQueryString(new Uri(link).Query)["token"] ?? "";

    /// <summary>The link without its token, e.g. <c>http://127.0.0.1:8787/</c>.</summary>
    public static Uri Root(string link) => new(new Uri(link).GetLeftPart(UriPartial.Path));

    /// <summary>Points <paramref name="http"/> at the dashboard, sending the link's token with every request as a bearer header.</summary>
    public static void Use(this HttpClient http, string link)
    {
        http.BaseAddress = Root(link);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token(link));
    }
}
