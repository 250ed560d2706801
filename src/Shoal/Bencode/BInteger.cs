namespace Shoal.Bencode;

public sealed class BInteger(long value) : BValue
{
    public long Value { get; } = value;
    public override string ToString() => Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
