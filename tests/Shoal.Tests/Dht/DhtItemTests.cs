using System.Security.Cryptography;
using System.Text;
using Microsoft.Extensions.Time.Testing;
using NSec.Cryptography;
using Shoal.Dht;
using Shoal.Dht.Items;

namespace Shoal.Tests.Dht;

/// <summary>BEP 44 items: the spec's test vectors, signing, and the rules a storing node keeps.</summary>
public class DhtItemTests
{
    private static readonly byte[] HelloWorld = "12:Hello World!"u8.ToArray();
    private static readonly byte[] VectorKey = Convert.FromHexString("77ff84905a91936367c01360803104f92432fcd904a43511876df5cdf3e7e548");

    [Fact]
    public void The_bep_44_vectors_give_the_targets_and_signed_buffers_and_their_signatures_verify()
    {
        // test 3 (immutable), test 1 (mutable), test 2 (mutable with salt)
        Assert.Equal("e5f96f6f38320f0f33959cb4d3d656452117aadb", Hex(DhtItem.ImmutableTarget(HelloWorld)));
        Assert.Equal("4a533d47ec9c7d95b1ad75f576cffc641853b750", Hex(DhtItem.MutableTarget(VectorKey, [])));
        Assert.Equal("411eba73b6f087ca51a3795d9c8c938d365e32c1", Hex(DhtItem.MutableTarget(VectorKey, "foobar"u8)));
        Assert.Equal("3:seqi1e1:v12:Hello World!", Encoding.ASCII.GetString(DhtItem.SignedBuffer([], 1, HelloWorld)));
        Assert.Equal("4:salt6:foobar3:seqi1e1:v12:Hello World!", Encoding.ASCII.GetString(DhtItem.SignedBuffer("foobar"u8, 1, HelloWorld)));

        var plain = DhtItem.Mutable(VectorKey, [], 1, HelloWorld, Convert.FromHexString(
            "305ac8aeb6c9c151fa120f120ea2cfb923564e11552d06a5d856091e5e853cff1260d3f39e4999684aa92eb73ffd136e6f4f3ecbfda0ce53a1608ecd7ae21f01"));
        Assert.Equal("4a533d47ec9c7d95b1ad75f576cffc641853b750", Hex(plain.Target));
        byte[] salted = Convert.FromHexString(
            "6834284b6b24c3204eb2fea824d82f88883a3d95e8b4a21b8c0ded553d17d17ddf9a8a7104b1258f30bed3787e6cb896fca78c58f8e03b5f18f14951a87d9a08");
        Assert.Equal("411eba73b6f087ca51a3795d9c8c938d365e32c1", Hex(DhtItem.Mutable(VectorKey, "foobar"u8, 1, HelloWorld, salted).Target));

        // The same signature for another sequence number, salt or value, or with a bit flipped, does not verify.
        Assert.Throws<CryptographicException>(() => DhtItem.Mutable(VectorKey, "foobar"u8, 2, HelloWorld, salted));
        Assert.Throws<CryptographicException>(() => DhtItem.Mutable(VectorKey, "foobaz"u8, 1, HelloWorld, salted));
        Assert.Throws<CryptographicException>(() => DhtItem.Mutable(VectorKey, "foobar"u8, 1, "12:Hello World?"u8, salted));
        salted[10] ^= 1;
        Assert.Throws<CryptographicException>(() => DhtItem.Mutable(VectorKey, "foobar"u8, 1, HelloWorld, salted));
    }

    [Fact]
    public void An_item_signed_with_a_key_verifies_as_received_and_lives_under_its_key_and_salt()
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519, new KeyCreationParameters { ExportPolicy = KeyExportPolicies.AllowPlaintextExport });
        var signed = DhtItem.Sign(key, "channel"u8, 7, "d2:ih20:aaaaaaaaaaaaaaaaaaaae"u8);
        var received = DhtItem.Mutable(signed.PublicKey, signed.Salt, signed.Sequence, signed.Value, signed.Signature);
        Assert.Equal(DhtItem.MutableTarget(key.PublicKey.Export(KeyBlobFormat.RawPublicKey), "channel"u8), received.Target);
        Assert.Equal(signed.Value, received.Value);
    }

    [Theory]
    [InlineData(1001, 0, 1, "a value of 1001 bytes")]
    [InlineData(10, 65, 1, "a salt of 65 bytes")]
    [InlineData(10, 0, -1, "a negative sequence number")]
    public void Values_salts_and_sequence_numbers_out_of_bounds_are_refused_with_a_reason(int valueLength, int saltLength, long sequence, string reason)
    {
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        byte[] value = BencodedString(valueLength);
        var e = Assert.Throws<FormatException>(() => DhtItem.Sign(key, new byte[saltLength], sequence, value));
        Assert.Contains(reason, e.Message);
        Assert.Contains("not one bencoded value", Assert.Throws<FormatException>(() => DhtItem.Immutable("5:abc"u8)).Message);
        Assert.Contains("not one bencoded value", Assert.Throws<FormatException>(() => DhtItem.Immutable("i1ei2e"u8)).Message);
    }

    [Fact]
    public void A_stored_mutable_item_only_moves_forward_honours_cas_and_expires_after_two_hours()
    {
        var time = new FakeTimeProvider();
        var store = new DhtItemStore(time);
        using var key = Key.Create(SignatureAlgorithm.Ed25519);
        var one = DhtItem.Sign(key, [], 1, "3:one"u8);
        Assert.Null(store.Put(one));
        Assert.Equal(one, store.Get(one.Target));

        Assert.Equal(PutRefusal.SequenceTooLow, store.Put(DhtItem.Sign(key, [], 0, "4:zero"u8))?.Code);
        Assert.Equal(PutRefusal.SequenceTooLow, store.Put(DhtItem.Sign(key, [], 1, "5:other"u8))?.Code);
        Assert.Equal(PutRefusal.CasMismatch, store.Put(DhtItem.Sign(key, [], 2, "3:two"u8), cas: 0)?.Code);
        Assert.Equal("3:one", Encoding.ASCII.GetString(store.Get(one.Target)!.Value));

        time.Advance(TimeSpan.FromMinutes(90));
        Assert.Null(store.Put(one)); // the same again: refreshed
        time.Advance(TimeSpan.FromMinutes(90));
        Assert.NotNull(store.Get(one.Target)); // three hours after the first put, 90 minutes after the refresh

        var two = DhtItem.Sign(key, [], 2, "3:two"u8);
        Assert.Null(store.Put(two, cas: 1));
        Assert.Equal(two, store.Get(one.Target));
        time.Advance(DhtItemStore.Lifetime);
        Assert.Null(store.Get(one.Target));
    }

    [Fact]
    public void A_full_store_refuses_new_targets_until_old_ones_expire_and_never_evicts_what_it_holds()
    {
        var time = new FakeTimeProvider();
        var store = new DhtItemStore(time, maxItems: 3);
        var held = Enumerable.Range(0, 3).Select(i => DhtItem.Immutable(BencodedString(8 + i))).ToList();
        foreach (var item in held)
            Assert.Null(store.Put(item));
        var flood = DhtItem.Immutable("5:flood"u8);
        Assert.Equal(PutRefusal.ServerError, store.Put(flood)?.Code);
        Assert.All(held, item => Assert.NotNull(store.Get(item.Target)));
        Assert.Null(store.Put(held[0])); // what it holds may be refreshed
        time.Advance(DhtItemStore.Lifetime);
        Assert.Null(store.Put(flood));
        Assert.Equal(1, store.Count);
    }

    private static string Hex(NodeId id) => Convert.ToHexStringLower(id.Span);

    /// <summary>A bencoded string of exactly <paramref name="total"/> bytes, length prefix included.</summary>
    private static byte[] BencodedString(int total)
    {
        for (int digits = 1; digits < 6; digits++)
        {
            int length = total - digits - 1;
            if (length >= 0 && length.ToString(System.Globalization.CultureInfo.InvariantCulture).Length == digits)
                return [.. Encoding.ASCII.GetBytes($"{length}:"), .. new byte[length]];
        }
        throw new ArgumentOutOfRangeException(nameof(total));
    }
}
