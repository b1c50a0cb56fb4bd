using LatticeLock.Storage.Chats;
using LatticeLock.Storage.Commits;
using LatticeLock.Storage.Migrations;
using LatticeLock.Storage.ModelRequests;
using LatticeLock.Storage.Projects;
using LatticeLock.Storage.Sessions;
using LatticeLock.Storage.Users;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace LatticeLock.Storage;

public static class StorageServiceCollectionExtensions
{
    /// <summary>Registers the PostgreSQL data source, migrations, repositories and the model-request log.</summary>
    public static IServiceCollection AddLatticeLockStorage(this IServiceCollection services, IConfiguration configuration)
    {
        services.AddOptions<DatabaseOptions>()
            .Configure(o => o.ConnectionString = configuration.GetConnectionString(DatabaseOptions.ConnectionStringName))
            .ValidateOnStart();
        services.AddSingleton<IValidateOptions<DatabaseOptions>, DatabaseOptionsValidator>();
        services.AddOptions<CommitOptions>().Bind(configuration.GetSection(CommitOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<CommitOptions>, CommitOptionsValidator>();
        // One group-commit engine, one set of batching settings per log (named by its section).
        services.AddOptions<GroupCommitOptions>(ModelRequestLog.Section).Bind(configuration.GetSection(ModelRequestLog.Section)).ValidateOnStart();
        services.AddOptions<GroupCommitOptions>(Traces.SpanLog.Section).Configure(o => Traces.SpanLog.Defaults(o))
            .Bind(configuration.GetSection(Traces.SpanLog.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<GroupCommitOptions>, GroupCommitOptionsValidator>();

        services.AddOptions<ConnectionBudget>().Bind(configuration.GetSection(ConnectionBudget.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<ConnectionBudget>, ConnectionBudgetValidator>();

        services.AddSingleton(sp => new PostgresDataSources(sp.GetRequiredService<IOptions<CommitOptions>>().Value.ForDataSource(
            sp.GetRequiredService<IOptions<ConnectionBudget>>().Value.ForDataSource(
                PostgresConnectionString.Normalize(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString!)))));
        // Every repository writes (or reads its own writes) through the primary; analytics may read a standby.
        services.AddSingleton(sp => sp.GetRequiredService<PostgresDataSources>().Primary);
        // Analytics and reports: their own small pool with a statement timeout, on a standby when there is one.
        services.AddSingleton(sp => new AnalyticsDataSources(new PostgresDataSources(sp.GetRequiredService<IOptions<ConnectionBudget>>().Value.ForAnalytics(
            PostgresConnectionString.Normalize(sp.GetRequiredService<IOptions<DatabaseOptions>>().Value.ConnectionString!)))));
        services.AddSingleton(sp => new ReadOnlyDataSource(sp.GetRequiredService<AnalyticsDataSources>().Sources.ReadOnly));
        services.AddSingleton<MigrationRunner>();
        services.AddSingleton<DeploymentKeys>();
        services.AddSingleton<Replication.ReplicationStatus>();
        services.AddSingleton<UserRepository>();
        services.AddSingleton<UserRegistrar>();
        services.AddSingleton<Workspaces.WorkspaceRepository>();
        services.AddSingleton<Secrets.CredentialStore>();
        services.AddSingleton<Audit.AuditLog>();
        services.AddSingleton<ProjectRepository>();
        services.AddSingleton<SessionRepository>();
        services.AddSingleton<Retention.RetentionSweeper>();
        services.AddSingleton<ChatRepository>();
        services.AddSingleton<Auth.ApiKeyRepository>();
        services.AddSingleton<Auth.AuthEventLog>();
        services.AddSingleton<Auth.ApiKeyIssuer>();
        services.AddSingleton<Auth.AuthFailureLog>();
        services.AddSingleton<Prices.PriceRepository>();
        services.AddSingleton<Prices.PriceRows>();
        services.AddSingleton<Prices.RepriceRunStore>();
        services.AddSingleton<Prices.CostRepricer>();
        services.AddSingleton<Budgets.BudgetRepository>();
        services.AddSingleton<Budgets.BudgetReservationRepository>();
        services.AddSingleton<Budgets.AlertEventRepository>();
        // The group commits are drained by the silo, all of them at once, once grains have stopped (GroupCommitDrain).
        services.AddSingleton(sp => new ModelRequestLog(sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptionsMonitor<GroupCommitOptions>>().Get(ModelRequestLog.Section),
            sp.GetRequiredService<IOptions<CommitOptions>>().Value, sp.GetRequiredService<ILogger<ModelRequestLog>>()));
        services.AddSingleton<IGroupCommit>(sp => sp.GetRequiredService<ModelRequestLog>().Commits);
        services.AddSingleton<ModelRequestQueries>();
        services.AddSingleton<MonthlyPartitions>();
        services.AddSingleton(sp => new Traces.SpanLog(sp.GetRequiredService<NpgsqlDataSource>(),
            sp.GetRequiredService<IOptionsMonitor<GroupCommitOptions>>().Get(Traces.SpanLog.Section),
            sp.GetRequiredService<IOptions<CommitOptions>>().Value, sp.GetRequiredService<ILogger<Traces.SpanLog>>()));
        services.AddSingleton<IGroupCommit>(sp => sp.GetRequiredService<Traces.SpanLog>().Commits);
        services.AddSingleton<Traces.TraceQueries>();
        services.AddOptions<Traces.TraceReadOptions>().Bind(configuration.GetSection(Traces.TraceReadOptions.Section)).ValidateOnStart();
        services.AddSingleton<IValidateOptions<Traces.TraceReadOptions>, Traces.TraceReadOptionsValidator>();
        services.AddSingleton<Traces.TraceLayoutCache>();
        services.AddSingleton<Traces.TracePageReader>();
        services.AddSingleton<Traces.ExternalSessions>();
        services.TryAddSingleton(TimeProvider.System);

        services.AddSingleton<Metrics.ModelRequestFeed>();
        services.AddSingleton<Metrics.MetricCursorStore>();
        services.AddSingleton<Metrics.CostAggregationConsumer>();
        services.AddSingleton<Analytics.CostAnalytics>();
        return services;
    }
}
