namespace Shoal;

/// <summary>Which transports peers are dialled over; with uTP in the policy, incoming connections are taken over both.</summary>
public enum TransportPolicy
{
    /// <summary>uTP first (it yields to other traffic, LEDBAT), then TCP when the peer does not answer over uTP; as libtorrent does.</summary>
    Both,
    /// <summary>Dial over uTP only (TCP connections are still accepted).</summary>
    Utp,
    /// <summary>TCP only, both ways: no uTP at all.</summary>
    Tcp,
}
