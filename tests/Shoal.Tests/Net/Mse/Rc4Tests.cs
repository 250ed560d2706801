using Shoal.Net.Mse;

namespace Shoal.Tests.Net.Mse;

public class Rc4Tests
{
    [Theory]
    [InlineData("Key", "Plaintext", "BBF316E8D940AF0AD3")]
    [InlineData("Wiki", "pedia", "1021BF0420")]
    [InlineData("Secret", "Attack at dawn", "45A01F645FC35B383552544B9BF5")]
    public void Without_a_discard_it_matches_the_published_rc4_vectors(string key, string plaintext, string cipherHex)
    {
        byte[] data = System.Text.Encoding.ASCII.GetBytes(plaintext);
        new Rc4(System.Text.Encoding.ASCII.GetBytes(key), discard: 0).Apply(data);
        Assert.Equal(cipherHex, Convert.ToHexString(data));
    }

    [Fact]
    public void The_mse_cipher_starts_1024_bytes_into_the_key_stream()
    {
        byte[] key = TestData.Random(20, seed: 5);
        var full = new byte[1024 + 300];
        new Rc4(key, discard: 0).Apply(full);
        var mse = new byte[300];
        new Rc4(key).Apply(mse);
        Assert.Equal(full[1024..], mse);
    }

    [Fact]
    public void Applying_in_pieces_continues_the_stream_and_a_second_cipher_with_the_key_decrypts()
    {
        byte[] key = TestData.Random(20, seed: 6);
        byte[] plain = TestData.Random(5000, seed: 7);
        byte[] data = (byte[])plain.Clone();
        var encrypt = new Rc4(key);
        encrypt.Apply(data.AsSpan(0, 1));
        encrypt.Apply(data.AsSpan(1, 2999));
        encrypt.Apply(data.AsSpan(3000));
        Assert.NotEqual(plain, data);
        new Rc4(key).Apply(data);
        Assert.Equal(plain, data);
    }
}
