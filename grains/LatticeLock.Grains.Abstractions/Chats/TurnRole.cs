namespace LatticeLock.Grains.Abstractions.Chats;

public enum TurnRole { System = 0, User = 1, Assistant = 2, Tool = 3 }
