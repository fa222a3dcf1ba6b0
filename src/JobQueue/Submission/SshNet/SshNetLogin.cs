using System.Net.Sockets;
using Renci.SshNet;
using Renci.SshNet.Common;
using JobQueue.Options;

namespace JobQueue.Submission.SshNet;

/// <summary>
/// How SSH.NET logs in to the login node: the key file (asking for its passphrase once, when it is encrypted),
/// keyboard-interactive questions answered by <see cref="SshOptions.KeyboardInteractive"/>, and the host key checked
/// against <see cref="SshOptions.KnownHostsFile"/> before anything is sent.
/// </summary>
internal sealed class SshNetLogin : IDisposable
{
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(20);
    private static readonly string[] DefaultKeys = ["id_ed25519", "id_ecdsa", "id_rsa"];

    private readonly SshOptions _options;
    private readonly int _port;
    private readonly string _user;
    private readonly string _knownHostsFile;
    private readonly Lock _keyLock = new();
    private PrivateKeyFile? _key;

    public SshNetLogin(SshOptions options)
    {
        _options = options;
        _port = options.Port ?? 22;
        _user = options.User ?? Environment.UserName;
        _knownHostsFile = HomePath.Expand(options.KnownHostsFile ?? "~/.ssh/known_hosts");
        Where = options.Destination;
    }

    /// <summary>user@host:port for messages.</summary>
    public string Where { get; }

    /// <summary>A connected <typeparamref name="TClient"/> (SSH or SFTP), logged in.</summary>
    /// <exception cref="BatchCommandException">The host key is unknown or changed, the login was refused, or the host cannot be reached.</exception>
    public async Task<TClient> ConnectAsync<TClient>(Func<ConnectionInfo, TClient> create, CancellationToken cancellationToken)
        where TClient : BaseClient
    {
        var client = create(ConnectionInfo());
        client.KeepAliveInterval = TimeSpan.FromSeconds(15);
        string? refusal = null;
        client.HostKeyReceived += (_, key) =>
        {
            refusal = HostKeyRefusal(key);
            key.CanTrust = refusal is null;
        };
        try
        {
            await client.ConnectAsync(cancellationToken).ConfigureAwait(false);
            return client;
        }
        catch (Exception exception) when (exception is SshException or SocketException or IOException or TimeoutException)
        {
            client.Dispose();
            var why = refusal
                ?? (exception is SshAuthenticationException
                    ? $"the login was refused ({exception.Message}). Check SshOptions.User and SshOptions.IdentityFile, that the key is in ~/.ssh/authorized_keys there, and SshOptions.KeyboardInteractive if the node asks questions (MFA)."
                    : $"SSH.NET could not connect or the connection broke ({exception.Message}).");
            throw new BatchCommandException($"ssh to {Where} failed: {why}", $"ssh {Where}", null, "", exception.Message, exception);
        }
    }

    public void Dispose()
    {
        lock (_keyLock)
        {
            _key?.Dispose();
        }
    }

    private ConnectionInfo ConnectionInfo()
    {
        List<AuthenticationMethod> methods = [];
        if (Key() is { } key)
        {
            methods.Add(new PrivateKeyAuthenticationMethod(_user, key));
        }

        if (_options.KeyboardInteractive is { } answer)
        {
            var questions = new KeyboardInteractiveAuthenticationMethod(_user);
            questions.AuthenticationPrompt += (_, asked) =>
            {
                foreach (var prompt in asked.Prompts)
                {
                    prompt.Response = answer(new SshPrompt(Where, asked.Instruction ?? "", prompt.Request, prompt.IsEchoed));
                }
            };
            methods.Add(questions);
        }

        if (methods.Count == 0)
        {
            throw new BatchCommandException(
                $"ssh to {Where} failed: there is no way to log in. Set SshOptions.IdentityFile to a private key (none of ~/.ssh/{string.Join(", ", DefaultKeys)} exists), or SshOptions.KeyboardInteractive; SSH.NET uses no agent (Client = SshClientKind.OpenSsh does).",
                $"ssh {Where}", null, "", "");
        }

        return new ConnectionInfo(_options.Host!, _port, _user, [.. methods]) { Timeout = ConnectTimeout };
    }

    // Loaded once per cluster, so an encrypted key's passphrase is asked for once.
    private PrivateKeyFile? Key()
    {
        lock (_keyLock)
        {
            if (_key is not null)
            {
                return _key;
            }

            var path = _options.IdentityFile is { } configured
                ? HomePath.Expand(configured)
                : DefaultKeys.Select(name => HomePath.Expand($"~/.ssh/{name}")).FirstOrDefault(File.Exists);
            if (path is null)
            {
                return null;
            }

            try
            {
                return _key = new PrivateKeyFile(path);
            }
            catch (SshPassPhraseNullOrEmptyException) when (_options.IdentityPassphrase is { } passphrase)
            {
                return _key = new PrivateKeyFile(path, passphrase(path));
            }
            catch (SshPassPhraseNullOrEmptyException exception)
            {
                throw new BatchCommandException(
                    $"ssh to {Where} failed: the key {path} is encrypted; set SshOptions.IdentityPassphrase to give its passphrase.", $"ssh {Where}", null, "", exception.Message, exception);
            }
            catch (SshException exception)
            {
                throw new BatchCommandException(
                    $"ssh to {Where} failed: the key {path} cannot be read ({exception.Message}); a wrong passphrase says so too.", $"ssh {Where}", null, "", exception.Message, exception);
            }
        }
    }

    private string? HostKeyRefusal(HostKeyEventArgs key)
    {
        var knownHosts = KnownHosts.Read(_knownHostsFile);
        var verdict = knownHosts.Check(_options.Host!, _port, key.HostKey);
        var keyType = KnownHosts.KeyType(key.HostKey);
        var fingerprint = $"{keyType} SHA256:{key.FingerPrintSHA256}";
        var portOption = _port == 22 ? "" : $"-p {_port} ";
        var name = _port == 22 ? _options.Host : $"[{_options.Host}]:{_port}";
        var scan = $"ssh-keyscan {portOption}-t {keyType} {_options.Host} >> {_knownHostsFile}";
        return verdict.Status switch
        {
            HostKeyStatus.Known => null,
            HostKeyStatus.Unknown =>
                $"the host key of {name} ({fingerprint}) is unknown: it is not in {_knownHostsFile}, and it is never accepted silently. "
                + $"If that fingerprint is the login node's (your site publishes it), accept it with: {scan}",
            HostKeyStatus.Changed =>
                $"the host key of {name} has CHANGED: it offered {fingerprint}, but line {verdict.Line} of {_knownHostsFile} holds another {keyType} key. "
                + $"Someone may be intercepting the connection, or the node was reinstalled. Only if your site confirms the new key, remove the old one (ssh-keygen -R '{name}' -f {_knownHostsFile}) and accept the new one: {scan}",
            _ => $"the host key of {name} ({fingerprint}) is marked @revoked at line {verdict.Line} of {_knownHostsFile}; it is refused.",
        };
    }
}
