namespace JobQueue.Protocol;

/// <summary>A peer broke the protocol: a message out of turn, a failed proof, a version of its own.</summary>
internal sealed class WireProtocolException(string message, Exception? innerException = null) : Exception(message, innerException);
