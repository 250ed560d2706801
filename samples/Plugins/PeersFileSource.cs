using System.Net;
using Shoal;
using Shoal.Discovery;

namespace Plugins;

/// <summary>
/// A peer source of our own: a text file of HOST:PORT lines (an inventory of the machines that
/// hold an update, written by a deployment tool), read when the torrent starts and again whenever
/// the file changes or the engine nudges the source. Lines that are not addresses are skipped;
/// the file is read up to 64 KiB.
/// </summary>
public sealed class PeersFileSource(IPeerSourceHost host, string path) : IPeerSource
{
    private const int MaxBytes = 64 * 1024;
    private TaskCompletionSource _wake = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>The registration: one per torrent, except private ones (their peers come from their trackers only).</summary>
    public static PeerSourceFactory For(string path) => (host, _, _) => host.IsPrivate ? null : new PeersFileSource(host, path);

    public string Name => "peers-file";

    public void Nudge() => Volatile.Read(ref _wake).TrySetResult();

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        DateTime seen = default;
        while (!cancellationToken.IsCancellationRequested)
        {
            var wake = Volatile.Read(ref _wake);
            var written = File.Exists(path) ? File.GetLastWriteTimeUtc(path) : default;
            if (written != seen)
            {
                seen = written;
                var peers = Read();
                host.AddPeers(peers, PeerOrigin.User);
                host.ReportSourceError(Name, peers.Count == 0 ? $"no address in {path}" : null);
            }
            // Look again in a second, or at once when nudged.
            await Task.WhenAny(wake.Task, Task.Delay(TimeSpan.FromSeconds(1), cancellationToken)).ConfigureAwait(false);
            if (wake.Task.IsCompleted)
            {
                Interlocked.CompareExchange(ref _wake, new(TaskCreationOptions.RunContinuationsAsynchronously), wake);
                seen = default;
            }
        }
    }

    private List<IPEndPoint> Read()
    {
        try
        {
            using var file = File.OpenRead(path);
            var buffer = new byte[Math.Min(file.Length, MaxBytes)];
            file.ReadExactly(buffer);
            return [.. System.Text.Encoding.UTF8.GetString(buffer).Split('\n')
                .Select(line => IPEndPoint.TryParse(line.Trim(), out var peer) && peer.Port != 0 ? peer : null).OfType<IPEndPoint>()];
        }
        catch (IOException)
        {
            return []; // written meanwhile: the next look reads it
        }
    }
}
