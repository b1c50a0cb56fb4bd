namespace LatticeLock.Cli;

/// <summary>Reports on the caller's thread, so progress lines appear in order (Progress&lt;T&gt; posts to the thread pool).</summary>
public sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
{
    public void Report(T value) => report(value);
}
