namespace Shoal.Daemon;

/// <summary>
/// The weekly alternative-speed schedule (Transmission's alt-speed-time-*): on each chosen day
/// (bit 1 Sunday ... bit 64 Saturday; 62 weekdays, 65 weekends) from <c>begin</c> to <c>end</c>
/// minutes after local midnight. An end at or before the begin runs past midnight into the next day.
/// </summary>
public static class TurtleSchedule
{
    private const int Day = 24 * 60;
    private const int Week = 7 * Day;

    public static bool InWindow(DateTime local, int begin, int end, int days)
    {
        begin = Math.Clamp(begin, 0, Day - 1);
        end = Math.Clamp(end, 0, Day);
        int length = end > begin ? end - begin : end - begin + Day;
        int now = ((int)local.DayOfWeek * Day) + (local.Hour * 60) + local.Minute;
        for (int day = 0; day < 7; day++)
        {
            if ((days & (1 << day)) == 0)
                continue;
            int start = (day * Day) + begin;
            int since = ((now - start) % Week + Week) % Week;
            if (since < length)
                return true;
        }
        return false;
    }
}
