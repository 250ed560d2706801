namespace Shoal.Trackers;

internal enum TrackerEvent
{
    None = 0,
    Completed = 1,
    Started = 2,
    Stopped = 3,
}
