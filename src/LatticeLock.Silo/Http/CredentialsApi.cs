using System.Text.Json;
using System.Text.RegularExpressions;
using LatticeLock.Grains.Abstractions.Audit;
using LatticeLock.Grains.Abstractions.Errors;
using LatticeLock.Grains.Abstractions.Workspaces;
using LatticeLock.Silo.Auth;
using LatticeLock.Silo.Secrets;
using LatticeLock.Storage.Secrets;

namespace LatticeLock.Silo.Http;

/// <summary>
/// A workspace's provider credentials (docs/workspaces.md, "Provider credentials"): admins set, list (masked) and delete
/// them; revealing one needs the <c>credentials:read</c> scope as well, and is audited. The secret is never echoed,
/// logged or stored in plaintext; without a master key (<c>LatticeLock__Secrets__MasterKey</c>) the routes answer 503.
/// </summary>
public static partial class CredentialsApi
{
    public sealed record PutCredentialBody(string? Provider, string? Secret, JsonElement? Metadata);
    public sealed record CredentialResponse(string Name, string Provider, string LastFour, JsonElement Metadata, DateTimeOffset CreatedAt, DateTimeOffset? RotatedAt)
    {
        public static CredentialResponse From(CredentialInfo c)
        {
            using var metadata = JsonDocument.Parse(c.MetadataJson);
            return new(c.Name, c.Provider, c.LastFour, metadata.RootElement.Clone(), c.CreatedAt, c.RotatedAt);
        }
    }
    public sealed record CredentialList(IReadOnlyList<CredentialResponse> Credentials);
    public sealed record RevealedCredential(string Name, string Provider, string Secret);

    public static RouteGroupBuilder MapCredentialsApi(this RouteGroupBuilder v1)
    {
        v1.MapPut("/workspaces/{id}/credentials/{name}", PutAsync).Accepts<PutCredentialBody>(isOptional: true, "application/json").Produces<CredentialResponse>();
        v1.MapGet("/workspaces/{id}/credentials", ListAsync).Produces<CredentialList>();
        v1.MapPost("/workspaces/{id}/credentials/{name}/reveal", RevealAsync).Produces<RevealedCredential>();
        v1.MapDelete("/workspaces/{id}/credentials/{name}", DeleteAsync).Produces(StatusCodes.Status204NoContent);
        return v1;
    }

    private static async Task<IResult> PutAsync(HttpContext http, WorkspaceAccess access, CredentialStore store, SecretsMasterKey master, string id, string name)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.ManageCredentials);
        var credential = Name(name);
        var body = await JsonBody.ReadAsync<PutCredentialBody>(http);
        var provider = body.Provider is { Length: > 0 and <= 64 } p ? p : throw ApiProblem.BadRequest("provider", "provider: is required, at most 64 characters");
        var secret = body.Secret is { Length: > 0 } s && System.Text.Encoding.UTF8.GetByteCount(s) <= CredentialStore.MaxSecretBytes
            ? s : throw ApiProblem.BadRequest("secret", $"secret: is required, at most {CredentialStore.MaxSecretBytes} bytes");
        string? metadata = null;
        if (body.Metadata is { } m)
        {
            if (m.ValueKind != JsonValueKind.Object) throw ApiProblem.BadRequest("metadata", "metadata: must be a JSON object");
            metadata = m.GetRawText();
            if (System.Text.Encoding.UTF8.GetByteCount(metadata) > CredentialStore.MaxMetadataBytes)
                throw ApiProblem.BadRequest("metadata", $"metadata: at most {CredentialStore.MaxMetadataBytes} bytes");
        }
        var (info, created) = await store.PutAsync(master.Require(), workspaceId, credential, provider, secret, metadata, AuditActor.Current, http.RequestAborted);
        return created ? Results.Created($"/v1/workspaces/{workspaceId}/credentials/{credential}", CredentialResponse.From(info)) : Results.Ok(CredentialResponse.From(info));
    }

    private static async Task<IResult> ListAsync(HttpContext http, WorkspaceAccess access, CredentialStore store, string id)
    {
        var workspaceId = RouteValues.Id(id);
        var caller = http.Caller();
        await access.RequireAsync(caller, workspaceId, WorkspacePolicy.ManageCredentials);
        return Results.Ok(new CredentialList([.. (await store.ListAsync(workspaceId, WorkspaceAccess.ReadScope(caller), http.RequestAborted)).Select(CredentialResponse.From)]));
    }

    private static async Task<IResult> RevealAsync(HttpContext http, WorkspaceAccess access, CredentialStore store, SecretsMasterKey master, string id, string name)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.RevealCredentials);
        var (info, secret) = await store.RevealAsync(master.Require(), workspaceId, Name(name), AuditActor.Current, http.RequestAborted);
        http.Response.Headers.CacheControl = "no-store";
        return Results.Ok(new RevealedCredential(info.Name, info.Provider, secret));
    }

    private static async Task<IResult> DeleteAsync(HttpContext http, WorkspaceAccess access, CredentialStore store, string id, string name)
    {
        var workspaceId = RouteValues.Id(id);
        await access.RequireAsync(http.Caller(), workspaceId, WorkspacePolicy.ManageCredentials);
        return await store.DeleteAsync(workspaceId, Name(name), AuditActor.Current, http.RequestAborted)
            ? Results.NoContent()
            : throw ApiProblem.NotFound($"name: no credential '{name}' in workspace {workspaceId}");
    }

    private static string Name(string name) => CredentialName().IsMatch(name)
        ? name
        : throw ApiProblem.BadRequest("name", "name: 1-64 characters of a-z, 0-9, '_', '.' and '-', starting with a letter or digit");

    [GeneratedRegex("^[a-z0-9][a-z0-9_.-]{0,63}$")]
    private static partial Regex CredentialName();
}
