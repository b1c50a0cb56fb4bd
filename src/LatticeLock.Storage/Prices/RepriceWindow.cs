using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Validation;

namespace LatticeLock.Storage.Prices;

/// <summary>
/// What a reprice covers: requests with <c>requested_at</c> in [<see cref="From"/>, <see cref="To"/>), optionally of one
/// provider and/or model; at most <see cref="MaxDays"/> days, ending no later than a day from now.
/// </summary>
public sealed record RepriceWindow(DateTimeOffset From, DateTimeOffset To, string? Provider, string? Model)
{
    public const int MaxDays = 800;

    /// <summary>Checks the window; throws InvalidFieldException naming the field at fault.</summary>
    public RepriceWindow Validated()
    {
        if (From >= To) throw new InvalidFieldException("to", $"must be later than from ({From:O})");
        if (To > DateTimeOffset.UtcNow.AddDays(1)) throw new InvalidFieldException("to", "must not lie more than a day in the future");
        if (To - From > TimeSpan.FromDays(MaxDays)) throw new InvalidFieldException("from", $"the window may span at most {MaxDays} days");
        if (Provider is not null) Require.Text(Provider, "provider", Limits.NameMaxLength);
        if (Model is not null) Require.Text(Model, "model", Limits.NameMaxLength);
        return this with { From = From.ToUniversalTime(), To = To.ToUniversalTime() };
    }
}
