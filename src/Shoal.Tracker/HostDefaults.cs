using Microsoft.AspNetCore.Builder;

namespace Shoal.Tracker;

/// <summary>How the tracker builds its ASP.NET Core host.</summary>
internal static class HostDefaults
{
    /// <summary>
    /// The slim builder's defaults, but without reloading appsettings.json on change. Shoal
    /// reads no appsettings file, and watching for one watches the working directory and every
    /// directory under it: started in /tmp or a home directory, that is thousands of inotify
    /// watches and seconds of directory reads before the first announce is answered.
    /// </summary>
    public static WebApplicationOptions Options => new() { Args = ["--hostBuilder:reloadConfigOnChange=false"] };
}
