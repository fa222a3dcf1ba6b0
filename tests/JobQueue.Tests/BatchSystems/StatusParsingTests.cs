using JobQueue.Clusters.GridEngine;
using JobQueue.Clusters.Pbs;
using JobQueue.Clusters.Slurm;
using JobQueue.Jobs;
using JobQueue.Submission;

namespace JobQueue.Tests.BatchSystems;

/// <summary>The status parsers on outputs captured from the local Slurm 22.05, Grid Engine 8.1.9 and Slurm's Torque-style qstat.</summary>
public sealed class StatusParsingTests
{
    [Fact]
    public void Squeue_gives_every_array_task_its_own_id_and_decodes_exit_codes_and_signals()
    {
        const string output = """
            47|47|CANCELLED|15|None
            45|45|COMPLETED|0|None
            48_0|49|COMPLETED|0|None
            48_2|48|RUNNING|0|None
            51_3|51|PENDING|0|JobHeldUser
            46|46|FAILED|768|NonZeroExitCode

            """;

        var jobs = SlurmBatchSystem.Instance.ParseStatus(Result(output));

        Assert.Equal(
            [
                new JobStatus("47", JobState.Cancelled, 143, null, "47"),
                new JobStatus("45", JobState.Completed, 0, null, "45"),
                new JobStatus("48_0", JobState.Completed, 0, null, "49"),
                new JobStatus("48_2", JobState.Running, null, null, "48"),
                new JobStatus("51_3", JobState.Pending, null, "JobHeldUser", "51"),
                new JobStatus("46", JobState.Failed, 3, "NonZeroExitCode", "46"),
            ],
            jobs);
    }

    [Fact]
    public void Squeue_output_of_another_shape_is_an_error_that_shows_it() =>
        Assert.Contains("45 RUNNING", Assert.Throws<FormatException>(() => SlurmBatchSystem.Instance.ParseStatus(Result("45 RUNNING\n"))).Message);

    [Fact]
    public void A_failing_squeue_is_a_batch_command_error() =>
        Assert.Throws<BatchCommandException>(() => SlurmBatchSystem.Instance.ParseStatus(new CommandResult("squeue", 1, "", "slurm_load_jobs error: Unable to contact slurm controller")));

    [Fact]
    public void Qstat_xml_expands_pending_array_ranges_and_lists_running_tasks_apart()
    {
        const string output = """
            <?xml version='1.0'?>
            <job_info  xmlns:xsd="http://arc.liv.ac.uk/repos/darcs/sge/source/dist/util/resources/schemas/qstat/qstat.xsd">
              <queue_info>
                <job_list state="running">
                  <JB_job_number>38</JB_job_number>
                  <JAT_prio>0.50000</JAT_prio>
                  <JB_name>jqexp</JB_name>
                  <JB_owner>root</JB_owner>
                  <state>r</state>
                  <JAT_start_time>2026-11-22T08:09:34</JAT_start_time>
                  <queue_name>all.q@vm</queue_name>
                  <slots>1</slots>
                </job_list>
                <job_list state="running">
                  <JB_job_number>40</JB_job_number>
                  <JAT_prio>0.25000</JAT_prio>
                  <JB_name>jqexp</JB_name>
                  <JB_owner>root</JB_owner>
                  <state>dr</state>
                  <JAT_start_time>2026-11-22T08:09:35</JAT_start_time>
                  <queue_name>all.q@vm</queue_name>
                  <slots>1</slots>
                  <tasks>1</tasks>
                </job_list>
              </queue_info>
              <job_info>
                <job_list state="pending">
                  <JB_job_number>39</JB_job_number>
                  <JAT_prio>0.00000</JAT_prio>
                  <JB_name>jqexp</JB_name>
                  <JB_owner>root</JB_owner>
                  <state>Eqw</state>
                  <JB_submission_time>2026-11-22T08:09:34</JB_submission_time>
                  <queue_name></queue_name>
                  <slots>1</slots>
                </job_list>
                <job_list state="pending">
                  <JB_job_number>40</JB_job_number>
                  <JAT_prio>0.00000</JAT_prio>
                  <JB_name>jqexp</JB_name>
                  <JB_owner>root</JB_owner>
                  <state>hqw</state>
                  <JB_submission_time>2026-11-22T08:09:34</JB_submission_time>
                  <queue_name></queue_name>
                  <slots>1</slots>
                  <tasks>2-6:2,9</tasks>
                </job_list>
              </job_info>
            </job_info>
            """;

        var jobs = SgeBatchSystem.Instance.ParseStatus(Result(output));

        Assert.Equal(
            [
                new JobStatus("38", JobState.Running),
                new JobStatus("40.1", JobState.Cancelled),
                new JobStatus("39", JobState.Failed, Reason: "Grid Engine error state Eqw; qstat -j 39 tells why"),
                new JobStatus("40.2", JobState.Pending),
                new JobStatus("40.4", JobState.Pending),
                new JobStatus("40.6", JobState.Pending),
                new JobStatus("40.9", JobState.Pending),
            ],
            jobs);
    }

    [Fact]
    public void Qstat_xml_without_jobs_lists_none() =>
        Assert.Empty(SgeBatchSystem.Instance.ParseStatus(Result("<?xml version='1.0'?>\n<job_info>\n  <queue_info>\n  </queue_info>\n  <job_info>\n  </job_info>\n</job_info>\n")));

    [Fact]
    public void Torque_qstat_f_reads_states_and_leaves_the_outcome_of_C_open_when_it_gives_no_exit_status()
    {
        const string output = "Job Id:\t45\n\tJob_Name = jqexp\n\tJob_Owner = root@localhost\n\tjob_state = C\n\tqueue = debug\n\texec_host = vm/1\n\n"
            + "Job Id:\t46\n\tJob_Name = jqexp\n\tjob_state = R\n\n"
            + "Job Id:\t47\n\tJob_Name = jqexp\n\tjob_state = Q\n\n"
            + "Job Id: 48.server\n    job_state = F\n    Exit_status = 2\n";

        var jobs = PbsBatchSystem.Instance.ParseStatus(Result(output));

        Assert.Equal(
            [
                new JobStatus("45", JobState.Lost),
                new JobStatus("46", JobState.Running),
                new JobStatus("47", JobState.Pending),
                new JobStatus("48.server", JobState.Failed, 2),
            ],
            jobs);
    }

    [Fact]
    public void Qstat_f_of_jobs_it_no_longer_knows_is_no_error()
    {
        Assert.Empty(PbsBatchSystem.Instance.ParseStatus(new CommandResult("qstat -f 99.server", 153, "", "qstat: Unknown Job Id 99.server\n")));
        Assert.Throws<BatchCommandException>(() => PbsBatchSystem.Instance.ParseStatus(new CommandResult("qstat -f 99", 2, "", "Problem loading jobs.\n")));
    }

    [Fact]
    public void A_qstat_that_fails_saying_nothing_is_an_error_not_a_list_of_ended_jobs()
    {
        // An empty list would count every job as ended, and replacements would be submitted.
        var error = Assert.Throws<BatchCommandException>(() => PbsBatchSystem.Instance.ParseStatus(new CommandResult("qstat -f 99", 153, "", "")));

        Assert.Equal("qstat -f 99 exited with code 153: it printed nothing", error.Message);
    }

    [Theory]
    [InlineData("slurm", "4242", "4242_0 4242_1 4242_2")]
    [InlineData("sge", "4242", "4242.1 4242.2 4242.3")]
    [InlineData("pbs", "4242[].server", "4242[0].server 4242[1].server 4242[2].server")]
    [InlineData("pbs", "4242", "4242[0] 4242[1] 4242[2]")]
    public void Array_tasks_get_the_ids_the_status_command_and_the_workers_use(string system, string arrayId, string taskIds)
    {
        BatchSystem batchSystem = system switch
        {
            "slurm" => SlurmBatchSystem.Instance,
            "sge" => SgeBatchSystem.Instance,
            _ => PbsBatchSystem.Instance,
        };

        Assert.Equal(taskIds.Split(' '), batchSystem.ArrayTaskIds(arrayId, 3));
    }

    private static CommandResult Result(string output) => new("status", 0, output, "");
}
