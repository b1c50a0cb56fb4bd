namespace LatticeLock.Grains.Projects;

/// <summary>Budgets run per calendar month in UTC.</summary>
internal readonly record struct BudgetPeriod(DateTimeOffset Start, DateTimeOffset End)
{
    public static BudgetPeriod Containing(DateTimeOffset instant)
    {
        var utc = instant.UtcDateTime;
        var start = new DateTimeOffset(utc.Year, utc.Month, 1, 0, 0, 0, TimeSpan.Zero);
        return new BudgetPeriod(start, start.AddMonths(1));
    }

    public DateOnly FirstDay => DateOnly.FromDateTime(Start.UtcDateTime);

    public bool Contains(DateTimeOffset instant) => instant >= Start && instant < End;

    /// <summary>
    /// Spend extrapolated linearly to the end of the period; the first hour counts as an hour so a single early call
    /// does not forecast an absurd month.
    /// </summary>
    public decimal Forecast(decimal spent, DateTimeOffset now)
    {
        var elapsed = Math.Max((now - Start).TotalHours, 1.0);
        var total = (End - Start).TotalHours;
        if (elapsed >= total) return spent;
        return Math.Max(spent, decimal.Round(spent * (decimal)(total / elapsed), 8));
    }
}
