using System.Net;
using System.Security.Cryptography;
using System.Text;
using JobQueue.Coordination;
using JobQueue.Dashboard;
using JobQueue.Protocol;

namespace JobQueue.Tests.Dashboard;

/// <summary>DashboardAddress parsing, the port rule and the token rule, without a server.</summary>
public sealed class DashboardBindingTests
{
    [Fact]
    public void The_default_is_the_loopback_at_8787_then_the_next_ports()
    {
        var binding = DashboardBinding.Parse(new LocalOptions().DashboardAddress, nameof(LocalOptions))!;

        Assert.Equal(IPAddress.Loopback, binding.Address);
        Assert.Equal(8787, DashboardBinding.DefaultPort); // the documented default, as dask's; nothing binds it here
        Assert.Equal([binding.Port, binding.Port + 1, binding.Port + 2], binding.Ports.Take(3));
        Assert.Equal(DashboardBinding.DefaultPort, binding.Port);
        Assert.True(binding.IsLoopback);
        Assert.Equal("127.0.0.1", binding.LinkHost);
    }

    [Fact]
    public void Null_turns_the_dashboard_off() => Assert.Null(DashboardBinding.Parse(null, nameof(LocalOptions)));

    [Theory]
    [InlineData("127.0.0.1:0", "127.0.0.1", 0)]
    [InlineData("127.0.0.1", "127.0.0.1", null)]
    [InlineData("localhost:9000", "127.0.0.1", 9000)]
    [InlineData("0.0.0.0:9000", "0.0.0.0", 9000)]
    [InlineData("[::1]:9000", "::1", 9000)]
    [InlineData("::1", "::1", null)]
    public void An_address_with_an_optional_port_is_accepted(string text, string address, int? port)
    {
        var binding = DashboardBinding.Parse(text, nameof(LocalOptions))!;

        Assert.Equal(IPAddress.Parse(address), binding.Address);
        Assert.Equal(port ?? DashboardBinding.DefaultPort, binding.Port);
    }

    [Fact]
    public void Port_zero_is_tried_alone() => Assert.Equal([0], DashboardBinding.Parse("127.0.0.1:0", "LocalOptions")!.Ports);

    [Theory]
    [InlineData("127.0.0.1", true)]
    [InlineData("127.0.0.2", true)]
    [InlineData("localhost", true)]
    [InlineData("::1", true)]
    [InlineData("0.0.0.0", false)]
    [InlineData("::", false)]
    public void Only_a_loopback_binding_checks_the_host_name(string address, bool loopback) =>
        Assert.Equal(loopback, DashboardBinding.Parse(address, nameof(LocalOptions))!.IsLoopback);

    [Theory]
    [InlineData("login1:9000")]
    [InlineData("127.0.0.1:http")]
    [InlineData("127.0.0.1:70000")]
    [InlineData("")]
    public void A_bad_address_is_refused_at_construction_naming_the_option_and_an_example(string text)
    {
        var error = Assert.Throws<ArgumentException>(() => new LocalCluster(new LocalOptions { DashboardAddress = text }));

        Assert.Contains($"LocalOptions.DashboardAddress = \"{text}\"", error.Message);
        Assert.Contains("e.g. \"127.0.0.1:8787\"", error.Message);
        Assert.Equal("DashboardAddress", error.ParamName);
    }

    [Fact]
    public void The_token_is_the_HMAC_of_dashboard_keyed_with_the_secret_and_does_not_show_the_secret()
    {
        var directory = Directory.CreateTempSubdirectory("jobqueue-dashboard-test-");
        var secret = ClusterSecret.Create(Path.Combine(directory.FullName, "cluster.secret"), RandomNumberGenerator.GetBytes(32), Microsoft.Extensions.Logging.Abstractions.NullLogger.Instance);
        try
        {
            var token = secret.Derive("dashboard");

            Assert.Equal(Convert.ToHexStringLower(HMACSHA256.HashData(secret.Keys.Secret, Encoding.UTF8.GetBytes("dashboard"))), token);
            Assert.DoesNotContain(Convert.ToHexString(secret.Keys.Secret), token, StringComparison.OrdinalIgnoreCase);
            Assert.NotEqual(token, secret.Derive("something else"));
        }
        finally
        {
            secret.Dispose();
            directory.Delete(recursive: true);
        }
    }
}
