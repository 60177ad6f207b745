// SampleApp: the .NET app that kubectl-dotnetprof's end-to-end tests profile (tests/sample-app).
// Endpoints: GET / (endpoint list), /healthz, /info, /high-cpu?seconds=N[&threads=M],
// /memory-leak?mb=N, /leak-count, /leak-reset. Listens on ASPNETCORE_URLS or --urls, else
// http://127.0.0.1:30080. Runs from a read-only /app with only the shared runtime, any uid, HOME=/.
using SampleApp;

const string DefaultUrl = "http://127.0.0.1:30080";
const int MaxSeconds = 600;
const int MaxMegabytes = 4096;

// No file watchers: many sandboxes share the host's inotify instance limit.
var builder = WebApplication.CreateSlimBuilder(
    new WebApplicationOptions { Args = args.Append("--hostBuilder:reloadConfigOnChange=false").ToArray() });
if (string.IsNullOrEmpty(builder.Configuration["urls"]))
    builder.WebHost.UseUrls(DefaultUrl);
builder.Logging.ClearProviders();

var app = builder.Build();
app.Lifetime.ApplicationStarted.Register(() =>
    Log($"listening on {string.Join(", ", app.Urls)} (pid {Environment.ProcessId}, .NET {Environment.Version})"));
app.Lifetime.ApplicationStopping.Register(() => Log("stopping"));

app.MapGet("/", () => "SampleApp endpoints: /healthz /info /high-cpu?seconds=N[&threads=M] " +
                      "/memory-leak?mb=N /leak-count /leak-reset\n");
app.MapGet("/healthz", () => "ok");
app.MapGet("/info", () => Results.Text(Info(), "text/plain"));
app.MapGet("/high-cpu", (int? seconds, int? threads) => HighCpu(seconds ?? 10, threads ?? Environment.ProcessorCount));
app.MapGet("/memory-leak", (int? mb) => MemoryLeak(mb ?? 10));
app.MapGet("/leak-count", () => $"{LeakStore.Count} blobs ({LeakStore.Count} MiB) of SampleApp.LeakedBlob\n");
app.MapGet("/leak-reset", () => $"dropped {LeakStore.Reset()} blobs\n");

app.Run();

static IResult HighCpu(int seconds, int threads)
{
    if (seconds < 0 || seconds > MaxSeconds || threads < 1 || threads > 64)
        return BadRequest($"seconds must be 0..{MaxSeconds} and threads 1..64\n");
    Log($"high-cpu: {threads} thread(s) in SampleApp.HotPath.SpinForProfiler for {seconds} s");
    long iterations = HotPath.Run(TimeSpan.FromSeconds(seconds), threads);
    Log($"high-cpu: done ({iterations} iterations)");
    return Results.Text($"spun {threads} thread(s) for {seconds} s in SampleApp.HotPath.SpinForProfiler\n");
}

static IResult MemoryLeak(int mb)
{
    if (mb < 0 || mb > MaxMegabytes)
        return BadRequest($"mb must be 0..{MaxMegabytes}\n");
    int held = LeakStore.Leak(mb);
    Log($"memory-leak: +{mb} MiB, {held} SampleApp.LeakedBlob held");
    return Results.Text($"leaked {mb} MiB; {held} blobs ({held} MiB) of SampleApp.LeakedBlob held\n");
}

static IResult BadRequest(string message) => Results.Text(message, "text/plain", statusCode: 400);

// Key=value lines, one per fact, so shell tests can grep them.
static string Info() =>
    $"pid={Environment.ProcessId}\n" +
    $"uid={UnixUid()}\n" +
    $"arch={System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture}\n" +
    $"runtime={Environment.Version}\n" +
    $"tmpdir={Path.GetTempPath()}\n" +
    $"leaked_mb={LeakStore.Count}\n";

// The effective uid from /proc (no P/Invoke needed); "?" if /proc is not mounted.
static string UnixUid()
{
    try
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("Uid:"))
                return line.Split('\t', StringSplitOptions.RemoveEmptyEntries)[2];
    }
    catch (IOException) { }
    catch (UnauthorizedAccessException) { }
    return "?";
}

static void Log(string message) =>
    Console.Out.WriteLine($"{DateTime.UtcNow:yyyy-MM-ddTHH:mm:ss.fffZ} SampleApp: {message}");
