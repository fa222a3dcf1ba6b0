// A file-based app (dotnet run squares.cs): the function lives in the DLL dotnet builds from this file, which the
// workers receive like any other assembly. Run from anywhere: dotnet run samples/FileBasedApp/squares.cs -- 1
#:project ../../src/JobQueue/JobQueue.csproj
#:property PublishAot=false
using JobQueue;

var offset = args.Length > 0 ? int.Parse(args[0]) : 0;
await using var cluster = new LocalCluster(new LocalOptions { Workers = 2, Name = "file-based" });
var squares = await cluster.Gather(cluster.Map((int x) => (x * x) + offset, Enumerable.Range(0, 10)));
Console.WriteLine(string.Join(" ", squares));
