namespace JobQueue;

/// <summary>
/// One question of a keyboard-interactive login, such as a one-time code on an MFA login node.
/// </summary>
/// <param name="Host">The host asking, <c>user@host:port</c>.</param>
/// <param name="Instruction">What the server says before its questions; often empty.</param>
/// <param name="Request">The question itself, e.g. <c>"Verification code: "</c>.</param>
/// <param name="Echo">Whether the answer may be shown as it is typed (false for passwords and codes).</param>
public sealed record SshPrompt(string Host, string Instruction, string Request, bool Echo);
