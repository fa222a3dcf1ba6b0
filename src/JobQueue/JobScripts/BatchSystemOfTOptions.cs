namespace JobQueue;

/// <summary>A batch system whose own settings are an options record of type <typeparamref name="TOptions"/>.</summary>
/// <typeparam name="TOptions">The options record of the clusters on this system; its extra properties are read from the configuration file too.</typeparam>
public abstract class BatchSystem<TOptions> : BatchSystem
    where TOptions : JobQueueOptions
{
    /// <inheritdoc/>
    /// <exception cref="ArgumentException"><paramref name="options"/> is not a <typeparamref name="TOptions"/>.</exception>
    public sealed override void AddTemplateValues(JobQueueOptions options, JobResources resources, IDictionary<string, object?> values) =>
        AddTemplateValues(
            options as TOptions ?? throw new ArgumentException($"{DisplayName} takes {typeof(TOptions).Name}, not {options.GetType().Name}.", nameof(options)),
            resources,
            values);

    /// <summary>Adds the template values only this system has, from its own <paramref name="options"/>.</summary>
    /// <exception cref="ArgumentException">A system-specific option is invalid; the message names it and shows an accepted value.</exception>
    protected abstract void AddTemplateValues(TOptions options, JobResources resources, IDictionary<string, object?> values);
}
