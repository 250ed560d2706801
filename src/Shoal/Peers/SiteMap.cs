using System.Buffers.Binary;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Shoal;

/// <summary>
/// Which site (office, LAN) an address belongs to, so an announce is answered with its own
/// site's peers first. A site file has lines "CIDR NAME" (the longest matching prefix wins;
/// '#' starts a comment); an address no line covers is a site of its own /24 (IPv4) or /64
/// (IPv6), which is also the rule without a file. The tracker orders its answers by it; the
/// client prefers peers of its own site with it (<see cref="ShoalClientOptions.Sites"/>).
/// </summary>
public sealed class SiteMap
{
    private readonly List<(UInt128 Network, UInt128 Mask, long Site, string Name)> _rules;

    private SiteMap(List<(UInt128, UInt128, long, string)> rules) => _rules = rules;

    /// <summary>No named sites: every /24 (IPv4) or /64 (IPv6) is a site of its own.</summary>
    public static SiteMap Default { get; } = new([]);

    /// <summary>How many CIDR lines the map has.</summary>
    public int Count => _rules.Count;

    /// <summary>Parses a site file; a bad line is an error that names it.</summary>
    public static SiteMap Parse(IEnumerable<string> lines)
    {
        var rules = new List<(UInt128 Network, UInt128 Mask, long Site, string Name)>();
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
            // IPv4 rules match the mapped form (::ffff:a.b.c.d), so their prefix grows by 96.
            if (network.AddressFamily == AddressFamily.InterNetwork)
                prefix += 96;
            var mask = prefix == 0 ? UInt128.Zero : UInt128.MaxValue << (128 - prefix);
            rules.Add((ToUInt128(network) & mask, mask, site, name));
        }
        rules.Sort((a, b) => UInt128.PopCount(b.Mask).CompareTo(UInt128.PopCount(a.Mask))); // longest prefix first
        return new SiteMap(rules);
    }

    /// <summary>Reads and parses a site file.</summary>
    public static SiteMap Load(string path) => Parse(File.ReadLines(path));

    /// <summary>A number naming the site of <paramref name="address"/>: named sites are small positive numbers.</summary>
    public long SiteOf(IPAddress address) => SiteOf(ToUInt128(address));

    /// <summary>The site of an address as 128 bits, IPv4 in its mapped form (::ffff:a.b.c.d); allocates nothing.</summary>
    public long SiteOf(UInt128 address)
    {
        foreach (var (network, mask, site, _) in _rules)
        {
            if ((address & mask) == network)
                return site;
        }
        // Default sites: the /24 or /64, tagged so they never equal a named site.
        return address >> 32 == MappedPrefix
            ? (1L << 62) | (long)((uint)address >> 8)
            : (2L << 62) ^ ((long)(ulong)(address >> 64) & long.MaxValue);
    }

    private const ulong MappedPrefix = 0xFFFF;

    /// <summary>
    /// A site's name: the name a rule gives it, or for a default site its network
    /// (<c>10.1.2.0/24</c>, <c>2001:db8:1:2::/64</c>).
    /// </summary>
    public string NameOf(long site)
    {
        foreach (var rule in _rules)
        {
            if (rule.Site == site)
                return rule.Name;
        }
        if ((ulong)site >> 62 == 1)
        {
            uint network = (uint)(site & 0xFF_FFFF) << 8;
            return $"{new IPAddress([(byte)(network >> 24), (byte)(network >> 16), (byte)(network >> 8), 0])}/24";
        }
        var bytes = new byte[16];
        System.Buffers.Binary.BinaryPrimitives.WriteUInt64BigEndian(bytes, (ulong)(site & long.MaxValue)); // the prefix's top bit is not kept (0 in 2000::/3)
        return $"{new IPAddress(bytes)}/64";
    }

    /// <summary>An address as 128 bits, IPv4 mapped into IPv6 (::ffff:a.b.c.d).</summary>
    public static UInt128 ToUInt128(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        if (address.AddressFamily == AddressFamily.InterNetwork)
        {
            address.TryWriteBytes(bytes[12..], out _);
            return ((UInt128)MappedPrefix << 32) | BinaryPrimitives.ReadUInt32BigEndian(bytes[12..]);
        }
        if (address.IsIPv4MappedToIPv6)
            return ToUInt128(address.MapToIPv4());
        address.TryWriteBytes(bytes, out _);
        return BinaryPrimitives.ReadUInt128BigEndian(bytes);
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
