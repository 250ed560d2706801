using System.Buffers;
using Microsoft.Extensions.Logging;
using Shoal.Peers;
using Shoal.Storage;
using Shoal.Supervision;
using Shoal.Swarm;

namespace Shoal;

/// <summary>
/// Whole pieces, from memory to disk: each is hashed and written on the thread pool (bounded by
/// the client's disk slots), never under the lock. A piece that fails keeps its bad copy; when it
/// later passes, the blocks that differ name the peers that sent them (smart ban). A peer that
/// alone sent a piece that failed twice is banned.
/// </summary>
internal sealed class PieceJobs(TorrentSwarm swarm)
{
    private const int BanAfterFailures = 2;
    private const int MaxFailedPiecesKept = 16;
    private readonly TaskOwner _jobs = new(swarm.Fault, swarm.Token);
    private readonly Dictionary<int, FailedPiece> _failedPieces = [];

    private sealed record FailedPiece(byte[] Data, SwarmPeer?[] Senders);

    /// <summary>Hashes and writes a complete piece on the thread pool; a job that fails unexpectedly gives the piece back and fails the torrent.</summary>
    public void Start(TorrentContent content, PartialPiece<SwarmPeer> partial) =>
        _jobs.Start($"piece {partial.Index}", () => VerifyAndWriteAsync(content, partial));

    public async Task ShutDownAsync()
    {
        await _jobs.DrainAsync().ConfigureAwait(false);
        lock (swarm.Gate)
        {
            foreach (var failed in _failedPieces.Values)
                ArrayPool<byte>.Shared.Return(failed.Data);
            _failedPieces.Clear();
        }
    }

    /// <summary>
    /// Hashes the piece and writes it when it is good. Whatever happens, the piece is settled in the
    /// picker exactly once: had, or free to be fetched again (also when an unexpected exception
    /// escapes to the owner, which fails the torrent).
    /// </summary>
    private async Task VerifyAndWriteAsync(TorrentContent content, PartialPiece<SwarmPeer> partial)
    {
        bool settled = false;
        void Settle(bool verified)
        {
            settled = true;
            content.Picker.Finish(partial, verified);
        }
        try
        {
            var (verified, failure) = await HashAndWriteAsync(content, partial).ConfigureAwait(false);
            if (failure is not null)
            {
                lock (swarm.Gate)
                    Settle(false);
                if (!swarm.Token.IsCancellationRequested)
                    swarm.Session.Fail($"cannot write piece {partial.Index}: {failure}");
                return;
            }
            lock (swarm.Gate)
            {
                var senders = partial.Senders;
                if (verified)
                {
                    IdentifyBadSenders(partial);
                    if (partial.Exclusive is { } owner)
                        owner.Parole = false;
                    Settle(true);
                    content.Scheduler.OnVerified(partial.Index, senders);
                    if (swarm.Session.Logger.IsEnabled(LogLevel.Trace))
                    {
                        string from = string.Join(", ", senders.OfType<SwarmPeer>().Distinct());
                        swarm.Defer(log => EngineLog.PieceVerified(log, swarm.Session.Name, partial.Index, from));
                    }
                }
                else
                {
                    RememberFailure(partial, senders);
                    Settle(false);
                }
            }
            swarm.Flush();
            if (verified)
                CheckCompletion(content);
        }
        finally
        {
            if (!settled)
            {
                lock (swarm.Gate)
                    Settle(false);
            }
        }
    }

    /// <summary>On the thread pool, within a disk slot: whether the piece hashes right, and (when it does) the disk's error writing it, if any.</summary>
    private async Task<(bool Verified, string? Failure)> HashAndWriteAsync(TorrentContent content, PartialPiece<SwarmPeer> partial)
    {
        var beforeWrite = swarm.Client.BeforePieceWrite;
        await swarm.Client.DiskSlots.WaitAsync().ConfigureAwait(false);
        try
        {
            bool verified = await Task.Run(() =>
            {
                if (!PieceVerifier.Verify(content.Torrent, partial.Index, partial.Data.Span))
                    return false;
                beforeWrite?.Invoke(partial.Index);
                content.Storage.WritePiece(partial.Index, partial.Data.Span); // files closed (the run stopped): ObjectDisposedException
                return true;
            }).ConfigureAwait(false);
            return (verified, null);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ObjectDisposedException)
        {
            return (false, e.Message);
        }
        finally
        {
            swarm.Client.DiskSlots.Release();
        }
    }

    private void RememberFailure(PartialPiece<SwarmPeer> partial, SwarmPeer?[] senders)
    {
        swarm.Session.CountCorrupt(partial.Size);
        var distinct = senders.OfType<SwarmPeer>().Distinct().ToList();
        foreach (var sender in distinct)
            sender.Parole = true;
        string blamed = string.Join(", ", distinct);
        swarm.Defer(log => EngineLog.PieceFailed(log, swarm.Session.Name, partial.Index, blamed));
        // One sender for the whole piece: that peer is certainly to blame.
        if (distinct.Count == 1 && ++distinct[0].HashFailures >= BanAfterFailures)
            swarm.Ban(distinct[0], "sent data that failed the hash check");
        // Keep the bad copy: when the piece later passes, the blocks that differ name the culprits.
        if (_failedPieces.Count < MaxFailedPiecesKept && !_failedPieces.ContainsKey(partial.Index))
        {
            var copy = ArrayPool<byte>.Shared.Rent(partial.Size);
            partial.Data.Span.CopyTo(copy);
            _failedPieces[partial.Index] = new FailedPiece(copy, senders);
        }
    }

    private void IdentifyBadSenders(PartialPiece<SwarmPeer> partial)
    {
        if (!_failedPieces.Remove(partial.Index, out var failed))
            return;
        var good = partial.Data.Span;
        for (int b = 0; b < partial.BlockCount; b++)
        {
            int begin = b * BlockRequest.BlockSize;
            int length = partial.BlockLength(b);
            if (failed.Senders[b] is { } sender && !good.Slice(begin, length).SequenceEqual(failed.Data.AsSpan(begin, length)))
            {
                if (!sender.IsClosed || !swarm.IsBanned(sender))
                    swarm.Ban(sender, $"sent a corrupt block of piece {partial.Index}");
            }
        }
        ArrayPool<byte>.Shared.Return(failed.Data);
    }

    /// <summary>Moves to seeding when every wanted piece is verified; saves resume data and tells the peer sources.</summary>
    public void CheckCompletion(TorrentContent content)
    {
        TorrentState? change;
        bool seeding;
        lock (swarm.Gate)
        {
            change = swarm.UpdateSeeding(content);
            seeding = swarm.Seeding;
        }
        if (change is { } state)
            swarm.Session.SetState(state);
        if (!seeding)
            return;
        if (change is TorrentState.Seeding)
        {
            swarm.SaveResume();
            swarm.Run.NudgeSources();
        }
        swarm.Session.SignalCompleted();
    }
}
