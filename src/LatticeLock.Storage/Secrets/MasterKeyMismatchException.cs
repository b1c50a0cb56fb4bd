namespace LatticeLock.Storage.Secrets;

/// <summary>
/// A workspace's data key does not open with this silo's master key: it was sealed under another one (a silo started
/// with the wrong <see cref="MasterKey.Setting"/>). The gateway answers 503: the operator's configuration, not the
/// caller's request, is at fault.
/// </summary>
public sealed class MasterKeyMismatchException(Guid workspaceId, string masterKeyId)
    : Exception($"the data key of workspace {workspaceId} does not open with master key {masterKeyId} ({MasterKey.Setting}): it was sealed under another key");
