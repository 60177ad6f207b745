#!/bin/sh
# build-tools.sh [OUT_DIR]: makes the diagnostics tools that the stand-in aka.ms (toolserver.py) serves.
#
# For each RID in $TOOL_RIDS (default: linux-x64 linux-musl-x64 linux-arm64) and each tool (dotnet-trace,
# dotnet-counters, dotnet-dump, dotnet-gcdump, dotnet-stack) it writes OUT_DIR/{rid}/{tool} (default
# OUT_DIR: build/tools): a framework-dependent single-file executable, made like Microsoft's
# https://aka.ms/{tool}/{rid} downloads: the RID's apphost + a .NET bundle of the NuGet dotnet tool's files
# (tests/cluster/bundler). The tools are installed from NuGet (version $TOOLS_VERSION, default
# 10.0.750501) into build/nuget-tools/. Also writes OUT_DIR/VERSION and OUT_DIR/SHA512SUMS.
# Idempotent: an output newer than its inputs is kept. Needs `dotnet` (SDK 10) and NuGet access when cold.
set -eu

REPO=$(cd "$(dirname "$0")/../.." && pwd)
OUT_DIR=${1:-$REPO/build/tools}
TOOLS_VERSION=${TOOLS_VERSION:-10.0.750501}
TOOL_RIDS=${TOOL_RIDS:-linux-x64 linux-musl-x64 linux-arm64}
TOOLS="dotnet-trace dotnet-counters dotnet-dump dotnet-gcdump dotnet-stack"
DOTNET=${DOTNET:-dotnet}
NUGET_TOOLS=$REPO/build/nuget-tools
BUNDLER_SRC=$REPO/tests/cluster/bundler
BUNDLER_OUT=$REPO/build/tool-bundler/bin/Release/net10.0
BUNDLER_DLL=$BUNDLER_OUT/ToolBundler.dll
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

say() { printf 'build-tools: %s\n' "$*"; }
die() { printf 'build-tools: error: %s\n' "$*" >&2; exit 1; }

# fresh OUT INPUT...: true when OUT exists and is newer than every INPUT.
fresh() {
    _out=$1; shift
    [ -e "$_out" ] || return 1
    for _in in "$@"; do
        [ "$_out" -nt "$_in" ] || return 1
    done
}

# tool_dir TOOL: the installed package's tools/<tfm>/any directory (empty if not installed).
tool_dir() {
    for d in "$NUGET_TOOLS/$1/.store/$1/$TOOLS_VERSION/$1/$TOOLS_VERSION"/tools/net*/any; do
        [ -f "$d/$1.runtimeconfig.json" ] && { printf '%s\n' "$d"; return 0; }
    done
    return 0
}

install_tool() {
    [ -n "$(tool_dir "$1")" ] && return 0
    say "installing $1 $TOOLS_VERSION from NuGet into build/nuget-tools/$1"
    rm -rf "$NUGET_TOOLS/$1"
    "$DOTNET" tool install "$1" --version "$TOOLS_VERSION" --tool-path "$NUGET_TOOLS/$1" >/dev/null ||
        die "dotnet tool install $1 --version $TOOLS_VERSION failed (is NuGet reachable?)"
    [ -n "$(tool_dir "$1")" ] || die "$1: no tools/net*/any/$1.runtimeconfig.json in the installed package"
}

build_bundler() {
    if fresh "$BUNDLER_OUT/nuget-package-root.txt" "$BUNDLER_SRC"/* && have_apphosts; then return 0; fi
    say "building the bundler (tests/cluster/bundler) and restoring apphost packs for: $TOOL_RIDS"
    "$DOTNET" build "$BUNDLER_SRC" -c Release -nologo -v quiet --disable-build-servers "-p:ToolRids=$TOOL_RIDS" >"$REPO/build/tool-bundler.log" 2>&1 ||
        { tail -n 30 "$REPO/build/tool-bundler.log" >&2; die "building tests/cluster/bundler failed (log: build/tool-bundler.log)"; }
}

# find_apphost RID: prints the apphost template from the Microsoft.NETCore.App.Host.RID pack NuGet restored.
find_apphost() {
    root=$(cat "$BUNDLER_OUT/nuget-package-root.txt" 2>/dev/null) || return 1
    for f in "${root%/}"/microsoft.netcore.app.host."$1"/*/runtimes/"$1"/native/apphost; do
        [ -f "$f" ] && { printf '%s\n' "$f"; return 0; }
    done
    return 1
}

have_apphosts() {
    for r in $TOOL_RIDS; do find_apphost "$r" >/dev/null || return 1; done
}

# apphost RID: like find_apphost, but a missing template is fatal.
apphost() {
    find_apphost "$1" || die "no apphost template for $1 (Microsoft.NETCore.App.Host.$1 not restored; see build/tool-bundler.log)"
}

bundle() { # bundle TOOL RID
    dir=$(tool_dir "$1"); host=$(apphost "$2"); out=$OUT_DIR/$2/$1
    if fresh "$out" "$dir/$1.deps.json" "$dir/$1.dll" "$host" "$BUNDLER_DLL"; then
        say "$2/$1 is up to date"; return 0
    fi
    mkdir -p "$OUT_DIR/$2"
    say "bundling $2/$1"
    "$DOTNET" "$BUNDLER_DLL" --tool-dir "$dir" --name "$1" --rid "$2" --apphost "$host" --out "$out" >/dev/null ||
        die "bundling $2/$1 failed"
}

# The host's own RID build must start: run each tool's --version with a throwaway extraction dir.
smoke_test() {
    [ -d "$OUT_DIR/linux-x64" ] && [ "$(uname -m)" = x86_64 ] || return 0
    x=$(mktemp -d "${TMPDIR:-/tmp}/build-tools.XXXXXX")
    for t in $TOOLS; do
        v=$(DOTNET_BUNDLE_EXTRACT_BASE_DIR=$x "$OUT_DIR/linux-x64/$t" --version 2>&1) ||
            { rm -rf "$x"; die "$OUT_DIR/linux-x64/$t --version failed: $v"; }
        say "linux-x64/$t --version: $v"
    done
    rm -rf "$x"
}

write_sums() {
    printf '%s\n' "$TOOLS_VERSION" >"$OUT_DIR/VERSION.tmp" && mv "$OUT_DIR/VERSION.tmp" "$OUT_DIR/VERSION"
    sums="$OUT_DIR/SHA512SUMS"
    set --
    for r in $TOOL_RIDS; do for t in $TOOLS; do set -- "$@" "$r/$t"; done; done
    (cd "$OUT_DIR" && fresh SHA512SUMS "$@") && return 0
    say "writing $sums"
    (cd "$OUT_DIR" && sha512sum "$@" >SHA512SUMS.tmp && mv SHA512SUMS.tmp SHA512SUMS)
}

main() {
    command -v "$DOTNET" >/dev/null 2>&1 || die "'$DOTNET' not found (install the .NET 10 SDK or set DOTNET=)"
    mkdir -p "$OUT_DIR" "$NUGET_TOOLS"
    OUT_DIR=$(cd "$OUT_DIR" && pwd)
    for t in $TOOLS; do install_tool "$t"; done
    build_bundler
    for r in $TOOL_RIDS; do for t in $TOOLS; do bundle "$t" "$r"; done; done
    smoke_test
    write_sums
    say "done: $OUT_DIR ($(du -sh "$OUT_DIR" | cut -f1))"
}

main
