#!/bin/sh
# ensure-deps.sh - make sure this machine has what building and testing kubectl-dotnetprof needs.
#
# Usage: scripts/ensure-deps.sh [build|demo|test|dist]
#   build: a C compiler, make, pkg-config and the libraries (libcurl, cJSON, libbsd, cmocka), and
#          what the in-pod agent (agent/agent.mk) is built with: musl for x64 (musl-tools), and the
#          arm64 and armhf cross compilers with musl for them (multiarch: adds the arm64 and armhf
#          architectures to dpkg).
#   demo:  build, plus what the local stand-in cluster needs (`make demo`): as test without the
#          completion shells and the release toolchain.
#   test:  also what the local stand-in cluster needs (python3, util-linux, busybox-static, musl,
#          openssl, curl, the .NET SDK, kubectl 1.30+; for its arm64 pod qemu-user-static,
#          libstdc++6:arm64 and Debian's arm64 busybox-static package, downloaded with apt-get
#          download into build/debs, not installed), clang for `make fuzz`, zsh, fish and
#          bash-completion for the completion tests, chromium (headless) for the flame graph test
#          (the arm agents' tests run under qemu-user-static too), and all that `dist` needs (a unit
#          test builds a release).
#   dist:  what `make dist` needs: the arm64 cross compiler and arm64 libraries (multiarch: adds the
#          arm64 architecture to dpkg), the static libbsd/libmd, and cJSON's Debian source package
#          (Debian ships no static libcJSON; release builds compile it in), fetched with apt-get
#          source into build/dist/cjson (adds a deb-src list beside the system's when none exists).
# On Debian/Ubuntu as root it installs missing packages with apt-get; otherwise it prints the exact
# command to run and exits 1. It never downloads anything but distribution packages.
set -eu

what=${1:-build}
demo=""
if [ "$what" = demo ]; then # the stand-in's needs are the test group's; no dist, no extra shells
	what=test
	demo=1
fi
build_pkgs="gcc make pkg-config libcurl4-openssl-dev libcjson-dev libbsd-dev libcmocka-dev
	musl-tools gcc-aarch64-linux-gnu musl-dev:arm64 gcc-arm-linux-gnueabihf musl-dev:armhf"
test_pkgs="python3 util-linux uidmap busybox-static musl openssl curl clang libclang-rt-14-dev mandoc zsh fish
	bash-completion chromium"
# the stand-in's arm64 pod (and the arm agents' tests): arm64 code run by qemu-user through
# binfmt_misc (multiarch)
arm64_run_pkgs="qemu-user-static libstdc++6:arm64"
dist_pkgs="gcc-aarch64-linux-gnu libc6-dev-arm64-cross libcurl4-openssl-dev:arm64 libcjson-dev:arm64
	libbsd-dev:arm64 libmd-dev:arm64 libmd-dev patch"

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

is_root() { [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; }

for p in $build_pkgs; do need_pkg "$p"; done
add_arch=""
if [ "$what" = test ]; then
	for p in $test_pkgs; do
		case "$demo:$p" in 1:zsh | 1:fish | 1:bash-completion | 1:chromium) ;; *) need_pkg "$p" ;; esac
	done
	for p in $arm64_run_pkgs; do need_pkg "$p"; done
	dpkg --print-foreign-architectures | grep -qx arm64 || add_arch=1
fi
if { [ "$what" = test ] && [ -z "$demo" ]; } || [ "$what" = dist ]; then
	for p in $dist_pkgs; do need_pkg "$p"; done
fi
# the foreign architectures the missing packages come from (pkg:arch), not yet known to dpkg
add_arch=""
for p in $missing; do
	case $p in
	*:*) a=${p#*:}
		case " $add_arch " in *" $a "*) continue ;; esac
		dpkg --print-foreign-architectures | grep -qx "$a" || add_arch="$add_arch $a" ;;
	esac
done

if [ -n "$missing" ]; then
	if is_root; then
		echo "ensure-deps: installing:$missing"
		export DEBIAN_FRONTEND=noninteractive
		for a in $add_arch; do
			echo "ensure-deps: dpkg --add-architecture $a"
			dpkg --add-architecture "$a"
		done
		apt-get update -qq
		# shellcheck disable=SC2086
		apt-get install -y -qq --no-install-recommends $missing >/dev/null
	else
		echo "ensure-deps: missing packages:$missing" >&2
		if [ -n "$add_arch" ]; then
			adds=""
			for a in $add_arch; do adds="${adds}sudo dpkg --add-architecture $a && "; done
			echo "hint: run: ${adds}sudo apt-get update &&" \
				"sudo apt-get install -y$missing" >&2
		else
			echo "hint: run: sudo apt-get install -y$missing" >&2
		fi
		exit 1
	fi
fi

# cJSON's source (Debian's package of the installed version), for static release builds.
cjson_dir=$(dirname "$0")/../build/dist/cjson
if { { [ "$what" = test ] && [ -z "$demo" ]; } || [ "$what" = dist ]; } && [ ! -f "$cjson_dir/cJSON.c" ]; then
	src_list=/etc/apt/sources.list.d/kubectl-dotnetprof-src.sources
	if ! apt-cache showsrc cjson 2>/dev/null | grep -q '^Package: cjson'; then
		if ! is_root; then
			echo "ensure-deps: cJSON's source package is needed for make dist, and apt has no deb-src" >&2
			echo "hint: add a deb-src line for your distribution, run sudo apt-get update, then" \
				"make dist again" >&2
			exit 1
		fi
		echo "ensure-deps: adding deb-src entries in $src_list"
		if [ -f /etc/apt/sources.list.d/debian.sources ]; then
			sed 's/^Types:.*/Types: deb-src/' /etc/apt/sources.list.d/debian.sources >"$src_list"
		else
			sed -n 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list >"${src_list%.sources}.list"
		fi
		apt-get update -qq
	fi
	ver=$(dpkg-query -W -f='${source:Version}\n' libcjson-dev | head -n 1)
	tmp=$(mktemp -d)
	(cd "$tmp" && apt-get source -qq --download-only "cjson=$ver" >/dev/null) || {
		rm -rf "$tmp"
		echo "ensure-deps: apt-get source cjson=$ver failed" >&2
		exit 1
	}
	mkdir -p "$cjson_dir" "$tmp/src"
	# Debian's source: the upstream tarball plus debian/patches (its security fixes), applied in order
	tar -xf "$tmp"/cjson_*.orig.tar.* -C "$tmp/src" --strip-components=1
	tar -xf "$tmp"/cjson_*.debian.tar.* -C "$tmp/src"
	if [ -f "$tmp/src/debian/patches/series" ]; then
		grep -v '^[[:space:]]*\(#\|$\)' "$tmp/src/debian/patches/series" | while read -r patch _; do
			(cd "$tmp/src" && patch -s -p1 <"debian/patches/$patch") || exit 1
		done || { rm -rf "$tmp"; echo "ensure-deps: cannot apply cJSON's Debian patches" >&2; exit 1; }
	fi
	cp "$tmp/src/cJSON.c" "$tmp/src/cJSON.h" "$tmp/src/LICENSE" "$cjson_dir"/
	rm -rf "$tmp"
	echo "ensure-deps: cJSON $ver source in build/dist/cjson"
fi

# Debian's arm64 busybox (static) for the stand-in's arm64 rootfs profiles: it cannot be installed
# beside the host's busybox-static, so its package is only downloaded; rootfs.py unpacks it.
debs_dir=$(dirname "$0")/../build/debs
if [ "$what" = test ] && ! ls "$debs_dir"/busybox-static_*_arm64.deb >/dev/null 2>&1; then
	mkdir -p "$debs_dir"
	(cd "$debs_dir" && apt-get download -qq busybox-static:arm64 >/dev/null 2>&1) || {
		echo "ensure-deps: apt-get download busybox-static:arm64 failed (the stand-in's arm64 pod needs it)" >&2
		echo "hint: run scripts/ensure-deps.sh test as root once (it adds the arm64 architecture to apt)" >&2
		exit 1
	}
	echo "ensure-deps: busybox-static:arm64 package in build/debs"
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
