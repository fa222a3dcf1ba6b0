using JobQueue.Execution;

// The worker runtime (coordinator connection, task execution) arrives with the coordinator; until then the
// WorkerHost checks its command line, so job scripts can be tried against it.
try
{
    var commandLine = WorkerCommandLine.Parse(args);
    Console.Error.WriteLine($"WorkerHost {commandLine.Name}: this build has no coordinator protocol yet; nothing to run.");
    return 3;
}
catch (ArgumentException exception)
{
    Console.Error.WriteLine(exception.Message);
    return 2;
}
