namespace LatticeLock.Grains;

/// <summary>Names of the Orleans providers the grains use; the silo host registers them.</summary>
public static class GrainStorage
{
    /// <summary>ADO.NET grain storage on PostgreSQL (table OrleansStorage).</summary>
    public const string Name = "lattice";
}
