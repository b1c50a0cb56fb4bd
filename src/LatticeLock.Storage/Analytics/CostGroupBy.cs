namespace LatticeLock.Storage.Analytics;

/// <summary>How cost rows are grouped (wire names: day, provider, model, task_type, user, project, service_tier).</summary>
public enum CostGroupBy { Day, Provider, Model, TaskType, User, Project, ServiceTier }
