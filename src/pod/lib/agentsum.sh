# agentsum.sh - find dotnetprof-agent in a workspace and take its SHA-256 (the probe reports it so
# that a trace needs no exec of its own to decide whether to push the agent; agentrun.sh checks it
# again before it runs the agent). Not run alone: scripts/embed.sh puts it where a script says
# `# @include lib/agentsum.sh`. Needs TAB (and rec, for agent_find).

# @include sha.sh

# agent_sum FILE: H = the SHA-256 of FILE, lowercase hex: openssl or sha256sum (sha.sh), else what
# the agent says of its own executable (`FILE version`, field sha256: it hashes /proc/self/exe). The
# fallback runs the file unverified, which is what the caller is about to do anyway; it still tells a
# damaged or other copy from ours. Status 1 when no 64-digit hash came.
agent_sum() {
	H=
	[ -n "${SHA256_TOOL+x}" ] || sha256_pick
	if [ -n "$SHA256_TOOL" ]; then
		_a_h=$(sha256_stdin <"$1") || return 1
		H=${_a_h%%[!0-9a-f]*}
	else
		_a_h=$("$1" version 2>/dev/null) || return 1
		case $_a_h in *"${TAB}sha256="*) ;; *) return 1 ;; esac
		_a_h=${_a_h#*"${TAB}sha256="}
		H=${_a_h%%[!0-9a-f]*}
	fi
	[ ${#H} -eq 64 ]
}

# agent_find NAME DIR...: the first DIR/.dotnetprof/tools/NAME that is a regular file (neither it nor
# the workspace a symbolic link): one record "agent<TAB>DIR/.dotnetprof<TAB>SIZE<TAB>SHA256" (SHA256
# "-" when it cannot be taken), and A_WS, A_SUM set to the workspace and the hash. Nothing (A_WS
# empty) when there is none. NAME is [A-Za-z0-9._-] only.
agent_find() {
	A_WS= A_SUM=
	case $1 in '' | .* | *[!A-Za-z0-9._-]*) return 0 ;; esac
	_a_name=$1
	shift
	for _a_d in "$@"; do
		_a_ws=${_a_d%/}/.dotnetprof
		_a_f=$_a_ws/tools/$_a_name
		[ -L "$_a_ws" ] || [ -L "$_a_ws/tools" ] || [ -L "$_a_f" ] && continue
		[ -f "$_a_f" ] || continue
		_a_s=$(wc -c <"$_a_f") && _a_s=${_a_s##*[!0-9]}
		case $_a_s in '' | *[!0-9]*) _a_s=-1 ;; esac
		agent_sum "$_a_f" || H=-
		rec agent "$_a_ws" "$_a_s" "$H"
		A_WS=$_a_ws A_SUM=$H
		return 0
	done
}
