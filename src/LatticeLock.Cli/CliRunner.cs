using Microsoft.Extensions.Configuration;
using Npgsql;

namespace LatticeLock.Cli;

/// <summary>Runs a command body and turns expected failures into one clear line on stderr and an exit code.</summary>
public static class CliRunner
{
    public static async Task<int> RunAsync(Func<IConfiguration, Task> body)
    {
        try
        {
            await body(CliSettings.Load());
            return 0;
        }
        catch (CliException e)
        {
            Error(e.Message);
            return e.ExitCode;
        }
        catch (Exception e) when (e is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            Error($"cannot use PostgreSQL: {e.Message} (check ConnectionStrings__postgres)");
            return 1;
        }
        catch (Exception e) when (e is LatticeLock.Grains.Abstractions.Errors.InvalidFieldException or LatticeLock.Grains.Abstractions.Errors.ConflictException
                                       or LatticeLock.Grains.Abstractions.Errors.NotFoundException or LatticeLock.Grains.Abstractions.Errors.ForbiddenException)
        {
            Error(e.Message);
            return 2;
        }
        catch (InvalidOperationException e)
        {
            Error(e.Message);
            return 1;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled");
            return 130;
        }
    }

    /// <summary>One plain line: never wrapped to the terminal's width, so a message reads (and greps) whole.</summary>
    public static void Error(string message) => Console.Error.WriteLine($"error: {message.ReplaceLineEndings(" ")}");
}
