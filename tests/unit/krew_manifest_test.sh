#!/bin/sh
# krew_manifest_test.sh - the krew manifest follows krew's rules, and a release installs the way krew
# installs it.
#
# 1. The committed krew-manifest.yaml passes krew's validation (internal/index/validation: apiVersion,
#    kind, a safe metadata.name, a one-line shortDescription, a semver spec.version, each platform
#    with uri, a lowercase 64-hex sha256, bin, files with from/to, a selector of os/arch only) plus
#    what this project promises (homepage, description, caveats naming the .NET runtime and the RBAC,
#    linux/amd64 and linux/arm64, LICENSE among the files). When its archives are in build/release,
#    their sha256 must match.
# 2. A release built now (make dist + scripts/krew-manifest.sh, version v0.0.0-test, in a temp dir)
#    gives a manifest that passes the same checks and whose sha256s match the archives; the arm64
#    binary is an AArch64 ELF; neither binary needs cJSON or libbsd; and krew's install is emulated
#    from the amd64 archive: unpacked into a fresh directory, its `files` operations applied, `bin`
#    linked as kubectl-dotnetprof into a directory on PATH, then `kubectl dotnetprof version` run.
# Usage: tests/unit/krew_manifest_test.sh; exit 0 = pass.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
err() {
	printf 'krew_manifest_test: %s\n' "$*" >&2
	fail=1
}

# validate MANIFEST [DISTDIR]: krew's rules; with DISTDIR, every archive must be there and match.
validate() {
	python3 - "$@" <<'EOF'
import hashlib, os, re, sys

def parse(text):
    """The YAML subset scripts/krew-manifest.sh writes: block maps, block lists of maps, plain
    scalars, `|` literal blocks. Anything else is an error (so the file stays parseable)."""
    lines = [l.rstrip("\n") for l in text.split("\n")]
    lines = [l for l in lines if l.strip() and not l.lstrip().startswith("#")] + [""]
    pos = 0

    def indent(l):
        return len(l) - len(l.lstrip(" "))

    def block(ind):
        nonlocal pos
        if lines[pos].lstrip().startswith("- ") and indent(lines[pos]) == ind:
            out = []
            while lines[pos] and indent(lines[pos]) == ind and lines[pos].lstrip().startswith("- "):
                l = lines[pos]
                lines[pos] = " " * (ind + 2) + l.lstrip()[2:]
                out.append(block(ind + 2))
            return out
        out = {}
        while lines[pos] and indent(lines[pos]) == ind:
            m = re.match(r"^ *([A-Za-z0-9_]+):(?: (.*))?$", lines[pos])
            if not m:
                raise ValueError("cannot parse line: %r" % lines[pos])
            key, val = m.group(1), m.group(2)
            if key in out:
                raise ValueError("duplicate key " + key)
            pos += 1
            if val == "|":
                body = []
                while lines[pos] and indent(lines[pos]) > ind:
                    body.append(lines[pos])
                    pos += 1
                n = min(indent(b) for b in body)
                out[key] = "\n".join(b[n:] for b in body) + "\n"
            elif val is None or val == "":
                if lines[pos] and (indent(lines[pos]) > ind or
                                   (indent(lines[pos]) == ind and lines[pos].lstrip().startswith("- "))):
                    out[key] = block(indent(lines[pos]))
                else:
                    out[key] = None
            else:
                if val[0] in "\"'{[&*!%@`" or ": " in val or " #" in val:
                    raise ValueError("scalar needs quoting, not in the subset: %r" % val)
                out[key] = val
        return out

    doc = block(0)
    if lines[pos]:
        raise ValueError("trailing text at: %r" % lines[pos])
    return doc

SEMVER = re.compile(r"^v(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)"
                    r"(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$")
errors = []
def need(cond, msg):
    if not cond:
        errors.append(msg)

path = sys.argv[1]
distdir = sys.argv[2] if len(sys.argv) > 2 else None
text = open(path).read()
try:
    m = parse(text)
except ValueError as e:
    print("%s: %s" % (path, e)); sys.exit(1)
try:
    import yaml  # cross-check the tiny parser where PyYAML is installed
    need(yaml.safe_load(text) == m, "PyYAML reads the file differently from the subset parser")
except ImportError:
    pass

need(m.get("apiVersion") == "krew.googlecontainertools.github.com/v1alpha2", "apiVersion")
need(m.get("kind") == "Plugin", "kind must be Plugin")
md = m.get("metadata") or {}
need(md.get("name") == "dotnetprof", "metadata.name must be dotnetprof")
need(re.match(r"^[\w-]+$", md.get("name") or "") is not None, "metadata.name is not a safe name")
spec = m.get("spec") or {}
need(SEMVER.match(spec.get("version") or "") is not None, "spec.version is not vX.Y.Z semver")
need((spec.get("homepage") or "").startswith("https://"), "spec.homepage must be an https URL")
sd = spec.get("shortDescription") or ""
need(sd and "\n" not in sd and "\r" not in sd, "shortDescription: one line, not empty")
need(len(sd) <= 50, "shortDescription longer than 50 characters (krew-index asks for short ones)")
need(len(spec.get("description") or "") > 50, "description missing")
cav = spec.get("caveats") or ""
need(".NET 8" in cav, "caveats must say the pod needs a shared .NET 8 runtime")
need("pods/exec" in cav and "get on pods" in cav, "caveats must name the RBAC (pods get, pods/exec create)")
plats = spec.get("platforms") or []
need(isinstance(plats, list) and plats, "platforms must be a non-empty list")
seen = set()
for p in plats if isinstance(plats, list) else []:
    sel = (p.get("selector") or {}).get("matchLabels") or {}
    need(sel and set(sel) <= {"os", "arch"}, "selector: matchLabels with os/arch only")
    key = (sel.get("os"), sel.get("arch"))
    need(key not in seen, "platform %s twice" % (key,))
    seen.add(key)
    need((p.get("uri") or "").startswith("https://"), "%s: uri must be https" % (key,))
    need(re.match(r"^[a-f0-9]{64}$", p.get("sha256") or "") is not None,
         "%s: sha256 must be 64 lowercase hex digits" % (key,))
    need(p.get("bin") == "kubectl-dotnetprof", "%s: bin must be kubectl-dotnetprof" % (key,))
    files = p.get("files")
    need(isinstance(files, list) and files, "%s: files must be a non-empty list" % (key,))
    for f in files or []:
        need(f.get("from") and f.get("to"), "%s: every file needs from and to" % (key,))
        need(".." not in (f.get("from") or "") + "/" + (f.get("to") or ""), "%s: .. in files" % (key,))
    need(any(f.get("from") == "LICENSE" for f in files or []), "%s: LICENSE not among files" % (key,))
    uri = p.get("uri") or ""
    need(uri.endswith("/%s/kubectl-dotnetprof_%s_linux_%s.tar.gz" % (spec.get("version"),
         spec.get("version"), sel.get("arch"))), "%s: uri does not name this version's archive" % (key,))
    if distdir:
        a = os.path.join(distdir, os.path.basename(uri))
        if not os.path.exists(a):
            errors.append("%s: %s missing" % (key, a))
        else:
            h = hashlib.sha256(open(a, "rb").read()).hexdigest()
            need(h == p.get("sha256"), "%s: sha256 %s does not match %s (%s)" % (key, p.get("sha256"), a, h))
need(seen == {("linux", "amd64"), ("linux", "arm64")}, "platforms must be linux/amd64 and linux/arm64")
for e in errors:
    print("%s: %s" % (path, e))
sys.exit(1 if errors else 0)
EOF
}

# 1. the committed manifest
committed=$top/krew-manifest.yaml
if [ ! -f "$committed" ]; then
	err "krew-manifest.yaml is missing: make krew-manifest VERSION=vX.Y.Z"
else
	validate "$committed" || err "krew-manifest.yaml does not validate"
	cver=$(sed -n 's/^  version: //p' "$committed")
	if [ -f "$top/build/release/kubectl-dotnetprof_${cver}_linux_amd64.tar.gz" ]; then
		validate "$committed" "$top/build/release" || err "krew-manifest.yaml does not match build/release"
	fi
fi

# 2. a release built now, and krew's install emulated from it
v=v0.0.0-test
if ! make --no-print-directory -C "$top" dist VERSION=$v DISTDIR="$tmp/dist" >"$tmp/dist.log" 2>&1; then
	cat "$tmp/dist.log" >&2
	err "make dist failed"
	exit 1
fi
sh "$top/scripts/krew-manifest.sh" $v "$tmp/dist" "$tmp/krew.yaml" >/dev/null || err "krew-manifest.sh failed"
validate "$tmp/krew.yaml" "$tmp/dist" || err "the fresh manifest does not validate against its archives"

for arch in amd64 arm64; do
	a=$tmp/dist/kubectl-dotnetprof_${v}_linux_$arch.tar.gz
	mkdir -p "$tmp/x/$arch"
	tar -xzf "$a" -C "$tmp/x/$arch" || { err "cannot unpack $a"; continue; }
	b=$tmp/x/$arch/kubectl-dotnetprof
	case $arch in amd64) m='X86-64' ;; arm64) m='AArch64' ;; esac
	readelf -h "$b" | grep -q "Machine:.*$m" || err "$arch: the binary is not a $m ELF"
	if readelf -d "$b" | grep NEEDED | grep -Eiq 'cjson|libbsd|libmd\.'; then
		err "$arch: the binary still needs cJSON or libbsd: $(readelf -d "$b" | grep NEEDED)"
	fi
	[ -f "$tmp/x/$arch/LICENSE" ] || err "$arch: LICENSE missing from the archive"
done

# krew install: fresh dir, apply files (from -> to), link bin into its bin dir, run through kubectl
root=$tmp/krew
store=$root/store/dotnetprof/$v
mkdir -p "$store" "$root/bin" "$tmp/unpack" "$tmp/home"
tar -xzf "$tmp/dist/kubectl-dotnetprof_${v}_linux_amd64.tar.gz" -C "$tmp/unpack"
python3 - "$tmp/krew.yaml" "$tmp/unpack" "$store" <<'EOF' || err "krew files operations failed"
import glob, os, re, shutil, sys
text = open(sys.argv[1]).read()
# the amd64 platform's files: the block after "arch: amd64" up to the next "- selector:"
part = text.split("arch: amd64", 1)[1].split("- selector:", 1)[0]
ops = re.findall(r"- from: (\S+)\n\s+to: (\S+)", part)
assert ops, "no files in the amd64 platform"
for frm, to in ops:
    matches = glob.glob(os.path.join(sys.argv[2], frm))
    assert matches, "files: %s matches nothing in the archive" % frm
    dest = os.path.join(sys.argv[3], to)
    os.makedirs(dest, exist_ok=True)
    for src in matches:
        shutil.move(src, os.path.join(dest, os.path.basename(src)))
EOF
bin=$(sed -n 's/^    bin: //p' "$tmp/krew.yaml" | head -n 1)
if [ -x "$store/$bin" ]; then
	ln -s "$store/$bin" "$root/bin/kubectl-dotnetprof"
	out=$(env -u KUBECONFIG HOME="$tmp/home" KUBECACHEDIR="$tmp/kubecache" PATH="$root/bin:$PATH" \
		timeout 60 kubectl dotnetprof version 2>&1)
	[ "$out" = "kubectl-dotnetprof $v" ] ||
		err "kubectl dotnetprof version after a krew-style install said: $out"
	env -u KUBECONFIG HOME="$tmp/home" KUBECACHEDIR="$tmp/kubecache" PATH="$root/bin:$PATH" \
		timeout 60 kubectl plugin list 2>/dev/null | grep -q "$root/bin/kubectl-dotnetprof" ||
		err "kubectl plugin list does not show the krew-installed plugin"
else
	err "bin $bin is not an executable in the installed files"
fi
[ -f "$store/LICENSE" ] || err "LICENSE was not installed"

[ $fail = 0 ] && echo "krew_manifest_test: ok"
exit $fail
