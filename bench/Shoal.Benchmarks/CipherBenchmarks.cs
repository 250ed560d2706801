using BenchmarkDotNet.Attributes;
using Shoal.Net.Mse;

namespace Shoal.Benchmarks;

/// <summary>RC4 as MSE uses it, over one peer-wire batch; divide the bytes by the time for its throughput.</summary>
[MemoryDiagnoser]
public class CipherBenchmarks
{
    private readonly byte[] _batch = new byte[256 * 1024];
    private readonly Rc4 _rc4 = new(new byte[20]);

    [Benchmark(Description = "RC4 over 256 KiB")]
    public void Rc4Batch() => _rc4.Apply(_batch);
}
