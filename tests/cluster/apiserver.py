"""Stand-in Kubernetes API server for the local test cluster (tests/cluster).

Real kubectl (1.30 to 1.33) talks to this server as it would to kube-apiserver: /version, discovery,
namespaces, nodes, pods and apps/v1 workloads as Kubernetes JSON (and meta.k8s.io Tables for
`kubectl get`), metav1.Status errors, and pods/exec over WebSocket (v5.channel.k8s.io, or
v4.channel.k8s.io), with the exit status sent on channel 3 as a kubelet sends it; the
pods/ephemeralcontainers subresource (GET, PATCH in the three patch formats, PUT) that `kubectl debug`
uses, and the events the kubelet side records. Python 3 stdlib only.

Entry points (used by standin.py):

    cfg = Config(host="127.0.0.1", port=16443, tls_cert=None, tls_key=None, minor="33",
                 state_dir="build/cluster", token="...", user="dev")
    serve(cluster, cfg)                     # blocks until server.shutdown() from another thread
    server = serve(cluster, cfg, block=False)   # started in a daemon thread; call server.shutdown()
    ca_pem, cert_path, key_path = make_tls(state_dir)   # CA + server cert for 127.0.0.1/localhost

Config fields: host/port to listen on; tls_cert/tls_key paths (both None: plain HTTP); minor: the
Kubernetes minor /version reports (string, changeable at run time via POST /_standin/version);
state_dir: where requests.log goes; token: the bearer token every request must carry; user: the user
name that token stands for (used in RBAC-style 403 messages).

`cluster` is a sandbox.Cluster (see CONTRACT.md): nodes, namespaces, workloads, pods, find_pod,
exec_prepare, events. This module changes the cluster only through ephemeral.update (an update of
pods/ephemeralcontainers); otherwise it reads it and spawns exec children.

Admin endpoints (bearer token required): POST /_standin/version {"minor": "31"};
GET/POST/DELETE /_standin/faults (see CONTRACT.md and README.md).
"""

import base64
import dataclasses
import datetime
import fcntl
import hashlib
import http.server
import json
import os
import pty
import re
import select
import signal
import socket
import ssl
import struct
import subprocess
import termios
import threading
import time
import urllib.parse
import uuid

import ephemeral
import patches

# --------------------------------------------------------------------------------------------------
# configuration


@dataclasses.dataclass
class Config:
    """How the API server listens and whom it accepts (see the module docstring)."""

    host: str = "127.0.0.1"
    port: int = 16443
    tls_cert: "str | None" = None
    tls_key: "str | None" = None
    minor: str = "33"
    state_dir: str = "build/cluster"
    token: str = ""
    user: str = "dev"


PATCH_VERSION = {"27": 16, "28": 15, "29": 14, "30": 14, "31": 10, "32": 6, "33": 2}
STARTED = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0)
CHUNK = 256 * 1024          # max bytes read from a child pipe per WebSocket frame
HEAD_ROOM = 10              # bytes before a frame's payload kept free for its header (send_from)
IDLE_AFTER_EXIT = 1.0       # s of silence on a pipe, after the child exited, that ends the drain
MAX_FRAME = 64 * 1024 * 1024  # largest client frame accepted (kubectl sends <= 32 KiB frames)
START_DELAY = 0.05          # s between the 101 and the child's start: client-go creates its streams
                            # just after the upgrade and drops data that arrives earlier
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"


def rfc3339(dt):
    """Format a datetime as Kubernetes does (seconds, Z)."""
    return dt.astimezone(datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text):
    """Parse an RFC 3339 timestamp (as the sandbox writes them); None or junk -> server start."""
    try:
        return datetime.datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return STARTED


def stable_uid(*parts):
    """A deterministic uid for objects the sandbox does not give one (nodes, namespaces)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, "dotnetprof-standin/" + "/".join(parts)))


def human_age(created):
    """kubectl's AGE column (duration.HumanDuration, shortened)."""
    secs = max(0, int((datetime.datetime.now(datetime.timezone.utc) - parse_time(created)).total_seconds()))
    if secs < 120:
        return "%ds" % secs
    mins = secs // 60
    if mins < 10:
        return "%dm%ds" % (mins, secs % 60) if secs % 60 else "%dm" % mins
    if mins < 180:
        return "%dm" % mins
    hours = secs // 3600
    if hours < 8:
        return "%dh%dm" % (hours, mins % 60) if mins % 60 else "%dh" % hours
    if hours < 48:
        return "%dh" % hours
    return "%dd" % (hours // 24)


# --------------------------------------------------------------------------------------------------
# metav1.Status errors


class ApiError(Exception):
    """An error answered as a metav1.Status with an HTTP code."""

    def __init__(self, code, reason, message, details=None):
        super().__init__(message)
        self.code, self.reason, self.message, self.details = code, reason, message, details

    def body(self):
        """The metav1.Status JSON object, field order as kube-apiserver writes it."""
        status = {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure",
                  "message": self.message, "reason": self.reason}
        if self.details is not None:
            status["details"] = self.details
        status["code"] = self.code
        return status


def qualified(resource, group):
    """`pods` or `deployments.apps`, as kube-apiserver names resources in messages."""
    return resource + "." + group if group else resource


def not_found(resource, group, name):
    """404 NotFound for one named object."""
    details = {"name": name, "kind": resource}
    if group:
        details = {"name": name, "group": group, "kind": resource}
    return ApiError(404, "NotFound", '%s "%s" not found' % (qualified(resource, group), name), details)


def forbidden(user, verb, resource, sub, name, namespace):
    """403 Forbidden worded as the RBAC authorizer words it."""
    res = resource + ("/" + sub if sub else "")
    msg = ('%s "%s" is forbidden: User "%s" cannot %s resource "%s" in API group "" in the namespace "%s"'
           % (resource, name, user, verb, res, namespace))
    return ApiError(403, "Forbidden", msg, {"name": name, "kind": resource})


def bad_request(message):
    """400 BadRequest."""
    return ApiError(400, "BadRequest", message)


class KubeletError(Exception):
    """A kubelet refusal before the upgrade: plain text, HTTP 500, passed through by the API server
    (kubectl prints `error: unable to upgrade connection: <text>`)."""


UNAUTHORIZED = ApiError(401, "Unauthorized", "Unauthorized")
NO_RESOURCE = ApiError(404, "NotFound", "the server could not find the requested resource", {})


# --------------------------------------------------------------------------------------------------
# selectors


SELECTOR_TERM = re.compile(r"^\s*(!?)\s*([A-Za-z0-9_./-]+)\s*(?:(==|=|!=)\s*([A-Za-z0-9_.-]*)|\s+(in|notin)\s*"
                           r"\(([^)]*)\))?\s*$")


def split_selector(text):
    """Split a selector on commas that are not inside parentheses."""
    terms, depth, cur = [], 0, ""
    for ch in text:
        depth += {"(": 1, ")": -1}.get(ch, 0)
        if ch == "," and depth == 0:
            terms.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        terms.append(cur)
    return [t for t in terms if t.strip()]


def parse_label_selector(text):
    """Parse a label selector into a predicate over a labels dict (400 on bad syntax)."""
    preds = []
    for term in split_selector(text or ""):
        m = SELECTOR_TERM.match(term)
        if not m or (m.group(1) and (m.group(3) or m.group(5))):
            raise bad_request("unable to parse requirement: invalid label selector: %r" % term.strip())
        neg, key, op, val, setop, setvals = m.groups()
        values = {v.strip() for v in (setvals or "").split(",") if v.strip()}
        preds.append(label_predicate(neg, key, op or setop, val, values))
    return lambda labels: all(p(labels or {}) for p in preds)


def label_predicate(neg, key, op, val, values):
    """One selector requirement as a predicate."""
    if op in ("=", "=="):
        return lambda lb: lb.get(key) == val
    if op == "!=":
        return lambda lb: lb.get(key) != val
    if op == "in":
        return lambda lb: lb.get(key) in values
    if op == "notin":
        return lambda lb: lb.get(key) not in values
    if neg:
        return lambda lb: key not in lb
    return lambda lb: key in lb


FIELD_PATHS = {"metadata.name": lambda o: o["metadata"]["name"],
               "metadata.namespace": lambda o: o["metadata"].get("namespace", ""),
               "status.phase": lambda o: o.get("status", {}).get("phase", ""),
               "spec.nodeName": lambda o: o.get("spec", {}).get("nodeName", "")}
for _f in ("kind", "namespace", "name", "uid", "apiVersion", "resourceVersion", "fieldPath"):
    FIELD_PATHS["involvedObject." + _f] = (lambda f: lambda o: o.get("involvedObject", {}).get(f, ""))(_f)
for _f in ("reason", "type"):
    FIELD_PATHS[_f] = (lambda f: lambda o: o.get(f, ""))(_f)
FIELD_PATHS["source"] = lambda o: o.get("source", {}).get("component", "")


def parse_field_selector(text):
    """Parse a field selector (metadata.name, metadata.namespace, status.phase, spec.nodeName)."""
    preds = []
    for term in split_selector(text or ""):
        m = re.match(r"^\s*([A-Za-z.]+)\s*(==|=|!=)\s*(.*?)\s*$", term)
        if not m:
            raise bad_request("invalid field selector: %r" % term)
        path, op, val = m.groups()
        if path not in FIELD_PATHS:
            raise bad_request('field label not supported: %s' % path)
        get = FIELD_PATHS[path]
        preds.append((lambda g, v: (lambda o: g(o) == v))(get, val) if op != "!="
                     else (lambda g, v: (lambda o: g(o) != v))(get, val))
    return lambda obj: all(p(obj) for p in preds)


# --------------------------------------------------------------------------------------------------
# objects: the cluster model rendered as Kubernetes JSON


def object_meta(name, namespace, uid, created, labels=None, annotations=None, owners=None, version=0):
    """metav1.ObjectMeta as the API server returns it (VERSION: changes made since start)."""
    meta = {"name": name}
    if namespace is not None:
        meta["namespace"] = namespace
    meta.update({"uid": uid, "resourceVersion": str(1000 + int(uid.replace("-", "")[:6], 16) % 9000 + 10000 * version),
                 "creationTimestamp": created})
    if labels:
        meta["labels"] = dict(labels)
    if annotations:
        meta["annotations"] = dict(annotations)
    if owners:
        meta["ownerReferences"] = owners
    return meta


def attr(obj, name, default=None):
    """Read a field of a sandbox object or dict, tolerating either."""
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


class Renderer:
    """Builds Kubernetes JSON for the objects of a sandbox.Cluster (read-only view)."""

    def __init__(self, cluster):
        self.cluster = cluster

    # ---- cluster-scoped
    def namespaces(self):
        """Namespace objects."""
        return [{"kind": "Namespace", "apiVersion": "v1",
                 "metadata": object_meta(ns, None, stable_uid("ns", ns), rfc3339(STARTED),
                                         {"kubernetes.io/metadata.name": ns}),
                 "spec": {"finalizers": ["kubernetes"]}, "status": {"phase": "Active"}}
                for ns in self.cluster.namespaces]

    def nodes(self):
        """Node objects with arch/os/hostname labels and nodeInfo."""
        return [self.node(n) for n in self.cluster.nodes]

    def node(self, n):
        """One Node object."""
        name, arch, osname = n["name"], n.get("arch", "amd64"), n.get("os", "linux")
        labels = {"beta.kubernetes.io/arch": arch, "beta.kubernetes.io/os": osname,
                  "kubernetes.io/arch": arch, "kubernetes.io/hostname": name, "kubernetes.io/os": osname}
        ready = {"type": "Ready", "status": "True", "reason": "KubeletReady",
                 "message": "kubelet is posting ready status", "lastHeartbeatTime": rfc3339(STARTED),
                 "lastTransitionTime": rfc3339(STARTED)}
        return {"kind": "Node", "apiVersion": "v1",
                "metadata": object_meta(name, None, stable_uid("node", name), rfc3339(STARTED), labels),
                "spec": {"podCIDR": "10.244.0.0/24"},
                "status": {"conditions": [ready],
                           "addresses": [{"type": "InternalIP", "address": "127.0.0.1"},
                                         {"type": "Hostname", "address": name}],
                           "nodeInfo": {"architecture": arch, "operatingSystem": osname,
                                        "kubeletVersion": "v1.%s.0" % SERVER.minor,
                                        "containerRuntimeVersion": "containerd://1.7.22",
                                        "kernelVersion": os.uname().release,
                                        "osImage": "dotnetprof stand-in"}}}

    # ---- pods
    def pods(self, namespace=None):
        """Pod objects, optionally of one namespace."""
        return [self.pod(p) for p in self.cluster.pods if namespace is None or p.namespace == namespace]

    def owner_refs(self, owner, namespace):
        """ownerReferences for a {"kind","name"} owner, with the owner's uid when known."""
        if not owner:
            return None
        uid = stable_uid("owner", namespace, owner["kind"], owner["name"])
        for w in self.cluster.workloads:
            if w["kind"] == owner["kind"] and w["name"] == owner["name"] and w.get("namespace", "default") == namespace:
                uid = w.get("uid") or uid
        return [{"apiVersion": "apps/v1", "kind": owner["kind"], "name": owner["name"], "uid": uid,
                 "controller": True, "blockOwnerDeletion": True}]

    @staticmethod
    def container_spec(c):
        """A core/v1 Container from a sandbox Container."""
        raw = attr(c, "spec", None) or {}
        spec = {"name": c.name, "image": c.image}
        if raw.get("command"):
            spec["command"] = list(raw["command"])
        if raw.get("env"):
            spec["env"] = [{"name": k, "value": str(v)} for k, v in raw["env"].items()]
        spec.update({"resources": {}, "terminationMessagePath": "/dev/termination-log",
                     "terminationMessagePolicy": "File", "imagePullPolicy": "IfNotPresent"})
        if getattr(c, "working_dir", None):
            spec["workingDir"] = c.working_dir
        sec = {}
        user = str(getattr(c, "user", "") or "")
        if re.match(r"^\d+(:\d+)?$", user):
            uid_gid = user.split(":")
            sec["runAsUser"] = int(uid_gid[0])
            if len(uid_gid) > 1:
                sec["runAsGroup"] = int(uid_gid[1])
        if raw.get("readOnlyRootFilesystem"):
            sec["readOnlyRootFilesystem"] = True
        sec.update(raw.get("securityContext") or {})
        if sec:
            spec["securityContext"] = sec
        return spec

    @staticmethod
    def container_status(pod, c):
        """A ContainerStatus; running containers are ready and started."""
        started = getattr(c, "started", None) or pod.created
        running = bool(c.running) and pod.phase == "Running"
        if running:
            state = {"running": {"startedAt": started}}
        elif pod.phase == "Pending":
            state = {"waiting": {"reason": "ContainerCreating"}}
        else:
            ok = pod.phase == "Succeeded"
            state = {"terminated": {"exitCode": 0 if ok else 1, "reason": "Completed" if ok else "Error",
                                    "startedAt": started, "finishedAt": started}}
        cid = hashlib.sha256(("%s/%s/%s" % (pod.namespace, pod.name, c.name)).encode()).hexdigest()
        status = {"name": c.name, "state": state, "lastState": {}, "ready": running,
                  "restartCount": int(getattr(c, "restart_count", 0) or 0), "image": c.image,
                  "imageID": c.image + "@sha256:" + hashlib.sha256(c.image.encode()).hexdigest(),
                  "started": running}
        if pod.phase != "Pending":
            status["containerID"] = "containerd://" + cid
        return status

    def pod(self, p):
        """One Pod object."""
        statuses = [self.container_status(p, c) for c in p.containers]
        all_ready = bool(statuses) and all(s["ready"] for s in statuses)
        t = p.created
        cond = lambda typ, ok: {"type": typ, "status": "True" if ok else "False",  # noqa: E731
                                "lastProbeTime": None, "lastTransitionTime": t}
        scheduled = p.phase != "Pending" or bool(p.node_name)
        status = {"phase": p.phase,
                  "conditions": [cond("PodReadyToStartContainers", p.phase == "Running"),
                                 cond("Initialized", True), cond("Ready", all_ready),
                                 cond("ContainersReady", all_ready), cond("PodScheduled", scheduled)],
                  "hostIP": "127.0.0.1", "hostIPs": [{"ip": "127.0.0.1"}]}
        if p.pod_ip:
            status.update({"podIP": p.pod_ip, "podIPs": [{"ip": p.pod_ip}]})
        status.update({"startTime": t, "containerStatuses": statuses, "qosClass": "BestEffort"})
        eph = list(getattr(p, "ephemeral", []))
        eph_statuses = [st for st in (ec.status() for ec in eph) if st is not None]
        if eph_statuses:
            status["ephemeralContainerStatuses"] = eph_statuses
        spec = {"containers": [self.container_spec(c) for c in p.containers], "restartPolicy": "Always",
                "terminationGracePeriodSeconds": 30, "dnsPolicy": "ClusterFirst",
                "serviceAccountName": "default", "serviceAccount": "default", "nodeName": p.node_name,
                "securityContext": dict(getattr(p, "security_context", {}) or {}),
                "schedulerName": "default-scheduler", "enableServiceLinks": True,
                "preemptionPolicy": "PreemptLowerPriority", "priority": 0}
        if eph:
            spec["ephemeralContainers"] = [dict(ec.api_spec) for ec in eph]
        if getattr(p, "host_aliases", None):
            spec["hostAliases"] = [dict(a) for a in p.host_aliases]
        return {"kind": "Pod", "apiVersion": "v1",
                "metadata": object_meta(p.name, p.namespace, p.uid, p.created, p.labels, p.annotations,
                                        self.owner_refs(p.owner, p.namespace), getattr(p, "version", 0)),
                "spec": spec, "status": status}

    # ---- workloads
    def workloads(self, kind, namespace=None):
        """Deployment/StatefulSet/DaemonSet/ReplicaSet objects of one kind."""
        return [self.workload(w) for w in self.cluster.workloads
                if w["kind"] == kind and (namespace is None or w.get("namespace", "default") == namespace)]

    def workload(self, w):
        """One apps/v1 workload object with selector, replicas, template and a computed status."""
        ns = w.get("namespace", "default")
        selector = dict(w.get("selector") or {})
        pods = [p for p in self.cluster.pods
                if p.namespace == ns and all((p.labels or {}).get(k) == v for k, v in selector.items())]
        running = sum(1 for p in pods if p.phase == "Running" and all(c.running for c in p.containers))
        replicas = int(w.get("replicas", len(pods)))
        template = {"metadata": {"labels": dict(selector)},
                    "spec": {"containers": [self.container_spec(c) for c in (pods[0].containers if pods else [])]}}
        spec = {"selector": {"matchLabels": selector}, "template": template}
        if w["kind"] != "DaemonSet":
            spec["replicas"] = replicas
        uid = w.get("uid") or stable_uid("owner", ns, w["kind"], w["name"])
        created = w.get("created") or rfc3339(STARTED)
        meta = object_meta(w["name"], ns, uid, created, w.get("labels") or selector, None,
                           self.owner_refs(w.get("owner"), ns))
        meta["generation"] = 1
        return {"kind": w["kind"], "apiVersion": "apps/v1", "metadata": meta, "spec": spec,
                "status": self.workload_status(w["kind"], len(pods), running)}

    @staticmethod
    def workload_status(kind, total, running):
        """The status block of each workload kind."""
        if kind == "DaemonSet":
            return {"currentNumberScheduled": total, "numberMisscheduled": 0, "desiredNumberScheduled": total,
                    "numberReady": running, "observedGeneration": 1, "updatedNumberScheduled": total,
                    "numberAvailable": running}
        status = {"observedGeneration": 1, "replicas": total, "readyReplicas": running,
                  "availableReplicas": running}
        if kind == "Deployment":
            status["updatedReplicas"] = total
        if kind == "StatefulSet":
            status.update({"currentReplicas": total, "updatedReplicas": total})
        return status


# --------------------------------------------------------------------------------------------------
# resources: discovery entries, listing and table columns


@dataclasses.dataclass
class Resource:
    """One served resource: discovery data, how to list it, and its table columns."""

    name: str
    singular: str
    kind: str
    namespaced: bool
    short: list
    lister: str          # Renderer method name; workloads use kind
    columns: list        # [(name, type, priority, cell(obj) -> value)]
    group: str = ""
    verbs: tuple = ("get", "list")
    categories: tuple = ("all",)


def ready_count(obj):
    """READY column for pods: ready/total containers."""
    sts = obj["status"].get("containerStatuses", [])
    return "%d/%d" % (sum(1 for s in sts if s["ready"]), len(obj["spec"]["containers"]))


def pod_status_word(obj):
    """STATUS column for pods, close to kubectl's printer."""
    for s in obj["status"].get("containerStatuses", []):
        state = s["state"]
        if "waiting" in state:
            return state["waiting"]["reason"]
        if "terminated" in state and obj["status"]["phase"] == "Running":
            return state["terminated"]["reason"]
    return obj["status"]["phase"]


AGE = ("Age", "string", 0, lambda o: human_age(o["metadata"]["creationTimestamp"]))
NAME = ("Name", "string", 0, lambda o: o["metadata"]["name"])
POD_COLUMNS = [NAME, ("Ready", "string", 0, ready_count), ("Status", "string", 0, pod_status_word),
               ("Restarts", "string", 0,
                lambda o: str(sum(s["restartCount"] for s in o["status"].get("containerStatuses", [])))),
               AGE, ("IP", "string", 1, lambda o: o["status"].get("podIP", "<none>")),
               ("Node", "string", 1, lambda o: o["spec"].get("nodeName") or "<none>"),
               ("Nominated Node", "string", 1, lambda o: "<none>"),
               ("Readiness Gates", "string", 1, lambda o: "<none>")]
NODE_COLUMNS = [NAME, ("Status", "string", 0, lambda o: "Ready"), ("Roles", "string", 0, lambda o: "<none>"),
                AGE, ("Version", "string", 0, lambda o: o["status"]["nodeInfo"]["kubeletVersion"]),
                ("Internal-IP", "string", 1, lambda o: "127.0.0.1"),
                ("OS-Image", "string", 1, lambda o: o["status"]["nodeInfo"]["osImage"]),
                ("Kernel-Version", "string", 1, lambda o: o["status"]["nodeInfo"]["kernelVersion"]),
                ("Container-Runtime", "string", 1, lambda o: o["status"]["nodeInfo"]["containerRuntimeVersion"])]
NS_COLUMNS = [NAME, ("Status", "string", 0, lambda o: "Active"), AGE]
SEL = ("Selector", "string", 1,
       lambda o: ",".join("%s=%s" % kv for kv in o["spec"]["selector"]["matchLabels"].items()))
READY_OF = ("Ready", "string", 0,
            lambda o: "%d/%d" % (o["status"].get("readyReplicas", 0), o["spec"].get("replicas", 0)))
DEPLOY_COLUMNS = [NAME, READY_OF, ("Up-to-date", "integer", 0, lambda o: o["status"].get("updatedReplicas", 0)),
                  ("Available", "integer", 0, lambda o: o["status"].get("availableReplicas", 0)), AGE, SEL]
RS_COLUMNS = [NAME, ("Desired", "integer", 0, lambda o: o["spec"].get("replicas", 0)),
              ("Current", "integer", 0, lambda o: o["status"].get("replicas", 0)),
              ("Ready", "integer", 0, lambda o: o["status"].get("readyReplicas", 0)), AGE, SEL]
STS_COLUMNS = [NAME, READY_OF, AGE]
DS_COLUMNS = [NAME, ("Desired", "integer", 0, lambda o: o["status"]["desiredNumberScheduled"]),
              ("Current", "integer", 0, lambda o: o["status"]["currentNumberScheduled"]),
              ("Ready", "integer", 0, lambda o: o["status"]["numberReady"]),
              ("Up-to-date", "integer", 0, lambda o: o["status"]["updatedNumberScheduled"]),
              ("Available", "integer", 0, lambda o: o["status"]["numberAvailable"]),
              ("Node Selector", "string", 0, lambda o: "<none>"), AGE, SEL]

EVENT_COLUMNS = [("Last Seen", "string", 0, lambda o: human_age(o["lastTimestamp"])),
                 ("Type", "string", 0, lambda o: o["type"]), ("Reason", "string", 0, lambda o: o["reason"]),
                 ("Object", "string", 0, lambda o: "pod/" + o["involvedObject"]["name"]),
                 ("Subobject", "string", 1, lambda o: o["involvedObject"].get("fieldPath", "")),
                 ("Source", "string", 1, lambda o: "kubelet, " + o["source"]["host"]),
                 ("Message", "string", 0, lambda o: o["message"]),
                 ("First Seen", "string", 1, lambda o: human_age(o["firstTimestamp"])),
                 ("Count", "integer", 1, lambda o: o["count"]),
                 ("Name", "string", 1, lambda o: o["metadata"]["name"])]

CORE = [Resource("pods", "pod", "Pod", True, ["po"], "pods", POD_COLUMNS),
        Resource("namespaces", "namespace", "Namespace", False, ["ns"], "namespaces", NS_COLUMNS, categories=()),
        Resource("nodes", "node", "Node", False, ["no"], "nodes", NODE_COLUMNS, categories=()),
        Resource("events", "event", "Event", True, ["ev"], "events", EVENT_COLUMNS, verbs=("get", "list"),
                 categories=())]
APPS = [Resource("deployments", "deployment", "Deployment", True, ["deploy"], "Deployment", DEPLOY_COLUMNS, "apps"),
        Resource("statefulsets", "statefulset", "StatefulSet", True, ["sts"], "StatefulSet", STS_COLUMNS, "apps"),
        Resource("daemonsets", "daemonset", "DaemonSet", True, ["ds"], "DaemonSet", DS_COLUMNS, "apps"),
        Resource("replicasets", "replicaset", "ReplicaSet", True, ["rs"], "ReplicaSet", RS_COLUMNS, "apps")]
GROUPS = {("", "v1"): {r.name: r for r in CORE}, ("apps", "v1"): {r.name: r for r in APPS}}


def resource_list(group, version):
    """APIResourceList for /api/v1 or /apis/apps/v1."""
    entries = []
    for r in GROUPS[(group, version)].values():
        entry = {"name": r.name, "singularName": r.singular, "namespaced": r.namespaced, "kind": r.kind,
                 "verbs": list(r.verbs), "shortNames": list(r.short)}
        if r.categories:
            entry["categories"] = list(r.categories)
        entries.append(entry)
        if r.name == "pods":
            entries.append({"name": "pods/ephemeralcontainers", "singularName": "", "namespaced": True,
                            "kind": "Pod", "verbs": ["get", "patch", "update"]})
            entries.append({"name": "pods/exec", "singularName": "", "namespaced": True, "kind": "PodExecOptions",
                            "verbs": ["create", "get"]})
    return {"kind": "APIResourceList", "apiVersion": "v1",
            "groupVersion": version if not group else group + "/" + version, "resources": entries}


def api_versions():
    """/api."""
    return {"kind": "APIVersions", "versions": ["v1"],
            "serverAddressByClientCIDRs": [{"clientCIDR": "0.0.0.0/0", "serverAddress": "127.0.0.1:16443"}]}


def api_group_list():
    """/apis."""
    gv = {"groupVersion": "apps/v1", "version": "v1"}
    return {"kind": "APIGroupList", "apiVersion": "v1",
            "groups": [{"name": "apps", "versions": [gv], "preferredVersion": gv}]}


def as_table(resource, objs, list_rv):
    """A meta.k8s.io/v1 Table of objs with resource's columns (rows carry the full object)."""
    cols = [{"name": c[0], "type": c[1], "format": "name" if c[0] == "Name" else "", "description": c[0],
             "priority": c[2]} for c in resource.columns]
    rows = [{"cells": [c[3](o) for c in resource.columns], "object": o} for o in objs]
    return {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": {"resourceVersion": list_rv},
            "columnDefinitions": cols, "rows": rows}


# --------------------------------------------------------------------------------------------------
# faults


class Faults:
    """Exec faults and the ephemeral containers' 403: per pod from the spec, per pod from the admin
    API, or for the next K requests of their kind (execs; PATCH/PUT of pods/ephemeralcontainers)."""

    KEYS = ("cutAfterBytes", "flipByteAt", "delayMs", "forbidExec", "rateBytesPerSec", "forbidEphemeral")

    def __init__(self):
        self.lock = threading.Lock()
        self.persistent = {}   # (ns, pod) -> dict
        self.counted = []      # [{"namespace","pod","count",...}]

    def add(self, body):
        """Register a fault from a POST /_standin/faults body."""
        if not body.get("pod"):
            raise bad_request("faults: \"pod\" is required")
        key = (body.get("namespace") or "default", body["pod"])
        fault = {k: body[k] for k in self.KEYS if k in body}
        kind = "ephemeral" if "forbidEphemeral" in fault else "exec"
        with self.lock:
            if body.get("count") is not None:
                self.counted.append(dict(fault, namespace=key[0], pod=key[1], count=int(body["count"]), kind=kind))
            else:
                self.persistent.setdefault(key, {}).update(fault)

    def clear(self, namespace=None, pod=None):
        """Drop admin-set faults (all, or those of one pod)."""
        with self.lock:
            if pod is None:
                self.persistent.clear()
                self.counted.clear()
                return
            self.persistent.pop((namespace or "default", pod), None)
            self.counted = [c for c in self.counted if (c["namespace"], c["pod"]) != (namespace or "default", pod)]

    def take(self, pod, consume=True, kind="exec"):
        """The faults for one request of KIND ("exec" or "ephemeral") to pod; consumes one use of a
        counted fault of that kind (unless told not to)."""
        with self.lock:
            for c in self.counted:
                if (c["namespace"], c["pod"]) == (pod.namespace, pod.name) and c["count"] > 0 and \
                        c.get("kind", "exec") == kind:
                    c["count"] -= 1 if consume else 0
                    self.counted = [x for x in self.counted if x["count"] > 0]
                    return {k: c[k] for k in self.KEYS if k in c}
            merged = dict(attr(pod, "faults", None) or {})
            merged.update(self.persistent.get((pod.namespace, pod.name), {}))
            return merged

    def snapshot(self):
        """Current admin faults, for GET /_standin/faults."""
        with self.lock:
            return {"persistent": [dict(v, namespace=k[0], pod=k[1]) for k, v in self.persistent.items()],
                    "counted": [dict(c) for c in self.counted]}


# --------------------------------------------------------------------------------------------------
# WebSocket (RFC 6455), server side


class WsClosed(Exception):
    """The peer closed the connection or broke the framing."""


class WebSocket:
    """Frame I/O on an upgraded connection; send() is thread-safe."""

    def __init__(self, rfile, sock):
        self.rfile, self.sock = rfile, sock
        self.wlock = threading.Lock()
        self.closed_sent = False
        self.bytes_in = self.bytes_out = 0

    def read_exact(self, n):
        """Read n bytes or raise WsClosed."""
        data = self.rfile.read(n)
        if data is None or len(data) < n:
            raise WsClosed("connection closed")
        return data

    def read_frame(self):
        """Read one frame -> (fin, opcode, payload), unmasking client frames."""
        b0, b1 = self.read_exact(2)
        length = b1 & 0x7F
        if length == 126:
            length = struct.unpack("!H", self.read_exact(2))[0]
        elif length == 127:
            length = struct.unpack("!Q", self.read_exact(8))[0]
        if length > MAX_FRAME:
            raise WsClosed("frame too large")
        mask = self.read_exact(4) if b1 & 0x80 else None
        payload = self.read_exact(length) if length else b""
        self.bytes_in += length
        if mask:
            payload = unmask(payload, mask)
        return bool(b0 & 0x80), b0 & 0x0F, payload

    def send(self, opcode, payload=b""):
        """Send one unfragmented, unmasked frame (blocking: this is the backpressure)."""
        n = len(payload)
        if n < 126:
            head = struct.pack("!BB", 0x80 | opcode, n)
        elif n < 65536:
            head = struct.pack("!BBH", 0x80 | opcode, 126, n)
        else:
            head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
        with self.wlock:
            if self.closed_sent:
                raise WsClosed("close already sent")
            if opcode == 0x8:
                self.closed_sent = True
            self.sock.sendall(head + payload)
            self.bytes_out += n

    def send_from(self, opcode, buf, n):
        """Send one frame whose payload is buf[HEAD_ROOM:HEAD_ROOM + n], building its header in the
        room before it: no copy and no allocation per frame (a relay of gigabytes otherwise spends
        more CPU on Python's allocator than on the bytes)."""
        if n < 126:
            start = HEAD_ROOM - 2
            struct.pack_into("!BB", buf, start, 0x80 | opcode, n)
        elif n < 65536:
            start = HEAD_ROOM - 4
            struct.pack_into("!BBH", buf, start, 0x80 | opcode, 126, n)
        else:
            start = HEAD_ROOM - 10
            struct.pack_into("!BBQ", buf, start, 0x80 | opcode, 127, n)
        with self.wlock:
            if self.closed_sent:
                raise WsClosed("close already sent")
            self.sock.sendall(memoryview(buf)[start:HEAD_ROOM + n])
            self.bytes_out += n

    def close(self, code=1000, reason=b""):
        """Send a close frame (once)."""
        try:
            self.send(0x8, struct.pack("!H", code) + reason)
        except (OSError, WsClosed):
            pass


def unmask(payload, mask):
    """XOR payload with the 4-byte mask, fast (big-int XOR in C)."""
    n = len(payload)
    key = (mask * (n // 4 + 1))[:n]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(key, "little")).to_bytes(n, "little")


def ws_accept(key):
    """Sec-WebSocket-Accept for a Sec-WebSocket-Key."""
    return base64.b64encode(hashlib.sha1((key + WS_GUID).encode()).digest()).decode()


# --------------------------------------------------------------------------------------------------
# exec sessions


STDIN, STDOUT, STDERR, ERROR, RESIZE, CLOSE = 0, 1, 2, 3, 4, 255


def exit_status_body(argv, code):
    """The channel-3 Status a kubelet (containerd CRI) sends when the process ended."""
    if code == 0:
        return {"metadata": {}, "status": "Success"}
    return {"metadata": {}, "status": "Failure",
            "message": "command terminated with non-zero exit code: error executing command [%s], exit code %d"
                       % (" ".join(argv), code),
            "reason": "NonZeroExitCode",
            "details": {"causes": [{"reason": "ExitCode", "message": str(code)}]}}


def exec_error_body(message):
    """The channel-3 Status a kubelet sends when the runtime could not start the command."""
    if message.startswith("OCI runtime"):
        exec_id = hashlib.sha256(message.encode() + os.urandom(8)).hexdigest()
        message = 'failed to exec in container: failed to start exec "%s": %s' % (exec_id, message)
    if not message.startswith("error executing command in container"):
        message = "error executing command in container: " + message
    return {"metadata": {}, "status": "Failure", "message": "Internal error occurred: " + message,
            "reason": "InternalError", "details": {"causes": [{"message": message}]}, "code": 500}


class Pacer:
    """rateBytesPerSec: hold a stream to a link's speed (a node's network between kubectl and the
    container, which the loopback stand-in does not have): after each chunk, sleep until the bytes
    sent so far fit the rate. None or 0: no pacing."""

    def __init__(self, rate):
        self.rate = float(rate or 0)
        self.start = time.monotonic()
        self.total = 0

    def __bool__(self):
        return self.rate > 0

    def sent(self, n):
        self.total += n
        ahead = self.total / self.rate - (time.monotonic() - self.start)
        if ahead > 0:
            time.sleep(ahead)


class ExecSession:
    """One `kubectl exec` stream: a child process wired to WebSocket channels."""

    def __init__(self, ws, protocol, opts, argv, host_argv, env, faults):
        self.ws, self.protocol, self.opts, self.argv = ws, protocol, opts, argv
        self.host_argv, self.env, self.faults = host_argv, env, faults
        self.proc = self.master = self.stdin_fd = None
        self.exited = threading.Event()
        self.cut = threading.Event()
        self.stdout_count = 0
        self.count_lock = threading.Lock()

    # ---- spawning
    def spawn(self):
        """Start the child: on a pty (tty=true) or with pipes."""
        if self.opts["tty"]:
            master, slave = pty.openpty()
            fcntl.ioctl(master, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
            self.proc = subprocess.Popen(self.host_argv, env=self.env, stdin=slave, stdout=slave, stderr=slave,
                                         preexec_fn=make_controlling_tty, close_fds=True)
            os.close(slave)
            self.master = master
            self.stdin_fd = os.dup(master) if self.opts["stdin"] else None
            return [(os.dup(master), STDOUT)]
        self.proc = subprocess.Popen(self.host_argv, env=self.env, close_fds=True,
                                     stdin=subprocess.PIPE if self.opts["stdin"] else subprocess.DEVNULL,
                                     stdout=subprocess.PIPE,
                                     stderr=subprocess.PIPE if self.opts["stderr"] else subprocess.DEVNULL)
        if self.proc.stdin:
            self.stdin_fd = os.dup(self.proc.stdin.fileno())
            self.proc.stdin.close()
        outs = [(os.dup(self.proc.stdout.fileno()), STDOUT)]
        self.proc.stdout.close()
        if self.proc.stderr:
            outs.append((os.dup(self.proc.stderr.fileno()), STDERR))
            self.proc.stderr.close()
        for fd, _ in outs:
            grow_pipe(fd)
        return outs

    # ---- output
    def pump(self, fd, channel):
        """Copy a child output fd to a channel until EOF (or silence after the child exited)."""
        idle_since = None
        pace = Pacer(self.faults.get("rateBytesPerSec")) if channel == STDOUT else None
        # one buffer for every frame: header room, the channel byte, then what is read
        buf = bytearray(HEAD_ROOM + 1 + CHUNK)
        buf[HEAD_ROOM] = channel
        into = memoryview(buf)[HEAD_ROOM + 1:]
        faulty = channel == STDOUT and ("flipByteAt" in self.faults or "cutAfterBytes" in self.faults)
        try:
            while not self.cut.is_set():
                ready, _, _ = select.select([fd], [], [], 0.2)
                if not ready:
                    if self.exited.is_set():
                        idle_since = idle_since or time.monotonic()
                        if time.monotonic() - idle_since >= IDLE_AFTER_EXIT:
                            return
                    continue
                idle_since = None
                try:
                    n = os.readv(fd, [into])
                except OSError:       # EIO: pty slave closed
                    return
                if not n:
                    return
                if faulty:
                    data = self.apply_stdout_faults(bytes(into[:n]))
                    if data is None:
                        return
                    self.ws.send(0x2, bytes([channel]) + data)
                else:
                    self.ws.send_from(0x2, buf, n + 1)
                if pace:
                    pace.sent(n)
        except (OSError, WsClosed):
            self.cut.set()
        finally:
            os.close(fd)

    def apply_stdout_faults(self, data):
        """flipByteAt / cutAfterBytes on the stdout stream; None once the stream was cut."""
        with self.count_lock:
            start = self.stdout_count
            self.stdout_count += len(data)
        flip = self.faults.get("flipByteAt")
        if flip is not None and start <= int(flip) < start + len(data):
            buf = bytearray(data)
            buf[int(flip) - start] ^= 0xFF
            data = bytes(buf)
        cut = self.faults.get("cutAfterBytes")
        if cut is not None and start + len(data) >= int(cut):
            keep = data[:max(0, int(cut) - start)]
            if keep:
                self.ws.send(0x2, bytes([STDOUT]) + keep)
            self.cut_connection()
            return None
        return data

    def cut_connection(self):
        """Drop the TCP connection with no status and no close frame (a network cut)."""
        self.cut.set()
        try:
            self.ws.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    # ---- input
    def read_client(self):
        """Read client frames: stdin data, stdin close, resize, ping, close."""
        channel = None
        try:
            while True:
                fin, opcode, payload = self.ws.read_frame()
                if opcode == 0x8:
                    self.ws.close(1000)
                    return
                if opcode == 0x9:
                    self.ws.send(0xA, payload)
                    continue
                if opcode == 0xA:
                    continue
                if opcode in (0x1, 0x2):
                    channel, payload = (payload[0], payload[1:]) if payload else (None, b"")
                self.dispatch(channel, payload)
                if fin:
                    channel = None
        except (OSError, WsClosed):
            pass
        finally:
            self.close_stdin()

    def dispatch(self, channel, payload):
        """Route one client message by channel."""
        if channel == STDIN and payload:
            self.write_stdin(payload)
        elif channel == RESIZE and payload:
            self.resize(payload)
        elif channel == CLOSE and self.protocol == "v5.channel.k8s.io" and payload[:1] == bytes([STDIN]):
            self.close_stdin()

    def write_stdin(self, data):
        """Write to the child's stdin, blocking (backpressure); drop data once it is gone."""
        fd = self.stdin_fd
        if fd is None:
            return
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(fd, view):]
        except OSError:
            self.close_stdin()

    def close_stdin(self):
        """Close the child's stdin (EOF); for a tty send ^D instead of closing the terminal."""
        fd, self.stdin_fd = self.stdin_fd, None
        if fd is None:
            return
        if self.master is not None:
            try:
                os.write(fd, b"\x04")
            except OSError:
                pass
        os.close(fd)

    def resize(self, payload):
        """Apply a {"Width","Height"} message to the pty."""
        if self.master is None:
            return
        try:
            size = json.loads(payload)
            fcntl.ioctl(self.master, termios.TIOCSWINSZ,
                        struct.pack("HHHH", int(size["Height"]), int(size["Width"]), 0, 0))
            os.killpg(self.proc.pid, signal.SIGWINCH)
        except (ValueError, KeyError, TypeError, OSError):
            pass

    # ---- the whole session
    def run(self):
        """Spawn, stream both ways, then send the exit status and close (unless cut)."""
        time.sleep(START_DELAY)
        outs = self.spawn()
        reader = threading.Thread(target=self.read_client, daemon=True)
        reader.start()
        pumps = [threading.Thread(target=self.pump, args=o, daemon=True) for o in outs]
        for t in pumps:
            t.start()
        threading.Thread(target=self.watch_exit, daemon=True).start()
        for t in pumps:
            t.join()
        if self.cut.is_set():
            return None
        code = self.wait_child()
        try:
            self.ws.send(0x2, bytes([ERROR]) + json.dumps(exit_status_body(self.argv, code), separators=(",", ":")).encode())
        except (OSError, WsClosed):
            return code
        self.ws.close(1000)
        reader.join(2.0)
        return code

    def watch_exit(self):
        """Mark the child as exited (lets the pumps stop on silence if a grandchild holds the pipe)."""
        self.proc.wait()
        self.exited.set()

    def wait_child(self):
        """The child's exit code, 128+N for a signal (as containerd reports it)."""
        rc = self.proc.wait()
        if self.master is not None:
            os.close(self.master)
            self.master = None
        return 128 - rc if rc < 0 else rc


def make_controlling_tty():
    """preexec_fn for tty execs: new session, stdin (the pty slave) as controlling terminal."""
    os.setsid()
    fcntl.ioctl(0, termios.TIOCSCTTY, 0)


def grow_pipe(fd):
    """Enlarge a pipe buffer to 1 MiB for throughput (best effort)."""
    try:
        fcntl.fcntl(fd, 1031, 1 << 20)  # F_SETPIPE_SZ
    except OSError:
        pass


# --------------------------------------------------------------------------------------------------
# HTTP


class ServerState:
    """Mutable server-wide state: the reported minor, faults, the request log."""

    def __init__(self):
        self.minor = "33"
        self.faults = Faults()
        self.log_lock = threading.Lock()
        self.log_path = None
        self.recent = {}       # (Kubectl-Session, ns, pod) -> (monotonic time, faults)

    def remember_faults(self, key, faults):
        """Keep the faults decided for a WebSocket exec for kubectl's SPDY retry (60 s)."""
        now = time.monotonic()
        with self.log_lock:
            self.recent = {k: v for k, v in self.recent.items() if now - v[0] < 60}
            self.recent[key] = (now, faults)

    def recall_faults(self, key):
        """The faults remembered for key, or None."""
        with self.log_lock:
            hit = self.recent.get(key)
        return hit[1] if hit else None

    def log(self, entry):
        """Append one JSON line to requests.log."""
        if not self.log_path:
            return
        line = json.dumps(entry, sort_keys=False) + "\n"
        with self.log_lock, open(self.log_path, "a", encoding="utf-8") as f:
            f.write(line)


SERVER = ServerState()
TRUE_WORDS = ("true", "1", "yes")


class Handler(http.server.BaseHTTPRequestHandler):
    """Routes one HTTP request: auth, admin, version, discovery, objects, exec."""

    protocol_version = "HTTP/1.1"
    server_version = "dotnetprof-standin"
    sys_version = ""
    cluster = None
    cfg = None

    # ---- plumbing
    def log_message(self, format, *args):  # noqa: A002 - signature from the base class
        """Silence the default stderr log (requests.log has it)."""

    def setup(self):
        """Per-connection counters."""
        super().setup()
        self.bytes_in = self.bytes_out = 0
        self.status_code = 0

    def read_body(self):
        """The request body (Content-Length) as bytes."""
        n = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(n) if n else b""
        self.bytes_in += len(body)
        return body

    def send_json(self, code, obj, content_type="application/json", extra=None):
        """Send a JSON response with Content-Length."""
        body = json.dumps(obj, separators=(",", ":")).encode() + b"\n"
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        for k, v in (extra or {}).items():
            self.send_header(k, v)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        self.status_code, self.bytes_out = code, len(body)

    def send_error_status(self, err):
        """Send an ApiError as a metav1.Status."""
        self.send_json(err.code, err.body())

    def log_request_line(self, started, extra=None):
        """Write this request to requests.log."""
        entry = {"time": rfc3339(datetime.datetime.now(datetime.timezone.utc)), "method": self.command,
                 "path": self.path, "status": self.status_code, "userAgent": self.headers.get("User-Agent", ""),
                 "bytesIn": self.bytes_in, "bytesOut": self.bytes_out,
                 "ms": int((time.monotonic() - started) * 1000)}
        entry.update(extra or {})
        SERVER.log(entry)

    def handle_any(self):
        """Common entry for every method."""
        started = time.monotonic()
        self.log_extra = None
        try:
            self.authenticate()
            self.route()
        except ApiError as err:
            self.send_error_status(err)
        except KubeletError as err:
            self.send_text(500, str(err).encode())
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        self.log_request_line(started, self.log_extra)

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any

    def authenticate(self):
        """Bearer token check (401 as kube-apiserver sends it).

        client-go never sends a bearer token over plain http://, so without TLS a request with no
        Authorization header is taken as cfg.user; a wrong token is refused either way.
        """
        auth = self.headers.get("Authorization")
        if auth is None and not self.cfg.tls_cert:
            return
        if not self.cfg.token or auth != "Bearer " + self.cfg.token:
            self.read_body()
            raise UNAUTHORIZED

    # ---- routing
    def route(self):
        """Dispatch on path."""
        url = urllib.parse.urlsplit(self.path)
        self.query = urllib.parse.parse_qs(url.query, keep_blank_values=True)
        segs = [urllib.parse.unquote(s) for s in url.path.split("/") if s]
        if segs[:1] == ["_standin"]:
            return self.admin(segs[1:])
        if segs == ["version"]:
            return self.send_json(200, version_info(), extra={"Cache-Control": "no-store"})
        if segs in (["healthz"], ["livez"], ["readyz"]):
            return self.send_text(200, b"ok")
        if segs == ["api"]:
            return self.send_json(200, api_versions())
        if segs == ["apis"]:
            return self.send_json(200, api_group_list())
        if segs[:2] == ["api", "v1"]:
            return self.resources("", "v1", segs[2:])
        if segs[:3] == ["apis", "apps", "v1"]:
            return self.resources("apps", "v1", segs[3:])
        if segs == ["apis", "apps"]:
            gv = {"groupVersion": "apps/v1", "version": "v1"}
            return self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1", "name": "apps",
                                        "versions": [gv], "preferredVersion": gv})
        raise NO_RESOURCE

    def send_text(self, code, body):
        """A text/plain response."""
        self.send_response(code)
        self.send_header("Content-Type", "text/plain; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
        self.status_code, self.bytes_out = code, len(body)

    def resources(self, group, version, segs):
        """/api/v1/... and /apis/apps/v1/... below the group version."""
        sub = segs[4] if len(segs) == 5 else None
        if self.command not in ("GET", "HEAD") and sub != "exec" and \
                not (sub == "ephemeralcontainers" and self.command in ("PATCH", "PUT")):
            raise ApiError(405, "MethodNotAllowed", "the server does not allow this method on the requested resource")
        table = GROUPS[(group, version)]
        if not segs:
            return self.send_json(200, resource_list(group, version))
        namespace = None
        if segs[0] == "namespaces" and len(segs) >= 3:
            namespace, segs = segs[1], segs[2:]
        res = table.get(segs[0])
        if res is None or (namespace is not None and not res.namespaced):
            raise NO_RESOURCE
        if len(segs) == 1:
            return self.list_objects(res, namespace)
        if len(segs) == 2 and (namespace is not None or not res.namespaced):
            return self.get_object(res, namespace, segs[1])
        if len(segs) == 3 and res.name == "pods" and segs[2] == "exec" and namespace:
            return self.exec_pod(namespace, segs[1])
        if len(segs) == 3 and res.name == "pods" and segs[2] == "ephemeralcontainers" and namespace:
            return self.ephemeral_containers(namespace, segs[1])
        raise NO_RESOURCE

    # ---- pods/ephemeralcontainers
    def ephemeral_containers(self, namespace, name):
        """GET answers the Pod; PATCH (strategic merge, merge or JSON patch of the Pod) and PUT (a
        Pod) change its spec.ephemeralContainers, and nothing else, as kube-apiserver's subresource
        does: validated (422 Invalid), then started by the kubelet side (ephemeral.py)."""
        body = self.read_body() if self.command in ("PATCH", "PUT") else b""
        if int(SERVER.minor) < 23:   # before 1.23 the subresource is off by default: a bare 404
            raise NO_RESOURCE
        pod = self.cluster.find_pod(namespace, name)
        if pod is None:
            raise not_found("pods", "", name)
        fault = SERVER.faults.take(pod, consume=self.command != "GET", kind="ephemeral").get("forbidEphemeral")
        if fault:
            user = fault if isinstance(fault, str) else self.cfg.user
            verb = {"GET": "get", "HEAD": "get", "PATCH": "patch", "PUT": "update"}[self.command]
            raise forbidden(user, verb, "pods", "ephemeralcontainers", name, namespace)
        current = Renderer(self.cluster).pod(pod)
        if self.command in ("PATCH", "PUT"):
            try:
                new = patches.apply_patch(self.headers.get("Content-Type"), current, body) \
                    if self.command == "PATCH" else json.loads(body or b"{}")
            except patches.PatchError as exc:
                raise ApiError(exc.code, {400: "BadRequest", 415: "UnsupportedMediaType"}.get(exc.code, "Invalid"),
                               exc.message) from exc
            except ValueError as exc:
                raise bad_request(f"error decoding the Pod: {exc}") from exc
            if not isinstance(new, dict):
                raise bad_request("the patched object is not a Pod")
            try:
                added = ephemeral.update(self.cluster, pod, (new.get("spec") or {}).get("ephemeralContainers") or [])
            except ephemeral.Invalid as exc:
                raise ApiError(422, "Invalid", str(exc), {"name": name, "kind": "Pod",
                                                          "causes": [e.cause() for e in exc.errors]}) from exc
            self.log_extra = {"ephemeralContainersAdded": added}
            current = Renderer(self.cluster).pod(pod)
        return self.send_json(200, current)

    def objects_of(self, res, namespace):
        """All objects of a resource (optionally in one namespace) as JSON dicts."""
        r = Renderer(self.cluster)
        if res.group == "apps":
            return r.workloads(res.lister, namespace)
        if res.lister == "events":
            return self.cluster.events.list(namespace) if hasattr(self.cluster, "events") else []
        if res.lister == "pods":
            return r.pods(namespace)
        return getattr(r, res.lister)()

    def wants_table(self):
        """Whether the client asked for a meta.k8s.io Table."""
        return "as=Table" in self.headers.get("Accept", "")

    def list_objects(self, res, namespace):
        """A list (or Table), filtered by labelSelector and fieldSelector."""
        if self.query.get("watch", [""])[0] in TRUE_WORDS:
            raise ApiError(405, "MethodNotAllowed", "watch is not supported by the dotnetprof stand-in")
        labels = parse_label_selector(self.query.get("labelSelector", [""])[0])
        fields = parse_field_selector(self.query.get("fieldSelector", [""])[0])
        objs = [o for o in self.objects_of(res, namespace)
                if labels(o["metadata"].get("labels")) and fields(o)]
        rv = str(5000 + len(objs))
        if self.wants_table():
            return self.send_json(200, as_table(res, objs, rv),
                                  content_type="application/json;as=Table;v=v1;g=meta.k8s.io")
        api_version = res.group + "/v1" if res.group else "v1"
        return self.send_json(200, {"kind": res.kind + "List", "apiVersion": api_version,
                                    "metadata": {"resourceVersion": rv}, "items": objs})

    def get_object(self, res, namespace, name):
        """One object (or a one-row Table) or 404 NotFound."""
        for o in self.objects_of(res, namespace):
            if o["metadata"]["name"] == name:
                if self.wants_table():
                    return self.send_json(200, as_table(res, [o], o["metadata"]["resourceVersion"]),
                                          content_type="application/json;as=Table;v=v1;g=meta.k8s.io")
                return self.send_json(200, o)
        raise not_found(res.name, res.group, name)

    # ---- admin
    def admin(self, segs):
        """/_standin/version and /_standin/faults."""
        body = self.read_body()
        try:
            data = json.loads(body) if body.strip() else {}
        except ValueError as exc:
            raise bad_request("invalid JSON body: %s" % exc) from exc
        if segs == ["version"] and self.command == "POST":
            minor = str(data.get("minor", "")).strip()
            if not minor.isdigit():
                raise bad_request('"minor" must be a number like "31"')
            SERVER.minor = minor
            return self.send_json(200, version_info())
        if segs == ["version"]:
            return self.send_json(200, version_info())
        if segs == ["faults"]:
            return self.admin_faults(data)
        raise NO_RESOURCE

    def admin_faults(self, data):
        """POST adds a fault, DELETE clears (all, or ?namespace=&pod=), GET lists."""
        if self.command == "POST":
            SERVER.faults.add(data)
        elif self.command == "DELETE":
            pod = self.query.get("pod", [data.get("pod")])[0]
            SERVER.faults.clear(self.query.get("namespace", [data.get("namespace")])[0], pod)
        self.send_json(200, SERVER.faults.snapshot())

    # ---- exec
    def exec_pod(self, namespace, name):
        """pods/exec: validate, apply faults, upgrade to WebSocket, run the session.

        Every refusal happens before the upgrade, as on a real API server, so kubectl's SPDY
        fallback request (sent after any failed WebSocket upgrade) gets the same answer.
        """
        pod = self.cluster.find_pod(namespace, name)
        if pod is None:
            raise not_found("pods", "", name)
        faults = self.exec_faults(pod)
        if faults.get("delayMs"):
            time.sleep(int(faults["delayMs"]) / 1000.0)
        if faults.get("forbidExec"):
            user = faults["forbidExec"] if isinstance(faults["forbidExec"], str) else self.cfg.user
            raise forbidden(user, "create" if self.command == "POST" else "get", "pods", "exec", name, namespace)
        argv = self.query.get("command", [])
        if not argv:
            raise bad_request("you must specify at least 1 command")
        opts = {k: self.query.get(k, ["false"])[0].lower() in TRUE_WORDS
                for k in ("stdin", "stdout", "stderr", "tty")}
        container = self.pick_container(pod)
        if not pod.node_name:
            raise bad_request("pod %s does not have a host assigned" % name)
        if pod.phase in ("Succeeded", "Failed"):
            raise bad_request("cannot exec into a container in a completed pod; current phase is %s" % pod.phase)
        host_argv, env = self.prepare(pod, container, argv, opts["tty"])
        protocol = self.negotiate()
        ws = self.upgrade(protocol)
        if host_argv is None:
            ws.send(0x2, bytes([ERROR]) + json.dumps(exec_error_body(env), separators=(",", ":")).encode())
            ws.close(1000)
            self.log_extra = {"exec": argv, "error": env}
            return
        session = ExecSession(ws, protocol, opts, argv, host_argv, env, faults)
        code = session.run()
        self.bytes_in, self.bytes_out = ws.bytes_in, ws.bytes_out
        self.log_extra = {"exec": argv, "container": container, "protocol": protocol, "exitCode": code,
                          "faults": faults or None}

    def exec_faults(self, pod):
        """Faults for this exec request.

        A WebSocket request consumes one use of a counted fault. kubectl retries a failed upgrade
        once over SPDY (same Kubectl-Session header): that retry reuses the decision instead of
        consuming another use; other non-WebSocket requests only peek.
        """
        session = self.headers.get("Kubectl-Session", "")
        key = (session, pod.namespace, pod.name)
        if self.headers.get("Upgrade", "").lower() == "websocket":
            faults = SERVER.faults.take(pod)
            if session:
                SERVER.remember_faults(key, faults)
            return faults
        remembered = SERVER.recall_faults(key) if session else None
        return remembered if remembered is not None else SERVER.faults.take(pod, consume=False)

    def pick_container(self, pod):
        """The container= parameter (ephemeral containers too), else the default-container annotation,
        else the only one."""
        names = [c.name for c in pod.containers]
        wanted = self.query.get("container", [""])[0]
        if wanted and wanted not in names + [c.name for c in getattr(pod, "ephemeral", [])]:
            raise bad_request("container %s is not valid for pod %s" % (wanted, pod.name))
        if wanted:
            return wanted
        if len(names) == 1:
            return names[0]
        default = (pod.annotations or {}).get("kubectl.kubernetes.io/default-container")
        if default in names:
            return default
        raise bad_request("a container name must be specified for pod %s, choose one of: [%s]"
                          % (pod.name, " ".join(names)))

    def negotiate(self):
        """Pick the WebSocket subprotocol or refuse SPDY/plain requests with a 400 Status."""
        if self.headers.get("Upgrade", "").lower() != "websocket":
            raise bad_request("Upgrade request required: the dotnetprof stand-in serves exec over WebSocket "
                              "(v5.channel.k8s.io / v4.channel.k8s.io) only, not SPDY; use kubectl >= 1.30")
        offered = [p.strip() for p in self.headers.get("Sec-WebSocket-Protocol", "").split(",")]
        for proto in ("v5.channel.k8s.io", "v4.channel.k8s.io"):
            if proto in offered:
                return proto
        raise bad_request("none of the offered WebSocket subprotocols %s is supported "
                          "(want v5.channel.k8s.io or v4.channel.k8s.io)" % offered)

    def prepare(self, pod, container, argv, tty):
        """sandbox exec_prepare -> (host argv, env); a runtime ExecError -> (None, message)."""
        try:
            return self.cluster.exec_prepare(pod, container, argv, tty)
        except Exception as exc:  # noqa: BLE001 - ExecError comes from sandbox.py; code tells kinds apart
            code = getattr(exc, "code", None)
            message = getattr(exc, "message", None) or str(exc)
            if code == "container-not-found":
                raise bad_request(message) from exc
            if code == "not-running":
                raise KubeletError(message.replace("unable to upgrade connection: ", "", 1)) from exc
            if code is None:
                raise
            return None, message

    def upgrade(self, protocol):
        """Answer 101 Switching Protocols and return the WebSocket."""
        key = self.headers.get("Sec-WebSocket-Key", "")
        self.send_response(101)
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", ws_accept(key))
        self.send_header("Sec-WebSocket-Protocol", protocol)
        self.end_headers()
        self.wfile.flush()
        self.status_code = 101
        self.close_connection = True
        self.connection.settimeout(None)
        return WebSocket(self.rfile, self.connection)


def version_info():
    """The /version document for the current minor."""
    minor = SERVER.minor
    git = "v1.%s.%d" % (minor, PATCH_VERSION.get(minor, 0))
    return {"major": "1", "minor": minor, "emulationMajor": "1", "emulationMinor": minor,
            "minCompatibilityMajor": "1", "minCompatibilityMinor": str(max(0, int(minor) - 1)),
            "gitVersion": git, "gitCommit": hashlib.sha1(git.encode()).hexdigest(), "gitTreeState": "clean",
            "buildDate": "2025-05-15T08:00:00Z", "goVersion": "go1.24.2", "compiler": "gc",
            "platform": "linux/amd64"}


class Server(http.server.ThreadingHTTPServer):
    """Threaded HTTP server; handler threads are daemons so shutdown never waits on a stream."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 64


# --------------------------------------------------------------------------------------------------
# TLS and entry points


def run_openssl(*args):
    """Run the openssl CLI quietly; raise with its stderr on failure."""
    res = subprocess.run(["openssl", *args], capture_output=True, text=True, check=False)
    if res.returncode != 0:
        raise RuntimeError("openssl %s failed: %s" % (args[0], res.stderr.strip()))


def make_tls(state_dir):
    """Create (once) a CA and a server cert for 127.0.0.1/localhost in state_dir/tls.

    Returns (ca_pem_text, server_cert_path, server_key_path).
    """
    d = os.path.join(state_dir, "tls")
    os.makedirs(d, mode=0o700, exist_ok=True)
    ca_key, ca_crt = os.path.join(d, "ca.key"), os.path.join(d, "ca.crt")
    key, crt, csr = os.path.join(d, "server.key"), os.path.join(d, "server.crt"), os.path.join(d, "server.csr")
    ext = os.path.join(d, "server.ext")
    if not (os.path.exists(ca_crt) and os.path.exists(crt) and os.path.exists(key)):
        run_openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", ca_key, "-out", ca_crt,
                    "-days", "3650", "-subj", "/CN=dotnetprof-standin-ca")
        run_openssl("req", "-newkey", "rsa:2048", "-nodes", "-keyout", key, "-out", csr,
                    "-subj", "/CN=kube-apiserver")
        with open(ext, "w", encoding="ascii") as f:
            f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n"
                    "keyUsage=critical,digitalSignature,keyEncipherment\n")
        run_openssl("x509", "-req", "-in", csr, "-CA", ca_crt, "-CAkey", ca_key, "-CAcreateserial",
                    "-out", crt, "-days", "3650", "-extfile", ext)
    with open(ca_crt, encoding="ascii") as f:
        return f.read(), crt, key


def make_server(cluster, cfg):
    """Build the listening server (TLS when cfg has a cert and key)."""
    SERVER.minor = str(cfg.minor)
    os.makedirs(cfg.state_dir, exist_ok=True)
    SERVER.log_path = os.path.join(cfg.state_dir, "requests.log")
    handler = type("BoundHandler", (Handler,), {"cluster": cluster, "cfg": cfg})
    server = Server((cfg.host, int(cfg.port)), handler)
    if cfg.tls_cert and cfg.tls_key:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(cfg.tls_cert, cfg.tls_key)
        ctx.set_alpn_protocols(["http/1.1"])
        server.socket = ctx.wrap_socket(server.socket, server_side=True, do_handshake_on_connect=False)
    return server


def serve(cluster, cfg, block=True):
    """Serve the API for cluster with cfg (a Config, or a dict of its fields).

    block=True: serve until server.shutdown() is called from another thread, then return it.
    block=False: start serving in a daemon thread and return the server at once.
    """
    if isinstance(cfg, dict):
        cfg = Config(**cfg)
    server = make_server(cluster, cfg)
    if not block:
        threading.Thread(target=server.serve_forever, name="apiserver", daemon=True).start()
        return server
    try:
        server.serve_forever()
    finally:
        server.server_close()
    return server
