using System.Reflection;

// The worker runtime lives in JobQueue.dll, next to this file wherever a program referencing JobQueue was built.
// This entry point has no compile-time reference to it, so that JobQueue can bring WorkerHost along without a cycle.
// WorkerProgram is an internal type (wiring, not API for users): reflection finds it all the same.
var entry = Assembly.Load("JobQueue").GetType("JobQueue.Worker.WorkerProgram", throwOnError: true)!
    .GetMethod("RunAsync", BindingFlags.Public | BindingFlags.Static)!;
return await (Task<int>)entry.Invoke(null, [args])!;
