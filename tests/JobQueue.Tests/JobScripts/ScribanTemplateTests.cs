namespace JobQueue.Tests.JobScripts;

/// <summary>User templates (TemplatePath): errors point into the file, and option values are data, never template code.</summary>
public sealed class ScribanTemplateTests
{
    private static readonly SlurmOptions Valid = new() { Cores = 2, Memory = "4GB", WorkerCommand = TestClusters.WorkerCommand };

    [Fact]
    public void A_template_that_does_not_parse_fails_at_construction_naming_the_file_line_and_column()
    {
        var path = Template("{{ shebang }}\n{{ wrap directives }}\n-J {{ jobName + }}\n{{ end }}\n");
        try
        {
            var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(Valid with { TemplatePath = path }));

            Assert.Equal("TemplatePath", error.ParamName);
            Assert.StartsWith($"The job-script template {path} is not a valid Scriban template: {path} line 3, column ", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void A_template_that_uses_an_unknown_value_names_the_line_and_column_of_its_use()
    {
        var path = Template("{{ shebang }}\n\n# {{ partition }}\n");
        try
        {
            var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(Valid with { TemplatePath = path }));

            Assert.StartsWith($"The job-script template {path} cannot be rendered: {path} line 3, column 6: ", error.Message);
            Assert.Contains("partition", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void Values_that_look_like_template_code_are_written_as_they_are()
    {
        var cluster = TestClusters.Slurm(Valid with
        {
            JobScriptPrologue = ["echo '{{ shebang }}' {{ end }}"],
            JobExtraDirectives = ["--comment={{ workerCommand }}"],
        });

        var script = cluster.JobScript();

        Assert.Contains("\necho '{{ shebang }}' {{ end }}\n", script);
        Assert.Contains("\n#SBATCH --comment={{ workerCommand }}\n", script);
    }

    [Fact]
    public void The_directives_function_outside_a_wrap_block_says_how_to_use_it()
    {
        var path = Template("{{ shebang }}\n{{ directives }}\n");
        try
        {
            var error = Assert.Throws<ArgumentException>(() => TestClusters.Slurm(Valid with { TemplatePath = path }));

            Assert.Contains($"{path} line 2, column 4: directives wraps the header lines: write {{{{ wrap directives }}}} … {{{{ end }}}}.", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    private static string Template(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), $"jobqueue-template-{Guid.NewGuid():N}.sh.scriban");
        File.WriteAllText(path, text);
        return path;
    }
}
