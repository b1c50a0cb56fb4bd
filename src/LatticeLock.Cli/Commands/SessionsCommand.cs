using System.CommandLine;
using System.Globalization;
using LatticeLock.Storage.Sessions;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice sessions show ID</c>: the session, its totals (a SUM over model_requests) and its chats.</summary>
public static class SessionsCommand
{
    public static Command Create()
    {
        var sessions = new Command("sessions", "Inspect sessions");
        var id = new Argument<Guid>("id") { Description = "The session's id" };
        var show = new Command("show", "A table of the session with its chats and costs") { id };
        show.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var sessionId = parse.GetValue(id);
            var repository = new SessionRepository(dataSource);
            var session = await repository.FindAsync(sessionId, ct) ?? throw new CliException($"session {sessionId} does not exist");
            var totals = await repository.LoadTotalsAsync(sessionId, ct);
            var c = CultureInfo.InvariantCulture;

            var summary = new Table().Title($"Session {sessionId}").AddColumns("Field", "Value");
            summary.AddRow("user_id", session.UserId.ToString());
            summary.AddRow("project_id", session.ProjectId?.ToString() ?? "");
            summary.AddRow("status", session.EndedAt is null ? "active" : "ended");
            summary.AddRow("started_at", session.StartedAt.ToString("u", c));
            summary.AddRow("ended_at", session.EndedAt?.ToString("u", c) ?? "");
            summary.AddRow("request_count", totals.RequestCount.ToString(c));
            summary.AddRow("input_tokens", totals.InputTokens.ToString(c));
            summary.AddRow("output_tokens", totals.OutputTokens.ToString(c));
            summary.AddRow("total_cost_usd", totals.TotalCostUsd.ToString(c));
            summary.AddRow("models", Markup.Escape(string.Join(", ", totals.Models)));
            AnsiConsole.Write(summary);

            var chats = new Table().Title("Chats").AddColumns("Chat", "Title", "Turns", "Requests", "Tokens", "Cost (USD)");
            foreach (var chat in await new SessionChatsQuery(dataSource).RunAsync(sessionId, ct))
            {
                chats.AddRow(chat.ChatId.ToString(), Markup.Escape(chat.Title ?? ""), chat.Turns.ToString(c), chat.Requests.ToString(c),
                    chat.Tokens.ToString(c), chat.CostUsd.ToString(c));
            }
            AnsiConsole.Write(chats);
        }));
        sessions.Subcommands.Add(show);
        return sessions;
    }
}
