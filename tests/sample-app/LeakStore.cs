// LeakStore: the memory "leak" behind GET /memory-leak. Every MiB requested becomes one
// SampleApp.LeakedBlob (16 byte[] chunks of 64 KiB), kept forever in a static list so it survives
// every GC; tests look for the type name SampleApp.LeakedBlob in gcdump and heap-dump reports.
namespace SampleApp;

public sealed class LeakedBlob
{
    public const int ChunkSize = 64 * 1024;
    public const int ChunksPerBlob = 16; // 16 x 64 KiB = 1 MiB

    public byte[][] Chunks { get; }

    public LeakedBlob(byte fill)
    {
        Chunks = new byte[ChunksPerBlob][];
        for (int i = 0; i < ChunksPerBlob; i++)
        {
            Chunks[i] = new byte[ChunkSize];
            Array.Fill(Chunks[i], fill); // touch the pages so RSS really grows
        }
    }
}

public static class LeakStore
{
    private static readonly List<LeakedBlob> s_blobs = new();

    // Adds `mb` blobs of 1 MiB; returns how many are held afterwards.
    public static int Leak(int mb)
    {
        lock (s_blobs)
        {
            for (int i = 0; i < mb; i++)
                s_blobs.Add(new LeakedBlob((byte)(s_blobs.Count + 1)));
            return s_blobs.Count;
        }
    }

    public static int Count
    {
        get { lock (s_blobs) return s_blobs.Count; }
    }

    // Drops every blob (GET /leak-reset) so a long-lived pod can be reused; returns how many were dropped.
    public static int Reset()
    {
        lock (s_blobs)
        {
            int n = s_blobs.Count;
            s_blobs.Clear();
            return n;
        }
    }
}
