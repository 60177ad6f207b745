"""Ephemeral containers of the stand-in cluster: what kube-apiserver and the kubelet do for
`kubectl debug POD --image=IMG --target=CTR` (test infrastructure; README.md "Ephemeral containers").

    update(cluster, pod, new_list)    # the pods/ephemeralcontainers subresource's PUT/PATCH result:
                                      # validates as kube-apiserver does (raises Invalid), stores the
                                      # new containers (defaulted) and starts each as a kubelet would
    image_info(image, arch)           # which rootfs profile an image name stands for (None: no such image)

Each new ephemeral container becomes an EphemeralContainer (a sandbox.Container) started by a kubelet
thread: image "pull" (a name mapped to a profile, or ErrImagePull / ImagePullBackOff forever),
the runAsNonRoot check, then a sandbox that shares the pod's uts/ipc/net namespaces and, with a
target, the target container's pid namespace. It runs once; when its process exits it stays
terminated. Existing ephemeral containers can be neither removed nor changed (422, as
kube-apiserver answers).
"""

import difflib
import hashlib
import json
import os
import re
import signal
import subprocess
import threading

import rootfs
import sandbox

DEFAULT_PATH = sandbox.DEFAULT_PATH
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
PULL_BACKOFF = (10, 20, 40, 80, 160, 300)   # s between pull attempts, as the kubelet's image back-off
NOT_EPHEMERAL = ("ports", "livenessProbe", "readinessProbe", "startupProbe", "lifecycle")

# Images an ephemeral container may use, by the last components of the repository (any registry or
# mirror prefix, any tag): rootfs profile per node architecture, default command (ENTRYPOINT + CMD),
# user, extra environment, whether the image carries the .NET runtime (the host's is mounted).
IMAGES = [
    {"repos": ("busybox",), "profiles": {"amd64": "busybox", "arm64": "busybox-arm64"}, "cmd": ["sh"]},
    {"repos": ("alpine",), "profiles": {"amd64": "busybox-musl"}, "cmd": ["/bin/sh"]},
    {"repos": ("debian", "ubuntu"), "profiles": {"amd64": "debian"}, "cmd": ["bash"]},
    {"repos": ("dotnet/runtime-deps", "dotnet/runtime", "dotnet/aspnet", "dotnet/sdk"), "chiseled": True,
     "profiles": {"amd64": "chiseled"}, "cmd": [], "user": 1654, "runtime": True,
     "env": {"APP_UID": "1654", "DOTNET_RUNNING_IN_CONTAINER": "true"}},
    {"repos": ("dotnet/runtime-deps", "dotnet/runtime", "dotnet/aspnet", "dotnet/sdk"),
     "profiles": {"amd64": "debian"}, "cmd": ["bash"], "runtime": True,
     "env": {"APP_UID": "1654", "DOTNET_RUNNING_IN_CONTAINER": "true"}},
]


# ------------------------------------------------------------------------------------------------
# images


def parse_ref(image):
    """(full reference as containerd names it, repository path without registry, tag or None)."""
    name, digest = (image.split("@", 1) + [None])[:2]
    parts = name.split("/")
    registry = "docker.io"
    if len(parts) > 1 and ("." in parts[0] or ":" in parts[0] or parts[0] == "localhost"):
        registry, parts = parts[0], parts[1:]
    repo = "/".join(parts)
    tag = None
    if ":" in parts[-1]:
        repo, tag = repo.rsplit(":", 1)
    if registry == "docker.io" and "/" not in repo:
        repo = "library/" + repo
    ref = f"{registry}/{repo}" + (f"@{digest}" if digest else f":{tag or 'latest'}")
    return ref, repo, tag


def image_info(image, arch="amd64"):
    """What IMAGE stands for on a node of ARCH: a dict with "profile", "cmd", "user", "env", "runtime",
    "ref"; or {"error": message} when it cannot be pulled there (unknown name, no such platform)."""
    ref, repo, tag = parse_ref(image)
    not_found = f"failed to pull and unpack image \"{ref}\": failed to resolve reference \"{ref}\": {ref}: not found"
    for img in IMAGES:
        if not any(repo == r or repo.endswith("/" + r) for r in img["repos"]):
            continue
        if img.get("chiseled") and not re.search(r"chiseled|distroless", tag or ""):
            continue
        profile = img["profiles"].get(arch)
        if profile is None:
            return {"ref": ref, "error": f"failed to pull and unpack image \"{ref}\": no match for platform in "
                                         "manifest: not found"}
        return {"ref": ref, "profile": profile, "cmd": list(img["cmd"]), "user": img.get("user", 0),
                "env": dict({"PATH": DEFAULT_PATH}, **img.get("env", {})), "runtime": img.get("runtime", False)}
    return {"ref": ref, "error": not_found}


# ------------------------------------------------------------------------------------------------
# validation (kube-apiserver's words: field.Error bodies, aggregated into a 422 Invalid Status)


class FieldError:
    """One field.Error: KIND is Required, Invalid, NotFound, Duplicate, Forbidden or NotSupported."""

    REASONS = {"Required": "FieldValueRequired", "Invalid": "FieldValueInvalid", "NotFound": "FieldValueNotFound",
               "Duplicate": "FieldValueDuplicate", "Forbidden": "FieldValueForbidden",
               "NotSupported": "FieldValueNotSupported"}

    def __init__(self, kind, field, value=None, detail=""):
        self.kind, self.field, self.value, self.detail = kind, field, value, detail

    def body(self):
        """ErrorBody(): the message without the field path."""
        val = json.dumps(self.value) if isinstance(self.value, str) else str(self.value)
        text = {"Required": "Required value", "Forbidden": "Forbidden", "NotFound": f"Not found: {val}",
                "Duplicate": f"Duplicate value: {val}", "Invalid": f"Invalid value: {val}",
                "NotSupported": f"Unsupported value: {val}"}[self.kind]
        return f"{text}: {self.detail}" if self.detail else text

    def __str__(self):
        return f"{self.field}: {self.body()}"

    def cause(self):
        return {"reason": self.REASONS[self.kind], "message": self.body(), "field": self.field}


class Invalid(Exception):
    """The update is invalid: ERRORS (FieldError list) for the 422 Status of pod NAME."""

    def __init__(self, name, errors):
        agg = str(errors[0]) if len(errors) == 1 else "[" + ", ".join(str(e) for e in errors) + "]"
        super().__init__(f'Pod "{name}" is invalid: {agg}')
        self.name, self.errors = name, errors


def _omitempty(c):
    """C as the API server serializes it: Go's omitempty drops false, empty and null fields."""
    return {k: v for k, v in c.items() if v not in (None, False, "", [], {}) or k == "resources"}


def defaulted(c):
    """An EphemeralContainer with the API server's defaults (SetDefaults_Container)."""
    c = _omitempty(dict(c))
    c.setdefault("terminationMessagePath", "/dev/termination-log")
    c.setdefault("terminationMessagePolicy", "File")
    c.setdefault("resources", {})
    if "image" in c and "imagePullPolicy" not in c:
        _, _, tag = parse_ref(str(c["image"]))
        c["imagePullPolicy"] = "Always" if "@" not in c["image"] and tag in (None, "latest") else "IfNotPresent"
    return c


def _change_diff(old, new):
    """A short listing of what differs between two container specs (the Forbidden detail)."""
    a = json.dumps(old, indent=1, sort_keys=True).splitlines()
    b = json.dumps(new, indent=1, sort_keys=True).splitlines()
    return "\n".join(line for line in difflib.unified_diff(a, b, lineterm="", n=0) if line[:1] in "+-"
                     and not line.startswith(("+++", "---")))


def _validate_new(pod, c, path, seen):
    """Errors of one new ephemeral container C at PATH; SEEN holds the names taken so far."""
    errs = []
    name = c.get("name")
    if not name:
        errs.append(FieldError("Required", path + ".name"))
    elif not DNS_LABEL.match(str(name)) or len(str(name)) > 63:
        errs.append(FieldError("Invalid", path + ".name", name,
                               "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or "
                               "'-', and must start and end with an alphanumeric character (e.g. 'my-name',  or "
                               "'123-abc', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?')"))
    elif name in seen:
        errs.append(FieldError("Duplicate", path + ".name", name))
    if not c.get("image"):
        errs.append(FieldError("Required", path + ".image"))
    target = c.get("targetContainerName")
    if target and target not in [x.name for x in pod.containers]:
        errs.append(FieldError("NotFound", path + ".targetContainerName", target))
    for key in NOT_EPHEMERAL:
        if c.get(key):
            errs.append(FieldError("Forbidden", f"{path}.{key}", detail="cannot be set for an Ephemeral Container"))
    if any((c.get("resources") or {}).values()):
        errs.append(FieldError("Forbidden", path + ".resources", detail="cannot be set for an Ephemeral Container"))
    policy = c.get("imagePullPolicy")
    if policy not in ("Always", "IfNotPresent", "Never"):
        errs.append(FieldError("NotSupported", path + ".imagePullPolicy", policy,
                               'supported values: "Always", "IfNotPresent", "Never"'))
    for key in ("runAsUser", "runAsGroup"):
        val = (c.get("securityContext") or {}).get(key)
        if val is not None and (not isinstance(val, int) or val < 0 or val > 2147483647):
            errs.append(FieldError("Invalid", f"{path}.securityContext.{key}", val,
                                   "must be between 0 and 2147483647, inclusive"))
    return errs


def validate(pod, new_list):
    """FieldErrors of replacing POD's ephemeral containers by NEW_LIST (defaulted dicts)."""
    errs = []
    seen = {c.name for c in pod.containers}
    old = {ec.name: ec.api_spec for ec in pod.ephemeral}
    new_names = {c.get("name") for c in new_list}
    for i, c in enumerate(new_list):
        path = f"spec.ephemeralContainers[{i}]"
        if c.get("name") in old and c.get("name") not in seen:
            seen.add(c["name"])
            continue
        errs += _validate_new(pod, c, path, seen)
        seen.add(c.get("name"))
    for name, spec in old.items():
        if name not in new_names:
            errs.append(FieldError("Forbidden", "spec.ephemeralContainers",
                                   detail=f'existing ephemeral containers "{name}" may not be removed\n'))
            continue
        new = next(c for c in new_list if c.get("name") == name)
        if new != spec:
            errs.append(FieldError("Forbidden", f"spec.ephemeralContainers[{name}]",
                                   detail=f'existing ephemeral containers "{name}" may not be changed\n'
                                          + _change_diff(spec, new)))
    return errs


def update(cluster, pod, new_list):
    """Replace POD's ephemeral containers by NEW_LIST (what the subresource's update carries):
    validate (raises Invalid), keep the existing ones, add and start the new ones. Returns the names
    of the containers added."""
    if not isinstance(new_list, list) or not all(isinstance(c, dict) for c in new_list):
        raise Invalid(pod.name, [FieldError("Invalid", "spec.ephemeralContainers", str(new_list)[:60],
                                            "must be a list of containers")])
    new_list = [defaulted(c) for c in new_list]
    with cluster.ephemeral_lock:
        errs = validate(pod, new_list)
        if errs:
            raise Invalid(pod.name, errs)
        old = {ec.name for ec in pod.ephemeral}
        added = [EphemeralContainer(pod, c) for c in new_list if c["name"] not in old]
        pod.ephemeral += added
        pod.touch()
    for ec in added:
        threading.Thread(target=ec.kubelet, name=f"kubelet-{pod.name}-{ec.name}", daemon=True).start()
    return [ec.name for ec in added]


# ------------------------------------------------------------------------------------------------
# the container and its kubelet


def _node_arch(pod):
    node = next((n for n in pod.cluster.nodes if n["name"] == pod.node_name), {})
    return node.get("arch", "amd64")


def _passwd_gid(root, uid):
    """Primary gid of UID in ROOT's /etc/passwd (0 when it has no entry), as containerd looks it up."""
    try:
        with open(root + "/etc/passwd") as f:
            for line in f:
                fields = line.split(":")
                if len(fields) > 3 and fields[2] == str(uid):
                    return int(fields[3])
    except (OSError, ValueError):
        pass
    return 0


class EphemeralContainer(sandbox.Container):
    """An ephemeral container: its API spec (api_spec, as stored), and the kubelet's view of it: the
    image it stands for, its state (None before the kubelet's first sync, then waiting, running or
    terminated) and the sandbox once started."""

    def __init__(self, pod, api_spec):
        self.api_spec = api_spec
        self.target = api_spec.get("targetContainerName")
        node_arch = _node_arch(pod)
        real_arm = any(rootfs.profile_arch(c.profile) != "amd64" for c in pod.containers)
        self.info = image_info(api_spec["image"], "arm64" if real_arm else "amd64")
        sc = dict(pod.security_context, **(api_spec.get("securityContext") or {}))
        self.run_as_non_root = bool(sc.get("runAsNonRoot"))
        profile = self.info.get("profile", "busybox")
        uid = sc.get("runAsUser", self.info.get("user", 0))
        self.gid = sc.get("runAsGroup")   # None: from the image's /etc/passwd, once the kubelet has it
        command = list(api_spec.get("command") or self.info.get("cmd") or [])
        command += list(api_spec.get("args") or ([] if api_spec.get("command") else []))
        env = dict(self.info.get("env") or {})
        env.update({e["name"]: str(e.get("value", "")) for e in api_spec.get("env") or [] if "name" in e})
        super().__init__(pod, {
            "name": api_spec["name"], "profile": profile, "image": api_spec["image"], "command": command,
            "env": env, "user": f"{uid}:{self.gid or 0}", "workingDir": api_spec.get("workingDir") or "/",
            "readOnlyRootFilesystem": bool(sc.get("readOnlyRootFilesystem")), "tmp": None, "pid1": True,
            "arch": node_arch if node_arch != rootfs.profile_arch(profile) else None, "app": "none",
            "securityContext": {k: sc[k] for k in ("capabilities", "privileged", "allowPrivilegeEscalation")
                                if k in sc}})
        self.state = None          # None (not synced yet), "waiting", "running", "terminated"
        self.reason = self.message = None
        self.finished = None
        self.field_path = f"spec.ephemeralContainers{{{self.name}}}"

    # ---- how the sandbox differs from a pod container's
    @property
    def shared_with(self):
        """The container whose namespaces this one joins: the target, else the pod's first."""
        return self.pod.find_container(self.target) if self.target else self.pod.containers[0]

    @property
    def isolated(self):
        other = self.shared_with
        return bool(other and other.isolated)

    def _join_args(self):
        other = self.shared_with
        kinds = (["pid"] if self.target else []) + ["uts", "ipc"] + (["net"] if other.isolated else [])
        return ["--join", f"{other.pid}:{','.join(kinds)}"]

    def _binds(self):
        return [f"{sandbox.DOTNET_ROOT}:{sandbox.DOTNET_ROOT}"] if self.info.get("runtime") else []

    def _stdin(self):
        return subprocess.PIPE if self.api_spec.get("stdin") or self.api_spec.get("tty") else subprocess.DEVNULL

    # ---- status as the kubelet reports it
    def status(self):
        """The ContainerStatus for status.ephemeralContainerStatuses, or None before the first sync."""
        if self.state is None:
            return None
        st = {"name": self.name, "state": {}, "lastState": {}, "ready": False, "restartCount": 0,
              "image": self.image, "imageID": ""}
        cid = "containerd://" + hashlib.sha256(f"{self.pod.uid}/{self.name}".encode()).hexdigest()
        if self.state == "waiting":
            st["state"] = {"waiting": dict({"reason": self.reason}, **({"message": self.message} if self.message
                                                                        else {}))}
            return st
        st["imageID"] = self.info["ref"].rsplit(":", 1)[0].split("@")[0] + "@sha256:" + hashlib.sha256(
            self.info["ref"].encode()).hexdigest()
        st["containerID"] = cid
        if self.state == "running" and self.running:
            st["state"] = {"running": {"startedAt": self.started}}
            return st
        code = self.exit_code if self.exit_code is not None else 128
        term = {"exitCode": code, "reason": self.reason or ("Completed" if code == 0 else "Error")}
        if self.message:
            term["message"] = self.message
        term.update({"startedAt": self.started or self.finished, "finishedAt": self.finished or sandbox.now_rfc3339(),
                     "containerID": cid})
        st["state"] = {"terminated": term}
        return st

    def _set(self, state, reason=None, message=None):
        self.state, self.reason, self.message = state, reason, message
        self.pod.touch()

    def _event(self, type_, reason, message):
        self.pod.cluster.events.add(self.pod, self.field_path, type_, reason, message)

    # ---- the kubelet
    def kubelet(self):
        """Start this container once, as a kubelet would, and follow it until it ends."""
        stop = self.pod.cluster.stopping
        if stop.wait(0.3):
            return
        self._set("waiting", "ContainerCreating")
        if "error" in self.info:
            return self._pull_backoff()
        if self.api_spec.get("imagePullPolicy") == "Always":
            self._event("Normal", "Pulling", f'Pulling image "{self.image}"')
            self._event("Normal", "Pulled", f'Successfully pulled image "{self.image}" in 212ms (212ms including '
                                             'waiting)')
        else:
            self._event("Normal", "Pulled", f'Container image "{self.image}" already present on machine')
        if self.gid is None:
            root = rootfs.ensure_profile(self.pod.cluster.state, self.profile)
            self.user = "%d:%d" % (self.uid_gid[0], _passwd_gid(root, self.uid_gid[0]))
        err = self._config_error()
        if err:
            self._set("waiting", *err)
            self._event("Warning", "Failed", "Error: " + err[1])
            return
        try:
            self.start()
        except sandbox.SandboxError as exc:
            self.finished = sandbox.now_rfc3339()
            self._set("terminated", "StartError", "failed to create containerd task: failed to create shim task: "
                      "OCI runtime create failed: runc create failed: unable to start container process: "
                      f"{_sandbox_reason(exc)}: unknown")
            self._event("Warning", "Failed", "Error: " + self.message)
            return
        self.pod.cluster.write_pids()
        mnt_ns = _mnt_ns(self.pid)
        self._event("Normal", "Created", f"Created container {self.name}")
        self._event("Normal", "Started", f"Started container {self.name}")
        self._set("running")
        self.exit_code = self.keeper.wait()
        self.finished = sandbox.now_rfc3339()
        _kill_mnt_ns(mnt_ns)   # what was exec'd into it ends with it, as the runtime kills the container's cgroup
        self._set("terminated")

    def _config_error(self):
        """(reason, message) when the kubelet cannot create the container from its config."""
        where = f'(pod: "{self.pod.name}_{self.pod.namespace}({self.pod.uid})", container: {self.name})'
        target = self.shared_with
        if self.run_as_non_root and self.uid_gid[0] == 0:
            if "runAsUser" in dict(self.pod.security_context, **(self.api_spec.get("securityContext") or {})):
                return ("CreateContainerConfigError", f"container's runAsUser breaks non-root policy {where}")
            return ("CreateContainerConfigError", f"container has runAsNonRoot and image will run as root {where}")
        if target is None or not target.running:
            name = target.name if target else self.target
            return ("CreateContainerError",
                    f'failed to get the namespaces of container "{name}": container is not running')
        try:
            sandbox.capability_set(self.security)
        except sandbox.SandboxError as exc:
            return ("CreateContainerError", f"failed to generate container spec: {exc}")
        if not self.spec["command"]:
            return ("CreateContainerError", "failed to generate container spec: no command specified")
        return None

    def _pull_backoff(self):
        """An image that cannot be pulled: ErrImagePull, then ImagePullBackOff, retried with back-off
        until the cluster stops; the container never starts."""
        stop = self.pod.cluster.stopping
        for attempt in range(10 ** 6):
            self._event("Normal", "Pulling", f'Pulling image "{self.image}"')
            self._event("Warning", "Failed", f'Failed to pull image "{self.image}": {self.info["error"]}')
            self._event("Warning", "Failed", "Error: ErrImagePull")
            self._set("waiting", "ErrImagePull", "rpc error: code = NotFound desc = " + self.info["error"])
            if stop.wait(1.5):
                return
            backoff = f'Back-off pulling image "{self.image}"'
            self._event("Normal", "BackOff", backoff)
            self._event("Warning", "Failed", "Error: ImagePullBackOff")
            self._set("waiting", "ImagePullBackOff", backoff)
            if stop.wait(PULL_BACKOFF[min(attempt, len(PULL_BACKOFF) - 1)]):
                return


def _mnt_ns(pid):
    """The mount namespace of PID (its /proc/PID/ns/mnt link), or None."""
    try:
        return os.readlink(f"/proc/{pid}/ns/mnt")
    except OSError:
        return None


def _kill_mnt_ns(ns):
    """SIGKILL every process in mount namespace NS: the processes of one ephemeral container (sharing
    the target's pid namespace, they do not end with their container's main process otherwise)."""
    if not ns:
        return
    for entry in os.listdir("/proc"):
        if entry.isdigit() and _mnt_ns(entry) == ns:
            try:
                os.kill(int(entry), signal.SIGKILL)
            except OSError:
                pass


def _sandbox_reason(exc):
    """What sandbox-run said about a failed start (the text between the container name and the log)."""
    text = str(exc)
    text = text.split(": ", 1)[1] if text.startswith("pod ") and ": " in text else text
    return re.sub(r" \(log: [^)]*\)$", "", text)


