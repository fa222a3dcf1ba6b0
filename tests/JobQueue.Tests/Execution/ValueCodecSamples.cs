namespace JobQueue.Tests.Execution;

// Types whose values the codec tests send; they stand for the records, classes and structs of a user's program.
public enum Colour : byte
{
    Red = 1,
    Blue = 200,
}

public sealed record Point(int X, int Y);

public sealed record Measurement(string Name, double Value, DateTime Taken)
{
    public List<Point> Path { get; init; } = [];

    public Colour Colour { get; init; }
}

public readonly struct Money(decimal amount, string currency)
{
    public decimal Amount { get; } = amount;

    public string Currency { get; } = currency;
}

public sealed class Account(string owner, int secret)
{
    private readonly int _secret = secret;

    public string Owner { get; } = owner;

    public int Secret() => _secret;
}

public interface IShape
{
    double Area { get; }
}

public sealed record Circle(double Radius) : IShape
{
    public double Area => Math.PI * Radius * Radius;
}

public abstract class Animal
{
    public string Name { get; set; } = "";
}

public sealed class Dog : Animal
{
    public int Barks { get; set; }
}

public sealed class Holder
{
    public object? Anything { get; set; }

    public IShape? Shape { get; set; }

    public Animal? Pet { get; set; }

    public IReadOnlyList<int>? Numbers { get; set; }
}

public sealed class Node
{
    public string Name { get; set; } = "";

    public Node? Next { get; set; }

    public List<Node> Children { get; } = [];
}

public sealed class Logged
{
    public Stream? Log { get; set; }

    public int Value { get; set; }
}

public sealed class Generic<T>
{
    public T? Value { get; set; }

    public List<T?> Values { get; set; } = [];
}
