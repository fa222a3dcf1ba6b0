using System.Text.Json.Nodes;

namespace JobQueue.Tests.Kernel;

/// <summary>The kernel's install command, as a user runs it: the kernelspec lands where Jupyter looks, starting the kernel by absolute paths.</summary>
public sealed class KernelSpecTests
{
    [Fact]
    public async Task Install_for_the_user_writes_the_kernelspec_under_JUPYTER_DATA_DIR_with_absolute_paths_and_message_interrupts()
    {
        using var jupyter = new Jupyter();

        await jupyter.InstallKernelAsync("--user");

        var spec = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(jupyter.KernelsDirectory, Jupyter.KernelName, "kernel.json")))!;
        Assert.Equal("C# (JobQueue)", (string?)spec["display_name"]);
        Assert.Equal("message", (string?)spec["interrupt_mode"]);
        Assert.Equal("csharp", (string?)spec["language"]);
        var argv = spec["argv"]!.AsArray().Select(part => (string)part!).ToArray();
        Assert.Equal(["start", "{connection_file}"], argv[^2..]);
        Assert.All(argv[..^2], program => Assert.True(Path.IsPathFullyQualified(program) && File.Exists(program), $"{program} is not an existing absolute path"));
        Assert.EndsWith("JobQueue.Kernel.dll", argv[^3], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Install_with_a_prefix_writes_under_its_share_jupyter_kernels()
    {
        using var jupyter = new Jupyter();
        var prefix = Directory.CreateTempSubdirectory("kernel-prefix-");
        try
        {
            await jupyter.InstallKernelAsync("--prefix", prefix.FullName);

            Assert.True(File.Exists(Path.Combine(prefix.FullName, "share", "jupyter", "kernels", Jupyter.KernelName, "kernel.json")));
            Assert.False(Directory.Exists(jupyter.KernelsDirectory));
        }
        finally
        {
            prefix.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task A_connection_file_the_kernel_cannot_serve_is_refused_naming_the_field_and_what_it_accepts()
    {
        using var jupyter = new Jupyter();
        var file = Path.Combine(Path.GetTempPath(), $"kernel-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, "{\"shell_port\": 1, \"control_port\": 2, \"iopub_port\": 3, \"stdin_port\": 4, \"hb_port\": 5, \"key\": \"k\", \"signature_scheme\": \"hmac-md5\"}");
        try
        {
            var (code, _, errors) = await jupyter.RunKernelAsync(["start", file]);

            Assert.Equal(2, code);
            Assert.Contains("signature_scheme \"hmac-md5\"; this kernel signs with \"hmac-sha256\" only", errors);
        }
        finally
        {
            File.Delete(file);
        }
    }
}
