// An orchestrator recording a multi-turn chat and its model requests through the typed client.
// Run the cluster first (./run.sh), then see the README's "Typed client" section for the settings to export.
using LatticeLock.Client;
using LatticeLock.Grains.Abstractions.Chats;
using LatticeLock.Grains.Abstractions.Sessions;
using LatticeLock.ServiceDefaults;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

var builder = Host.CreateApplicationBuilder(args);
builder.Logging.SetMinimumLevel(LogLevel.Warning);
builder.AddServiceDefaults(); // OpenTelemetry (exported when OTEL_EXPORTER_OTLP_ENDPOINT is set), HTTP resilience
// The silo's own settings: ConnectionStrings__redis (or __postgres), LatticeLock__Silo__ClusterId and, for a cluster
// with mutual TLS, LatticeLock__Tls__Certificate / Key / CertificateAuthority; and LatticeLock__Client__ApiKey, the
// operator's key ./run.sh prints (this sample creates a user, which only an operator may).
builder.Services.AddLatticeLockClient(builder.Configuration);
using var host = builder.Build();
await host.StartAsync();
var lattice = host.Services.GetRequiredService<LatticeLockClient>();

var user = await lattice.Users.Create($"orchestrator-{Guid.NewGuid():N}@example.com", "Sample orchestrator");
var project = await lattice.Projects.Create(user.Id, "code-review bot");
await lattice.Budgets.Set(project.Id, monthlyUsd: 50m, alertThresholdsPct: [50, 80, 100]);
var session = await lattice.Sessions.Start(user.Id, project.Id, metadataJson: """{"workflow":"code-review"}""");
var chat = await lattice.Chats.Create(session.Id, "review PR");

string[] prompts = ["Summarise the diff", "List risky changes", "Suggest tests"];
foreach (var prompt in prompts)
{
    await lattice.Chats.AppendTurn(chat.Id, new AppendTurn(TurnRole.User, prompt));
    // Budget first: hold the estimate; BudgetExceededException (HTTP 402) means "do not make this call".
    var reservation = await lattice.Budgets.Reserve(project.Id, estimatedCostUsd: 0.01m);
    var requestedAt = DateTimeOffset.UtcNow;
    // … the orchestrator calls the model here …
    await lattice.Chats.AppendTurn(chat.Id, new AppendTurn(TurnRole.Assistant, $"(answer to: {prompt})", "gpt-4o", "openai", 1200, 300));
    var ack = await lattice.Sessions.RecordModelRequest(session.Id, new ModelRequestRecord
    {
        Id = Guid.NewGuid(), // keep it: a retry with the same id is recognised and not counted twice
        ChatId = chat.Id,
        ModelId = "gpt-4o",
        Provider = "openai",
        TaskType = "code",
        RequestedAt = requestedAt,
        RespondedAt = DateTimeOffset.UtcNow,
        InputTokens = 1200,
        OutputTokens = 300,
        InputCostUsd = 0.003m,
        OutputCostUsd = 0.003m,
        Status = ModelRequestStatus.Success,
        ReservationId = reservation.ReservationId, // the actual cost replaces the estimate
    });
    Console.WriteLine($"recorded {ack.RequestId} (duplicate: {ack.WasDuplicate}, reservation settled: {ack.ReservationSettled})");
}

var summary = await lattice.Sessions.Get(session.Id);
Console.WriteLine($"session {summary.Id}: {summary.RequestCount} requests, {summary.InputTokens}+{summary.OutputTokens} tokens, ${summary.TotalCostUsd}");
var budget = await lattice.Budgets.Get(project.Id);
Console.WriteLine($"budget: ${budget.SpentUsd} spent, ${budget.ReservedUsd} reserved, ${budget.RemainingUsd} left of ${budget.MonthlyUsd}");
Console.WriteLine($"last turns: {string.Join(" | ", (await lattice.Chats.GetLastTurns(chat.Id, 2)).Select(t => $"{t.Seq}:{t.Role}"))}");
await host.StopAsync();
