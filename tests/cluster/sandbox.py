"""Pods of the stand-in cluster as Linux sandboxes (test infrastructure; see README.md "Pods").

Each container is started by the C helper sandbox-run (compiled here at start-up): own mount, pid,
uts and ipc namespaces (host network shared), an overlayfs root made from a rootfs.py profile,
fresh /proc, a small /dev, tmpfs volumes, the host .NET runtime and the sample app bind-mounted
read-only, the spec's user, capabilities, env and working directory. exec_prepare() builds a
sandbox-exec command that joins a container as its user with its capabilities (as runc exec does).
Ephemeral containers (ephemeral.py) are Containers too. Interface for apiserver.py: CONTRACT.md.
"""

import datetime
import json
import os
import re
import shutil
import signal
import subprocess
import threading
import time
import urllib.request
import uuid

import events
import rootfs

HERE = os.path.dirname(os.path.abspath(__file__))
NSENTER = "/usr/bin/nsenter"   # only for readiness checks from inside an isolated network namespace
DOTNET_ROOT = rootfs.DOTNET_ROOT
DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DEFAULT_TMP = {"noexec": False, "sizeMB": 512}
OCI_PREFIX = "OCI runtime exec failed: exec failed: unable to start container process: "
# binary in STATE/bin -> (sources in tests/cluster, extra cc flags); headers count as sources for staleness
HELPERS = {"sandbox-run": (("sandbox-run.c", "sandbox-creds.c", "sandbox-creds.h"), []),
           "sandbox-exec": (("sandbox-exec.c", "sandbox-creds.c", "sandbox-creds.h"), []),
           "fake-uname-arm64": (("fake-uname.c",), ["-static", '-DMACHINE="aarch64"']),
           "fake-uname-arm": (("fake-uname.c",), ["-static", '-DMACHINE="armv7l"'])}

# Linux capability numbers by the names Kubernetes uses (securityContext.capabilities, no CAP_ prefix)
CAPABILITIES = ("CHOWN DAC_OVERRIDE DAC_READ_SEARCH FOWNER FSETID KILL SETGID SETUID SETPCAP LINUX_IMMUTABLE "
                "NET_BIND_SERVICE NET_BROADCAST NET_ADMIN NET_RAW IPC_LOCK IPC_OWNER SYS_MODULE SYS_RAWIO "
                "SYS_CHROOT SYS_PTRACE SYS_PACCT SYS_ADMIN SYS_BOOT SYS_NICE SYS_RESOURCE SYS_TIME "
                "SYS_TTY_CONFIG MKNOD LEASE AUDIT_WRITE AUDIT_CONTROL SETFCAP MAC_OVERRIDE MAC_ADMIN SYSLOG "
                "WAKE_ALARM BLOCK_SUSPEND AUDIT_READ PERFMON BPF CHECKPOINT_RESTORE").split()
# containerd's default set (what a container gets unless its securityContext adds or drops)
DEFAULT_CAPS = ("CHOWN DAC_OVERRIDE FSETID FOWNER MKNOD NET_RAW SETGID SETUID SETFCAP SETPCAP NET_BIND_SERVICE "
                "SYS_CHROOT KILL AUDIT_WRITE").split()


class ExecError(Exception):
    """exec cannot start: code is "container-not-found", "not-running" or "command-not-found"
    (the last also covers a command that exists but cannot be executed); message is worded as the
    API server / kubelet / containerd words it."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


class SandboxError(Exception):
    """A pod could not be started or did not become ready."""


def now_rfc3339():
    """Current UTC time as Kubernetes writes it."""
    return datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


# container key "app" -> the build of the sample app mounted at /app (a directory beside build/sample-app)
APP_BUILDS = {"framework": "sample-app", "selfcontained": "sample-app-selfcontained",
              "selfcontained-arm64": "sample-app-arm64"}


def app_build_dir(app_dir, kind):
    """Host directory of build KIND of the sample app (APP_BUILDS), beside APP_DIR (build/sample-app)."""
    return os.path.join(os.path.dirname(os.path.abspath(app_dir)), APP_BUILDS[kind])


def selfcontained_dir(app_dir):
    """Host directory of the self-contained linux-x64 build of the sample app, beside APP_DIR
    (build/sample-app -> build/sample-app-selfcontained)."""
    return app_build_dir(app_dir, "selfcontained")


def stable_uid(*parts):
    """Deterministic uid for an object named by PARTS."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "dotnetprof-standin/" + "/".join(parts)))


# ------------------------------------------------------------------------------------------------
# spec files


def _merge_list(base, extra, key):
    out = {key(o): o for o in base}
    for o in extra:
        out[key(o)] = o
    return list(out.values())


def load_spec(paths):
    """Read and merge spec files: pods/workloads/nodes appended, same-named objects replaced,
    namespaces united (pod namespaces are added too)."""
    spec = {"nodes": [], "namespaces": [], "workloads": [], "pods": []}
    for path in paths:
        with open(path) as f:
            extra = json.load(f)
        spec["nodes"] = _merge_list(spec["nodes"], extra.get("nodes", []), lambda o: o["name"])
        spec["workloads"] = _merge_list(spec["workloads"], extra.get("workloads", []),
                                        lambda o: (o["kind"], o.get("namespace", "default"), o["name"]))
        spec["pods"] = _merge_list(spec["pods"], extra.get("pods", []),
                                   lambda o: (o.get("namespace", "default"), o["name"]))
        for ns in extra.get("namespaces", []):
            if ns not in spec["namespaces"]:
                spec["namespaces"].append(ns)
    for pod in spec["pods"]:
        if pod.get("namespace", "default") not in spec["namespaces"]:
            spec["namespaces"].append(pod.get("namespace", "default"))
    return spec


def shift_ports(spec, offset):
    """SPEC with every pod port moved by OFFSET: each 127.0.0.1:PORT or localhost:PORT in the
    containers' commands, env values and readyURLs (so a second stand-in can run beside another)."""
    if not offset:
        return spec
    pattern = re.compile(r"\b(127\.0\.0\.1|localhost):(\d+)")

    def shift(text):
        if not isinstance(text, str):
            return text
        return pattern.sub(lambda m: f"{m.group(1)}:{int(m.group(2)) + offset}", text)
    for pod in spec["pods"]:
        for c in pod["containers"]:
            c["command"] = [shift(a) for a in c.get("command") or []]
            c["env"] = {k: shift(v) for k, v in (c.get("env") or {}).items()}
            c["readyURLs"] = [shift(u) for u in c.get("readyURLs") or []]
    return spec


# ------------------------------------------------------------------------------------------------
# helpers compiled at start-up


def build_helpers(state):
    """Compile sandbox-run, sandbox-exec and the fake unames into STATE/bin when missing or older than
    their sources; return the bin directory."""
    bindir = os.path.join(state, "bin")
    os.makedirs(bindir, exist_ok=True)
    for name, (files, flags) in HELPERS.items():
        out = os.path.join(bindir, name)
        paths = [os.path.join(HERE, f) for f in files]
        if os.path.exists(out) and all(os.path.getmtime(out) >= os.path.getmtime(p) for p in paths):
            continue
        cmd = ["cc", "-O2", "-Wall", "-Wextra", *flags, "-o", out + ".tmp", *[p for p in paths if p.endswith(".c")]]
        res = subprocess.run(cmd, capture_output=True, text=True)
        if res.returncode != 0:
            raise SandboxError(f"compiling {name} failed ({' '.join(cmd)}):\n{res.stderr}")
        os.replace(out + ".tmp", out)
    return bindir


def capability_set(sc):
    """The capabilities a container with securityContext SC (a Kubernetes dict, may be empty) gets, as
    sandbox-run/sandbox-exec take them: "all" (privileged) or comma-separated numbers. Unknown names
    raise SandboxError with containerd's words."""
    if sc.get("privileged"):
        return "all"
    caps = set(DEFAULT_CAPS)
    wanted = (sc.get("capabilities") or {})
    for verb in ("drop", "add"):
        for name in wanted.get(verb) or []:
            name = str(name).upper()
            name = name[4:] if name.startswith("CAP_") else name
            if name == "ALL":
                caps = set(CAPABILITIES) if verb == "add" else set()
                continue
            if name not in CAPABILITIES:
                raise SandboxError(f'unknown capability "CAP_{name}"')
            if verb == "add":
                caps.add(name)
            else:
                caps.discard(name)
    return ",".join(str(CAPABILITIES.index(c)) for c in sorted(caps, key=CAPABILITIES.index))


# ------------------------------------------------------------------------------------------------
# rootless mode (standin.py runs the daemon as root of a user namespace; see README.md "Running it")


def _id_map(kind):
    """[(inside, outside, count)] of /proc/self/{uid,gid}_map, or None when unreadable."""
    try:
        with open(f"/proc/self/{kind}_map") as f:
            return [tuple(int(x) for x in line.split()) for line in f if line.strip()]
    except (OSError, ValueError):
        return None


def in_user_namespace():
    """True when this process runs in a user namespace other than the initial one (rootless mode);
    the initial namespace maps every id to itself."""
    m = _id_map("uid")
    return m is not None and m != [(0, 0, 4294967295)]


def id_mapped(kind, ident):
    """True when id IDENT (kind "uid" or "gid") exists in this user namespace."""
    m = _id_map(kind)
    return m is None or any(inside <= ident < inside + count for inside, _, count in m)


def _proc_start_time(pid):
    """Start time (clock ticks since boot) of PID, or None when it is gone."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[19])
    except (OSError, IndexError, ValueError):
        return None


def _kill(pid, start_time=None, sig=signal.SIGKILL):
    """Send SIG to PID unless it is gone or (when START_TIME is given) is another process now."""
    if pid and (start_time is None or _proc_start_time(pid) == start_time):
        try:
            os.kill(pid, sig)
        except ProcessLookupError:
            pass


# ------------------------------------------------------------------------------------------------
# containers and pods


def _passwd_home(root, uid):
    try:
        with open(os.path.join(root, "etc/passwd")) as f:
            for line in f:
                fields = line.rstrip("\n").split(":")
                if len(fields) > 5 and fields[2] == str(uid):
                    return fields[5]
    except OSError:
        pass
    return "/"


class Container:
    """One container of a pod: spec fields, and the sandbox that runs it once started."""

    def __init__(self, pod, spec):
        self.pod = pod
        self.spec = spec
        self.name = spec["name"]
        self.profile = spec.get("profile", "slim")
        self.image = spec.get("image") or f"dotnetprof/{self.profile}"
        self.user = str(spec.get("user", "0:0"))
        self.working_dir = spec.get("workingDir") or "/"
        self.arch = spec.get("arch")
        self.network = spec.get("network") or "host"    # "host" (shared) or "none" (own netns, lo only)
        self.app = spec.get("app") or "framework"       # an APP_BUILDS key, or "none" (see app_source)
        self.pid = None            # host pid of the container's pid 1
        self.pid_start = None
        self.started = None
        self.restart_count = 0
        self.keeper = None         # subprocess.Popen of sandbox-run
        self.exit_code = None

    @property
    def uid_gid(self):
        """(uid, gid) the container runs as."""
        uid, _, gid = self.user.partition(":")
        return int(uid), int(gid or uid)

    @property
    def run_as(self):
        """(uid, gid) the sandbox really uses: uid_gid, except in rootless mode when the user namespace
        has no such id (no subordinate id range): then root of the namespace (warned at start)."""
        uid, gid = self.uid_gid
        if (uid, gid) != (0, 0) and not (id_mapped("uid", uid) and id_mapped("gid", gid)):
            return 0, 0
        return uid, gid

    @property
    def running(self):
        """True while the container's pid 1 lives."""
        if self.keeper is None:
            return False
        code = self.keeper.poll()
        if code is not None and self.exit_code is None:
            self.exit_code = code
        return code is None

    @property
    def dir(self):
        """Host directory of this container's writable layer."""
        return os.path.join(self.pod.cluster.state, "pods", self.pod.namespace, self.pod.name, self.name)

    @property
    def log_path(self):
        """Host file that receives the container's stdout and stderr."""
        return self.dir + ".log"

    def env(self):
        """The container's environment: spec env over PATH, HOSTNAME and HOME defaults."""
        root = rootfs.profile_path(self.pod.cluster.state, self.profile)
        env = {"PATH": DEFAULT_PATH, "HOSTNAME": self.pod.name, "HOME": _passwd_home(root, self.uid_gid[0])}
        env.update({k: str(v) for k, v in (self.spec.get("env") or {}).items()})
        return env

    def _volumes(self):
        vols = []
        tmp = self.spec.get("tmp", DEFAULT_TMP)
        if tmp is not None:
            vols.append(dict(tmp, path="/tmp"))
        vols += self.spec.get("volumes") or []
        return [f"{v['path']}:{int(v.get('sizeMB', 64))}:{'noexec' if v.get('noexec') else 'exec'}" for v in vols]

    def _lower_dirs(self):
        state = self.pod.cluster.state
        lower = [rootfs.ensure_profile(state, self.profile)]
        if self.arch and self.arch != rootfs.profile_arch(self.profile):
            fake = os.path.join(state, "bin", f"fake-uname-{self.arch}")
            layer = rootfs.ensure_arch_layer(state, self.profile, self.arch, fake)
            lower = ([layer] if layer else []) + lower
        if self.spec.get("endless"):
            lower = [rootfs.ensure_endless_layer(state, self.profile)] + lower
        return ":".join(lower)

    @property
    def security(self):
        """The container's Kubernetes securityContext beyond user and read-only root (spec key
        "securityContext": capabilities, privileged, allowPrivilegeEscalation); may be empty."""
        return dict(self.spec.get("securityContext") or {})

    def _cred_args(self):
        """--user, --caps and --nnp for sandbox-run and sandbox-exec: what the runtime gives the
        container's processes."""
        args = ["--user", "%d:%d" % self.run_as, "--caps", capability_set(self.security)]
        args += ["--nnp"] if self.security.get("allowPrivilegeEscalation") is False else []
        return args + (["--rootless"] if self.pod.cluster.rootless else [])

    def _binds(self):
        """Read-only binds SRC:DST: the host runtime and the app for profiles with .NET."""
        if not rootfs.has_dotnet(self.profile) or self.app == "none":
            return []
        binds = [] if self.app != "framework" else [f"{DOTNET_ROOT}:{DOTNET_ROOT}"]
        return binds + [f"{self.app_source}:/app"]

    def _join_args(self):
        """--join for sandbox-run: none for the pod's own containers (see ephemeral.py)."""
        return []

    def _helper_argv(self, pid_fd):
        cluster = self.pod.cluster
        d = self.dir
        argv = [os.path.join(cluster.state, "bin", "sandbox-run"), "--merged", d + "/root",
                "--lower", self._lower_dirs(), "--upper", d + "/upper", "--work", d + "/work",
                "--hostname", self.pod.name, *self._cred_args(),
                "--cwd", self.working_dir, "--pid-fd", str(pid_fd), *self._join_args()]
        argv += ["--readonly"] if self.spec.get("readOnlyRootFilesystem") else []
        argv += [] if self.spec.get("pid1", True) else ["--init"]
        for vol in self._volumes():
            argv += ["--tmpfs", vol]
        argv += ["--netns"] if self.isolated and not self._join_args() else []
        for bind in self._binds():
            argv += ["--bind", bind]
        return argv + ["--", *self.spec["command"]]

    def exec_argv(self, argv):
        """Host argv that runs ARGV inside this running container as runc exec would: its
        namespaces, root, user, capabilities and working directory (sandbox-exec)."""
        ns = "mnt,uts,ipc,pid" + (",net" if self.isolated else "")
        return [os.path.join(self.pod.cluster.state, "bin", "sandbox-exec"), "--pid", str(self.pid), "--ns", ns,
                *self._cred_args(), "--cwd", self.working_dir, "--", *argv]

    @property
    def isolated(self):
        """True when the container has a network namespace of its own (spec "network": "none")."""
        return self.network == "none"

    @property
    def app_source(self):
        """Host directory mounted at /app: the framework-dependent build, or with spec "app":
        "selfcontained" / "selfcontained-arm64" a self-contained one (then no shared runtime is mounted)."""
        return app_build_dir(self.pod.cluster.app_dir, self.app)

    def _stdin(self):
        """The command's stdin: nothing (an ephemeral container with stdin keeps a pipe open)."""
        return subprocess.DEVNULL

    def write_hosts(self):
        """/etc/hosts as the kubelet writes it (localhost, the pod's own name, spec.hostAliases),
        placed in the writable layer so it shows over the profile's file (also on a read-only root)."""
        aliases = self.pod.host_aliases
        if not aliases:
            return
        lines = ["# Kubernetes-managed hosts file.", "127.0.0.1\tlocalhost",
                 "::1\tlocalhost ip6-localhost ip6-loopback", "fe00::0\tip6-localnet", "fe00::0\tip6-mcastprefix",
                 "fe00::1\tip6-allnodes", "fe00::2\tip6-allrouters", f"{self.pod.pod_ip or '127.0.0.1'}\t{self.pod.name}",
                 "", "# Entries added by HostAliases."]
        lines += ["%s\t%s" % (a["ip"], "\t".join(a.get("hostnames") or [])) for a in aliases]
        etc = os.path.join(self.dir, "upper", "etc")
        os.makedirs(etc, mode=0o755, exist_ok=True)
        with open(os.path.join(etc, "hosts"), "w") as f:
            f.write("\n".join(lines) + "\n")
        os.chmod(os.path.join(etc, "hosts"), 0o644)

    def start(self):
        """Start the sandbox; return once the command was exec'ed. Raises SandboxError."""
        d = self.dir
        shutil.rmtree(d, ignore_errors=True)
        for sub in ("upper", "work", "root"):
            os.makedirs(os.path.join(d, sub))
        self.write_hosts()
        rd, wr = os.pipe()
        with open(self.log_path, "ab") as log:
            self.keeper = subprocess.Popen(self._helper_argv(wr), env=self.env(), stdin=self._stdin(),
                                           stdout=log, stderr=subprocess.STDOUT, pass_fds=[wr],
                                           start_new_session=True)
        os.close(wr)
        with os.fdopen(rd) as f:
            word, _, rest = f.read().strip().partition(" ")
        if word != "pid":
            self.keeper.wait()
            raise SandboxError(f"pod {self.pod.namespace}/{self.pod.name} container {self.name}: "
                               f"{rest or 'sandbox-run failed'} (log: {self.log_path})")
        self.pid = int(rest)
        self.pid_start = _proc_start_time(self.pid)
        self.started = now_rfc3339()

    def stop(self):
        """Kill the container (SIGKILL to its pid 1 ends the whole pid namespace) and reap it."""
        _kill(self.pid, self.pid_start)
        if self.keeper is not None:
            _kill(self.keeper.pid)
            self.keeper.wait()
            if self.keeper.stdin:
                self.keeper.stdin.close()

    def record(self):
        """What down needs to kill this container if the daemon is gone."""
        keeper = self.keeper.pid if self.keeper else None
        return {"namespace": self.pod.namespace, "pod": self.pod.name, "container": self.name,
                "init": self.pid, "init_start": self.pid_start,
                "keeper": keeper, "keeper_start": _proc_start_time(keeper) if keeper else None}

    def ready_urls(self):
        """URLs that must answer 200 before the container counts as up."""
        return list(self.spec.get("readyURLs") or [])


class Pod:
    """A pod: metadata from the spec and its containers (see CONTRACT.md for the fields)."""

    def __init__(self, cluster, spec):
        self.cluster = cluster
        self.spec = spec
        self.name = spec["name"]
        self.namespace = spec.get("namespace", "default")
        self.uid = stable_uid("pod", self.namespace, self.name)
        self.labels = dict(spec.get("labels") or {})
        self.annotations = dict(spec.get("annotations") or {})
        self.owner = spec.get("owner")
        self.node_name = spec.get("node", "node-amd64")
        self.faults = dict(spec.get("faults") or {})
        self.created = now_rfc3339()
        self.pod_ip = None
        self.host_aliases = [{"ip": a["ip"], "hostnames": list(a.get("hostnames") or [])}
                             for a in spec.get("hostAliases") or []]
        self.containers = [Container(self, c) for c in spec["containers"]]
        self.ephemeral = []        # ephemeral.EphemeralContainer, in the order they were added
        self.security_context = dict(spec.get("securityContext") or {})   # the pod's securityContext
        self.version = 0           # bumped on every change the API shows (resourceVersion)

    def touch(self):
        """Note a change of the pod's spec or status."""
        self.version += 1

    @property
    def phase(self):
        """Pending (spec says so), Running while any container runs, else Succeeded/Failed."""
        if self.spec.get("phase") == "Pending":
            return "Pending"
        if any(c.running for c in self.containers):
            return "Running"
        return "Succeeded" if all(c.exit_code == 0 for c in self.containers) else "Failed"

    def start(self):
        """Start every container (none when the spec phase is Pending)."""
        if self.spec.get("phase") == "Pending":
            return
        self.pod_ip = "127.0.0.1"
        for c in self.containers:
            c.start()

    def find_container(self, name):
        """The container (or ephemeral container) called NAME, or None."""
        return next((c for c in self.containers + self.ephemeral if c.name == name), None)


# ------------------------------------------------------------------------------------------------
# exec


def _exec_target(path, root, env_path, cwd):
    """Host path of what execvp would run for PATH in the container (None when nothing matches)."""
    if "/" in path:
        full = path if path.startswith("/") else os.path.join(cwd, path)
        return rootfs.resolve_in_root(root, full)
    for d in env_path.split(":"):
        cand = rootfs.resolve_in_root(root, os.path.join(d or cwd, path))
        if os.path.isfile(cand) and os.access(cand, os.X_OK):
            return cand
    return None


def check_command(container, argv0, env):
    """Raise ExecError as containerd would when ARGV0 cannot be executed in CONTAINER."""
    root = f"/proc/{container.pid}/root"
    target = _exec_target(argv0, root, env.get("PATH", DEFAULT_PATH), container.working_dir)
    if target is None:
        raise ExecError("command-not-found",
                        OCI_PREFIX + f'exec: "{argv0}": executable file not found in $PATH: unknown')
    if not os.path.exists(target):
        raise ExecError("command-not-found",
                        OCI_PREFIX + f'exec: "{argv0}": stat {argv0}: no such file or directory: unknown')
    if os.path.isdir(target) or not os.access(target, os.X_OK):
        raise ExecError("command-not-found", OCI_PREFIX + f"exec {argv0}: permission denied: unknown")


def _default_container(pod):
    wanted = pod.annotations.get("kubectl.kubernetes.io/default-container")
    names = [c.name for c in pod.containers]
    if wanted in names or len(names) == 1:
        return wanted if wanted in names else names[0]
    raise ExecError("container-not-found", f"a container name must be specified for pod {pod.name}, "
                                           f"choose one of: [{' '.join(names)}]")


class Cluster:
    """The stand-in cluster: nodes, namespaces, workloads and running pods (see CONTRACT.md)."""

    def __init__(self, spec, state, app_dir, token):
        self.state = os.path.abspath(state)
        self.app_dir = os.path.abspath(app_dir)
        self.selfcontained_dir = selfcontained_dir(self.app_dir)
        self.token = token
        self.nodes = [dict({"os": "linux", "arch": "amd64"}, **n) for n in spec.get("nodes", [])]
        self.namespaces = list(spec.get("namespaces", []))
        self.workloads = [self._workload(w) for w in spec.get("workloads", [])]
        self.pods = [Pod(self, p) for p in spec.get("pods", [])]
        self._lock = threading.Lock()
        self.ephemeral_lock = threading.Lock()   # serializes ephemeral container updates (ephemeral.py)
        self.events = events.EventLog()
        self.stopping = threading.Event()       # set at stop: kubelet threads end
        self.rootless = in_user_namespace()
        self.warnings = self._rootless_warnings() if self.rootless else []

    def _rootless_warnings(self):
        """Containers whose spec user does not exist in this user namespace (they run as its root)."""
        names = [f"{p.namespace}/{p.name}/{c.name} ({c.user})" for p in self.pods for c in p.containers
                 if p.spec.get("phase") != "Pending" and c.run_as != c.uid_gid]
        if not names:
            return []
        return ["rootless mode: these containers' users do not exist in the user namespace (no subordinate "
                "id range: newuidmap/newgidmap and /etc/subuid, /etc/subgid; or an id outside it), so they run "
                "as root of the namespace instead: " + ", ".join(names)]

    @staticmethod
    def _workload(w):
        w = dict({"namespace": "default", "replicas": 1, "owner": None}, **w)
        w.setdefault("labels", dict(w.get("selector") or {}))
        w.setdefault("uid", stable_uid("owner", w["namespace"], w["kind"], w["name"]))
        w.setdefault("created", now_rfc3339())
        return w

    def find_pod(self, namespace, name):
        """The pod NAMESPACE/NAME, or None."""
        return next((p for p in self.pods if p.namespace == namespace and p.name == name), None)

    def prepare(self):
        """Build what pods need (helpers, rootfs profiles, arch layers) before starting any."""
        build_helpers(self.state)
        for profile in sorted({c.profile for p in self.pods for c in p.containers}):
            rootfs.ensure_profile(self.state, profile)

    def start(self, ready_timeout=180.0):
        """Start all pods, record their pids, wait until every readyURL answers. Raises SandboxError
        naming the pod and its log file when one fails."""
        self.prepare()
        # the slowest first: arm64 code under qemu needs the most CPU before it answers
        slow_first = sorted(self.pods, key=lambda p: all(rootfs.profile_arch(c.profile) == "amd64" for c in p.containers))
        try:
            for pod in slow_first:
                pod.start()
                self.write_pids()
            self.wait_ready(ready_timeout)
        except Exception:
            self.stop()
            raise

    def wait_ready(self, timeout):
        """Poll every container's readyURLs in parallel until all answer or TIMEOUT passes."""
        errors = []
        threads = [threading.Thread(target=_wait_container, args=(c, timeout, errors))
                   for p in self.pods for c in p.containers if c.pid and c.ready_urls()]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if errors:
            raise SandboxError("\n".join(errors))

    def stop(self):
        """Kill every container; afterwards no pod process, mount or namespace is left."""
        self.stopping.set()
        for pod in self.pods:
            for c in pod.ephemeral + pod.containers:
                c.stop()
        self.write_pids()

    def write_pids(self):
        """Record the host pids of all containers in STATE/pids.json (for `down` without a daemon)."""
        with self._lock:
            self._write_pids()

    def _write_pids(self):
        recs = [c.record() for p in self.pods for c in p.containers + p.ephemeral if c.keeper and c.running]
        tmp = os.path.join(self.state, "pids.json.tmp")
        with open(tmp, "w") as f:
            json.dump(recs, f)
        os.replace(tmp, os.path.join(self.state, "pids.json"))

    def exec_prepare(self, pod, container, argv, tty):
        """Host argv (sandbox-exec into the container as its user, in its working dir) and env for an
        exec of ARGV in POD's CONTAINER (None: the default container). Raises ExecError."""
        name = container or _default_container(pod)
        c = pod.find_container(name)
        if c is None:
            raise ExecError("container-not-found", f"container {name} is not valid for pod {pod.name}")
        if pod.phase == "Pending" or not c.running:
            raise ExecError("not-running", f'unable to upgrade connection: container not found ("{name}")')
        env = c.env()
        check_command(c, argv[0], env)
        return c.exec_argv(argv), env


def _wait_container(c, timeout, errors):
    start = time.monotonic()
    deadline = start + timeout
    for url in c.ready_urls():
        err = _wait_url(c, url, deadline)
        if err:
            errors.append(f"pod {c.pod.namespace}/{c.pod.name} container {c.name}: {err} (log: {c.log_path})")
            return
    print(f"ready: {c.pod.namespace}/{c.pod.name} {c.name} after {time.monotonic() - start:.1f} s", flush=True)


def _answers(c, url):
    """True when URL answers 200, asked from the container's network namespace (with the host's curl
    through nsenter when the container has its own, where the host cannot reach it)."""
    if c.isolated:
        try:
            res = subprocess.run([NSENTER, f"--net=/proc/{c.pid}/ns/net", "--", "curl", "-sf", "-o", "/dev/null",
                                  "-m", "2", url], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                                 stderr=subprocess.DEVNULL, timeout=5)
            return res.returncode == 0
        except (OSError, subprocess.TimeoutExpired):
            return False
    try:
        with urllib.request.urlopen(url, timeout=2) as resp:
            return resp.status == 200
    except OSError:
        return False


def _wait_url(c, url, deadline):
    """None once URL answers 200; else why not (container exited, or timeout)."""
    while time.monotonic() < deadline:
        if not c.running:
            return f"exited with code {c.exit_code} before {url} answered"
        if _answers(c, url):
            return None
        time.sleep(0.25)
    return f"{url} did not answer within the start-up timeout"


# ------------------------------------------------------------------------------------------------
# clean-up without a daemon


def _children(pid):
    try:
        with open(f"/proc/{pid}/task/{pid}/children") as f:
            return [int(x) for x in f.read().split()]
    except OSError:
        return []


def _helper_pids(state):
    """Host pids of sandbox-run keepers that belong to STATE (found by their command line)."""
    helper = os.path.join(os.path.abspath(state), "bin", "sandbox-run").encode()
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/cmdline", "rb") as f:
                if f.read().split(b"\0")[0] == helper:
                    found.append(int(entry))
        except OSError:
            continue
    return found


def container_pids(state):
    """Host pids of processes inside containers of STATE: processes in another mount namespace whose
    mounts include an overlay with an upper dir under STATE/pods (readlink /proc/PID/root says only
    "/" after pivot_root, but mountinfo keeps the host paths)."""
    marker = ("upperdir=" + os.path.join(os.path.abspath(state), "pods") + "/").encode()
    own_ns = os.readlink("/proc/self/ns/mnt")
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry}/ns/mnt") == own_ns:
                continue
            with open(f"/proc/{entry}/mountinfo", "rb") as f:
                if marker in f.read():
                    found.append(int(entry))
        except OSError:
            continue
    return found


def kill_leftovers(state):
    """Kill every container process of STATE that is still alive: the recorded pids of
    STATE/pids.json, then any sandbox-run keeper found in /proc and its container init, then any
    process still inside one of STATE's containers (container_pids).
    Returns the number of processes signalled."""
    killed = 0
    try:
        with open(os.path.join(state, "pids.json")) as f:
            recs = json.load(f)
    except (OSError, ValueError):
        recs = []
    for r in recs:
        for key in ("init", "keeper"):
            if r.get(key) and _proc_start_time(r[key]) == r.get(key + "_start"):
                _kill(r[key], r.get(key + "_start"))
                killed += 1
    for keeper in _helper_pids(state):
        for child in _children(keeper):
            _kill(child)
            killed += 1
        _kill(keeper)
        killed += 1
    for pid in container_pids(state):
        _kill(pid)
        killed += 1
    return killed
