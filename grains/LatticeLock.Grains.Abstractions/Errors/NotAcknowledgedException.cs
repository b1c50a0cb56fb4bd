namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>
/// The write could not be committed (or its commit was not confirmed in time): it was NOT acknowledged and may be
/// retried with the same id (a retry of a write that was stored after all is answered as the duplicate it is).
/// </summary>
[GenerateSerializer, Alias("ll.NotAcknowledgedException")]
public sealed class NotAcknowledgedException(string message) : Exception(message);
