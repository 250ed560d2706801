using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Shoal.Tracker;

/// <summary>
/// Which site (office, LAN) an address belongs to, so an announce is answered with its own
/// site's peers first. A site file has lines "CIDR NAME" (the longest matching prefix wins;
/// '#' starts a comment); an address no line covers is a site of its own /24 (IPv4) or /64
/// (IPv6), which is also the rule without a file.
/// </summary>
public sealed class SiteMap
{
    private readonly List<(IPAddress Network, int Prefix, long Site, string Name)> _rules;

    private SiteMap(List<(IPAddress, int, long, string)> rules) => _rules = rules;

    public static SiteMap Default { get; } = new([]);

    public int Count => _rules.Count;

    /// <summary>Parses a site file; a bad line is an error that names it.</summary>
    public static SiteMap Parse(IEnumerable<string> lines)
    {
        var rules = new List<(IPAddress, int, long, string)>();
        var names = new Dictionary<string, long>(StringComparer.Ordinal);
        int number = 0;
        foreach (var raw in lines)
        {
            number++;
            string line = raw.Split('#')[0].Trim();
            if (line.Length == 0)
                continue;
            var parts = line.Split((char[])[' ', '\t'], 2, StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length != 2 || !TryParseCidr(parts[0], out var network, out int prefix))
                throw new FormatException($"site file line {number}: expected 'CIDR NAME', got '{raw.Trim()}'");
            string name = parts[1].Trim();
            if (!names.TryGetValue(name, out long site))
                names[name] = site = names.Count + 1;
            rules.Add((network, prefix, site, name));
        }
        rules.Sort((a, b) => b.Item2.CompareTo(a.Item2)); // longest prefix first
        return new SiteMap(rules);
    }

    public static SiteMap Load(string path) => Parse(File.ReadLines(path));

    /// <summary>A number naming the site of <paramref name="address"/>: named sites are small positive numbers.</summary>
    public long SiteOf(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        foreach (var (network, prefix, site, _) in _rules)
        {
            if (Contains(network, prefix, address))
                return site;
        }
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out int length);
        // Default sites: the /24 or /64, tagged so they never equal a named site.
        return length == 4
            ? (1L << 62) | ((long)BinaryPrimitives.ReadUInt32BigEndian(bytes) >> 8)
            : (2L << 62) ^ (BinaryPrimitives.ReadInt64BigEndian(bytes) & long.MaxValue);
    }

    private static bool Contains(IPAddress network, int prefix, IPAddress address)
    {
        if (network.AddressFamily != address.AddressFamily)
            return false;
        var a = network.GetAddressBytes();
        var b = address.GetAddressBytes();
        int full = prefix / 8, rest = prefix % 8;
        if (!a.AsSpan(0, full).SequenceEqual(b.AsSpan(0, full)))
            return false;
        if (rest == 0)
            return true;
        int mask = 0xFF << (8 - rest) & 0xFF;
        return (a[full] & mask) == (b[full] & mask);
    }

    private static bool TryParseCidr(string text, out IPAddress network, out int prefix)
    {
        network = IPAddress.None;
        prefix = 0;
        int slash = text.IndexOf('/');
        if (slash < 0 || !IPAddress.TryParse(text[..slash], out var address)
            || !int.TryParse(text[(slash + 1)..], NumberStyles.None, CultureInfo.InvariantCulture, out prefix))
            return false;
        int max = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > max)
            return false;
        network = address;
        return true;
    }
}
