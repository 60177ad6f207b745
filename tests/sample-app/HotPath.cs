// HotPath: the CPU burner behind GET /high-cpu. Its method name is what tests look for in traces
// (dotnet-trace) and stacks (dotnet-stack): SampleApp.HotPath.SpinForProfiler.
using System.Diagnostics;
using System.Runtime.CompilerServices;

namespace SampleApp;

public static class HotPath
{
    // Written so the JIT cannot drop the loop as dead code.
    private static long s_sink;

    // Spins `threads` threads (each in SpinForProfiler) until `duration` has elapsed; returns total iterations.
    public static long Run(TimeSpan duration, int threads)
    {
        var workers = new Thread[threads];
        long total = 0;
        for (int i = 0; i < threads; i++)
        {
            workers[i] = new Thread(() => Interlocked.Add(ref total, SpinForProfiler(duration)))
            {
                IsBackground = true,
                Name = $"SampleApp.HotPath.{i}",
            };
            workers[i].Start();
        }
        foreach (var w in workers)
            w.Join();
        return total;
    }

    // The hot method. NoInlining keeps it as its own frame in every trace and stack.
    [MethodImpl(MethodImplOptions.NoInlining)]
    public static long SpinForProfiler(TimeSpan duration)
    {
        var clock = Stopwatch.StartNew();
        long iterations = 0;
        ulong x = 0x9E3779B97F4A7C15UL;
        while (clock.Elapsed < duration)
        {
            for (int i = 0; i < 100_000; i++)
            {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
            }
            iterations++;
        }
        Volatile.Write(ref s_sink, (long)x);
        return iterations;
    }
}
