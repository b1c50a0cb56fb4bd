using LatticeLock.Testing;

namespace LatticeLock.Tests.Infrastructure;

/// <summary>Where a project's own build output is: the tests run the CLI and the silo exactly as built, not copies.</summary>
public static class BuiltProgram
{
    public static string PathOf(string project, string assembly)
    {
        var configuration = new DirectoryInfo(AppContext.BaseDirectory).Parent!.Name; // bin/<configuration>/net10.0
        return Path.Combine(LocalServer.RepositoryRoot(), "src", project, "bin", configuration, "net10.0", assembly);
    }
}
