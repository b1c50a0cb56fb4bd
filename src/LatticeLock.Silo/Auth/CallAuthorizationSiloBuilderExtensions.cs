namespace LatticeLock.Silo.Auth;

public static class CallAuthorizationSiloBuilderExtensions
{
    /// <summary>
    /// Who may call what: API keys resolved once per silo (with their revocation listener), roles in workspaces, the
    /// stamp on calls made inside the cluster, and the filter that authorizes every call from a client. The HTTP
    /// gateway and the OTLP intake use the same services.
    /// </summary>
    public static ISiloBuilder AddLatticeLockCallAuthorization(this ISiloBuilder silo)
    {
        silo.Services.AddSingleton<AuthenticatedKeyCache>();
        silo.Services.AddSingleton<UnknownKeyPrefixes>();
        silo.Services.AddSingleton<ApiKeyResolver>();
        silo.Services.AddHostedService<ApiKeyChangeListener>();
        silo.Services.AddSingleton<WorkspaceAccess>();
        silo.Services.AddSingleton<SessionOwners>();
        silo.Services.AddSingleton<SiloCallStamp>();
        silo.Services.AddSingleton<ClientCallPolicy>();
        // What operators' keys did, for the platform's audit chain: HTTP requests one by one, typed-client calls counted.
        silo.Services.AddSingleton<OperatorRequestLog>();
        silo.Services.AddHostedService<OperatorRequestWriter>();
        silo.Services.AddSingleton<OperatorCallCounts>();
        silo.Services.AddHostedService<OperatorCallFlusher>();
        silo.AddOutgoingGrainCallFilter<SiloCallStamp>();
        silo.AddIncomingGrainCallFilter<ClientCallAuthorization>();
        return silo;
    }
}
