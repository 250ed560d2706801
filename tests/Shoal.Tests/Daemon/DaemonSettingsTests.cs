using Shoal.Daemon;
using Shoal.Dht;

namespace Shoal.Tests.Daemon;

public class DaemonSettingsTests
{
    private static DaemonSettings With(string json)
    {
        string dir = Path.Combine(Path.GetTempPath(), "shoal-settings-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        File.WriteAllText(Path.Combine(dir, "settings.json"), json);
        return DaemonSettings.Load(Path.Combine(dir, "settings.json"));
    }

    [Fact]
    public void Dht_bootstrap_is_the_public_routers_when_absent_none_for_none_and_the_well_formed_nodes_otherwise()
    {
        Assert.Equal(DhtOptions.PublicRouters, With("{}").DhtBootstrap);
        Assert.Empty(With("""{"dht-bootstrap": "none"}""").DhtBootstrap);
        Assert.Equal(["10.0.0.1:6881", "node.example:7000"],
            With("""{"dht-bootstrap": "10.0.0.1:6881, node.example:7000 nonsense :80 host:0 host:99999"}""").DhtBootstrap);
    }
}
