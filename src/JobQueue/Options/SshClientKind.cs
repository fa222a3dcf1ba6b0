namespace JobQueue;

/// <summary>Which SSH client <see cref="SshOptions"/> uses.</summary>
public enum SshClientKind
{
    /// <summary>SSH.NET, in this process: no external program, keyboard-interactive (MFA) prompts answered through <see cref="SshOptions.KeyboardInteractive"/>.</summary>
    SshNet,

    /// <summary>
    /// The system's OpenSSH client with connection sharing (ControlMaster): for sites that need <c>~/.ssh/config</c>,
    /// ProxyJump, Kerberos/GSSAPI or an agent. Not on Windows, whose OpenSSH lacks ControlMaster.
    /// </summary>
    OpenSsh,
}
