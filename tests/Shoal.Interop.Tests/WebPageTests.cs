using System.Text.Json.Nodes;
using Microsoft.Playwright;

namespace Shoal.Interop.Tests;

/// <summary>
/// The daemon's web page in Debian's headless Chromium, driven by Playwright as a person would
/// use it. Screenshots go to artifacts/screenshots at the repository's root.
/// </summary>
public class WebPageTests
{
    private static string Chromium => Shoal.Tests.Common.ProcessRunner.Require("chromium");

    private static string ScreenshotPath(string name) => Path.Combine(Repository.Artifacts("screenshots"), name + ".png");

    private static async Task<(IPlaywright, IBrowser)> BrowserAsync()
    {
        var playwright = await Playwright.CreateAsync();
        var browser = await playwright.Chromium.LaunchAsync(new() { ExecutablePath = Chromium, Headless = true, Args = ["--no-sandbox"] });
        return (playwright, browser);
    }

    private static ILocator Row(IPage page, string name) => page.Locator("li.torrent").Filter(new() { Has = page.Locator(".name", new() { HasTextString = name }) });

    private static Task WaitStateAsync(ILocator row, string state) =>
        Assertions.Expect(row).ToHaveAttributeAsync("data-state", state, new() { Timeout = 60_000 });

    [Fact]
    public async Task A_person_adds_a_torrent_watches_it_complete_pauses_resumes_looks_inside_sets_limits_and_removes_it_with_its_data()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("data", size: 2_000_000, multi: true);
        int tracker = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
        await swarm.ShoalSeedAsync(torrent, seedDir, "--max-up", "250KiB"); // slow enough to see it downloading
        using var daemon = await DaemonProcess.StartAsync(swarm);
        var (playwright, browser) = await BrowserAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 800 } });
        await page.GotoAsync($"http://127.0.0.1:{daemon.Port}/");
        await Assertions.Expect(page.Locator("#empty")).ToBeVisibleAsync();

        await page.SetInputFilesAsync("#add-file", torrent);
        await page.ClickAsync("[data-testid=add-button]");
        var row = Row(page, "data");
        await WaitStateAsync(row, "Downloading");
        // Held at 1 KiB/s while the page is looked at, so the seed is still a peer however slowly the browser runs.
        await daemon.RpcAsync("torrent-set", new JsonObject { ["ids"] = 1, ["downloadLimit"] = 1, ["downloadLimited"] = true });
        await row.Locator(".details-button").ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid=file]")).ToHaveCountAsync(4);
        await row.Locator(".tab[data-tab=peers]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid=peer]").First).ToContainTextAsync("127.0.0.1", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("web-downloading"), FullPage = true });
        await daemon.RpcAsync("torrent-set", new JsonObject { ["ids"] = 1, ["downloadLimited"] = false });
        await WaitStateAsync(row, "Seeding"); // downloaded from the seed, live on the page without a reload
        await Assertions.Expect(row.Locator(".line")).ToContainTextAsync("100.0%");
        SwarmInterop.AssertSame(seedDir, daemon.DownloadDir);
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("web-complete"), FullPage = true });

        await row.Locator(".toggle").ClickAsync();
        await WaitStateAsync(row, "Paused");
        await row.Locator(".toggle").ClickAsync();
        await WaitStateAsync(row, "Seeding");

        await row.Locator(".tab[data-tab=trackers]").ClickAsync();
        await Assertions.Expect(row.Locator("[data-testid=tracker]")).ToHaveCountAsync(1);
        await row.Locator(".tab[data-tab=limits]").ClickAsync();
        await row.Locator("input[name=downloadLimited]").CheckAsync();
        await row.Locator("input[name=downloadLimit]").FillAsync("250");
        await row.Locator("button[type=submit]").ClickAsync();
        await Assertions.Expect(page.Locator("#message")).ToHaveTextAsync("Limits saved.");
        var limits = (await daemon.RpcAsync("torrent-get", new JsonObject { ["ids"] = 1, ["fields"] = new JsonArray("downloadLimit", "downloadLimited") }))["torrents"]![0]!;
        Assert.Equal(250, (int)limits["downloadLimit"]!);
        Assert.True((bool)limits["downloadLimited"]!);

        // The same torrent again, by its magnet link: the page says it is already there.
        string magnet = Shoal.Metainfo.TorrentParser.Load(torrent).ToMagnetLink().ToString();
        await page.FillAsync("[data-testid=add-link]", magnet);
        await page.ClickAsync("[data-testid=add-button]");
        await Assertions.Expect(page.Locator("#message")).ToContainTextAsync("already here");

        await page.SetViewportSizeAsync(390, 844); // a phone
        Assert.True(await page.EvaluateAsync<bool>("document.documentElement.scrollWidth <= document.documentElement.clientWidth"),
            "the page fits a phone's width without scrolling sideways");
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("web-phone"), FullPage = true });

        await row.Locator(".remove").ClickAsync();
        await page.ClickAsync("[data-testid=remove-delete]");
        await Assertions.Expect(page.Locator("li.torrent")).ToHaveCountAsync(0);
        // The list may drop the torrent a moment before its files are gone: wait for them, with a deadline.
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (Directory.Exists(Path.Combine(daemon.DownloadDir, "data")))
        {
            Assert.True(DateTime.UtcNow < deadline, "removed with its data");
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task A_person_follows_a_channel_on_the_page_and_sees_its_version_arrive_complete_and_current()
    {
        using var swarm = new SwarmInterop();
        int tracker = await swarm.ShoalTrackerAsync();
        string key = Path.Combine(swarm.Dir("publisher"), "publisher.key");
        Assert.Equal(0, (await swarm.ShoalRunAsync("keygen", "-o", key)).ExitCode);
        var (torrent, seedDir) = await swarm.SampleAsync("app-v1", size: 300_000, tracker: SwarmInterop.HttpTracker(tracker));
        await swarm.ShoalSeedAsync(torrent, seedDir);
        var (_, feed, link) = await swarm.ShoalServeChannelAsync(key, torrent, "127.0.0.1:0");
        using var daemon = await DaemonProcess.StartAsync(swarm, settings => settings["channel-poll-interval"] = 1);
        var (playwright, browser) = await BrowserAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 800 } });
        await page.GotoAsync($"http://127.0.0.1:{daemon.Port}/");
        await Assertions.Expect(page.Locator("#channels-empty")).ToBeVisibleAsync();

        await page.FillAsync("[data-testid=channel-link]", link);
        await page.FillAsync("[data-testid=channel-feed]", feed);
        await page.ClickAsync("[data-testid=channel-button]");
        var channel = page.Locator("[data-testid=channel]");
        await Assertions.Expect(channel.Locator("[data-testid=channel-current]")).ToHaveTextAsync("current: version 1", new() { Timeout = 60_000 });
        await Assertions.Expect(channel.Locator("[data-testid=channel-version]")).ToContainTextAsync("version 1 · app-v1 · complete");
        await Assertions.Expect(Row(page, "app-v1")).ToHaveAttributeAsync("data-state", "Seeding", new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("web-channel"), FullPage = true });
    }

    [Fact]
    public async Task The_page_asks_for_the_password_and_shows_the_torrents_once_given()
    {
        using var swarm = new SwarmInterop();
        var (torrent, _) = await swarm.SampleAsync("guarded");
        using var daemon = await DaemonProcess.StartAsync(swarm, s =>
        {
            s["rpc-authentication-required"] = true;
            s["rpc-username"] = "admin";
            s["rpc-password"] = "s3cret";
        });
        await daemon.RemoteAsync("--auth", "admin:s3cret", "-a", torrent);
        var (playwright, browser) = await BrowserAsync();
        using var _ = playwright;
        await using var __ = browser;

        var stranger = await browser.NewPageAsync();
        var refused = await Assert.ThrowsAsync<PlaywrightException>(() => stranger.GotoAsync($"http://127.0.0.1:{daemon.Port}/"));
        Assert.Contains("ERR_INVALID_AUTH_CREDENTIALS", refused.Message); // the 401 and its Basic challenge, seen by the browser

        await using var context = await browser.NewContextAsync(new() { HttpCredentials = new() { Username = "admin", Password = "s3cret" } });
        var page = await context.NewPageAsync();
        await page.GotoAsync($"http://127.0.0.1:{daemon.Port}/");
        await Assertions.Expect(Row(page, "guarded")).ToBeVisibleAsync();
    }

    [Fact]
    public async Task Transmissions_own_web_interface_served_by_the_daemon_lists_a_complete_torrent_and_pauses_it()
    {
        using var swarm = new SwarmInterop();
        var (torrent, seedDir) = await swarm.SampleAsync("classic", size: 1_000_000);
        int tracker = await swarm.OpenTrackerAsync(torrent);
        SwarmInterop.SetTracker(torrent, SwarmInterop.HttpTracker(tracker));
        await swarm.ShoalSeedAsync(torrent, seedDir);
        Assert.True(File.Exists("/usr/share/transmission/web/index.html"), "Debian's transmission-daemon installs the interface (scripts/test.sh installs it)");
        using var daemon = await DaemonProcess.StartAsync(swarm);
        await daemon.RemoteAsync("-a", torrent);
        var (playwright, browser) = await BrowserAsync();
        using var _ = playwright;
        await using var __ = browser;
        var page = await browser.NewPageAsync(new() { ViewportSize = new() { Width = 1100, Height = 700 } });
        var errors = new List<string>();
        page.PageError += (_, e) => errors.Add(e);

        await page.GotoAsync($"http://127.0.0.1:{daemon.Port}/transmission/web/");
        var row = page.Locator("li.torrent").Filter(new() { HasTextString = "classic" });
        // Transmission words a complete torrent as its size and ratio, and its peers line as seeding.
        await Assertions.Expect(row.Locator(".torrent_peer_details")).ToContainTextAsync("Seeding", new() { Timeout = 60_000 });
        await Assertions.Expect(row.Locator(".torrent_progress_details")).ToContainTextAsync("1.00 MB, uploaded");
        await page.ScreenshotAsync(new() { Path = ScreenshotPath("transmission-web"), FullPage = true });
        await row.Locator(".torrent_pause").ClickAsync();
        await daemon.WaitForRowAsync(1, r => r.Contains("Stopped") || r.Contains("Finished"), 30, "paused from Transmission's interface");
        Assert.Empty(errors); // its script met no field it could not handle
    }
}
