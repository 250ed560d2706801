using System.Net;

namespace Shoal.Dht;

/// <summary>A query as its handler sees it: the message, who sent it, and the local address it came to.</summary>
internal readonly record struct KrpcQuery(KrpcMessage Message, IPEndPoint From, IPAddress LocalAddress)
{
    /// <summary>Error 203 (protocol error: bad or missing arguments) with <paramref name="text"/>.</summary>
    public KrpcMessage BadArguments(string text) => Refuse(203, text);

    /// <summary>An error answer with <paramref name="code"/> and <paramref name="text"/>.</summary>
    public KrpcMessage Refuse(int code, string text) => KrpcMessage.Error(Message.TransactionId, code, text);
}

/// <summary>
/// Answers one KRPC method. The node's own methods (BEP 5, 51) and BEP 44's get and put are
/// handlers like any other, registered with <see cref="DhtService.Handle"/>; a handler runs on the
/// receive loop after the rate limit, so it decides quickly and never blocks.
/// </summary>
internal delegate KrpcMessage KrpcHandler(KrpcQuery query);
