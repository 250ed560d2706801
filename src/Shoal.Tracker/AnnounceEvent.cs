namespace Shoal.Tracker;

public enum AnnounceEvent
{
    None,
    Completed,
    Started,
    Stopped,
}
