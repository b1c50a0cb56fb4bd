namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>The caller may not do this (HTTP 403): for example grant a scope or a limit its own key does not have.</summary>
[GenerateSerializer, Alias("ll.ForbiddenException")]
public sealed class ForbiddenException(string message) : Exception(message);
