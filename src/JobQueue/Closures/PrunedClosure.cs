using System.Reflection;

namespace JobQueue.Closures;

/// <summary>What of a delegate's closure needs to travel.</summary>
/// <param name="Target">
/// A copy of the delegate's target holding only the fields its method reads (recursively), the original target when
/// it has to travel whole, or null when the method needs no target state (static, or a lambda that captures nothing).
/// </param>
/// <param name="StaticFieldsRead">User static fields the method or the user methods it calls read: a worker sees its own values.</param>
internal sealed record PrunedClosure(object? Target, IReadOnlyList<FieldInfo> StaticFieldsRead);
