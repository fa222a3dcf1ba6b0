namespace JobQueue;

/// <summary>Settings every cluster has, whatever starts its workers.</summary>
public abstract record ClusterOptions
{
    /// <summary>
    /// Prefix of worker names (<c>&lt;Name&gt;-&lt;job index&gt;</c>). On a batch system it may contain environment
    /// variables such as <c>$HOSTNAME</c>, which the compute node's shell expands.
    /// <value>The default is <c>jobqueue-worker</c>.</value>
    /// </summary>
    public string? Name { get; init; }
}
