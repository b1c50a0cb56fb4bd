namespace LatticeLock.Grains.Abstractions.Sessions;

public enum ModelRequestStatus { Success = 0, Error = 1, Timeout = 2, Fallback = 3 }
