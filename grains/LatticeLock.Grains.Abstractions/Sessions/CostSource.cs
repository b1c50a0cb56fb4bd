namespace LatticeLock.Grains.Abstractions.Sessions;

/// <summary>Client: costs as sent. PriceTable: computed from model_prices. Unpriced: no price in effect, costs null.</summary>
public enum CostSource { Client = 0, PriceTable = 1, Unpriced = 2 }
