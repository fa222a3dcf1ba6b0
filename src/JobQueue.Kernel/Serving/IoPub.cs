using System.Text.Json.Nodes;
using JobQueue.Kernel.Protocol;

namespace JobQueue.Kernel.Serving;

/// <summary>
/// Publishes on the IOPub socket on behalf of the request being served: output written after a cell has ended
/// (by tasks it left running) goes with the last cell, which is where a notebook shows it.
/// </summary>
internal sealed class IoPub(KernelSockets sockets, string session)
{
    private JupyterMessage? _parent;

    /// <summary>The request that output belongs to from now on.</summary>
    public JupyterMessage? Parent
    {
        get => Volatile.Read(ref _parent);
        set => Volatile.Write(ref _parent, value);
    }

    public string Session => session;

    /// <summary>Publishes a message of <paramref name="type"/> with the current parent.</summary>
    public void Publish(string type, JsonObject content) => Publish(type, content, Parent);

    /// <summary>Publishes a message of <paramref name="type"/> caused by <paramref name="parent"/>.</summary>
    public void Publish(string type, JsonObject content, JupyterMessage? parent)
    {
        // IOPub messages carry no routing identities: subscribers filter by topic, here the message type.
        var message = JupyterMessage.Create(type, content, parent, session) with { Identities = [System.Text.Encoding.UTF8.GetBytes(type)] };
        sockets.Send(Socket.IoPub, message);
    }

    /// <summary>The kernel's execution state (busy, idle, starting) while serving <paramref name="parent"/>.</summary>
    public void Status(string state, JupyterMessage? parent) => Publish("status", new JsonObject { ["execution_state"] = state }, parent);
}
