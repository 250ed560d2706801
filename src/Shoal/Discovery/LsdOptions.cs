using System.Net;

namespace Shoal.Discovery;

/// <summary>Local service discovery (BEP 14) settings.</summary>
public sealed record LsdOptions
{
    /// <summary>BEP 14's IPv4 multicast group.</summary>
    public static readonly IPAddress Group4 = IPAddress.Parse("239.192.152.143");
    /// <summary>BEP 14's IPv6 multicast group.</summary>
    public static readonly IPAddress Group6 = IPAddress.Parse("ff15::efc0:988f");
    /// <summary>BEP 14's port.</summary>
    public const int DefaultPort = 6771;

    /// <summary>The port announces go to and are heard on (BEP 14's by default).</summary>
    public int Port { get; init; } = DefaultPort;
    /// <summary>A torrent is announced again this often.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);
    /// <summary>Never sooner than this after its last announce, even when nudged (a network change).</summary>
    public TimeSpan MinInterval { get; init; } = TimeSpan.FromMinutes(1);
    /// <summary>Multicast hops: above 1, as BEP 14 suggests for its org-local group.</summary>
    public int TimeToLive { get; init; } = 8;
}
