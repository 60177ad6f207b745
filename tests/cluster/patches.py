"""The three patch formats of the Kubernetes API, applied to plain JSON values (test infrastructure).

    apply_patch(content_type, original, patch) -> the patched copy; raises PatchError

content_type is the request's Content-Type: application/strategic-merge-patch+json (what kubectl
debug sends), application/merge-patch+json (RFC 7386) or application/json-patch+json (RFC 6902).
The strategic merge covers what a Pod needs: maps merge key by key (null deletes), lists of objects
with a merge key (containers, ephemeralContainers, initContainers, env, volumes, volumeMounts, ports,
...) merge element by element, other lists are replaced; the directives `$patch` (merge, replace,
delete), `$setElementOrder/<list>`, `$deleteFromPrimitiveList/<list>` and `$retainKeys` are honoured.
The original is never modified.
"""

import copy
import json

STRATEGIC = "application/strategic-merge-patch+json"
MERGE = "application/merge-patch+json"
JSON_PATCH = "application/json-patch+json"
MEDIA_TYPES = (JSON_PATCH, MERGE, "application/apply-patch+yaml", STRATEGIC)

# patchMergeKey of the Pod's lists of objects (k8s.io/api/core/v1 struct tags); others are replaced
MERGE_KEYS = {"containers": "name", "initContainers": "name", "ephemeralContainers": "name", "env": "name",
              "volumes": "name", "volumeMounts": "mountPath", "volumeDevices": "devicePath",
              "ports": "containerPort", "imagePullSecrets": "name", "hostAliases": "ip",
              "ownerReferences": "uid", "conditions": "type", "resourceClaims": "name",
              "topologySpreadConstraints": "topologyKey", "schedulingGates": "name"}


class PatchError(Exception):
    """A patch that cannot be applied: code 400 (not a patch) or 422 (does not apply)."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code
        self.message = message


def apply_patch(content_type, original, patch_bytes):
    """ORIGINAL patched by PATCH_BYTES (the request body) of media type CONTENT_TYPE."""
    media = (content_type or "").split(";")[0].strip().lower()
    if media not in (STRATEGIC, MERGE, JSON_PATCH):
        raise PatchError(415, "the body of the request was in an unknown format - accepted media types include: "
                         + ", ".join(MEDIA_TYPES))
    try:
        patch = json.loads(patch_bytes or b"null")
    except ValueError as exc:
        raise PatchError(400, f"error decoding patch: {exc}") from exc
    if media == JSON_PATCH:
        return json_patch(original, patch)
    if not isinstance(patch, dict):
        raise PatchError(400, "json: cannot unmarshal %s into Go value of type map[string]interface {}"
                         % type(patch).__name__)
    if media == MERGE:
        return merge_patch(original, patch)
    return strategic_merge(copy.deepcopy(original), patch)


# ------------------------------------------------------------------------------------------------
# RFC 7386


def merge_patch(target, patch):
    """JSON merge patch: objects merge recursively, null removes, anything else replaces."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    out = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = merge_patch(out.get(key), value)
    return out


# ------------------------------------------------------------------------------------------------
# strategic merge patch


def strategic_merge(orig, patch):
    """Merge PATCH (a dict) into ORIG (a dict, modified and returned) with the strategic rules."""
    if patch.get("$patch") == "replace":
        return {k: v for k, v in patch.items() if k != "$patch"}
    if patch.get("$patch") == "delete":
        return None
    orders = {k.split("/", 1)[1]: v for k, v in patch.items() if k.startswith("$setElementOrder/")}
    removals = {k.split("/", 1)[1]: v for k, v in patch.items() if k.startswith("$deleteFromPrimitiveList/")}
    for key, value in patch.items():
        if key.startswith("$"):
            continue
        if value is None:
            orig.pop(key, None)
        elif isinstance(value, dict) and isinstance(orig.get(key), dict):
            merged = strategic_merge(orig[key], value)
            if merged is None:
                orig.pop(key, None)
            else:
                orig[key] = merged
        elif isinstance(value, list) and key in MERGE_KEYS and isinstance(orig.get(key), list):
            orig[key] = merge_list(orig[key], value, MERGE_KEYS[key])
        else:
            orig[key] = _strip_directives(value)
    for key, values in removals.items():
        if isinstance(orig.get(key), list):
            orig[key] = [v for v in orig[key] if v not in values]
    for key, order in orders.items():
        if isinstance(orig.get(key), list) and key in MERGE_KEYS:
            orig[key] = _ordered(orig[key], order, MERGE_KEYS[key])
    if "$retainKeys" in patch:
        keep = set(patch["$retainKeys"] or [])
        orig = {k: v for k, v in orig.items() if k in keep}
    return orig


def merge_list(orig, patch, key):
    """Merge a list of objects by KEY: matching elements merge, new ones are appended, elements with
    `$patch: delete` are removed, an element `{"$patch": "replace"}` replaces the whole list."""
    if any(isinstance(p, dict) and p.get("$patch") == "replace" and key not in p for p in patch):
        return [_strip_directives(p) for p in patch if not (isinstance(p, dict) and p.get("$patch") == "replace")]
    out = [copy.deepcopy(e) for e in orig]
    for item in patch:
        if not isinstance(item, dict) or key not in item:
            raise PatchError(422, f"map: {item} does not contain declared merge key: {key}")
        idx = next((i for i, e in enumerate(out) if isinstance(e, dict) and e.get(key) == item[key]), None)
        if item.get("$patch") == "delete":
            if idx is not None:
                del out[idx]
        elif idx is None:
            out.append(_strip_directives(item))
        else:
            out[idx] = strategic_merge(out[idx], item)
    return out


def _ordered(items, order, key):
    """ITEMS sorted as ORDER (a list of {KEY: value}) lists them; unlisted ones keep their place after."""
    rank = {o.get(key): i for i, o in enumerate(order) if isinstance(o, dict)}
    return sorted(items, key=lambda e: rank.get(e.get(key) if isinstance(e, dict) else None, len(rank)))


def _strip_directives(value):
    """A patch value as data: directive keys removed at every level."""
    if isinstance(value, dict):
        return {k: _strip_directives(v) for k, v in value.items() if not k.startswith("$")}
    if isinstance(value, list):
        return [_strip_directives(v) for v in value]
    return value


# ------------------------------------------------------------------------------------------------
# RFC 6902


def _pointer(path):
    """JSON pointer PATH -> list of reference tokens."""
    if path == "":
        return []
    if not path.startswith("/"):
        raise PatchError(422, f'invalid JSON pointer "{path}"')
    return [t.replace("~1", "/").replace("~0", "~") for t in path[1:].split("/")]


def _parent(doc, tokens, op, path):
    """The container holding the last token of TOKENS in DOC."""
    cur = doc
    for t in tokens[:-1]:
        try:
            cur = cur[int(t)] if isinstance(cur, list) else cur[t]
        except (KeyError, IndexError, ValueError, TypeError):
            raise PatchError(422, f"jsonpatch {op} operation does not apply: doc is missing path: {path}") from None
    return cur


def _get(doc, path, op):
    tokens = _pointer(path)
    if not tokens:
        return doc
    parent = _parent(doc, tokens, op, path)
    try:
        return parent[int(tokens[-1])] if isinstance(parent, list) else parent[tokens[-1]]
    except (KeyError, IndexError, ValueError, TypeError):
        raise PatchError(422, f"jsonpatch {op} operation does not apply: doc is missing path: {path}") from None


def _remove(doc, path, op="remove"):
    value = _get(doc, path, op)
    tokens = _pointer(path)
    parent = _parent(doc, tokens, op, path)
    if isinstance(parent, list):
        del parent[int(tokens[-1])]
    else:
        del parent[tokens[-1]]
    return value


def _add(doc, path, value, op="add"):
    tokens = _pointer(path)
    if not tokens:
        return value
    parent = _parent(doc, tokens, op, path)
    last = tokens[-1]
    if isinstance(parent, list):
        idx = len(parent) if last == "-" else int(last)
        if idx > len(parent) or idx < 0:
            raise PatchError(422, f"jsonpatch {op} operation does not apply: index out of bounds: {path}")
        parent.insert(idx, value)
    elif isinstance(parent, dict):
        parent[last] = value
    else:
        raise PatchError(422, f"jsonpatch {op} operation does not apply: doc is missing path: {path}")
    return doc


def json_patch(original, ops):
    """Apply an RFC 6902 operation list to a copy of ORIGINAL."""
    if not isinstance(ops, list):
        raise PatchError(400, "json: cannot unmarshal object into Go value of type jsonpatch.Patch")
    doc = copy.deepcopy(original)
    for op in ops:
        kind, path = op.get("op"), op.get("path", "")
        if kind == "add":
            doc = _add(doc, path, copy.deepcopy(op.get("value")))
        elif kind == "remove":
            _remove(doc, path)
        elif kind == "replace":
            _remove(doc, path, "replace")
            doc = _add(doc, path, copy.deepcopy(op.get("value")), "replace")
        elif kind in ("move", "copy"):
            value = _remove(doc, op.get("from", ""), kind) if kind == "move" else copy.deepcopy(
                _get(doc, op.get("from", ""), kind))
            doc = _add(doc, path, value, kind)
        elif kind == "test":
            if _get(doc, path, kind) != op.get("value"):
                raise PatchError(422, f"testing value {path} failed: test failed")
        else:
            raise PatchError(422, f"Unexpected kind: {kind}")
    return doc
