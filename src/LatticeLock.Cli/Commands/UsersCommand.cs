using System.CommandLine;
using System.Globalization;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Grains.Abstractions.Validation;
using LatticeLock.Storage.Users;
using Spectre.Console;

namespace LatticeLock.Cli.Commands;

/// <summary><c>lattice users create --email E [--name N] | show ID</c></summary>
public static class UsersCommand
{
    public static Command Create()
    {
        var users = new Command("users", "Create and show users (talks to PostgreSQL directly)");
        var email = new Option<string>("--email") { Description = "The user's email (unique, ignoring case)", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name" };
        var create = new Command("create", "Create a user and print its id") { email, name };
        create.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            try
            {
                // The same registrar as POST /v1/users (through the user grain): same checks, same answers.
                var user = await new UserRegistrar(new UserRepository(dataSource), TimeProvider.System)
                    .CreateAsync(Guid.NewGuid(), parse.GetValue(email), parse.GetValue(name), ct);
                Console.Out.WriteLine(user.Profile.Id);
            }
            catch (Exception e) when (e is InvalidFieldException or ConflictException)
            {
                throw new CliException(e.Message);
            }
        }));

        var id = new Argument<Guid>("id") { Description = "The user's id" };
        var show = new Command("show", "Show a user") { id };
        show.SetAction((parse, ct) => CliRunner.RunAsync(async configuration =>
        {
            await using var dataSource = CliSettings.OpenDataSource(configuration);
            var found = await new UserRepository(dataSource).FindAsync(parse.GetValue(id), ct) ?? throw new CliException($"user {parse.GetValue(id)} does not exist");
            var table = new Table().AddColumns("Field", "Value");
            table.AddRow("id", found.Profile.Id.ToString());
            table.AddRow("email", Markup.Escape(found.Profile.Email));
            table.AddRow("name", Markup.Escape(found.Profile.Name ?? ""));
            table.AddRow("created_at", found.Profile.CreatedAt.ToString("u", CultureInfo.InvariantCulture));
            table.AddRow("deleted_at", found.DeletedAt?.ToString("u", CultureInfo.InvariantCulture) ?? "");
            AnsiConsole.Write(table);
        }));
        users.Subcommands.Add(create);
        users.Subcommands.Add(show);
        return users;
    }
}
