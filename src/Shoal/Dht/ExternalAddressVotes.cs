using System.Net;

namespace Shoal.Dht;

/// <summary>
/// Learns our public address from what the nodes we ask see (the BEP 42 'ip' of their answers):
/// an address counts once <see cref="Quorum"/> different nodes have named it. Local addresses
/// are not votes. Bounded: a few candidate addresses, a few voters each; the oldest candidate
/// gives way to a new one.
/// </summary>
internal sealed class ExternalAddressVotes
{
    public const int Quorum = 5;
    public const int MaxCandidates = 16;
    private readonly List<(IPAddress Address, HashSet<IPAddress> Voters)> _candidates = [];

    /// <summary>The address agreed on, once there is one.</summary>
    public IPAddress? Agreed { get; private set; }

    /// <summary>
    /// <paramref name="voter"/> says it sees us at <paramref name="seen"/>; true when this vote makes
    /// an address agreed that was not before (the new <see cref="Agreed"/>).
    /// </summary>
    public bool Vote(IPAddress voter, IPAddress seen)
    {
        if (seen.IsIPv4MappedToIPv6)
            seen = seen.MapToIPv4();
        if (NodeIdSecurity.IsExempt(seen) || seen.Equals(Agreed))
            return false;
        int at = _candidates.FindIndex(c => c.Address.Equals(seen));
        if (at < 0)
        {
            if (_candidates.Count >= MaxCandidates)
                _candidates.RemoveAt(0);
            _candidates.Add((seen, []));
            at = _candidates.Count - 1;
        }
        var voters = _candidates[at].Voters;
        if (voters.Count < Quorum)
            voters.Add(voter);
        if (voters.Count < Quorum)
            return false;
        Agreed = seen;
        _candidates.Clear();
        return true;
    }
}
