using FsCheck;
using FsCheck.Fluent;
using Shoal.Bencode;

namespace Shoal.Tests.Bencode;

public class BencodePropertyTests
{
    private static readonly Config Config = Config.QuickThrowOnFailure.WithMaxTest(500);

    private static Gen<BValue> ValueGen(int size)
    {
        var integer = ArbMap.Default.GeneratorFor<long>().Select(v => (BValue)new BInteger(v));
        var str = ArbMap.Default.GeneratorFor<byte[]>().Select(b => (BValue)new BString(b));
        if (size <= 0)
            return Gen.OneOf(integer, str);
        var child = ValueGen(size / 3);
        var list = child.ListOf().Select(items => (BValue)new BList(items));
        var dict = Gen.Zip(ArbMap.Default.GeneratorFor<byte[]>(), child).ListOf().Select(pairs =>
        {
            var d = new BDictionary();
            foreach (var (key, value) in pairs)
                d.Set(new BString(key), value);
            return (BValue)d;
        });
        return Gen.OneOf(integer, str, list, dict);
    }

    [Fact]
    public void EncodeDecodeRoundTrips()
    {
        Prop.ForAll(Gen.Sized(ValueGen).ToArbitrary(), value =>
        {
            var encoded = BencodeWriter.Encode(value);
            var decoded = BencodeReader.Decode(encoded, BencodeLimits.Strict);
            return encoded.AsSpan().SequenceEqual(BencodeWriter.Encode(decoded))
                && encoded.AsSpan().SequenceEqual(decoded.Raw.Span);
        }).Check(Config);
    }

    [Fact]
    public void RandomBytesOnlyEverGiveBencodeErrors()
    {
        Prop.ForAll(ArbMap.Default.ArbFor<byte[]>(), bytes => DecodesOrFailsCleanly(bytes)).Check(Config);
    }

    [Fact]
    public void MutatedEncodingsOnlyEverGiveBencodeErrors()
    {
        var gen = from value in Gen.Sized(ValueGen)
                  let encoded = BencodeWriter.Encode(value)
                  from position in Gen.Choose(0, Math.Max(0, encoded.Length - 1))
                  from replacement in Gen.Elements("0123456789ilde:-x\0"u8.ToArray())
                  from truncate in ArbMap.Default.GeneratorFor<bool>()
                  select Mutate(encoded, position, replacement, truncate);
        Prop.ForAll(gen.ToArbitrary(), bytes => DecodesOrFailsCleanly(bytes)).Check(Config);
    }

    private static byte[] Mutate(byte[] encoded, int position, byte replacement, bool truncate)
    {
        if (encoded.Length == 0)
            return encoded;
        var copy = (byte[])encoded.Clone();
        copy[position] = replacement;
        return truncate ? copy[..position] : copy;
    }

    private static bool DecodesOrFailsCleanly(byte[] bytes)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        try
        {
            BencodeReader.Decode(bytes);
        }
        catch (BencodeException)
        {
        }
        // Whatever the input claims, decoding allocates in proportion to its real size.
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        return allocated < 4096 + bytes.Length * 256L;
    }
}
