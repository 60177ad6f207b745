#!/bin/sh
# dist.sh - release archives: kubectl-dotnetprof_VERSION_linux_{amd64,arm64}.tar.gz.
#
# Usage: scripts/dist.sh VERSION [DISTDIR]      (make dist VERSION=vX.Y.Z [DISTDIR=build/release])
#
# Each archive holds, at its root: kubectl-dotnetprof, LICENSE, LICENSE.cJSON, kubectl-dotnetprof.1
# and kubectl_complete-dotnetprof. arm64 is cross-compiled with Debian's gcc-aarch64-linux-gnu and
# the arm64 (multiarch) libraries; scripts/ensure-deps.sh dist installs them. cJSON (compiled in from
# Debian's source package: Debian ships no libcjson.a) and libbsd/libmd are linked statically, so
# the binary needs only libcurl and libc; the archives are checked for that with readelf. Builds
# go to build/dist/ARCH (never the developer build's directories); the archives are reproducible
# (sorted, owner 0, mtime of the last commit, gzip -n). Also writes DISTDIR/SHA256SUMS.
set -eu

version=${1:-}
distdir=${2:-build/release}
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

die() {
	echo "dist: $*" >&2
	exit 1
}

printf '%s\n' "$version" | grep -Eq '^v[0-9]+\.[0-9]+\.[0-9]+(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$' ||
	die "VERSION must be a semantic version with a leading v (v1.2.3), got \"$version\""

sh scripts/ensure-deps.sh dist || die "missing build dependencies (see above)"
cjson=build/dist/cjson
[ -f "$cjson/cJSON.c" ] || die "$cjson/cJSON.c is missing (scripts/ensure-deps.sh dist fetches it)"

epoch=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || echo 0)}
mkdir -p "$distdir"
: >"$distdir/SHA256SUMS.tmp"

for arch in amd64 arm64; do
	case $arch in
	amd64) triplet=x86_64-linux-gnu machine='X86-64' ;;
	arm64) triplet=aarch64-linux-gnu machine='AArch64' ;;
	esac
	cc=$triplet-gcc
	b=build/dist/$arch
	bin=$b/kubectl-dotnetprof
	pc() { PKG_CONFIG_LIBDIR=/usr/lib/$triplet/pkgconfig:/usr/share/pkgconfig pkg-config "$@"; }
	cflags="-I$top/$cjson $(pc --cflags libcurl) $(pc --cflags libbsd-overlay)"
	mkdir -p "$b"
	echo "dist: building $arch with $cc"
	"$cc" -std=c99 -O2 -fPIC -c -o "$b/cJSON.o" "$cjson/cJSON.c"
	libs="$top/$b/cJSON.o $(pc --libs libcurl) -Wl,-Bstatic $(pc --static --libs libbsd-overlay)"
	libs="$libs -Wl,-Bdynamic -lm"
	# a release build takes no knobs from a calling make (SANITIZE=..., WERROR=1 of `make check`)
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL make --no-print-directory -j"$(nproc 2>/dev/null || echo 2)" \
		SANITIZE= DEVELOPER= WERROR= CPPFLAGS= \
		B="$b" GEN="$b/gen" BIN="$bin" VERSION="$version" CC="$cc" AR="$triplet-ar" \
		CFLAGS="-O2 -ffile-prefix-map=$top/=" LDFLAGS="-s" \
		PKG_CFLAGS="$cflags" PKG_LIBS="$libs" "$bin" >"$b/build.log" 2>&1 ||
		{ tail -n 30 "$b/build.log" >&2; die "$arch build failed (log: $b/build.log)"; }

	# The checks the release promises: the right CPU, and nothing but libcurl and libc needed.
	readelf -h "$bin" | grep -q "Machine:.*$machine" || die "$bin is not a $machine ELF"
	needed=$(readelf -d "$bin" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
	echo "dist: $arch needs: $needed"
	case " $needed" in
	*cjson* | *libbsd* | *libmd.*) die "$bin still links $needed" ;;
	esac
	if [ "$arch" = amd64 ] && [ "$(uname -m)" = x86_64 ]; then
		got=$("$bin" version) || die "$bin version failed"
		[ "$got" = "kubectl-dotnetprof $version" ] || die "$bin version says \"$got\""
	fi

	pkg=$b/pkg
	rm -rf "$pkg"
	mkdir -p "$pkg"
	cp "$bin" "$pkg/kubectl-dotnetprof"
	cp LICENSE "$pkg/LICENSE"
	cp "$cjson/LICENSE" "$pkg/LICENSE.cJSON"
	cp docs/kubectl-dotnetprof.1 "$pkg/kubectl-dotnetprof.1"
	cp scripts/kubectl_complete-dotnetprof "$pkg/kubectl_complete-dotnetprof"
	chmod 0755 "$pkg/kubectl-dotnetprof" "$pkg/kubectl_complete-dotnetprof"
	chmod 0644 "$pkg/LICENSE" "$pkg/LICENSE.cJSON" "$pkg/kubectl-dotnetprof.1"
	archive=kubectl-dotnetprof_${version}_linux_${arch}.tar.gz
	(cd "$pkg" && tar --sort=name --owner=0 --group=0 --numeric-owner --mtime="@$epoch" \
		-cf - kubectl-dotnetprof LICENSE LICENSE.cJSON kubectl-dotnetprof.1 \
		kubectl_complete-dotnetprof) | gzip -n -9 >"$distdir/$archive.tmp"
	mv "$distdir/$archive.tmp" "$distdir/$archive"
	(cd "$distdir" && sha256sum "$archive") >>"$distdir/SHA256SUMS.tmp"
	echo "dist: $distdir/$archive"
done
mv "$distdir/SHA256SUMS.tmp" "$distdir/SHA256SUMS"
cat "$distdir/SHA256SUMS"
