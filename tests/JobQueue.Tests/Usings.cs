global using Xunit;

// The tests run real batch systems, sshd and worker processes: they are Linux tests.
[assembly: System.Runtime.Versioning.SupportedOSPlatform("linux")]
