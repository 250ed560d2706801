using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Shoal.Metainfo;

namespace Shoal.Daemon;

/// <summary>
/// Transmission's RPC at /transmission/rpc (with or without the trailing slash): the checks of
/// <see cref="RpcGate"/>, a bounded JSON body, then the method. Both request styles are
/// understood: rpc-version 17's {method, arguments, tag} and 18's JSON-RPC 2.0 {jsonrpc, method,
/// params, id}, with method and argument names in kebab-case, snake_case or camelCase. A bad
/// request gets a JSON error, never a stack trace.
/// </summary>
public sealed class RpcServer(DaemonSettings settings, TorrentBook book, DaemonQueue queue, ShoalClient client, ChannelFollower channels, RpcGate gate, Action requestStop)
{
    public const long MaxBody = 16 << 20;
    public const int RpcVersion = 17;
    /// <summary>What session-get says: the "N.NN (NNNNN)" form clients parse, then who we are.</summary>
    public const string Version = "3.00 (0) Shoal/0.1";
    private readonly RpcMethods _methods = new(settings, book, queue, client, channels, requestStop);

    public async Task HandleAsync(HttpContext context)
    {
        if (gate.Check(context) is { } refused)
        {
            context.Response.StatusCode = refused.Status;
            if (refused.Status == StatusCodes.Status409Conflict)
                context.Response.Headers[RpcGate.SessionHeader] = gate.SessionId;
            context.Response.ContentType = "text/html; charset=UTF-8";
            await context.Response.WriteAsync(refused.Text).ConfigureAwait(false);
            return;
        }
        context.Response.Headers[RpcGate.SessionHeader] = gate.SessionId;
        var answer = await AnswerAsync(context).ConfigureAwait(false);
        context.Response.ContentType = "application/json; charset=UTF-8";
        await context.Response.WriteAsync(answer.ToJsonString()).ConfigureAwait(false);
    }

    private async Task<JsonObject> AnswerAsync(HttpContext context)
    {
        if (context.Request.ContentLength > MaxBody)
            return Legacy(null, $"request body over {MaxBody} bytes", []);
        JsonObject? request;
        try
        {
            using var body = new MemoryStream();
            var buffer = new byte[81920];
            int n;
            while ((n = await context.Request.Body.ReadAsync(buffer, context.RequestAborted).ConfigureAwait(false)) > 0)
            {
                if (body.Length + n > MaxBody)
                    return Legacy(null, $"request body over {MaxBody} bytes", []);
                body.Write(buffer, 0, n);
            }
            request = JsonNode.Parse(body.ToArray(), documentOptions: new JsonDocumentOptions { MaxDepth = 32 }) as JsonObject;
        }
        catch (JsonException e)
        {
            return Legacy(null, $"JSON parse error: {e.Message}", []);
        }
        if (request is null)
            return Legacy(null, "the request is not a JSON object", []);
        bool jsonRpc = request["jsonrpc"] is JsonValue v && v.TryGetValue(out string? version) && version == "2.0";
        var tag = (jsonRpc ? request["id"] : request["tag"])?.DeepClone();
        var arguments = (jsonRpc ? request["params"] : request["arguments"]) as JsonObject ?? [];
        string method = request["method"] is JsonValue m && m.TryGetValue(out string? name) ? name : "";
        string? error;
        JsonObject result;
        try
        {
            (error, result) = await _methods.CallAsync(method.Replace('_', '-'), arguments).ConfigureAwait(false);
        }
        catch (RpcException e)
        {
            (error, result) = (e.Message, []);
        }
        catch (Exception e) when (e is InvalidOperationException or ArgumentException or FormatException or IOException
            or UnauthorizedAccessException or JsonException)
        {
            // Wrong types, impossible values, a path that cannot be: the client hears why, the daemon goes on.
            (error, result) = ($"{method}: {e.Message}", []);
        }
        if (!jsonRpc)
            return Legacy(tag, error, result);
        return error is null
            ? new JsonObject { ["jsonrpc"] = "2.0", ["result"] = SnakeCase(result), ["id"] = tag }
            : new JsonObject { ["jsonrpc"] = "2.0", ["error"] = new JsonObject { ["code"] = error == RpcMethods.UnknownMethod ? -32601 : -32000, ["message"] = error }, ["id"] = tag };
    }

    /// <summary>rpc-version 18 speaks snake_case: every key of a JSON-RPC 2.0 answer (hashString, peer-limit) becomes hash_string, peer_limit.</summary>
    public static JsonNode? SnakeCase(JsonNode? node) => node switch
    {
        JsonObject o => new JsonObject(o.Select(p => KeyValuePair.Create(SnakeCase(p.Key), SnakeCase(p.Value)))),
        JsonArray a => new JsonArray([.. a.Select(SnakeCase)]),
        _ => node?.DeepClone(),
    };

    public static string SnakeCase(string key)
    {
        var text = new System.Text.StringBuilder(key.Length + 4);
        foreach (char c in key)
        {
            if (char.IsUpper(c))
                text.Append(text.Length > 0 ? "_" : "").Append(char.ToLowerInvariant(c));
            else
                text.Append(c == '-' ? '_' : c);
        }
        return text.ToString();
    }

    private static JsonObject Legacy(JsonNode? tag, string? error, JsonObject arguments)
    {
        var answer = new JsonObject { ["arguments"] = arguments, ["result"] = error ?? "success" };
        if (tag is not null)
            answer["tag"] = tag;
        return answer;
    }
}
