namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>
/// The provider's processing tier a request ran in: it scales the price (batch and flex are discounted, priority costs
/// more; the multipliers are per price row). A request without one is billed as <see cref="Standard"/>.
/// </summary>
public enum ServiceTier { Standard = 0, Batch = 1, Flex = 2, Priority = 3 }
