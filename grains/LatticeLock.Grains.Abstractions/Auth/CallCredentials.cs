namespace LatticeLock.Grains.Abstractions.Auth;

/// <summary>
/// What a grain call carries in its Orleans request context to say who makes it: a typed client sets
/// <see cref="ApiKey"/> (the same key as over HTTP); silos stamp their own calls (<see cref="SiloStamp"/>), which clients
/// cannot forge. A silo authorizes each call from a client by the key, with the same policy as HTTP.
/// </summary>
public static class CallCredentials
{
    /// <summary>The API key (<c>ll_…</c>) of a typed client's calls.</summary>
    public const string ApiKey = "ll.api_key";

    /// <summary>The cluster's stamp on calls made inside the cluster.</summary>
    public const string SiloStamp = "ll.silo_stamp";
}
