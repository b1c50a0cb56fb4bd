using LatticeLock.Grains.Abstractions.Auth;
using LatticeLock.Grains.Abstractions.Users;
using LatticeLock.Silo.Auth;

namespace LatticeLock.Silo.Http;

public static class UsersApi
{
    public sealed record CreateUserBody(string Email, string? Name, Guid? Id = null);

    public sealed record UserResponse(Guid Id, string Email, string? Name, DateTimeOffset CreatedAt)
    {
        public static UserResponse From(UserProfile u) => new(u.Id, u.Email, u.Name, u.CreatedAt);
    }

    public static RouteGroupBuilder MapUsersApi(this RouteGroupBuilder v1)
    {
        v1.MapPost("/users", CreateAsync).Accepts<CreateUserBody>(isOptional: true, "application/json").Produces<UserResponse>(StatusCodes.Status201Created);
        v1.MapGet("/users/{id}", GetAsync).Produces<UserResponse>();
        return v1;
    }

    private static async Task<IResult> CreateAsync(HttpContext http, IGrainFactory grains)
    {
        var caller = http.RequireScope(ApiScopes.Admin);
        var body = await JsonBody.ReadAsync<CreateUserBody>(http);
        var id = IdempotencyKey.CreatedId(http, caller.UserId, "user", body.Id);
        var user = await grains.GetGrain<IUserGrain>(id).Create(new CreateUser(body.Email, body.Name), http.RequestAborted);
        return Results.Created($"/v1/users/{id}", UserResponse.From(user));
    }

    private static async Task<IResult> GetAsync(HttpContext http, IGrainFactory grains, string id)
    {
        var userId = RouteValues.Id(id);
        http.Caller().RequireOwner(userId);
        return Results.Ok(UserResponse.From(await grains.GetGrain<IUserGrain>(userId).Get()));
    }
}
