using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Shoal.Channels;
using Shoal.Storage;

namespace Shoal.Daemon;

/// <summary>
/// Follows the channels of settings.json: every poll interval it looks each one up (the DHT and
/// its feed; only a version signed with the channel's key counts), adds a newer version's torrent
/// into the channel's folder (a subfolder per sequence number), and once the newest version is
/// complete points the folder's "current" link at it and removes the versions older than the
/// kept ones, with their data unless another torrent uses it. A version that fails (bad
/// metadata, a refused path) is reported on the channel and the older ones keep seeding.
/// </summary>
public sealed partial class ChannelFollower(DaemonSettings settings, TorrentBook book, DaemonQueue queue, ShoalClient client, string stateDirectory,
    TimeProvider time, ILogger logger) : IDisposable
{
    private readonly List<FollowedChannel> _channels = [];
    private readonly Lock _gate = new();
    private readonly SemaphoreSlim _wake = new(0, 1);
    private readonly HttpClient _http = new(new SocketsHttpHandler { MaxAutomaticRedirections = 5, PooledConnectionLifetime = TimeSpan.FromMinutes(1) });
    private int _nextId = 1;

    private string StatePath => Path.Combine(stateDirectory, "channels.json");

    public IReadOnlyList<FollowedChannel> All
    {
        get
        {
            lock (_gate)
                return [.. _channels];
        }
    }

    /// <summary>Reads the followed channels from the settings and what was seen of them from channels.json; a bad entry is logged and left out.</summary>
    public void Load()
    {
        var saved = new Dictionary<string, JsonObject>();
        if (File.Exists(StatePath))
        {
            try
            {
                foreach (var entry in (JsonNode.Parse(File.ReadAllText(StatePath)) as JsonArray ?? []).OfType<JsonObject>())
                {
                    if ((string?)entry["link"] is { } link)
                        saved[link] = entry;
                }
            }
            catch (JsonException e)
            {
                DaemonLog.ChannelStateUnreadable(logger, StatePath, e.Message);
            }
        }
        foreach (var setting in settings.Channels)
        {
            try
            {
                var channel = Create(setting);
                if (saved.TryGetValue(channel.Link.ToString(), out var state))
                    channel.LoadState(state);
                if (new FileInfo(Path.Combine(channel.Folder, "current")).LinkTarget is { } current && long.TryParse(current, CultureInfo.InvariantCulture, out long sequence))
                    channel.Current = sequence;
                lock (_gate)
                    _channels.Add(channel);
            }
            catch (FormatException e)
            {
                DaemonLog.ChannelRefused(logger, setting.Link, e.Message);
            }
        }
    }

    private FollowedChannel Create(ChannelSetting setting)
    {
        var link = ChannelLink.Parse(setting.Link);
        Uri? feed = null;
        if (setting.Feed is { } text && (!Uri.TryCreate(text, UriKind.Absolute, out feed) || (feed.Scheme != Uri.UriSchemeHttp && feed.Scheme != Uri.UriSchemeHttps)))
            throw new FormatException($"the feed '{text}' is not an http(s) URL");
        string folder = Path.GetFullPath(setting.DownloadDir ?? Path.Combine(settings.DownloadDir, "channels", Convert.ToHexStringLower(link.Target.Span)[..12]));
        lock (_gate)
            return new FollowedChannel(_nextId++, setting, link, feed, folder);
    }

    /// <summary>Follows a channel from now on (saved in settings.json) and looks it up at once; the channel already followed when it is.</summary>
    public FollowedChannel Follow(ChannelSetting setting)
    {
        string link = ChannelLink.Parse(setting.Link).ToString();
        FollowedChannel channel;
        lock (_gate)
        {
            if (_channels.FirstOrDefault(c => c.Link.ToString() == link) is { } existing)
                return existing;
        }
        channel = Create(setting with { Link = link });
        lock (_gate)
            _channels.Add(channel);
        SaveSettings();
        Wake();
        return channel;
    }

    /// <summary>Stops following a channel; with <paramref name="deleteData"/> its versions are removed with their data.</summary>
    public async Task UnfollowAsync(FollowedChannel channel, bool deleteData)
    {
        lock (_gate)
            _channels.Remove(channel);
        SaveSettings();
        SaveState();
        if (!deleteData)
            return;
        foreach (var version in channel.Versions.ToList())
            await RemoveVersionAsync(version).ConfigureAwait(false);
    }

    /// <summary>Looks every channel up now rather than at the next interval.</summary>
    public void Wake()
    {
        if (_wake.CurrentCount == 0)
        {
            try
            {
                _wake.Release();
            }
            catch (SemaphoreFullException)
            {
            }
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                foreach (var channel in All)
                {
                    try
                    {
                        await PollAsync(channel, cancellationToken).ConfigureAwait(false);
                    }
                    catch (Exception e) when (e is not OperationCanceledException)
                    {
                        // The channel shows what broke and the others go on; the next interval tries again.
                        channel.Error = e is IOException or UnauthorizedAccessException ? e.Message : $"internal error ({e.GetType().Name}): {e.Message}";
                        DaemonLog.ChannelPollFailed(logger, channel.Link.ToString(), e);
                    }
                }
                SaveState();
                using var interval = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var tick = Task.Delay(TimeSpan.FromSeconds(settings.ChannelPollInterval), time, interval.Token);
                await Task.WhenAny(tick, _wake.WaitAsync(interval.Token)).ConfigureAwait(false);
                await interval.CancelAsync().ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>One look-up of <paramref name="channel"/>, and what follows from it.</summary>
    public async Task PollAsync(FollowedChannel channel, CancellationToken cancellationToken)
    {
        var found = await ChannelResolver.ResolveAsync(channel.Link, client.Dht, _http, channel.Feed, cancellationToken).ConfigureAwait(false);
        channel.LastCheck = time.GetUtcNow().ToUnixTimeSeconds();
        var problems = found.Problems.ToList();
        if (found.Version is { } version && version.Sequence > channel.Sequence)
        {
            string hash = version.InfoHash.ToHex();
            channel.Sequence = version.Sequence;
            if (channel.Newest?.Hash != hash)
                await AddVersionAsync(channel, version, hash).ConfigureAwait(false);
        }
        else if (found.Version is { } older && older.Sequence < channel.Sequence)
        {
            problems.Add($"the newest version found is {older.Sequence}, older than {channel.Sequence}: kept {channel.Sequence}");
        }
        if (channel.Newest is { } newest && book.All.FirstOrDefault(t => t.HashString == newest.Hash) is { } torrent)
        {
            if (torrent.Session.GetStatus().Error is { } error)
                problems.Add($"version {newest.Sequence}: {error}");
            else if (torrent.Done || torrent.Session.State == TorrentState.Seeding)
                await SettleAsync(channel, newest).ConfigureAwait(false);
        }
        channel.Error = string.Join("; ", problems);
    }

    private async Task AddVersionAsync(FollowedChannel channel, ChannelVersion version, string hash)
    {
        string folder = Path.Combine(channel.Folder, version.Sequence.ToString(CultureInfo.InvariantCulture));
        Directory.CreateDirectory(folder);
        await queue.ChangeAsync(async () =>
        {
            var (added, _) = await book.AddAsync(null, channel.Link.MagnetFor(version), folder, paused: false).ConfigureAwait(false);
            // Complete: settle at once ("current" moves, old versions go) rather than at the next poll.
            added.Session.StateChanged += (_, state) =>
            {
                if (state == TorrentState.Seeding)
                    Wake();
            };
            await queue.UpdateHeldAsync().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
        channel.Versions.Add(new ChannelVersionRecord(version.Sequence, hash, time.GetUtcNow().ToUnixTimeSeconds()));
        channel.ChangedDate = time.GetUtcNow().ToUnixTimeSeconds();
        DaemonLog.ChannelVersionAdded(logger, channel.Link.ToString(), version.Sequence, hash);
        SaveState();
    }

    /// <summary>The newest version is complete: "current" points at it, and versions beyond the kept ones go.</summary>
    private async Task SettleAsync(FollowedChannel channel, ChannelVersionRecord newest)
    {
        PointCurrent(channel.Folder, newest.Sequence.ToString(CultureInfo.InvariantCulture));
        channel.Current = newest.Sequence;
        int keep = settings.ChannelKeepVersions + 1;
        while (channel.Versions.Count > keep)
        {
            var oldest = channel.Versions[0];
            channel.Versions.RemoveAt(0);
            await RemoveVersionAsync(oldest).ConfigureAwait(false);
            DaemonLog.ChannelVersionRemoved(logger, channel.Link.ToString(), oldest.Sequence);
        }
        SaveState();
    }

    private static void PointCurrent(string folder, string target)
    {
        string link = Path.Combine(folder, "current");
        if (new FileInfo(link).LinkTarget == target)
            return;
        string temp = link + ".new";
        File.Delete(temp);
        File.CreateSymbolicLink(temp, target);
        // rename(2) of the link itself (File.Move follows it to the folder): readers see the old or the new link, never none.
        if (Rename(temp, link) != 0)
            throw new IOException($"cannot point {link} at {target} (errno {Marshal.GetLastPInvokeError()})");
    }

    [LibraryImport("libc", EntryPoint = "rename", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Rename(string from, string to);

    private async Task RemoveVersionAsync(ChannelVersionRecord version)
    {
        if (book.All.FirstOrDefault(t => t.HashString == version.Hash) is not { } torrent)
            return; // removed by hand already
        await queue.ChangeAsync(async () =>
        {
            await book.RemoveAsync(torrent, deleteData: !book.SharesData(torrent)).ConfigureAwait(false);
            await queue.UpdateHeldAsync().ConfigureAwait(false);
            return true;
        }).ConfigureAwait(false);
    }

    private void SaveSettings()
    {
        settings.Channels = [.. All.Select(c => c.Setting)];
        settings.Save();
    }

    private void SaveState()
    {
        var entries = new JsonArray([.. All.Select(c => (JsonNode)c.SaveState())]);
        AtomicFile.Write(StatePath, System.Text.Encoding.UTF8.GetBytes(entries.ToJsonString()));
    }

    public void Dispose()
    {
        _wake.Dispose();
        _http.Dispose();
    }
}
