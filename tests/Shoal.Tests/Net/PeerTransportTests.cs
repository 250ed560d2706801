using Shoal.Net;

namespace Shoal.Tests.Net;

public class PeerTransportTests
{
    [Theory]
    [InlineData("tcp", PeerEncryption.None, "tcp", false, false, false)]
    [InlineData("utp", PeerEncryption.Rc4, "utp+rc4", true, true, true)]
    [InlineData("tcp", PeerEncryption.HandshakeOnly, "tcp+mse", false, false, true)]
    [InlineData("unix", PeerEncryption.None, "unix", false, false, false)]
    public void A_transport_is_read_as_a_value_and_written_for_people(string carrier, PeerEncryption encryption, string shown, bool utp, bool encrypted, bool spokeMse)
    {
        var transport = new PeerTransport(carrier, encryption);
        Assert.Equal(shown, transport.ToString());
        Assert.Equal(utp, transport.IsUtp);
        Assert.Equal(encrypted, transport.Encrypted);
        Assert.Equal(spokeMse, transport.SpokeMse);
    }
}
