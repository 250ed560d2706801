namespace Shoal.Interop.Tests;

/// <summary>The repository the tests were built from: its scripts, samples and artifacts folder.</summary>
internal static class Repository
{
    public static string Root { get; } = Find();

    /// <summary>artifacts/NAME at the root (ignored by git), created if needed: what a test leaves for people to look at.</summary>
    public static string Artifacts(string name) => Directory.CreateDirectory(Path.Combine(Root, "artifacts", name)).FullName;

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Shoal.slnx")))
            dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException($"no Shoal.slnx above {AppContext.BaseDirectory}");
    }
}
