"""Root filesystem profiles of the stand-in cluster, built from the host's own files (no network).

Profiles (see README.md "Profiles"):
  debian        bash, dash as /bin/sh, coreutils, tar, curl + CA certificates, openssl (Debian's
                ca-certificates depends on it, so .NET's Debian images have it), gzip, findutils, grep, sed
  slim          dash as /bin/sh and coreutils only (no tar, curl, wget), like `dotnet publish` images
  busybox-musl  static busybox with applet links and the musl loader /lib/ld-musl-x86_64.so.1; no .NET
  distroless    no shell: only what the .NET runtime needs

Each profile is cached under STATE/rootfs/<profile> and rebuilt only when missing or when this file
(the builder) changed. Arch layers (STATE/rootfs/arch-<arch>/<profile>) hold a fake uname/arch that is
overlaid on a profile for containers that declare another CPU architecture.
"""

import errno
import glob
import hashlib
import os
import shutil
import subprocess

DOTNET_ROOT = "/usr/share/dotnet"
LIBDIR = "/usr/lib/x86_64-linux-gnu"
BIN_DIRS = ("/bin/", "/sbin/", "/usr/bin/", "/usr/sbin/")
# Libraries the .NET runtime loads with dlopen (so ldd does not list them).
DLOPENED = ("libssl.so.3", "libcrypto.so.3", "libicuuc.so.[0-9]*", "libicui18n.so.[0-9]*",
            "libicudata.so.[0-9]*", "libstdc++.so.6", "libgcc_s.so.1", "libz.so.1")
MACHINES = {"arm64": "aarch64", "arm": "armv7l", "amd64": "x86_64"}

PASSWD = ("root:x:0:0:root:/root:{shell}\n"
          "app:x:1000:1000:app:/home/app:{shell}\n"
          "nobody:x:65534:65534:nobody:/nonexistent:/usr/sbin/nologin\n")
GROUP = "root:x:0:\napp:x:1000:\nnogroup:x:65534:\n"
HOSTS = "127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
NSSWITCH = "passwd: files\ngroup: files\nshadow: files\nhosts: files dns\n"

# name -> (Debian packages whose programs are copied, has .NET runtime mounts, /bin/sh target)
PROFILES = {
    "debian": (("bash", "dash", "coreutils", "tar", "curl", "openssl", "gzip", "findutils", "grep", "sed"),
               True, "dash"),
    "slim": (("dash", "coreutils"), True, "dash"),
    "distroless": ((), True, None),
    "busybox-musl": ((), False, None),
}


class RootfsError(Exception):
    """A profile could not be built (message names what is missing on the host)."""


def profile_names():
    """Names of the known root filesystem profiles."""
    return sorted(PROFILES)


def has_dotnet(profile):
    """True when containers of PROFILE get the host .NET runtime and the app mounted."""
    return _profile(profile)[1]


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


def _base_layout(b, shell, dotnet):
    """Directories and /etc files every profile has (plus the .NET mountpoints when DOTNET)."""
    for d in ("/etc", "/proc", "/sys", "/dev", "/home", "/var") + (("/app", DOTNET_ROOT) if dotnet else ()):
        b.mkdir(d)
    b.mkdir("/tmp", 0o1777)
    b.mkdir("/var/tmp", 0o1777)
    b.mkdir("/root", 0o700)
    b.mkdir("/home/app", 0o755, (1000, 1000))
    b.write("/etc/passwd", PASSWD.format(shell=shell or "/sbin/nologin"))
    b.write("/etc/group", GROUP)
    b.write("/etc/hosts", HOSTS)
    b.write("/etc/nsswitch.conf", NSSWITCH)


def _build_glibc(b, name):
    packages, dotnet, sh = PROFILES[name]
    b.add_with_libs(package_programs(packages) if packages else [])
    if dotnet:
        b.add_with_libs(dotnet_native_deps())
        b.symlink(DOTNET_ROOT + "/dotnet", "/usr/bin/dotnet")  # as in Microsoft's aspnet images
    if sh:
        b.symlink(sh, "/bin/sh")
    if os.path.isdir("/etc/ssl/certs"):
        shutil.copytree("/etc/ssl/certs", b.root + "/etc/ssl/certs", symlinks=False, dirs_exist_ok=True)
    if os.path.exists("/etc/os-release"):
        b.add("/etc/os-release")
    _base_layout(b, "/bin/sh" if sh else None, dotnet)


def _busybox_binary():
    for path in package_programs(["busybox-static"]):
        if os.path.basename(path) == "busybox":
            return path
    raise RootfsError("busybox-static is not installed (apt-get install busybox-static)")


def _build_busybox_musl(b):
    bb = _busybox_binary()
    musl = "/lib/ld-musl-x86_64.so.1"
    if not os.path.exists(musl):
        raise RootfsError(f"{musl} not found (apt-get install musl)")
    os.makedirs(b.root + "/bin")
    os.makedirs(b.root + "/lib")
    shutil.copy2(bb, b.root + "/bin/busybox")
    shutil.copy2(os.path.realpath(musl), b.root + "/lib/ld-musl-x86_64.so.1")
    os.symlink("ld-musl-x86_64.so.1", b.root + "/lib/libc.musl-x86_64.so.1")
    applets = subprocess.run([bb, "--list-full"], capture_output=True, text=True, check=True).stdout.split()
    for rel in applets:
        dest = os.path.join(b.root, rel)
        if os.path.lexists(dest):
            continue
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        os.symlink(os.path.relpath(b.root + "/bin/busybox", os.path.dirname(dest)), dest)
    _base_layout(b, "/bin/sh", False)


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


def ensure_profile(state, name):
    """Build profile NAME under STATE/rootfs unless it is cached and current; return its path."""
    _profile(name)
    digest = _builder_hash()
    path = os.path.join(state, "rootfs", name)
    if _up_to_date(state, name, digest):
        return path
    if name == "busybox-musl":
        return _atomic_build(state, name, digest, _build_busybox_musl)
    return _atomic_build(state, name, digest, lambda b: _build_glibc(b, name))


def _uname_targets(root):
    """Container paths where PROFILE root has uname/arch, resolved through directory symlinks."""
    found = {}
    for path in ("/bin/uname", "/usr/bin/uname", "/bin/arch", "/usr/bin/arch"):
        real = resolve_in_root(root, os.path.dirname(path)) + "/" + os.path.basename(path)
        if os.path.lexists(real):
            found[os.path.relpath(real, root)] = True
    return sorted(found)


def ensure_arch_layer(state, profile, arch, fake_uname):
    """Overlay layer for PROFILE that replaces uname/arch with FAKE_UNAME (built for ARCH); returns its
    path, or None when ARCH is the host's own."""
    machine = MACHINES.get(arch)
    if machine is None:
        raise RootfsError(f"unknown arch {arch!r} (known: {', '.join(sorted(MACHINES))})")
    if machine == os.uname().machine:
        return None
    root = ensure_profile(state, profile)
    layer = os.path.join(state, "rootfs", f"arch-{arch}", profile)
    shutil.rmtree(layer, ignore_errors=True)
    for rel in _uname_targets(root):
        dest = os.path.join(layer, rel)
        os.makedirs(os.path.dirname(dest), exist_ok=True)
        shutil.copy2(fake_uname, dest)
    os.makedirs(layer, exist_ok=True)
    return layer
