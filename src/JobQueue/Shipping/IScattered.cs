using JobQueue.Protocol;

namespace JobQueue.Shipping;

/// <summary>A <see cref="Scattered{T}"/> of any type: what travels is its content's name.</summary>
internal interface IScattered
{
    ShippedFile Content { get; }
}
