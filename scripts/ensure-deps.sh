#!/bin/sh
# ensure-deps.sh - make sure this machine has what building and testing kubectl-dotnetprof needs.
#
# Usage: scripts/ensure-deps.sh [build|test]
#   build: a C compiler, make, pkg-config and the libraries (libcurl, cJSON, libbsd, cmocka).
#   test:  also what the local stand-in cluster needs (python3, util-linux nsenter, busybox-static,
#          musl, openssl, curl, the .NET SDK, kubectl 1.30+), plus clang for `make fuzz`.
# On Debian/Ubuntu as root it installs missing packages with apt-get; otherwise it prints the exact
# command to run and exits 1. It never downloads anything but distribution packages.
set -eu

what=${1:-build}
build_pkgs="gcc make pkg-config libcurl4-openssl-dev libcjson-dev libbsd-dev libcmocka-dev"
test_pkgs="python3 util-linux uidmap busybox-static musl openssl curl clang libclang-rt-14-dev mandoc"

missing=""
need_pkg() { # PACKAGE: add it to $missing unless dpkg says it is installed
	dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "ok installed" || missing="$missing $1"
}

if ! command -v dpkg-query >/dev/null 2>&1; then
	for lib in libcurl libcjson libbsd-overlay cmocka; do
		pkg-config --exists "$lib" 2>/dev/null || {
			echo "ensure-deps: pkg-config cannot find $lib; install it with your package manager" >&2
			exit 1
		}
	done
	exit 0
fi

for p in $build_pkgs; do need_pkg "$p"; done
if [ "$what" = test ]; then
	for p in $test_pkgs; do need_pkg "$p"; done
fi

if [ -n "$missing" ]; then
	if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
		echo "ensure-deps: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "ensure-deps: missing packages:$missing" >&2
		echo "hint: run: sudo apt-get install -y$missing" >&2
		exit 1
	fi
fi

if [ "$what" = test ]; then
	command -v dotnet >/dev/null 2>&1 || {
		echo "ensure-deps: the .NET SDK (8 or later) is needed to build the sample app and the tools" >&2
		echo "hint: see https://learn.microsoft.com/dotnet/core/install/linux-debian" >&2
		exit 1
	}
	command -v kubectl >/dev/null 2>&1 || {
		echo "ensure-deps: kubectl 1.30 or later is needed on PATH" >&2
		echo "hint: see https://kubernetes.io/docs/tasks/tools/install-kubectl-linux/" >&2
		exit 1
	}
fi
exit 0
