using System.Buffers.Binary;
using Shoal.Net;
using Shoal.Net.Mse;
using Shoal.Peers;

namespace Shoal.Tests.Net.Mse;

/// <summary>
/// The accepting side of the encryption handshake against a dialler that follows the protocol
/// to a random point, then flips a byte or sends random bytes, then hangs up. The acceptor must
/// end every case with its own error, a failed write to a dialler that hung up, or (when the
/// damage falls after the handshake) a stream;
/// it must never hang or throw anything else; and the errors must be varied, which shows the cases
/// reached past the first check.
/// </summary>
public class MseFuzzTests
{
    private const int Cases = 160;
    private static readonly byte[] Key = TestData.Random(20, 77);

    [Fact]
    public async Task A_valid_opening_cut_or_damaged_anywhere_ends_in_a_clear_error_and_never_a_hang()
    {
        var random = new Random(2026);
        var errors = new HashSet<string>();
        int opened = 0;
        for (int i = 0; i < Cases; i++)
        {
            var (a, b) = await LoopbackPair.CreateAsync();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(20));
            var dialler = DamagedDiallerAsync(a, random.Next(), cts.Token);
            try
            {
                var (stream, _) = await MseHandshake.AcceptAsync(b, ReadOnlyMemory<byte>.Empty,
                    tag => MseCrypto.StreamKeyTag(Key).AsSpan().SequenceEqual(tag) ? Key : null,
                    provide => provide & MseHandshake.Rc4, cts.Token);
                opened++;
            }
            catch (PeerProtocolException e)
            {
                errors.Add(System.Text.RegularExpressions.Regex.Replace(e.Message, @"\d+", "N"));
            }
            catch (System.Net.Sockets.SocketException)
            {
                // our answer met a closed connection: the dialler hung up, which the router treats alike
            }
            finally
            {
                await b.DisposeAsync();
                await dialler;
                await a.DisposeAsync();
            }
            Assert.False(cts.IsCancellationRequested, $"case {i} hung");
        }
        Assert.True(errors.Count >= 5, "too few kinds of error; the cases do not get far: " + string.Join(" | ", errors));
        Assert.True(opened < Cases / 2, $"{opened} of {Cases} damaged openings were accepted");
    }

    /// <summary>A dialler that sends a valid opening (with an initial payload) up to a random point, damages it, and hangs up.</summary>
    private static async Task DamagedDiallerAsync(PeerStream stream, int seed, CancellationToken token)
    {
        var random = new Random(seed);
        try
        {
            var x = MseCrypto.NewPrivateKey();
            byte[] step1 = [.. MseCrypto.PublicKey(x), .. new byte[random.Next(0, 513)]];
            if (random.Next(5) == 0)
            {
                await stream.WriteAsync(Damage(step1, random), token); // damaged before the acceptor can answer
                return;
            }
            await stream.WriteAsync(step1, token);
            var yb = new byte[96];
            if (!await stream.ReadExactlyAsync(yb, token))
                return;
            byte[] s = MseCrypto.Secret(yb, x);
            var padC = new byte[random.Next(0, 600)]; // sometimes longer than allowed
            var ia = new byte[random.Next(0, 1100)];  // sometimes longer than allowed
            var encrypted = new byte[8 + 4 + 2 + padC.Length + 2 + ia.Length];
            BinaryPrimitives.WriteUInt32BigEndian(encrypted.AsSpan(8), (uint)random.Next(0, 4));
            BinaryPrimitives.WriteUInt16BigEndian(encrypted.AsSpan(12), (ushort)padC.Length);
            BinaryPrimitives.WriteUInt16BigEndian(encrypted.AsSpan(14 + padC.Length), (ushort)ia.Length);
            MseCrypto.CipherA(s, Key).Apply(encrypted);
            byte[] req2 = MseCrypto.StreamKeyTag(Key), req3 = MseCrypto.Hash("req3", s);
            byte[] step3 = [.. MseCrypto.Hash("req1", s), .. req2.Zip(req3, (p, q) => (byte)(p ^ q)), .. encrypted];
            await stream.WriteAsync(Damage(step3, random), token);
        }
        catch (Exception e) when (e is IOException or System.Net.Sockets.SocketException or PeerProtocolException or OperationCanceledException)
        {
            // the acceptor hung up first
        }
        finally
        {
            stream.Close();
        }
    }

    private static byte[] Damage(byte[] valid, Random random)
    {
        var bytes = (byte[])valid.Clone();
        switch (random.Next(3))
        {
            case 0:
                bytes[random.Next(bytes.Length)] ^= (byte)random.Next(1, 256);
                return bytes;
            case 1:
                return bytes[..random.Next(bytes.Length + 1)];
            default:
                var tail = new byte[random.Next(1, 700)];
                random.NextBytes(tail);
                return [.. bytes[..random.Next(bytes.Length + 1)], .. tail];
        }
    }
}
