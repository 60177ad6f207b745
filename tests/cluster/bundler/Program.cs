// ToolBundler: makes one framework-dependent single-file executable (apphost + .NET bundle) of a NuGet
// dotnet tool for one Linux RID, like Microsoft's aka.ms downloads of the diagnostics tools.
//
//   dotnet ToolBundler.dll --tool-dir DIR --name dotnet-trace --rid linux-x64 --apphost APPHOST --out FILE
//
// DIR is the tool package's tools/<tfm>/any directory. The bundle is made in "extract all" mode (the SDK's
// IncludeAllContentForSelfExtract): at start the host unpacks every file into
// $DOTNET_BUNDLE_EXTRACT_BASE_DIR/<name>/<bundle id>/ (else $TMPDIR/.net, else $HOME/.net) and runs from
// there, so the tools' assumptions about AppContext.BaseDirectory (SOS, record-trace natives) still hold.
using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.NET.HostModel.AppHost;
using Microsoft.NET.HostModel.Bundle;

try
{
    var opts = Options.Parse(args);
    Build(opts);
    return 0;
}
catch (Exception e) when (e is ArgumentException or IOException or InvalidOperationException
                              or UnauthorizedAccessException or JsonException)
{
    Console.Error.WriteLine($"ToolBundler: {e.Message}");
    return 1;
}

static void Build(Options o)
{
    string work = o.Out + ".tmp.d";
    if (Directory.Exists(work))
        Directory.Delete(work, recursive: true);
    Directory.CreateDirectory(work);
    try
    {
        string host = Path.Combine(work, o.Name);
        HostWriter.CreateAppHost(o.AppHost, host, o.Name + ".dll");

        var specs = new List<FileSpec> { new(host, o.Name) };
        specs.AddRange(ToolFiles.Select(o.ToolDir, o.Rid).Select(rel => new FileSpec(Path.Combine(o.ToolDir, rel), rel)));

        var bundler = new Bundler(o.Name, Path.Combine(work, "out"), BundleOptions.BundleAllContent,
                                  OSPlatform.Linux, ArchOf(o.Rid), TargetFramework(o.ToolDir, o.Name));
        string bundle = bundler.GenerateBundle(specs);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(bundle, (UnixFileMode)0b111_101_101); // 0755
        File.Move(bundle, o.Out, overwrite: true);
        Console.WriteLine($"ToolBundler: {o.Out}: {specs.Count - 1} files bundled, {new FileInfo(o.Out).Length} bytes");
    }
    finally
    {
        Directory.Delete(work, recursive: true);
    }
}

static Architecture ArchOf(string rid) => rid.Split('-')[^1] switch
{
    "x64" => Architecture.X64,
    "arm64" => Architecture.Arm64,
    "arm" => Architecture.Arm,
    _ => throw new ArgumentException($"unsupported rid '{rid}'"),
};

// The tool's target framework (e.g. net8.0 -> 8.0), from its runtimeconfig.json; it picks the bundle format.
static Version TargetFramework(string toolDir, string name)
{
    string path = Path.Combine(toolDir, name + ".runtimeconfig.json");
    using var doc = JsonDocument.Parse(File.ReadAllText(path));
    string tfm = doc.RootElement.GetProperty("runtimeOptions").GetProperty("tfm").GetString()
                 ?? throw new InvalidOperationException($"{path}: no runtimeOptions.tfm");
    return Version.Parse(tfm.Replace("net", "", StringComparison.Ordinal));
}

// Which files of the tool package go into the bundle for a RID.
static class ToolFiles
{
    // Kept at the package root: the managed app, its dependencies and host config.
    static readonly string[] RootPatterns = { "*.dll", "*.deps.json", "*.runtimeconfig.json" };

    public static IEnumerable<string> Select(string toolDir, string rid)
    {
        if (!Directory.EnumerateFiles(toolDir, "*.deps.json").Any())
            throw new ArgumentException($"{toolDir}: not a dotnet tool directory (no *.deps.json)");
        var dirs = Directory.EnumerateDirectories(toolDir).Where(d => Wanted(Path.GetFileName(d), d, rid));
        string runtimes = Path.Combine(toolDir, "runtimes");
        if (Directory.Exists(runtimes))
            dirs = dirs.Concat(Directory.EnumerateDirectories(runtimes).Where(d => RidChain(rid).Contains(Path.GetFileName(d))));
        var files = RootPatterns.SelectMany(p => Directory.EnumerateFiles(toolDir, p, SearchOption.TopDirectoryOnly))
            .Concat(dirs.SelectMany(d => Directory.EnumerateFiles(d, "*", SearchOption.AllDirectories)));
        return files.Select(f => Path.GetRelativePath(toolDir, f)).Order(StringComparer.Ordinal).ToList();
    }

    // Satellite resources (cs/, pt-BR/ ...) and the RID's own native dir (dotnet-dump's linux-x64/ with SOS).
    // Windows natives (amd64/, x86/), shims/, other RIDs and runtimes/ (handled by RidChain) stay out.
    static bool Wanted(string name, string dir, string rid) => name == rid || IsSatelliteDir(dir);

    static bool IsSatelliteDir(string dir) =>
        Directory.EnumerateFiles(dir).Any() &&
        Directory.EnumerateFiles(dir).All(f => f.EndsWith(".resources.dll", StringComparison.Ordinal));

    // runtimes/<rid> folders the host may pick for this RID (portable RID graph: linux-musl-x64 -> linux-musl
    // -> linux -> unix).
    static string[] RidChain(string rid) =>
        rid.StartsWith("linux-musl-", StringComparison.Ordinal)
            ? new[] { rid, "linux-musl", "linux", "unix" }
            : new[] { rid, "linux", "unix" };
}

sealed record Options(string ToolDir, string Name, string Rid, string AppHost, string Out)
{
    public static Options Parse(string[] args)
    {
        var d = new Dictionary<string, string>();
        for (int i = 0; i + 1 < args.Length; i += 2)
            d[args[i]] = args[i + 1];
        string Get(string k) => d.TryGetValue(k, out var v) ? v
            : throw new ArgumentException($"missing {k} (usage: --tool-dir DIR --name NAME --rid RID --apphost FILE --out FILE)");
        return new Options(Get("--tool-dir"), Get("--name"), Get("--rid"), Get("--apphost"), Path.GetFullPath(Get("--out")));
    }
}
