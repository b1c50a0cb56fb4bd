using Microsoft.Extensions.Configuration;
using Npgsql;
using Spectre.Console;

namespace LatticeLock.Cli;

/// <summary>Runs a command body and turns expected failures into one clear line on stderr and an exit code.</summary>
public static class CliRunner
{
    public static async Task<int> RunAsync(Func<IConfiguration, Task> body)
    {
        var stderr = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        try
        {
            await body(CliSettings.Load());
            return 0;
        }
        catch (CliException e)
        {
            stderr.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return e.ExitCode;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            stderr.MarkupLine($"[red]error:[/] cannot use PostgreSQL: {Markup.Escape(e.Message)} (check ConnectionStrings__postgres)");
            return 1;
        }
        catch (InvalidOperationException e)
        {
            stderr.MarkupLine($"[red]error:[/] {Markup.Escape(e.Message)}");
            return 1;
        }
        catch (OperationCanceledException)
        {
            stderr.MarkupLine("[yellow]cancelled[/]");
            return 130;
        }
    }
}
