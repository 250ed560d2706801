using System.Net;

namespace Shoal.Dht;

/// <summary>A node in the routing table, with what decides its liveness (BEP 5: good, questionable, bad).</summary>
internal sealed class RoutingNode(NodeId id, IPEndPoint endPoint)
{
    public NodeId Id { get; } = id;
    public IPEndPoint EndPoint { get; set; } = endPoint;
    /// <summary>When it last answered one of our queries (0: never).</summary>
    public long LastResponse { get; set; }
    /// <summary>When it last queried us.</summary>
    public long LastQuery { get; set; }
    /// <summary>Our queries it failed to answer in a row.</summary>
    public int Failures { get; set; }

    public DhtNode ToDhtNode() => new(Id, EndPoint);
}
