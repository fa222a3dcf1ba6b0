namespace JobQueue;

/// <summary>What <c>Gather</c> does when tasks fail.</summary>
public enum GatherErrors
{
    /// <summary>Throw the first failure as soon as it happens.</summary>
    Raise,

    /// <summary>Wait for every task, then throw an <see cref="AggregateException"/> holding every failure.</summary>
    CollectAll,
}
