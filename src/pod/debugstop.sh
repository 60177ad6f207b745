# debugstop.sh - stop the debug container this exec runs in (an ephemeral container of the plugin's:
# debugrun.h), so that the pod shows it terminated. Kubernetes cannot remove an ephemeral container,
# but it ends when its command does.
#
# sh -c "$debugstop_sh" dotnetprof [--dry-run]
#   The container shares the app's PID namespace, so /proc lists the app's processes too: only those
#   in this exec's own mount namespace (`[ /proc/PID/ns/mnt -ef /proc/$$/ns/mnt ]`: the debug
#   container's root) are its own. Prints "debugstop<TAB>pid<TAB>PID<TAB>COMM" for each of them but
#   this shell, then "debugstop<TAB>end<TAB>N" and exits 0; unless --dry-run, a background child
#   with no link to the exec's streams sends them SIGTERM a moment later, so that this exec ends
#   cleanly before the container (whose end kills whatever runs in it). A process whose namespace
#   cannot be compared (another user's) is never counted.

# @include lib/rec.sh

LC_ALL=C
export LC_ALL
set -f
TAB=$(printf '\t')
NL='
'
CR=$(printf '\r')
DRY=${1-}
PIDS=
N=0
set +f
for d in /proc/[0-9]*; do
	p=${d#/proc/}
	case $p in *[!0-9]*) continue ;; esac
	[ "$p" = "$$" ] && continue
	[ "$d/ns/mnt" -ef "/proc/$$/ns/mnt" ] || continue
	comm=
	IFS= read -r comm <"$d/comm" 2>/dev/null
	rec debugstop pid "$p" "$comm"
	PIDS="$PIDS $p"
	N=$((N + 1))
done
set -f
rec debugstop end "$N"
if [ "$DRY" != --dry-run ] && [ -n "$PIDS" ]; then
	(
		sleep 1
		kill -TERM $PIDS
	) </dev/null >/dev/null 2>&1 &
fi
exit 0
