using System.Text;
using Shoal.Metainfo;

namespace Shoal.Discovery;

/// <summary>
/// A BEP 14 local service discovery announce: "BT-SEARCH * HTTP/1.1" with Host, Port, one or more
/// Infohash headers and an optional cookie. Pure and bounded: a datagram over
/// <see cref="MaxLength"/> bytes, another first line, a port outside 1-65535 or a hash that is not
/// 40 hex digits is refused with <see cref="FormatException"/>; unknown headers are ignored and
/// at most <see cref="MaxHashes"/> info-hashes are read.
/// </summary>
internal sealed record LsdMessage(int Port, IReadOnlyList<InfoHash> InfoHashes, string? Cookie)
{
    public const int MaxLength = 2048;
    public const int MaxHashes = 32;
    /// <summary>What one announce carries at most: BEP 14 keeps a datagram under 1,400 bytes.</summary>
    public const int HashesPerAnnounce = 20;
    private const string FirstLine = "BT-SEARCH * HTTP/1.1";

    public byte[] Encode(string host)
    {
        var text = new StringBuilder().Append(FirstLine).Append("\r\n")
            .Append("Host: ").Append(host).Append("\r\n")
            .Append("Port: ").Append(Port).Append("\r\n");
        foreach (var hash in InfoHashes)
            text.Append("Infohash: ").Append(hash.ToHex()).Append("\r\n");
        if (Cookie is not null)
            text.Append("cookie: ").Append(Cookie).Append("\r\n");
        return Encoding.ASCII.GetBytes(text.Append("\r\n\r\n").ToString());
    }

    public static LsdMessage Parse(ReadOnlySpan<byte> datagram)
    {
        if (datagram.Length > MaxLength)
            throw new FormatException($"an LSD announce of {datagram.Length} bytes is over {MaxLength}");
        foreach (byte b in datagram)
        {
            if (b > 126 || (b < 32 && b is not (byte)'\r' and not (byte)'\n' and not (byte)'\t'))
                throw new FormatException("an LSD announce is plain ASCII text");
        }
        var lines = Encoding.ASCII.GetString(datagram).Split('\n');
        if (lines[0].TrimEnd('\r') != FirstLine)
            throw new FormatException("not a BT-SEARCH announce");
        int? port = null;
        string? cookie = null;
        var hashes = new List<InfoHash>();
        foreach (string raw in lines.Skip(1))
        {
            string line = raw.TrimEnd('\r');
            int colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0)
                continue;
            string name = line[..colon].Trim();
            string value = line[(colon + 1)..].Trim();
            if (name.Equals("Port", StringComparison.OrdinalIgnoreCase))
            {
                port = int.TryParse(value, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int p) && p is > 0 and <= 65535
                    ? p : throw new FormatException($"an LSD port of '{value}'");
            }
            else if (name.Equals("Infohash", StringComparison.OrdinalIgnoreCase) && hashes.Count < MaxHashes)
            {
                if (value.Length != 40 || !value.All(Uri.IsHexDigit))
                    throw new FormatException("an LSD info-hash that is not 40 hex digits");
                hashes.Add(new InfoHash(Convert.FromHexString(value)));
            }
            else if (name.Equals("cookie", StringComparison.OrdinalIgnoreCase))
            {
                cookie = value.Length <= 64 ? value : value[..64];
            }
        }
        if (port is null || hashes.Count == 0)
            throw new FormatException("an LSD announce without a port or an info-hash");
        return new LsdMessage(port.Value, hashes, cookie);
    }
}
