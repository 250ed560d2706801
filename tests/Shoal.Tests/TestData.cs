using System.Text;

namespace Shoal.Tests;

internal static class TestData
{
    public static byte[] Bytes(string latin1) => Encoding.Latin1.GetBytes(latin1);

    /// <summary>Deterministic pseudo-random bytes.</summary>
    public static byte[] Random(int length, int seed)
    {
        var data = new byte[length];
        new Random(seed).NextBytes(data);
        return data;
    }

    /// <summary>This test run's folder under the system temp folder; it is deleted when the run ends.</summary>
    private static readonly string RunRoot = CreateRunRoot();

    private static string CreateRunRoot()
    {
        string root = Path.Combine(Path.GetTempPath(), "shoal-tests", $"run-{Environment.ProcessId}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(root);
        AppDomain.CurrentDomain.ProcessExit += (_, _) =>
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
            }
        };
        return root;
    }

    /// <summary>A fresh folder for one test; every one is deleted at the end of the run (tests that clean up sooner may).</summary>
    public static string TempDir()
    {
        var dir = Path.Combine(RunRoot, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }

    public static void WriteFile(string path, byte[] data)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllBytes(path, data);
    }
}
