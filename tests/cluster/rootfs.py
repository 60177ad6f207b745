"""Root filesystem profiles of the stand-in cluster, built from the host's own files (no network).

Profiles (see README.md "Profiles"):
  debian        bash, dash as /bin/sh, coreutils, tar, curl + CA certificates, openssl (Debian's
                ca-certificates depends on it, so .NET's Debian images have it), gzip, findutils, grep, sed
  slim          dash as /bin/sh and coreutils only (no tar, curl, wget), like `dotnet publish` images
  busybox-musl  static busybox with applet links and the musl loader /lib/ld-musl-x86_64.so.1; no .NET
  busybox       static busybox with applet links only (the busybox image, for debug containers)
  distroless    no shell: only what the .NET runtime needs
  chiseled      distroless whose `app` user is uid/gid 1654, as in Microsoft's chiseled images
  busybox-arm64 Debian's arm64 static busybox with applet links (run by qemu-user through binfmt_misc)
  slim-arm64    busybox-arm64 plus the arm64 glibc, libstdc++ and libgcc a self-contained arm64 .NET
                app needs (Debian's arm64 dash and coreutils cannot be installed beside the host's)

Each profile is cached under STATE/rootfs/<profile> and rebuilt only when missing or when this file
(the builder) changed. Layers on top of a profile, rebuilt when their inputs change: arch layers
(STATE/rootfs/arch-<arch>/<profile>) hold a fake uname/arch for containers that declare another CPU
architecture than their profile's; endless layers (STATE/rootfs/endless/<profile>) replace cat and gzip
by programs that never stop streaming (the endless-stream pod).
"""

import errno
import glob
import hashlib
import os
import shutil
import subprocess
import threading

DOTNET_ROOT = "/usr/share/dotnet"
LIBDIR = "/usr/lib/x86_64-linux-gnu"
BIN_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")
# Libraries the .NET runtime loads with dlopen (so ldd does not list them).
DLOPENED = ("libssl.so.3", "libcrypto.so.3", "libicuuc.so.[0-9]*", "libicui18n.so.[0-9]*",
            "libicudata.so.[0-9]*", "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1")
MACHINES = {"arm64": "aarch64", "arm": "armv7l", "amd64": "x86_64"}
HERE = os.path.dirname(os.path.abspath(__file__))
DEBS_DIR = os.path.join(os.path.dirname(os.path.dirname(HERE)), "build", "debs")
# arm64 shared libraries a self-contained .NET app loads (Debian multiarch packages, see ensure-deps.sh)
ARM64_LIB_PACKAGES = ("libc6:arm64", "libgcc-s1:arm64", "libstdc++6:arm64", "zlib1g:arm64", "libssl3:arm64")

PASSWD = ("root:x:0:0:root:/root:{shell}\n"
          "app:x:{app}:{app}:app:/home/app:{shell}\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
GROUP = "root:x:0:\napp:x:{app}:\nnogroup:x:65534:\n"
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"

# name -> what goes in: "packages" (Debian packages whose programs are copied, with their libraries),
# "dotnet" (a .NET app image: mountpoints /app and /usr/share/dotnet; glibc amd64 profiles also get the
# runtime's native dependencies), "sh" (/bin/sh target), "busybox" (static busybox and its applet links
# instead of packages), "musl" (the musl loader), "arch" (default amd64), "app_uid" (uid/gid of `app`)
PROFILES = {
    "debian": {"packages": ("bash", "dash", "coreutils", "tar", "curl", "openssl", "gzip", "findutils", "grep",
                            "sed"), "dotnet": True, "sh": "dash"},
    "slim": {"packages": ("dash", "coreutils"), "dotnet": True, "sh": "dash"},
    "distroless": {"dotnet": True},
    "chiseled": {"dotnet": True, "app_uid": 1654},
    "busybox-musl": {"busybox": True, "musl": True},
    "busybox": {"busybox": True},
    "busybox-arm64": {"busybox": True, "arch": "arm64"},
    "slim-arm64": {"busybox": True, "arch": "arm64", "dotnet": True},
}


_LOCK = threading.RLock()   # profiles and layers are built by one thread at a time (kubelet threads race)


def _locked(fn):
    """Run FN holding _LOCK."""
    def wrapper(*args, **kwargs):
        with _LOCK:
            return fn(*args, **kwargs)
    wrapper.__doc__ = fn.__doc__
    return wrapper


class RootfsError(Exception):
    """A profile could not be built (message names what is missing on the host)."""


def profile_names():
    """Names of the known root filesystem profiles."""
    return sorted(PROFILES)


def has_dotnet(profile):
    """True when containers of PROFILE get the app mounted (and the host runtime, unless self-contained)."""
    return bool(_profile(profile).get("dotnet"))


def profile_arch(profile):
    """CPU architecture of PROFILE's programs: "amd64" or "arm64"."""
    return _profile(profile).get("arch", "amd64")


def _profile(name):
    if name not in PROFILES:
        raise RootfsError(f"unknown rootfs profile {name!r} (known: {', '.join(profile_names())})")
    return PROFILES[name]


def _builder_hash():
    with open(__file__, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def resolve_in_root(root, path, follow_last=True, depth=0):
    """Resolve PATH (absolute, inside the root filesystem ROOT) to a host path, following symlinks as
    the container would see them (absolute targets stay inside ROOT). Returns the host path, which may
    not exist."""
    if depth > 40:
        raise RootfsError(f"too many levels of symbolic links: {path}")
    parts = [p for p in path.split("/") if p and p != "."]
    cur = "/"
    for i, part in enumerate(parts):
        if part == "..":
            cur = os.path.dirname(cur.rstrip("/")) or "/"
            continue
        nxt = os.path.join(cur, part)
        host = root + nxt
        last = i == len(parts) - 1
        if os.path.islink(host) and (follow_last or not last):
            target = os.readlink(host)
            target = target if target.startswith("/") else os.path.join(cur, target)
            rest = "/".join(parts[i + 1:])
            return resolve_in_root(root, os.path.join(target, rest) if rest else target, follow_last, depth + 1)
        cur = nxt
    return root + cur if cur != "/" else root


class _Builder:
    """Copies host files into a new root, recreating the host's symlinks along each path."""

    def __init__(self, root):
        self.root = root
        self.done = set()

    def add(self, path, depth=0):
        """Copy host PATH (file, with the symlinks leading to it) into the root."""
        if path in self.done or depth > 40:
            return
        self.done.add(path)
        parts = [p for p in path.split("/") if p]
        cur = "/"
        for i, part in enumerate(parts):
            cur = os.path.join(cur, part)
            if os.path.islink(cur):
                self._link(cur)
                target = os.path.join(os.path.dirname(cur), os.readlink(cur))
                rest = "/".join(parts[i + 1:])
                self.add(os.path.normpath(os.path.join(target, rest)), depth + 1)
                return
        self._copy(cur)

    def _link(self, host):
        dest = self.root + host
        if not os.path.lexists(dest):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.symlink(os.readlink(host), dest)

    def _copy(self, host):
        dest = self.root + host
        if os.path.isdir(host) or os.path.lexists(dest):
            return
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(host, dest)

    def add_with_libs(self, paths):
        """Copy PATHS and every shared library ldd lists for them."""
        paths = [p for p in paths if os.path.exists(p)]
        for p in paths + shared_libs(paths):
            self.add(p)

    def symlink(self, target, path):
        """Create symlink PATH -> TARGET in the root (PATH resolved through the root's links)."""
        dest = resolve_in_root(self.root, path, follow_last=False)
        if not os.path.lexists(dest):
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            os.symlink(target, dest)

    def write(self, path, text, mode=0o644):
        dest = self.root + path
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        with open(dest, "w") as f:
            f.write(text)
        os.chmod(dest, mode)

    def mkdir(self, path, mode=0o755, owner=(0, 0)):
        dest = resolve_in_root(self.root, path)
        os.makedirs(dest, exist_ok=True)
        os.chmod(dest, mode)
        try:
            os.chown(dest, *owner)
        except OSError as exc:  # rootless mode without that id in the user namespace: stays root's
            if exc.errno != errno.EINVAL:
                raise


def shared_libs(paths):
    """Host paths of the shared libraries that ldd lists for PATHS (missing ones are skipped)."""
    libs = set()
    for i in range(0, len(paths), 100):
        out = subprocess.run(["ldd", *paths[i:i + 100]], capture_output=True, text=True).stdout
        for line in out.splitlines():
            words = line.split()
            if "=>" in words and len(words) > words.index("=>") + 1:
                cand = words[words.index("=>") + 1]
            else:
                cand = words[0] if words else ""
            if cand.startswith("/") and os.path.exists(cand):
                libs.add(cand)
    return sorted(libs)


def package_programs(packages):
    """Programs (files in bin/sbin directories) of the installed Debian PACKAGES."""
    out = subprocess.run(["dpkg", "-L", *packages], capture_output=True, text=True)
    if out.returncode != 0:
        raise RootfsError(f"dpkg -L {' '.join(packages)} failed: {out.stderr.strip()}")
    progs = [p for p in out.stdout.splitlines()
             if p.startswith(BIN_DIRS) and os.path.isfile(p) and os.access(p, os.X_OK)]
    return progs


def dotnet_native_deps():
    """Host libraries the .NET runtime needs: ldd of its native files plus the ones it dlopens."""
    runtime = [os.path.join(DOTNET_ROOT, "dotnet")]
    runtime += glob.glob(os.path.join(DOTNET_ROOT, "shared", "*", "*", "*.so"))
    runtime += glob.glob(os.path.join(DOTNET_ROOT, "host", "fxr", "*", "*.so"))
    deps = [p for p in shared_libs(runtime) if not p.startswith(DOTNET_ROOT + "/")]
    for pattern in DLOPENED:
        found = glob.glob(os.path.join(LIBDIR, pattern))
        if not found:
            raise RootfsError(f"{pattern} not found in {LIBDIR}: install libssl3, libicu72 and zlib1g")
        deps += found
    return deps


def _base_layout(b, shell, dotnet, app_uid=1000):
    """Directories and /etc files every profile has (plus the .NET mountpoints when DOTNET)."""
    for d in ("/etc", "/proc", "/sys", "/dev", "/home", "/var") + (("/app", DOTNET_ROOT) if dotnet else ()):
        b.mkdir(d)
    b.mkdir("/tmp", 0o1777)
    b.mkdir("/var/tmp", 0o1777)
    b.mkdir("/root", 0o700)
    b.mkdir("/home/app", 0o755, (app_uid, app_uid))
    b.write("/etc/passwd", PASSWD.format(shell=shell or "/sbin/nologin", app=app_uid))
    b.write("/etc/group", GROUP.format(app=app_uid))
    b.write("/etc/hosts", HOSTS)
    b.write("/etc/nsswitch.conf", NSSWITCH)


def _add_system_files(b):
    """CA certificates and os-release, as Debian-based images have them."""
    if os.path.isdir("/etc/ssl/certs"):
        shutil.copytree("/etc/ssl/certs", b.root + "/etc/ssl/certs", symlinks=False, dirs_exist_ok=True)
    if os.path.exists("/etc/os-release"):
        b.add("/etc/os-release")


def _build_glibc(b, name):
    prof = PROFILES[name]
    b.add_with_libs(package_programs(prof["packages"]) if prof.get("packages") else [])
    if prof.get("dotnet"):
        b.add_with_libs(dotnet_native_deps())
        b.symlink(DOTNET_ROOT + "/dotnet", "/usr/bin/dotnet")  # as in Microsoft's aspnet images
    if prof.get("sh"):
        b.symlink(prof["sh"], "/bin/sh")
    _add_system_files(b)
    _base_layout(b, "/bin/sh" if prof.get("sh") else None, prof.get("dotnet"), prof.get("app_uid", 1000))


def _busybox_binary():
    for path in package_programs(["busybox-static"]):
        if os.path.basename(path) == "busybox":
            return path
    raise RootfsError("busybox-static is not installed (apt-get install busybox-static)")


def _arm64_busybox(tmp):
    """Unpack bin/busybox of Debian's busybox-static arm64 package (build/debs) under TMP; its path."""
    debs = sorted(glob.glob(os.path.join(DEBS_DIR, "busybox-static_*_arm64.deb")))
    if not debs:
        raise RootfsError(f"no busybox-static arm64 package in {DEBS_DIR} (run scripts/ensure-deps.sh test, which "
                          "downloads it with apt-get download busybox-static:arm64)")
    subprocess.run(["dpkg-deb", "-x", debs[-1], tmp], check=True, capture_output=True)
    return os.path.join(tmp, "bin", "busybox")


def _arm64_libs():
    """Host paths of the arm64 shared libraries in ARM64_LIB_PACKAGES (no gconv modules)."""
    out = subprocess.run(["dpkg", "-L", *ARM64_LIB_PACKAGES], capture_output=True, text=True)
    if out.returncode != 0:
        raise RootfsError(f"dpkg -L {' '.join(ARM64_LIB_PACKAGES)} failed: {out.stderr.strip()} "
                          "(run scripts/ensure-deps.sh test: it installs libstdc++6:arm64)")
    return [p for p in out.stdout.splitlines()
            if ".so" in os.path.basename(p) and "/gconv/" not in p and os.path.isfile(p)]


def _build_busybox(b, name):
    """A static busybox with a link per applet (the host's list: Debian builds every arch alike), plus
    what the profile asks for: the musl loader, or the arm64 glibc a self-contained .NET app needs."""
    prof = PROFILES[name]
    os.makedirs(b.root + "/bin")
    host_bb = _busybox_binary()
    if prof.get("arch") == "arm64":
        tmp = b.root + ".deb"
        shutil.copy2(_arm64_busybox(tmp), b.root + "/bin/busybox")
        shutil.rmtree(tmp)
    else:
        shutil.copy2(host_bb, b.root + "/bin/busybox")
    if prof.get("musl"):
        musl = "/lib/ld-musl-x86_64.so.1"
        if not os.path.exists(musl):
            raise RootfsError(f"{musl} not found (apt-get install musl)")
        os.makedirs(b.root + "/lib")
        shutil.copy2(os.path.realpath(musl), b.root + "/lib/ld-musl-x86_64.so.1")
        os.symlink("ld-musl-x86_64.so.1", b.root + "/lib/libc.musl-x86_64.so.1")
    if prof.get("dotnet"):
        for lib in _arm64_libs():
            b.add(lib)
        _add_system_files(b)
    applets = subprocess.run([host_bb, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    for rel in applets:
        dest = os.path.join(b.root, rel)
        if os.path.lexists(dest):
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.symlink(os.path.relpath(b.root + "/bin/busybox", os.path.dirname(dest)), dest)
    _base_layout(b, "/bin/sh", prof.get("dotnet"))


def _stamp_path(state, name):
    return os.path.join(state, "rootfs", name + ".stamp")


def _up_to_date(state, name, digest):
    try:
        with open(_stamp_path(state, name)) as f:
            return f.read().strip() == digest and os.path.isdir(os.path.join(state, "rootfs", name))
    except OSError:
        return False


def _atomic_build(state, name, digest, build):
    final = os.path.join(state, "rootfs", name)
    tmp = final + ".tmp"
    shutil.rmtree(tmp, ignore_errors=True)
    os.makedirs(tmp)
    build(_Builder(tmp))
    shutil.rmtree(final, ignore_errors=True)
    os.rename(tmp, final)
    with open(_stamp_path(state, name), "w") as f:
        f.write(digest + "\n")
    return final


def profile_path(state, name):
    """Where profile NAME is cached under STATE (it may not be built yet)."""
    return os.path.join(state, "rootfs", name)


@_locked
def ensure_profile(state, name):
    """Build profile NAME under STATE/rootfs unless it is cached and current; return its path."""
    _profile(name)
    digest = _builder_hash()
    path = os.path.join(state, "rootfs", name)
    if _up_to_date(state, name, digest):
        return path
    if PROFILES[name].get("busybox"):
        return _atomic_build(state, name, digest, lambda b: _build_busybox(b, name))
    return _atomic_build(state, name, digest, lambda b: _build_glibc(b, name))


def _uname_targets(root):
    """Container paths where PROFILE root has uname/arch, resolved through directory symlinks."""
    found = {}
    for path in ("/bin/uname", "/usr/bin/uname", "/bin/arch", "/usr/bin/arch"):
        real = resolve_in_root(root, os.path.dirname(path)) + "/" + os.path.basename(path)
        if os.path.lexists(real):
            found[os.path.relpath(real, root)] = True
    return sorted(found)


@_locked
def ensure_arch_layer(state, profile, arch, fake_uname):
    """Overlay layer for PROFILE that replaces uname/arch with FAKE_UNAME (built for ARCH); returns its
    path, or None when ARCH is the host's own."""
    machine = MACHINES.get(arch)
    if machine is None:
        raise RootfsError(f"unknown arch {arch!r} (known: {', '.join(sorted(MACHINES))})")
    if machine == os.uname().machine:
        return None
    root = ensure_profile(state, profile)
    name = os.path.join(f"arch-{arch}", profile)
    with open(fake_uname, "rb") as f:
        digest = hashlib.sha256(f.read() + (_builder_hash() + root).encode()).hexdigest()
    if _up_to_date(state, name, digest):   # never rebuilt under a container that uses it
        return os.path.join(state, "rootfs", name)

    def build(b):
        for rel in _uname_targets(root):
            dest = os.path.join(b.root, rel)
            os.makedirs(os.path.dirname(dest), exist_ok=True)
            shutil.copy2(fake_uname, dest)
    os.makedirs(os.path.join(state, "rootfs", f"arch-{arch}"), exist_ok=True)
    return _atomic_build(state, name, digest, build)


# ------------------------------------------------------------------------------------------------
# the endless-stream layer (README.md "Pods": sample-endless)

ENDLESS_MIN = 65536   # smaller inputs are copied normally, so scripts that cat small files still work
ENDLESS_CAT = r"""#!/bin/sh
# cat of the stand-in's endless-stream pod: a copy of one regular file of at least {min} bytes (an
# argument, or stdin) never ends: after the file it streams the file again, forever. Anything else is
# the real cat (/usr/lib/standin/cat). "cat=normal" in /etc/standin-endless turns this off.
real=/usr/lib/standin/cat
case $($real /etc/standin-endless 2>/dev/null) in *cat=normal*) exec $real "$@" ;; esac
if [ $# -eq 0 ] || {{ [ $# -eq 1 ] && [ "$1" = - ]; }}; then f=/dev/stdin
elif [ $# -eq 1 ]; then f=$1
else exec $real "$@"; fi
case $(readlink -f "$f" 2>/dev/null) in /proc/* | /sys/* | /dev/* | "") exec $real "$@" ;; esac
if [ ! -f "$f" ] || [ "$(wc -c <"$f")" -lt {min} ]; then exec $real "$@"; fi
$real "$@" || exit 1
while $real "$f"; do :; done
exit 1
"""
ENDLESS_GZIP = r"""#!/bin/sh
# gzip of the stand-in's endless-stream pod: compressing stdin to stdout when stdin is a regular file
# of at least {min} bytes, it writes the real gzip stream of the file, then gzip members of 1 MiB of
# zeros (about 1 KiB each; zeros.gz holds 64 of them) forever: a stream that never ends and
# decompresses to ever more bytes. "gzip=bomb" in /etc/standin-endless: 1024 such members (1 GiB
# uncompressed), then the end.
# "gzip=normal": the real gzip (/usr/lib/standin/gzip) always.
real=/usr/lib/standin/gzip
mode=endless
case $(/usr/lib/standin/cat /etc/standin-endless 2>/dev/null) in *gzip=normal*) exec $real "$@" ;;
*gzip=bomb*) mode=bomb ;; esac
for a in "$@"; do case $a in --decompress | --uncompress | --test | --list) exec $real "$@" ;; --*) ;;
-*[dtl]*) exec $real "$@" ;; -*) ;; *) exec $real "$@" ;; esac; done
case $(readlink -f /dev/stdin 2>/dev/null) in /proc/* | /sys/* | /dev/* | "") exec $real "$@" ;; esac
if [ ! -f /dev/stdin ] || [ "$(wc -c </dev/stdin)" -lt {min} ]; then exec $real "$@"; fi
$real "$@" || exit 1
n=0
while [ $mode = endless ] || [ $n -lt 16 ]; do
	/usr/lib/standin/cat /usr/lib/standin/zeros.gz || exit 1
	n=$((n + 1))
done
"""


@_locked
def ensure_endless_layer(state, profile):
    """Overlay layer for PROFILE whose cat and gzip stream forever (ENDLESS_CAT, ENDLESS_GZIP); the
    real programs move to /usr/lib/standin. Rebuilt only when missing or stale; returns its path."""
    root = ensure_profile(state, profile)
    layer = os.path.join(state, "rootfs", "endless", profile)
    digest = hashlib.sha256((_builder_hash() + root).encode()).hexdigest()
    if _up_to_date(state, os.path.join("endless", profile), digest):
        return layer

    def build(b):
        for prog, script in (("cat", ENDLESS_CAT), ("gzip", ENDLESS_GZIP)):
            real = resolve_in_root(root, "/bin/" + prog)
            if not os.path.isfile(real):
                raise RootfsError(f"profile {profile} has no {prog} to replace (use a profile with gzip: debian)")
            os.makedirs(b.root + "/usr/lib/standin", exist_ok=True)
            shutil.copy2(real, b.root + "/usr/lib/standin/" + prog)
            b.write("/" + os.path.relpath(real, root), script.format(min=ENDLESS_MIN), 0o755)
        zeros = subprocess.run(["gzip", "-9", "-c"], input=bytes(1 << 20), capture_output=True, check=True).stdout
        with open(b.root + "/usr/lib/standin/zeros.gz", "wb") as f:
            f.write(zeros * 64)   # 64 members: one cat per 64 MiB of the bomb
    os.makedirs(os.path.dirname(layer), exist_ok=True)
    return _atomic_build(state, os.path.join("endless", profile), digest, build)
