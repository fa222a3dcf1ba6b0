namespace JobQueue.Kernel.Protocol;

/// <summary>The sockets a kernel serves, on which port Jupyter asked for.</summary>
internal enum Socket
{
    Shell,
    Control,
    IoPub,
    Stdin,
}
