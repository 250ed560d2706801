namespace Shoal.Daemon;

/// <summary>How many torrents may download and seed at once (null: no limit), and after how long without traffic a torrent stops holding its slot.</summary>
public sealed record QueueLimits(int? Downloads, int? Seeds, TimeSpan? StalledAfter);

/// <summary>One torrent as the queue sees it, in queue order.</summary>
/// <param name="Wanted">Not stopped by the user, a seed limit or an error.</param>
/// <param name="StartNow">Started with torrent-start-now: runs whatever the queue says.</param>
/// <param name="Done">Every wanted piece is there: it seeds rather than downloads.</param>
/// <param name="Running">Running now.</param>
/// <param name="Stalled">Running, but no data moved for a while: it does not hold a slot.</param>
public sealed record QueueEntry(int Id, bool Wanted, bool StartNow, bool Done, bool Running, bool Stalled);

/// <summary>
/// Which torrents run, Transmission's way: a running torrent is never pushed out (moving another
/// to the top, or making the queue smaller, takes effect as torrents finish or stall); free
/// slots go to the waiting torrents in queue order; stalled and start-now torrents hold none.
/// </summary>
public static class QueuePlanner
{
    public static HashSet<int> Runnable(IReadOnlyList<QueueEntry> order, QueueLimits limits)
    {
        var run = new HashSet<int>();
        int downloads = 0, seeds = 0;
        foreach (var e in order.Where(e => e.Wanted && e.Running))
        {
            run.Add(e.Id);
            if (!e.StartNow && !e.Stalled)
                _ = e.Done ? seeds++ : downloads++;
        }
        foreach (var e in order.Where(e => e.Wanted && !e.Running))
        {
            if (e.StartNow)
            {
                run.Add(e.Id);
                continue;
            }
            int? size = e.Done ? limits.Seeds : limits.Downloads;
            ref int used = ref e.Done ? ref seeds : ref downloads;
            if (size is null || used < size)
            {
                run.Add(e.Id);
                used++;
            }
        }
        return run;
    }
}
