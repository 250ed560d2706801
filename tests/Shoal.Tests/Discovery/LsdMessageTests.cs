using System.Text;
using Shoal.Discovery;
using Shoal.Metainfo;

namespace Shoal.Tests.Discovery;

public class LsdMessageTests
{
    private static readonly InfoHash Hash = new(Convert.FromHexString("0123456789abcdef0123456789abcdef01234567"));

    [Fact]
    public void An_announce_is_written_as_bep_14_shows_and_read_back()
    {
        var bytes = new LsdMessage(6881, [Hash], "beef").Encode("239.192.152.143:6771");
        Assert.Equal("BT-SEARCH * HTTP/1.1\r\nHost: 239.192.152.143:6771\r\nPort: 6881\r\n"
            + "Infohash: 0123456789abcdef0123456789abcdef01234567\r\ncookie: beef\r\n\r\n\r\n", Encoding.ASCII.GetString(bytes));
        var parsed = LsdMessage.Parse(bytes);
        Assert.Equal(6881, parsed.Port);
        Assert.Equal([Hash], parsed.InfoHashes);
        Assert.Equal("beef", parsed.Cookie);
    }

    [Fact]
    public void Several_hashes_unknown_headers_and_any_case_are_understood()
    {
        string text = "BT-SEARCH * HTTP/1.1\r\nhost: [ff15::efc0:988f]:6771\r\nX-Other: 1\r\nport: 51413\r\n"
            + "infohash: 0123456789ABCDEF0123456789ABCDEF01234567\r\nInfohash: " + new string('f', 40) + "\r\n\r\n";
        var parsed = LsdMessage.Parse(Encoding.ASCII.GetBytes(text));
        Assert.Equal(51413, parsed.Port);
        Assert.Equal(2, parsed.InfoHashes.Count);
        Assert.Null(parsed.Cookie);
    }

    [Theory]
    [InlineData("GET / HTTP/1.1\r\nPort: 1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 0\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 70000\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: -5\r\nInfohash: 0123456789abcdef0123456789abcdef01234567\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: 0123456789abcdef\r\n\r\n")]
    [InlineData("BT-SEARCH * HTTP/1.1\r\nPort: 6881\r\nInfohash: zz23456789abcdef0123456789abcdef01234567\r\n\r\n")]
    public void Malformed_announces_are_refused(string text) =>
        Assert.Throws<FormatException>(() => LsdMessage.Parse(Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void Oversized_or_binary_announces_are_refused_and_long_lists_cut()
    {
        Assert.Throws<FormatException>(() => LsdMessage.Parse(new byte[LsdMessage.MaxLength + 1]));
        Assert.Throws<FormatException>(() => LsdMessage.Parse([.. "BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n"u8, 0, 0xff]));
        var many = new StringBuilder("BT-SEARCH * HTTP/1.1\r\nPort: 1\r\n");
        for (int i = 0; i < 36; i++) // 36 lines of 52 bytes: under the size bound, over the count bound
            many.Append("Infohash: ").Append(new string('a', 40)).Append("\r\n");
        Assert.Equal(LsdMessage.MaxHashes, LsdMessage.Parse(Encoding.ASCII.GetBytes(many.ToString())).InfoHashes.Count);
    }
}
