namespace LatticeLock.Grains.Abstractions.Errors;

/// <summary>The batch holding this model request could not be committed; the request was NOT recorded and may be retried with the same id.</summary>
[GenerateSerializer, Alias("ll.ModelRequestLogException")]
public sealed class ModelRequestLogException(string message) : Exception(message);
