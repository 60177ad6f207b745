"""Events of the stand-in cluster, as a kubelet records them (test infrastructure).

    log = EventLog()
    log.add(pod, "spec.ephemeralContainers{dbg}", "Warning", "Failed", "Error: ErrImagePull")
    log.list(namespace=None) -> [dict]      # core/v1 Event objects, oldest first

A repeated event (same object, field path, reason and message) is counted on one record, with its
last timestamp moved, as the kubelet's event recorder aggregates them.
"""

import datetime
import threading
import uuid


def _now():
    return datetime.datetime.now(datetime.timezone.utc)


def _rfc3339(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%SZ")


class EventLog:
    """Thread-safe list of events (see the module docstring)."""

    def __init__(self):
        self.lock = threading.Lock()
        self.records = []
        self.serial = 0

    def add(self, pod, field_path, type_, reason, message):
        """Record an event about POD (a sandbox.Pod) and its part FIELD_PATH (may be "")."""
        now = _now()
        with self.lock:
            for r in self.records:
                if (r["uid"], r["fieldPath"], r["reason"], r["message"]) == (pod.uid, field_path, reason, message):
                    r["count"] += 1
                    r["last"] = now
                    return
            self.serial += 1
            self.records.append({"uid": pod.uid, "namespace": pod.namespace, "pod": pod.name, "node": pod.node_name,
                                 "fieldPath": field_path, "type": type_, "reason": reason, "message": message,
                                 "count": 1, "first": now, "last": now, "serial": self.serial})

    def list(self, namespace=None):
        """The events (of NAMESPACE, or all) as core/v1 Event objects."""
        with self.lock:
            recs = [dict(r) for r in self.records if namespace is None or r["namespace"] == namespace]
        return [_event(r) for r in recs]


def _event(r):
    """One core/v1 Event object from a record (name: the object's name and a hex suffix, as client-go)."""
    name = "%s.%x" % (r["pod"], (int(r["first"].timestamp() * 1e9) + r["serial"]) & 0xFFFFFFFFFFFFFFFF)
    involved = {"kind": "Pod", "namespace": r["namespace"], "name": r["pod"], "uid": r["uid"], "apiVersion": "v1"}
    if r["fieldPath"]:
        involved["fieldPath"] = r["fieldPath"]
    return {"kind": "Event", "apiVersion": "v1",
            "metadata": {"name": name, "namespace": r["namespace"],
                         "uid": str(uuid.uuid5(uuid.NAMESPACE_URL, "dotnetprof-standin/event/" + name)),
                         "resourceVersion": str(20000 + r["serial"] * 10 + r["count"]),
                         "creationTimestamp": _rfc3339(r["first"])},
            "involvedObject": involved, "reason": r["reason"], "message": r["message"],
            "source": {"component": "kubelet", "host": r["node"]},
            "firstTimestamp": _rfc3339(r["first"]), "lastTimestamp": _rfc3339(r["last"]), "count": r["count"],
            "type": r["type"], "eventTime": None, "reportingComponent": "kubelet", "reportingInstance": r["node"]}
