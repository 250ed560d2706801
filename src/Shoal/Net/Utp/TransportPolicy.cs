namespace Shoal;

/// <summary>Which transports peers are dialled over; with uTP in the policy, incoming connections are taken over both.</summary>
public enum TransportPolicy
{
    /// <summary>
    /// uTP first (it yields to other traffic, LEDBAT), then TCP when the peer does not answer over
    /// uTP, as libtorrent does; but a peer of our own site (<see cref="ShoalClientOptions.Sites"/>:
    /// the site map, or our /24 without one) over TCP first. A LAN is not the bottleneck LEDBAT
    /// yields on, and uTP, a datagram per 1,400 bytes handled in user space, costs several times the
    /// CPU per byte of the kernel's TCP, which sends and receives in large offloaded segments.
    /// </summary>
    Both,
    /// <summary>Dial over uTP only (TCP connections are still accepted).</summary>
    Utp,
    /// <summary>TCP only, both ways: no uTP at all.</summary>
    Tcp,
}
