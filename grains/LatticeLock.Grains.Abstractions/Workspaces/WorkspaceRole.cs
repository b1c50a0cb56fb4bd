namespace LatticeLock.Grains.Abstractions.Workspaces;

/// <summary>
/// What a member may do in a workspace, each role including the ones before it: <see cref="Viewer"/> reads,
/// <see cref="Member"/> also writes sessions, chats, requests and spans, <see cref="Admin"/> also manages projects,
/// budgets and members other than owners, <see cref="Owner"/> also manages owners and deletes the workspace.
/// </summary>
public enum WorkspaceRole { Viewer = 1, Member = 2, Admin = 3, Owner = 4 }
