using Shoal.Net.Mse;
using Shoal.Peers;

namespace Shoal.Tests.Net.Mse;

public class MseCryptoTests
{
    [Fact]
    public void Both_sides_of_the_key_exchange_derive_the_same_96_byte_secret()
    {
        var a = MseCrypto.NewPrivateKey();
        var b = MseCrypto.NewPrivateKey();
        byte[] ya = MseCrypto.PublicKey(a), yb = MseCrypto.PublicKey(b);
        Assert.Equal(96, ya.Length);
        byte[] secretA = MseCrypto.Secret(yb, a), secretB = MseCrypto.Secret(ya, b);
        Assert.Equal(secretA, secretB);
        Assert.Equal(96, secretA.Length);
        Assert.NotEqual(ya, yb);
    }

    [Fact]
    public void A_public_key_that_would_force_a_known_secret_is_refused()
    {
        var x = MseCrypto.NewPrivateKey();
        var zero = new byte[96];
        var one = new byte[96];
        one[95] = 1;
        byte[] primeMinusOne = Convert.FromHexString(
            "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090562");
        byte[] allOnes = Enumerable.Repeat((byte)0xFF, 96).ToArray();
        foreach (var y in new[] { zero, one, primeMinusOne, allOnes })
            Assert.Throws<PeerProtocolException>(() => MseCrypto.Secret(y, x));
    }

    [Fact]
    public void The_two_directions_use_different_keys()
    {
        byte[] secret = TestData.Random(96, seed: 1), skey = TestData.Random(20, seed: 2);
        var a = new byte[16];
        var b = new byte[16];
        MseCrypto.CipherA(secret, skey).Apply(a);
        MseCrypto.CipherB(secret, skey).Apply(b);
        Assert.NotEqual(a, b);
    }
}
