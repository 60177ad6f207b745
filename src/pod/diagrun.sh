# diagrun.sh - run a diagnostics tool from the workspace, as the process of this
# exec: `exec` keeps our pid, so the pid file names the tool, and the tool stays in the foreground
# (sh starts background jobs with SIGINT ignored, and the tools finalise their files on SIGINT).
# The contract is include/diagrun.h.
#
# sh -c "$diagrun_sh" dotnetprof WS RUNID NAME DOTNET_ROOT TMPDIR ALINE TOOL ARGS...
#   ALINE: the manifest line of the file the tool will write (kind "artifact", a path in this run's
#   directory), appended before the tool starts, so that a run killed before it copied the file out
#   leaves it recorded as uncollected; "-" for none.
#   Without a terminal on stderr, prints "dotnetprof-diagrun<TAB>start" on stderr just before the
#   exec; a setup failure prints "dotnetprof-diagrun<TAB>fail<TAB>WHY" (on a terminal:
#   "dotnetprof: WHY") and exits 125. Then the tool's own output and exit status.

# @include lib/wslib.sh

# fail WHY: the setup failed; nothing was run.
fail() {
	if [ -t 2 ]; then
		printf 'dotnetprof: %s\n' "$1" >&2
	else
		esc "$1"
		printf 'dotnetprof-diagrun\tfail\t%s\n' "$E" >&2
	fi
	exit 125
}

[ $# -ge 7 ] || fail "diagrun: expected WS RUNID NAME DOTNET_ROOT TMPDIR ALINE TOOL ARGS..."
WS=$1 RUNID=$2 NAME=$3 DR=$4 TD=$5 ALINE=$6 TOOL=$7
shift 7
case $RUNID in '' | *[!0-9A-Za-z-]*) fail "invalid run id \"$RUNID\"" ;; esac
case $NAME in '' | .* | *[!0-9A-Za-z._-]*) fail "invalid tool name \"$NAME\"" ;; esac
ws_check "$WS" || fail "the workspace $WS cannot be used: $WHY"
RUN=$WS/runs/$RUNID
ws_rel_ok "runs/$RUNID/extract" && [ -d "$RUN" ] && [ ! -L "$RUN" ] ||
	fail "the run directory $RUN is missing or not a directory"
case $TOOL in "$WS"/*) ;; *) fail "the tool $TOOL is not in the workspace $WS" ;; esac
[ -f "$TOOL" ] && [ -x "$TOOL" ] || fail "the tool $TOOL is missing or not executable"
if [ ! -d "$RUN/extract" ] || [ -L "$RUN/extract" ]; then
	mkdir -- "$RUN/extract" || fail "cannot create $RUN/extract"
fi

# The single-file tools unpack themselves: into the run's directory, never $HOME/.net (HOME=/ in
# many images, read-only roots elsewhere: the tool would exit 159).
DOTNET_BUNDLE_EXTRACT_BASE_DIR=$RUN/extract
DOTNET_CLI_TELEMETRY_OPTOUT=1
DOTNET_NOLOGO=1
export DOTNET_BUNDLE_EXTRACT_BASE_DIR DOTNET_CLI_TELEMETRY_OPTOUT DOTNET_NOLOGO
if [ -n "$DR" ]; then
	DOTNET_ROOT=$DR
	export DOTNET_ROOT
fi
if [ -n "$TD" ]; then
	TMPDIR=$TD
	export TMPDIR
fi
if [ -z "${HOME-}" ] || [ ! -d "$HOME" ] || [ ! -w "$HOME" ]; then
	HOME=$RUN
	export HOME
fi

case $ALINE in
-) ;;
"$RUNID${TAB}artifact${TAB}runs/$RUNID/"*) ws_append "$ALINE" || fail "cannot write $WS/manifest" ;;
*) fail "not an artifact line of this run: $ALINE" ;;
esac
printf '%s\n' "$$" >"$RUN/$NAME.pid" || fail "cannot write $RUN/$NAME.pid"
cd "$RUN" || fail "cannot enter $RUN"
[ -t 2 ] || printf 'dotnetprof-diagrun\tstart\n' >&2
exec "$TOOL" "$@"
