#!/usr/bin/env python3
"""standin.py: start, stop and steer the local stand-in Kubernetes cluster used by the e2e tests.

    python3 tests/cluster/standin.py up [--spec EXTRA.json]... [--no-default-pods] [--tls|--no-tls] [--minor 33]
                                        [--api-port 16443] [--tools-port 18080] [--port-offset N] [--state DIR]
    python3 tests/cluster/standin.py down | status
    python3 tests/cluster/standin.py fault --pod NAME [-n NS] [--cut-after-bytes N] [--flip-byte-at N]
                                           [--delay-ms N] [--forbid-exec] [--forbid-ephemeral] [--count K]
                                           [--rate-bytes-per-sec N]
    python3 tests/cluster/standin.py fault --clear [--pod NAME -n NS]
    python3 tests/cluster/standin.py version MINOR

`up` builds what is missing (sample app, tool bundles, sandbox helpers, rootfs profiles), starts one
daemon (API server + tools server threads + pods, see sandbox.py), waits until every pod is ready and
writes STATE/kubeconfig and STATE/env. `down` stops it all, even when the daemon died. See README.md.
As root it runs directly; as another user it runs the daemon as root of a user namespace (rootless
mode) when the kernel allows that, else it says which setting forbids it.
"""

import argparse
import base64
import json
import os
import secrets
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import threading
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.dont_write_bytecode = True  # keep tests/cluster free of __pycache__
sys.path.insert(0, HERE)

import rootfs  # noqa: E402
import sandbox  # noqa: E402

API_PORT = 16443
TOOLS_PORT = 18080
CONTEXT = "dotnetprof-local"
USER = "dotnetprof-dev"
DEFAULT_MINOR = "33"
READY_TIMEOUT = 240.0


def say(msg):
    """Progress line on stdout."""
    print(f"standin: {msg}", flush=True)


def fail(msg, code=1):
    """Error line on stderr, then exit CODE."""
    print(f"standin: error: {msg}", file=sys.stderr, flush=True)
    sys.exit(code)


# ------------------------------------------------------------------------------------------------
# state files


class State:
    """Paths of the files under the state directory."""

    def __init__(self, path):
        self.dir = os.path.abspath(path)

    def path(self, name):
        return os.path.join(self.dir, name)

    def read_json(self, name):
        try:
            with open(self.path(name)) as f:
                return json.load(f)
        except (OSError, ValueError):
            return None

    def write(self, name, text, mode=0o644):
        tmp = self.path(name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        os.replace(tmp, self.path(name))

    def remove(self, *names):
        for name in names:
            try:
                os.unlink(self.path(name))
            except FileNotFoundError:
                pass

    def daemon_pid(self):
        """Pid of the live daemon, or None."""
        rec = self.read_json("daemon.pid")
        if rec and sandbox._proc_start_time(rec.get("pid")) == rec.get("start"):
            return rec["pid"]
        return None


# ------------------------------------------------------------------------------------------------
# privileges


def _sysctl(path):
    """Contents of a /proc/sys file, or None when it does not exist."""
    try:
        with open(path) as f:
            return f.read().strip()
    except OSError:
        return None


def userns_forbidden():
    """None when this user can make user namespaces that the stand-in can use, else why not (the
    setting that forbids it)."""
    clone = "/proc/sys/kernel/unprivileged_userns_clone"
    if _sysctl(clone) == "0":
        return (f"{clone} is 0 (unprivileged user namespaces are switched off; as root: "
                "sysctl -w kernel.unprivileged_userns_clone=1)")
    maxns = "/proc/sys/user/max_user_namespaces"
    if _sysctl(maxns) == "0":
        return f"{maxns} is 0 (no user namespaces allowed; as root: sysctl -w user.max_user_namespaces=15000)"
    release = os.uname().release
    try:
        major, minor = (int(x) for x in release.split(".")[:2])
    except ValueError:
        major, minor = 0, 0
    if (major, minor) < (5, 11):
        return f"Linux {release} is older than 5.11, which cannot mount overlayfs in a user namespace"
    unshare = shutil.which("unshare")
    if not unshare:
        return "unshare (util-linux) is not installed"
    err = _probe([unshare, "--user", "--map-root-user", "--mount"])
    if err:
        apparmor = "/proc/sys/kernel/apparmor_restrict_unprivileged_userns"
        extra = f"; {apparmor} is 1 (AppArmor restricts them)" if _sysctl(apparmor) == "1" else ""
        return f"the probe `unshare --user --map-root-user --mount true` failed: {err}{extra}"
    return None


def _probe(wrapper):
    """None when WRAPPER + ["true"] succeeds, else its error output."""
    try:
        res = subprocess.run(wrapper + ["true"], capture_output=True, text=True, timeout=20,
                             stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return str(exc)
    return None if res.returncode == 0 else (res.stderr.strip() or f"exit {res.returncode}")


def _subid_range(path, user, uid):
    """(start, count) of the first range of USER (name or uid) in /etc/subuid or /etc/subgid."""
    try:
        with open(path) as f:
            for line in f:
                fields = line.strip().split(":")
                if len(fields) == 3 and fields[0] in (user, str(uid)) and int(fields[2]) > 0:
                    return int(fields[1]), int(fields[2])
    except (OSError, ValueError):
        pass
    return None


def rootless_plan():
    """How to start the daemon as a non-root user: {"wrapper": argv prefix that runs a command as root
    of a new user namespace, "ids": what is mapped, "note": why no range (or "")}. Exits with the
    reason when the kernel does not allow it."""
    uid = os.geteuid()
    why = userns_forbidden()
    if why:
        fail(f"cannot run as uid {uid}: the stand-in needs root, or rootless mode with unprivileged user\n"
             f"  namespaces (pods are sandboxes made with mount/pid/uts/ipc namespaces, overlayfs, tmpfs and\n"
             f"  pivot_root), and {why}\n"
             "  hint: run it as root, e.g. sudo make cluster-up", 2)
    unshare = shutil.which("unshare")
    single = [unshare, "--user", "--map-root-user"]
    try:
        import pwd
        user = pwd.getpwuid(uid).pw_name
    except (ImportError, KeyError):
        user = str(uid)
    subuid = _subid_range("/etc/subuid", user, uid)
    subgid = _subid_range("/etc/subgid", user, uid)
    tools = shutil.which("newuidmap") and shutil.which("newgidmap")
    if not tools or not subuid or not subgid:
        missing = [] if tools else ["newuidmap/newgidmap (package uidmap)"]
        missing += [] if subuid else [f"a range for {user} in /etc/subuid"]
        missing += [] if subgid else [f"a range for {user} in /etc/subgid"]
        return {"wrapper": single, "ids": f"uid/gid 0 only (-> {uid})",
                "note": "no subordinate ids (missing: " + ", ".join(missing) + ")"}
    count = min(subuid[1], subgid[1], 65536)
    ranged = single + [f"--map-users={subuid[0]},1,{count}", f"--map-groups={subgid[0]},1,{count}"]
    err = _probe(ranged)
    if err:
        return {"wrapper": single, "ids": f"uid/gid 0 only (-> {uid})",
                "note": f"mapping the subordinate ids failed: {err}"}
    return {"wrapper": ranged, "ids": f"uid/gid 0 -> {uid}, 1-{count} -> {subuid[0]}-{subuid[0] + count - 1}",
            "note": ""}


def privileges():
    """None as root; as another user the rootless plan (or exit saying why there is none)."""
    return None if os.geteuid() == 0 else rootless_plan()


# ------------------------------------------------------------------------------------------------
# building what `up` needs


def run_step(what, argv, log):
    """Run a build step with output in LOG; exit with a pointer to LOG on failure."""
    say(f"{what} (log: {log})")
    with open(log, "ab") as f:
        res = subprocess.run(argv, stdout=f, stderr=subprocess.STDOUT, cwd=REPO, stdin=subprocess.DEVNULL)
    if res.returncode != 0:
        fail(f"{what} failed (exit {res.returncode}); see {log}")


def check_writable(path, what, hint="build it once as its owner (e.g. sudo make cluster-up)"):
    """Rootless: exit clearly when PATH (to be created or written) is not writable by this user."""
    existing = path
    while not os.path.exists(existing):
        existing = os.path.dirname(existing)
    if not os.access(existing, os.W_OK):
        fail(f"{what} {path} is missing or not writable by uid {os.geteuid()} ({existing} is not writable)\n"
             f"  hint: {hint}")


def build_inputs(st, spec, rootless=False):
    """Sample app, tools, sandbox helpers and rootfs profiles, each only when missing or stale.
    ROOTLESS: the profiles are left to the daemon, which builds them inside its user namespace."""
    app = os.path.join(REPO, "build", "sample-app")
    if rootless and not os.path.exists(os.path.join(app, "SampleApp.dll")):
        check_writable(app, "the sample app")
    if rootless and not os.path.exists(os.path.join(REPO, "build", "tools", "SHA512SUMS")):
        check_writable(os.path.join(REPO, "build", "tools"), "the tool bundles")
    if not os.path.exists(os.path.join(app, "SampleApp.dll")):
        run_step("publishing tests/sample-app", ["dotnet", "publish", "tests/sample-app", "-c", "Release",
                                                 "-o", app], st.path("build-sample-app.log"))
    worker = os.path.join(app, "Worker.dll")
    if not os.path.exists(worker) or os.path.getmtime(worker) < os.path.getmtime(os.path.join(app, "SampleApp.dll")):
        if rootless:
            check_writable(app, "the sample app")
        say("sample app copy Worker.dll (sample-twoproc's second process)")
        worker_copy(app)
    wanted = {c.get("app") for p in spec["pods"] for c in p["containers"]} & set(SELF_CONTAINED)
    for kind in sorted(wanted):
        publish_selfcontained(st, app, kind, rootless)
    if not os.path.exists(os.path.join(REPO, "build", "tools", "SHA512SUMS")):
        run_step("building the diagnostics tools", ["sh", os.path.join(HERE, "build-tools.sh")],
                 st.path("build-tools.log"))
    sandbox.build_helpers(st.dir)
    if rootless:
        say("rootfs profiles: built by the daemon inside its user namespace (cached in STATE/rootfs)")
        return
    profiles = {c.get("profile", "slim") for p in spec["pods"] for c in p["containers"]}
    # the busybox image of debug containers (built here: cheap, and a first kubectl debug is then quick)
    profiles |= {"busybox-arm64" if rootfs.profile_arch(p) == "arm64" else "busybox" for p in profiles}
    for profile in sorted(profiles):
        say(f"rootfs profile {profile}")
        rootfs.ensure_profile(st.dir, profile)


# container "app" -> (runtime identifier, build/ directory of the intermediate files, log name)
SELF_CONTAINED = {"selfcontained": ("linux-x64", "sample-app-sc-obj", "build-sample-app-selfcontained.log"),
                  "selfcontained-arm64": ("linux-arm64", "sample-app-arm64-obj", "build-sample-app-arm64.log")}


def publish_selfcontained(st, app, kind, rootless):
    """`dotnet publish -r RID --self-contained` of the sample app into its build directory (not single-file;
    apphost SampleApp), unless it is there already."""
    rid, objdir, log = SELF_CONTAINED[kind]
    out = sandbox.app_build_dir(app, kind)
    if os.path.exists(os.path.join(out, "SampleApp")):
        return
    if rootless:
        check_writable(out, f"the self-contained ({rid}) sample app")
    obj = os.path.join(REPO, "build", objdir)
    run_step(f"publishing tests/sample-app self-contained ({rid})",
             ["dotnet", "publish", "tests/sample-app", "-c", "Release", "-r", rid, "--self-contained",
              "true", "-p:UseAppHost=true", "-p:PublishSingleFile=false",
              f"-p:BaseIntermediateOutputPath={obj}/obj/", f"-p:BaseOutputPath={obj}/bin/",
              "-o", out, "--disable-build-servers"], st.path(log))


def worker_copy(app):
    """Worker.dll, Worker.runtimeconfig.json and Worker.deps.json beside SampleApp.dll in APP: the same
    app under another file name, so `dotnet /app/Worker.dll` differs from `dotnet /app/SampleApp.dll`
    by the name of its .dll (sample-twoproc). Written to temporary names, renamed last."""
    for ext in (".runtimeconfig.json", ".deps.json", ".dll"):
        src, dst = os.path.join(app, "SampleApp" + ext), os.path.join(app, "Worker" + ext)
        with open(src, "rb") as f:
            data = f.read()
        if ext == ".deps.json":
            data = data.replace(b'"SampleApp.dll"', b'"Worker.dll"').replace(b'"SampleApp/', b'"Worker/')
        with open(dst + ".tmp", "wb") as f:
            f.write(data)
        os.replace(dst + ".tmp", dst)


BINFMT = "/proc/sys/fs/binfmt_misc"
QEMU_AARCH64 = "/usr/lib/binfmt.d/qemu-aarch64.conf"


def ensure_binfmt(spec, rootless=False):
    """Pods with arm64 profiles run arm64 programs through qemu-user: register qemu-aarch64 with
    binfmt_misc (mounting it first) unless the kernel already has it. Exits saying why it cannot."""
    if not any(rootfs.profile_arch(c.get("profile", "slim")) == "arm64" for p in spec["pods"]
               if p.get("phase") != "Pending" for c in p["containers"]):
        return
    entry = os.path.join(BINFMT, "qemu-aarch64")
    if _sysctl(entry) and _sysctl(entry).splitlines()[0] == "enabled":
        return
    hint = "  hint: as root, run scripts/ensure-deps.sh test, then standin.py up (it registers qemu-aarch64)"
    if rootless:
        fail(f"the arm64 pods need qemu-aarch64 in binfmt_misc ({entry}), which only root can register\n{hint}")
    try:
        with open(QEMU_AARCH64) as f:
            line = next(ln.strip() for ln in f if ln.strip() and not ln.startswith("#"))
        interpreter = line.split(":")[6]
    except (OSError, StopIteration, IndexError):
        fail(f"the arm64 pods need qemu-user-static ({QEMU_AARCH64} is missing or unreadable)\n{hint}")
    if not os.path.exists(interpreter):
        fail(f"the arm64 pods need {interpreter} (package qemu-user-static)\n{hint}")
    if not os.path.ismount(BINFMT):
        res = subprocess.run(["mount", "-t", "binfmt_misc", "binfmt_misc", BINFMT], capture_output=True, text=True)
        if res.returncode != 0:
            fail(f"mounting binfmt_misc on {BINFMT} failed: {res.stderr.strip()}\n{hint}")
    try:
        if os.path.exists(entry):
            with open(entry, "w") as f:
                f.write("1")
        else:
            with open(os.path.join(BINFMT, "register"), "w") as f:
                f.write(line)
    except OSError as exc:
        fail(f"registering qemu-aarch64 with binfmt_misc failed: {exc}\n{hint}")
    say(f"binfmt_misc: qemu-aarch64 registered ({interpreter}), for the arm64 pods")


def port_busy(port):
    """True when something listens on 127.0.0.1:PORT."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


def check_ports(spec, api_port=API_PORT, tools_port=TOOLS_PORT):
    """Exit naming the first port (API, tools, or a pod's readyURL) that is already taken."""
    wanted = [(api_port, "the API server"), (tools_port, "the tools server")]
    for pod in spec["pods"]:
        if pod.get("phase") == "Pending":
            continue
        name = f"pod {pod.get('namespace', 'default')}/{pod['name']}"
        for c in pod["containers"]:
            wanted += [(urllib.parse.urlsplit(url).port, name) for url in c.get("readyURLs") or []]
    for port, user in wanted:
        if port and port_busy(port):
            fail(f"port {port} (for {user}) is already in use on 127.0.0.1\n"
                 f"  hint: find the owner with `ss -ltnp 'sport = :{port}'` and stop it")


def spec_files(extra, default_pods=True):
    """Default pods.json (unless not DEFAULT_PODS) plus the --spec files, checked to exist."""
    files = ([os.path.join(HERE, "pods.json")] if default_pods else []) + [os.path.abspath(p) for p in extra]
    if not files:
        fail("--no-default-pods needs at least one --spec file")
    for f in files:
        if not os.path.isfile(f):
            fail(f"spec file {f} not found")
    return files


# ------------------------------------------------------------------------------------------------
# kubeconfig and env


def kubeconfig_text(server, token, ca_pem):
    """A kubeconfig (YAML) for context dotnetprof-local."""
    ca = f"    certificate-authority-data: {base64.b64encode(ca_pem.encode()).decode()}\n" if ca_pem else ""
    return ("apiVersion: v1\nkind: Config\n"
            f"clusters:\n- name: {CONTEXT}\n  cluster:\n    server: {server}\n{ca}"
            f"contexts:\n- name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {USER}\n"
            "    namespace: default\n"
            f"current-context: {CONTEXT}\n"
            f"users:\n- name: {USER}\n  user:\n    token: {token}\n")


def env_text(st, tools_url=f"http://127.0.0.1:{TOOLS_PORT}"):
    """Shell lines a test sources."""
    return (f"export KUBECONFIG={st.path('kubeconfig')}\n"
            f"export DOTNETPROF_TOOLS_URL={tools_url}\n")


def print_env(st):
    info = st.read_json("daemon.json") or {}
    say(f"API server {info.get('server', '?')}, tools {info.get('tools', '?')}")
    sys.stdout.write(env_text(st, info.get("tools") or f"http://127.0.0.1:{TOOLS_PORT}"))


# ------------------------------------------------------------------------------------------------
# the daemon (one process: API server, tools server, pods)


def start_servers(cluster, st, args, token):
    """Start the API and tools servers in threads; return (servers to shut down, server URL, ca_pem)."""
    import apiserver
    ca_pem, cert, key = apiserver.make_tls(st.dir) if args.tls else (None, None, None)
    cfg = apiserver.Config(host="127.0.0.1", port=args.api_port, tls_cert=cert, tls_key=key, minor=args.minor,
                           state_dir=st.dir, token=token, user=USER)
    api = apiserver.serve(cluster, cfg, block=False)
    servers = [api]
    tools = start_toolserver(st, args.tools_port)
    if tools is not None:
        servers.append(tools)
    scheme = "https" if args.tls else "http"
    return servers, f"{scheme}://127.0.0.1:{args.api_port}", ca_pem


def start_toolserver(st, port=TOOLS_PORT):
    """Start toolserver.serve in a thread (its own module decides how it listens)."""
    try:
        import toolserver
    except ImportError as exc:
        print(f"tools server not started: {exc}", flush=True)
        return None
    cfg = {"host": "127.0.0.1", "port": port, "state_dir": st.dir,
           "tools_dir": os.path.join(REPO, "build", "tools")}
    result = {}
    t = threading.Thread(target=lambda: result.setdefault("server", toolserver.serve(cfg)),
                         name="toolserver", daemon=True)
    t.start()
    t.join(0.5)
    return result.get("server")


def daemon(args):
    """Run until SIGTERM: servers + pods; report readiness in STATE/daemon.json."""
    st = State(args.state)
    st.write("daemon.pid", json.dumps({"pid": os.getpid(), "start": sandbox._proc_start_time(os.getpid())}))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, lambda *_: stop.set())
    with open(st.path("token")) as f:
        token = f.read().strip()
    spec = sandbox.shift_ports(sandbox.load_spec(args.spec), args.port_offset)
    cluster = sandbox.Cluster(spec, st.dir, os.path.join(REPO, "build", "sample-app"), token)
    for w in cluster.warnings:
        print(f"warning: {w}", flush=True)
    servers = []
    try:
        servers, server, ca_pem = start_servers(cluster, st, args, token)
        cluster.start(args.timeout)
    except Exception as exc:  # noqa: BLE001 - reported to `up`, which prints it
        st.write("daemon.json", json.dumps({"status": "error", "error": str(exc)}))
        shutdown(cluster, servers, st)
        return 1
    info = {"status": "ready", "pid": os.getpid(), "server": server,
            "tools": f"http://127.0.0.1:{args.tools_port}", "tls": bool(args.tls), "ca": ca_pem}
    if cluster.rootless:
        info.update(rootless=True, warnings=cluster.warnings)
    st.write("daemon.json", json.dumps(info))
    print(f"daemon ready: {server}", flush=True)
    stop.wait()
    shutdown(cluster, servers, st)
    return 0


def shutdown(cluster, servers, st):
    """Stop pods and servers; remove the pid file."""
    print("daemon stopping", flush=True)
    cluster.stop()
    for s in servers:
        if hasattr(s, "shutdown"):
            s.shutdown()
    st.remove("daemon.pid")


# ------------------------------------------------------------------------------------------------
# subcommands


def cmd_up(args):
    plan = privileges()
    st = State(args.state)
    if plan:
        check_writable(st.dir, "the state directory", "pass --state DIR, a directory this user can write")
    os.makedirs(st.dir, exist_ok=True)
    if st.daemon_pid():
        say(f"already up (daemon pid {st.daemon_pid()})")
        print_env(st)
        return 0
    sandbox.kill_leftovers(st.dir)
    files = spec_files(args.spec, args.default_pods)
    spec = sandbox.shift_ports(sandbox.load_spec(files), args.port_offset)
    check_ports(spec, args.api_port, args.tools_port)
    if plan:
        say(f"rootless mode (uid {os.geteuid()}): the daemon runs as root of a user namespace, "
            f"ids mapped: {plan['ids']}")
        if plan["note"]:
            say(f"  {plan['note']}: containers whose user is not 0:0 run as root of the namespace")
    build_inputs(st, spec, rootless=bool(plan))
    ensure_binfmt(spec, rootless=bool(plan))
    token = secrets.token_hex(24)
    st.write("token", token + "\n", 0o600)
    st.remove("daemon.json", "kubeconfig", "env")
    proc = spawn_daemon(st, args, files, plan)
    info = wait_daemon(st, proc, args.timeout + 60)
    if info.get("status") != "ready":
        cmd_down(args, quiet=True)
        fail(f"start-up failed: {info.get('error', 'daemon exited')}\n  daemon log: {st.path('daemon.log')}")
    st.write("kubeconfig", kubeconfig_text(info["server"], token, info.get("ca")), 0o600)
    st.write("env", env_text(st, info["tools"]))
    for w in info.get("warnings") or []:
        say(f"warning: {w}")
    say(f"up: {len(spec['pods'])} pods")
    print_env(st)
    return 0


def spawn_daemon(st, args, files, plan=None):
    """Start the daemon (PLAN: rootless, as root of a new user namespace); return its Popen."""
    argv = (plan["wrapper"] if plan else []) + [
        sys.executable, os.path.abspath(__file__), "daemon", "--state", st.dir, "--minor", str(args.minor),
        "--timeout", str(args.timeout)]
    if (args.api_port, args.tools_port) != (API_PORT, TOOLS_PORT):
        argv += ["--api-port", str(args.api_port), "--tools-port", str(args.tools_port)]
    if args.port_offset:
        argv += ["--port-offset", str(args.port_offset)]
    for f in files:
        argv += ["--spec", f]
    argv += [] if args.tls else ["--no-tls"]
    say("starting the daemon and the pods (log: %s)" % st.path("daemon.log"))
    with open(st.path("daemon.log"), "ab") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                start_new_session=True, cwd=REPO)


def wait_daemon(st, proc, timeout):
    """daemon.json once the daemon reports, or an error dict when it exits or TIMEOUT passes."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        info = st.read_json("daemon.json")
        if info:
            return info
        if proc.poll() is not None:
            return {"status": "error", "error": f"daemon exited with code {proc.returncode}"}
        time.sleep(0.2)
    return {"status": "error", "error": f"not ready after {timeout:.0f} s"}


def stop_daemon(st):
    """SIGTERM the daemon and wait for it (SIGKILL after 20 s). Returns True if one was running."""
    pid = st.daemon_pid()
    if not pid:
        return False
    try:
        os.kill(pid, signal.SIGTERM)
    except PermissionError:
        fail(f"cannot stop the daemon (pid {pid}) of {st.dir}: it belongs to another user; run down as that user")
    deadline = time.monotonic() + 20
    while st.daemon_pid() and time.monotonic() < deadline:
        time.sleep(0.1)
    if st.daemon_pid():
        os.kill(pid, signal.SIGKILL)
    return True


def leftovers(st):
    """Descriptions of what is still alive or mounted under the state directory."""
    found = [f"process {pid} (sandbox-run)" for pid in sandbox._helper_pids(st.dir)]
    found += [f"process {pid} (in a container)" for pid in sandbox.container_pids(st.dir)]
    with open("/proc/self/mountinfo") as f:
        found += [f"mount {line.split()[4]}" for line in f if line.split()[4].startswith(st.dir + "/")]
    return found


def cmd_down(args, quiet=False):
    st = State(args.state)
    if os.geteuid() != 0 and os.path.isdir(st.dir) and os.stat(st.dir).st_uid != os.geteuid():
        fail(f"{st.dir} belongs to uid {os.stat(st.dir).st_uid}: run down as that user (or as root)")
    was_up = stop_daemon(st)
    killed = sandbox.kill_leftovers(st.dir)
    deadline = time.monotonic() + 10
    while leftovers(st) and time.monotonic() < deadline:
        time.sleep(0.1)
    st.remove("daemon.pid", "daemon.json", "pids.json")
    left = leftovers(st)
    if left:
        fail("could not clean up: " + ", ".join(left))
    if not quiet:
        say("stopped" if was_up or killed else "not running (nothing to stop)")
    return 0


def cmd_status(args):
    st = State(args.state)
    pid = st.daemon_pid()
    if not pid:
        say("down")
        return 3
    info = st.read_json("daemon.json") or {}
    say(f"up (daemon pid {pid}), status {info.get('status', 'starting')}, API {info.get('server', '?')}, "
        f"tools {info.get('tools', '?')}")
    for rec in st.read_json("pids.json") or []:
        alive = sandbox._proc_start_time(rec.get("init")) == rec.get("init_start")
        print(f"  {rec.get('namespace')}/{rec.get('pod')} {rec.get('container')}: "
              f"{'running' if alive else 'exited'} (pid {rec.get('init')})")
    return 0


def admin(st, method, path, body=None):
    """Call an admin endpoint of the running API server; return the decoded JSON answer."""
    info = st.read_json("daemon.json")
    if not info or info.get("status") != "ready":
        fail("the stand-in is not up (run: standin.py up)")
    with open(st.path("token")) as f:
        token = f.read().strip()
    req = urllib.request.Request(info["server"] + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    ctx = ssl.create_default_context(cadata=info["ca"]) if info.get("ca") else None
    try:
        with urllib.request.urlopen(req, timeout=10, context=ctx) as resp:
            return json.loads(resp.read() or b"null")
    except OSError as exc:
        fail(f"{method} {path}: {exc}")


def cmd_fault(args):
    st = State(args.state)
    if args.clear:
        query = f"?namespace={args.namespace}&pod={args.pod}" if args.pod else ""
        print(json.dumps(admin(st, "DELETE", "/_standin/faults" + query)))
        return 0
    if not args.pod:
        fail("fault: --pod is required (or --clear)")
    body = {"namespace": args.namespace, "pod": args.pod}
    for key, val in (("cutAfterBytes", args.cut_after_bytes), ("flipByteAt", args.flip_byte_at),
                     ("delayMs", args.delay_ms), ("count", args.count),
                     ("rateBytesPerSec", args.rate_bytes_per_sec)):
        if val is not None:
            body[key] = val
    if args.forbid_exec:
        body["forbidExec"] = True
    if args.forbid_ephemeral and args.forbid_exec and args.count is not None:
        fail("fault: --count applies to execs or to ephemeral container updates: give them in two calls")
    if args.forbid_ephemeral:
        body["forbidEphemeral"] = True
    print(json.dumps(admin(st, "POST", "/_standin/faults", body)))
    return 0


def cmd_version(args):
    print(json.dumps(admin(State(args.state), "POST", "/_standin/version", {"minor": str(args.minor)})))
    return 0


def parser():
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--state", default=argparse.SUPPRESS,
                        help="state directory (default: build/cluster in the repository)")
    p = argparse.ArgumentParser(prog="standin.py", description="local stand-in Kubernetes cluster for e2e tests",
                                parents=[common])
    sub = p.add_subparsers(dest="cmd", required=True)
    for name in ("up", "daemon"):
        s = sub.add_parser(name, parents=[common],
                           help="build and start everything" if name == "up" else argparse.SUPPRESS)
        s.add_argument("--spec", action="append", default=[], help="extra pod spec file (repeatable)")
        s.add_argument("--tls", dest="tls", action="store_true", default=True,
                       help="serve the API over HTTPS with a generated CA (the default)")
        s.add_argument("--no-tls", dest="tls", action="store_false",
                       help="plain HTTP (kubectl then sends no token: requests are taken as the dev user)")
        s.add_argument("--minor", default=DEFAULT_MINOR, help="Kubernetes minor /version reports")
        s.add_argument("--timeout", type=float, default=READY_TIMEOUT, help="seconds to wait for pods")
        s.add_argument("--api-port", type=int, default=API_PORT, help="API server port on 127.0.0.1")
        s.add_argument("--tools-port", type=int, default=TOOLS_PORT, help="tools server port on 127.0.0.1")
        s.add_argument("--no-default-pods", dest="default_pods", action="store_false", default=True,
                       help="do not load pods.json: only the --spec files")
        s.add_argument("--port-offset", type=int, default=0,
                       help="add N to every pod port (127.0.0.1:PORT in commands, env and readyURLs)")
    sub.add_parser("down", parents=[common], help="stop everything")
    sub.add_parser("status", parents=[common], help="show whether it is up, and the pods")
    f = sub.add_parser("fault", parents=[common], help="inject an exec fault for a pod")
    f.add_argument("--pod")
    f.add_argument("-n", "--namespace", default="default")
    f.add_argument("--cut-after-bytes", type=int)
    f.add_argument("--flip-byte-at", type=int)
    f.add_argument("--delay-ms", type=int)
    f.add_argument("--rate-bytes-per-sec", type=int,
                   help="pace every exec's stdout to N bytes/s (a link slower than loopback)")
    f.add_argument("--forbid-exec", action="store_true")
    f.add_argument("--forbid-ephemeral", action="store_true",
                   help="403 for updates (and reads) of pods/ephemeralcontainers, as RBAC without that permission")
    f.add_argument("--count", type=int, help="apply to the next K execs only")
    f.add_argument("--clear", action="store_true", help="remove faults")
    v = sub.add_parser("version", parents=[common], help="change the minor version /version reports")
    v.add_argument("minor")
    return p


def main(argv=None):
    args = parser().parse_args(argv)
    args.state = getattr(args, "state", None) or os.path.join(REPO, "build", "cluster")
    commands = {"up": cmd_up, "down": cmd_down, "status": cmd_status, "fault": cmd_fault,
                "version": cmd_version, "daemon": daemon}
    return commands[args.cmd](args)


if __name__ == "__main__":
    sys.exit(main())
