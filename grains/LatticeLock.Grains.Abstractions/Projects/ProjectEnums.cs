namespace LatticeLock.Grains.Abstractions.Projects;

public enum ProjectStatus { Unknown = 0, Healthy = 1, Warning = 2, Error = 3 }

public enum ValidationStatus { NotRun = 0, Pending = 1, Passed = 2, Failed = 3 }

/// <summary>The three validators a project goes through.</summary>
public enum ValidationKind { Schema = 0, Sheriff = 1, Gauntlet = 2 }
