using Shoal.Extensions;
using Shoal.Metainfo;

namespace Shoal.Tests.Wire;

public class MetadataMessageTests
{
    [Fact]
    public void Request_data_and_reject_round_trip_with_the_block_after_the_dictionary()
    {
        Assert.Equal("d8:msg_typei0e5:piecei3ee", System.Text.Encoding.ASCII.GetString(MetadataMessage.Request(3).Encode()));
        var data = new MetadataMessage(MetadataMessageType.Data, 1, 20_000, new byte[] { 1, 2, 3 }).Encode();
        var parsed = MetadataMessage.Parse(data);
        Assert.Equal((MetadataMessageType.Data, 1, 20_000L), (parsed.Type, parsed.Piece, parsed.TotalSize));
        Assert.Equal(new byte[] { 1, 2, 3 }, parsed.Data.ToArray());
        Assert.Equal(MetadataMessageType.Reject, MetadataMessage.Parse(MetadataMessage.Reject(2).Encode()).Type);
    }

    [Theory]
    [InlineData("d8:msg_typei7e5:piecei0ee")]
    [InlineData("d8:msg_typei0e5:piecei-1ee")]
    [InlineData("d8:msg_typei1e5:piecei0eexx")]              // data without total_size
    [InlineData("d8:msg_typei0e5:piecei0eetrailing")]        // a request with bytes after it
    [InlineData("li1ee")]
    public void Malformed_messages_are_refused(string text) =>
        Assert.Throws<FormatException>(() => MetadataMessage.Parse(System.Text.Encoding.ASCII.GetBytes(text)));

    [Fact]
    public void An_assembly_takes_blocks_of_the_right_length_and_checks_the_whole_against_the_info_hash()
    {
        var info = new byte[40_000];
        new Random(3).NextBytes(info);
        var hashes = new InfoHashes(new InfoHash(System.Security.Cryptography.SHA1.HashData(info)), null);
        var assembly = new MetadataAssembly<string>(info.Length, 1 << 20);
        Assert.Equal(3, assembly.BlockCount);
        Assert.Throws<FormatException>(() => assembly.Add(2, info.AsSpan(0, 100), "a"));
        Assert.Throws<FormatException>(() => assembly.Add(3, info.AsSpan(0, 100), "a"));
        assembly.Add(0, info.AsSpan(0, 16384), "a");
        assembly.Add(1, info.AsSpan(16384, 16384), "b");
        Assert.False(assembly.IsComplete);
        assembly.Add(2, info.AsSpan(32768), "b");
        Assert.True(assembly.IsComplete);
        Assert.True(MetadataAssembly<string>.Matches(assembly.Assemble(), hashes));
        Assert.Equal(["a", "b"], assembly.Senders.Order());
        info[5] ^= 1;
        Assert.False(MetadataAssembly<string>.Matches(info, hashes));
        Assert.Throws<ArgumentOutOfRangeException>(() => new MetadataAssembly<string>(2L << 30, 32 << 20));
    }
}
