namespace LatticeLock.Metrics.Abstractions;

/// <summary>
/// A sink this host can deliver to, registered (one per sink) by <see cref="MetricSinksBuilder.Add"/> whether or not
/// the sink is selected, so that <c>Metrics:Sinks</c> is checked against the sinks actually built in rather than a list
/// kept by hand.
/// </summary>
public sealed record KnownMetricSink(string Name);
