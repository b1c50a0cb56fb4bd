namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>PostgreSQL failed the operation (unreachable, timed out, rejected); the change was not acknowledged and may be retried.</summary>
[GenerateSerializer, Alias("ll.StorageFailureException")]
public sealed class StorageFailureException(string message, string? sqlState) : Exception(message)
{
    [Id(0)] public string? SqlState { get; } = sqlState;
}
