using Microsoft.Extensions.Logging;
using Shoal.Metainfo;

namespace Shoal.Daemon;

/// <summary>
/// The watch folder (Transmission's watch-dir): every couple of seconds, each *.torrent in it is
/// added and then renamed *.torrent.added; one that is not a valid torrent is renamed
/// *.torrent.invalid (so it is not tried again) and logged.
/// </summary>
internal sealed class WatchFolder(string folder, TorrentBook book, DaemonQueue queue, DaemonSettings settings, ILogger logger, TimeProvider time)
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(2);

    public async Task RunAsync(CancellationToken token)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            do
                await ScanAsync().ConfigureAwait(false);
            while (await timer.WaitForNextTickAsync(token).ConfigureAwait(false));
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    private async Task ScanAsync()
    {
        if (!Directory.Exists(folder))
            return;
        foreach (string path in Directory.EnumerateFiles(folder, "*.torrent"))
        {
            try
            {
                var info = new FileInfo(path);
                if (info.Length > RpcMethods.MaxMetainfo)
                    throw new TorrentFormatException("file", $"over {RpcMethods.MaxMetainfo} bytes");
                var metainfo = await File.ReadAllBytesAsync(path).ConfigureAwait(false);
                Directory.CreateDirectory(settings.DownloadDir);
                await queue.ChangeAsync(() => book.AddAsync(metainfo, null, settings.DownloadDir, paused: !settings.StartAddedTorrents)).ConfigureAwait(false);
                File.Move(path, path + ".added", overwrite: true);
            }
            catch (Exception e) when (e is TorrentFormatException or FormatException or Bencode.BencodeException)
            {
                DaemonLog.WatchedFileInvalid(logger, path, e.Message);
                File.Move(path, path + ".invalid", overwrite: true);
            }
            catch (IOException e)
            {
                DaemonLog.WatchedFileUnreadable(logger, path, e.Message); // still being written, or gone: the next scan tries again
            }
        }
    }
}
