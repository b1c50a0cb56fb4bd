namespace LatticeLock.Grains.Abstractions.Projects;

[GenerateSerializer, Immutable, Alias("ll.ProjectErrorReport")]
public sealed record ProjectErrorReport(string ErrorType, string Message, string Severity, string? FilePath, int? LineNumber);
