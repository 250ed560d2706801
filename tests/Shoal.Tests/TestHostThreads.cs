using System.Runtime.CompilerServices;

namespace Shoal.Tests;

/// <summary>
/// The test host keeps some thread-pool threads busy with its own blocking work, and on two
/// cores the pool then adds a thread only every half second: uTP tests stalled for 0.5-1 s at a
/// time here while the same code in a console program did not. More threads from the start
/// take the host's share out of the picture; the engine itself never blocks a pool thread.
/// </summary>
internal static class TestHostThreads
{
    [ModuleInitializer]
    internal static void Raise()
    {
        ThreadPool.GetMinThreads(out int workers, out int io);
        ThreadPool.SetMinThreads(Math.Max(workers, 16), Math.Max(io, 16));
    }
}
