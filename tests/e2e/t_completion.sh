# t_completion.sh - shell completion (issue 6): `kubectl-dotnetprof completion bash|zsh|fish` loads in
# each shell and completes verbs, flags, flag values, and pod, container and namespace names from the
# stand-in cluster; kubectl's own completion completes `kubectl dotnetprof ...` through the
# kubectl_complete-dotnetprof hook on PATH (kubectl >= 1.26).

comp_tmp=$E2E_WORK/completion
mkdir -p "$comp_tmp/hookbin" "$comp_tmp/zfunc"
ln -sf "$E2E_TOP/scripts/kubectl_complete-dotnetprof" "$comp_tmp/hookbin/kubectl_complete-dotnetprof"
kubectl-dotnetprof completion bash >"$comp_tmp/bash" 2>/dev/null
kubectl-dotnetprof completion zsh >"$comp_tmp/zfunc/_kubectl-dotnetprof" 2>/dev/null
kubectl-dotnetprof completion fish >"$comp_tmp/fish" 2>/dev/null

# comp_bash WORD...: what bash offers for the command line WORD... (the last word being completed)
comp_bash() {
	run bash --norc --noprofile -c '
		source "$1"; shift
		complete -p kubectl-dotnetprof >/dev/null || { echo "not registered" >&2; exit 3; }
		COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); COMP_LINE="$*"; COMP_POINT=${#COMP_LINE}
		_kubectl_dotnetprof
		printf "%s\n" "${COMPREPLY[@]}"' _ "$comp_tmp/bash" kubectl-dotnetprof "$@"
}

# comp_zsh WORD...: what zsh offers: the function autoloaded from an fpath dir by compinit (as a
# system install does), run as the completion system runs it, with compadd recording what is added
comp_zsh() {
	run zsh -f -c '
		fpath=("$1" $fpath); shift
		autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"
		[[ ${_comps[kubectl-dotnetprof]} == _kubectl-dotnetprof ]] || { print -u2 "not registered: ${_comps[kubectl-dotnetprof]}"; exit 3; }
		typeset -ga added
		compadd() { while [[ $1 == -* && $1 != -- ]]; do shift; done; [[ $1 == -- ]] && shift; added+=("$@"); }
		_files() { added+=(FILES); }
		words=(kubectl-dotnetprof "$@"); CURRENT=${#words}
		PREFIX=${words[-1]}
		_kubectl-dotnetprof
		print -rl -- ${(M)added:#${PREFIX}*}' _ "$comp_tmp/zfunc" "$@"
}

# comp_zsh_tty LINE PATTERN: an interactive zsh on a pseudo-terminal (zpty), compinit loading the
# function from fpath; LINE is typed with a TAB; succeeds when the screen then shows PATTERN
cat >"$comp_tmp/zpty.zsh" <<'EOF'
zmodload zsh/zpty || exit 3
zpty z "ZDOTDIR=$ZDOTDIR zsh -f -i"
zpty -w z "fpath=(${(q)1} \$fpath); autoload -Uz compinit; compinit -u -d \$ZDOTDIR/.zcompdump-tty; PS1=READY\\>"
zpty -r z out '*READY>*' || exit 4
zpty -w -n z "$2"$'\t'
zpty -r z out "*$3*" || exit 5
zpty -d z
EOF
comp_zsh_tty() {
	run zsh -f "$comp_tmp/zpty.zsh" "$comp_tmp/zfunc" "$1" "$2"
}

# comp_fish WORD...: what fish offers (complete -C on the command line)
comp_fish() {
	run fish --no-config -c 'source $argv[1]; complete -C"$argv[2]" | cut -f1' \
		"$comp_tmp/fish" "kubectl-dotnetprof $*"
}

export ZDOTDIR=$comp_tmp

# the verbs --help lists, one a line: completion must offer exactly those
verbs=$(kubectl-dotnetprof --help | sed -n '/^Verbs:/,/^$/s/^  \([a-z]*\) .*/\1/p')

comp_bash ''
check "bash: completion loads and offers the verbs" 0 '^trace$' ''
assert "bash: the verbs offered are exactly those of --help" test "$OUT" = "$verbs"
comp_bash tr
check "bash: tr<TAB> completes trace" 0 '^trace$' ''
assert "bash: tr<TAB> offers trace alone" test "$OUT" = trace
comp_bash trace sample-app --du
check "bash: trace --du<TAB> completes --duration" 0 '^--duration$' ''
comp_bash trace sample-app --format ''
check "bash: trace --format <TAB> offers the formats" 0 '^speedscope$' ''
comp_bash trace sample-app --format = sp
check "bash: --format=sp<TAB> (bash splits at =) completes speedscope" 0 '^speedscope$' ''
comp_bash dump sample-app --type ''
check "bash: dump --type <TAB> offers heap" 0 '^heap$' ''
comp_bash stack sample-app --engine ''
check "bash: stack --engine <TAB> offers agent and tools" 0 '^agent$' ''
assert "bash: ... exactly those two" test "$OUT" = "$(printf 'agent\ntools')"
comp_bash trace sample-app --report ''
check "bash: trace --report <TAB> offers flamegraph" 0 '^flamegraph$' ''
comp_bash ps sample-no
check "bash: ps sample-no<TAB> completes pod names from the cluster" 0 '^sample-nonroot$' ''
assert "bash: only pods starting with sample-no are offered" \
	test "$(printf '%s\n' "$OUT" | grep -vc '^sample-no')" = 0
comp_bash ps deploy/
check "bash: ps deploy/<TAB> completes deployments" 0 '^deploy/sample-api$' ''
comp_bash ps sample-sidecar -c ''
check "bash: -c <TAB> completes the pod's containers" 0 '^sidecar$' ''
comp_bash -n ''
check "bash: -n <TAB> completes namespaces" 0 '^team-b$' ''
comp_bash -n team-b ps ''
check "bash: pod names follow -n" 0 '^sample-b$' ''
check_not "bash: pods of other namespaces are not offered with -n team-b" '^sample-app$'
comp_bash completion ''
check "bash: completion <TAB> offers the shells" 0 '^zsh$' ''

comp_zsh tr
check "zsh: the completion function autoloads from fpath, tr<TAB> completes trace" 0 '^trace$' ''
comp_zsh_tty 'kubectl-dotnetprof ps sample-tw' sample-twoproc
check "zsh (interactive, zpty): ps sample-tw<TAB> shows sample-twoproc" 0 '' ''
comp_zsh_tty 'kubectl-dotnetprof clean sample-app --dry' dry-run
check "zsh (interactive, zpty): clean ... --dry<TAB> shows --dry-run" 0 '' ''
comp_zsh ''
assert "zsh: the verbs offered are exactly those of --help" test "$OUT" = "$verbs"
comp_zsh counters sample-app --refresh-i
check "zsh: --refresh-i<TAB> completes --refresh-interval" 0 '^--refresh-interval$' ''
comp_zsh ps sample-a
check "zsh: ps sample-a<TAB> completes pod names from the cluster" 0 '^sample-app$' ''
comp_zsh fetch sample-app /tmp/x -o ''
check "zsh: -o <TAB> falls back to file names" 0 '^FILES$' ''
run zsh -f -c 'autoload -Uz compinit && compinit -u -d "$ZDOTDIR/.zcompdump"; source "$1"; print -r -- ${_comps[kubectl-dotnetprof]}' _ "$comp_tmp/zfunc/_kubectl-dotnetprof"
check "zsh: sourcing the script registers it with compdef" 0 '^_kubectl_dotnetprof$' ''

comp_fish 'tr'
check "fish: tr<TAB> completes trace" 0 '^trace$' ''
comp_fish 'ps sample-tw'
check "fish: ps sample-tw<TAB> completes pod names" 0 '^sample-twoproc$' ''

# kubectl's own completion: kubectl __complete dotnetprof ... runs the hook from PATH
export PATH="$comp_tmp/hookbin:$PATH"
run kubectl __complete dotnetprof tr
check "kubectl __complete dotnetprof tr runs kubectl_complete-dotnetprof" 0 '^trace$' ''
run kubectl __complete dotnetprof ps sample-ap
check "kubectl __complete dotnetprof ps sample-ap completes pods" 0 '^sample-app$' ''
check "kubectl __complete passes the no-file directive" 0 '^:4$' ''
run bash --norc --noprofile -c '
	source /usr/share/bash-completion/bash_completion
	source <(kubectl completion bash)
	COMP_WORDS=(kubectl dotnetprof clean sample-app --dry); COMP_CWORD=4
	COMP_LINE="${COMP_WORDS[*]}"; COMP_POINT=${#COMP_LINE}
	__start_kubectl
	printf "%s\n" "${COMPREPLY[@]}"'
check "bash with kubectl's completion: kubectl dotnetprof clean ... --dry<TAB>" 0 '^--dry-run$' ''
