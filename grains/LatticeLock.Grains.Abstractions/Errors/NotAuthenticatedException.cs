namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>The call carried no API key, or one that is unknown, expired or revoked (HTTP 401).</summary>
[GenerateSerializer, Alias("ll.NotAuthenticatedException")]
public sealed class NotAuthenticatedException(string message) : Exception(message);
