using Shoal.Extensions;
using Shoal.Metainfo;
using Shoal.Wire;
using Message = Shoal.Tests.Engine.ScriptedPeer.Message;

namespace Shoal.Tests.Engine;

/// <summary>
/// A scripted peer that says it has ut_metadata (at its id <see cref="OwnId"/>), and the engine's
/// ut_metadata id (<see cref="EngineId"/>), where its answers go.
/// </summary>
internal sealed record MetadataPeer(ScriptedPeer Peer, byte EngineId) : IDisposable
{
    public const byte OwnId = 3;
    public static readonly TimeSpan Wait = TimeSpan.FromSeconds(20);

    /// <summary>A client with <paramref name="torrent"/> added from its hashes alone, awaiting its metadata.</summary>
    public static async Task<(ShoalClient Client, TorrentSession Session)> AwaitingMetadataAsync(EngineHarness h, Torrent torrent,
        Func<ShoalClientOptions, ShoalClientOptions>? configure = null)
    {
        var leecher = await h.ClientAsync(configure);
        var leech = leecher.Add(new TorrentIdentity(torrent.InfoHashes, torrent.Name), h.NewDir());
        await leech.StartAsync();
        await EngineHarness.WaitUntilAsync(() => leech.State == TorrentState.AwaitingMetadata, 10, "awaiting metadata");
        return (leecher, leech);
    }

    /// <summary>Connects, says it has <paramref name="metadataSize"/> bytes of metadata (null: it has none either), and reads the engine's handshake.</summary>
    public static async Task<MetadataPeer> JoinAsync(ShoalClient client, Torrent torrent, long? metadataSize, int number = 0)
    {
        var peer = await ScriptedPeer.ConnectAsync(EngineHarness.EndPoint(client), torrent.InfoHashes.Primary.Span.ToArray(), id: ScriptedPeer.NumberedId(number));
        var handshake = new ExtensionHandshake
        {
            Extensions = new Dictionary<string, byte> { [MetadataExtension.ExtensionName] = OwnId },
            MetadataSize = metadataSize,
        };
        await peer.SendExtendedAsync(0, handshake.Encode());
        while (await peer.ReadMessageAsync(Wait) is { } message)
        {
            if (message is { Id: MessageId.Extended, ExtendedId: 0 })
                return new MetadataPeer(peer, ExtensionHandshake.Parse(message.Payload).Extensions[MetadataExtension.ExtensionName]);
        }
        throw new IOException("closed before its extension handshake");
    }

    public Task AnswerAsync(MetadataMessage message) => Peer.SendExtendedAsync(EngineId, message.Encode());

    /// <summary>Answers <paramref name="request"/> with the true block of <paramref name="info"/>.</summary>
    public Task AnswerHonestlyAsync(MetadataMessage request, ReadOnlyMemory<byte> info)
    {
        int start = request.Piece * MetadataMessage.BlockSize;
        var block = info.Slice(start, Math.Min(MetadataMessage.BlockSize, info.Length - start)).ToArray();
        return AnswerAsync(new MetadataMessage(MetadataMessageType.Data, request.Piece, info.Length, block));
    }

    public Task<Message?> ReadMessageAsync(TimeSpan timeout) => Peer.ReadMessageAsync(timeout);

    public Task<bool> ClosedByPeerAsync(TimeSpan timeout) => Peer.ClosedByPeerAsync(timeout);

    /// <summary>The ut_metadata requests the engine sends within <paramref name="window"/> (or until <paramref name="stopAfter"/> arrived).</summary>
    public async Task<List<MetadataMessage>> RequestsAsync(TimeSpan window, int stopAfter = int.MaxValue)
    {
        var requests = new List<MetadataMessage>();
        try
        {
            while (requests.Count < stopAfter && await ReadMessageAsync(window) is { } message)
            {
                if (message is { Id: MessageId.Extended, ExtendedId: OwnId })
                    requests.Add(MetadataMessage.Parse(message.Payload));
            }
        }
        catch (OperationCanceledException)
        {
        }
        return requests;
    }

    public void Dispose() => Peer.Dispose();
}
