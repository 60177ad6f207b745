# rec.sh - the record format every pod script prints: TYPE<TAB>VALUE... with each value escaped,
# so a hostile value (a process command line, a file name) cannot forge a record. Not run alone:
# scripts/embed.sh puts it where a script says `# @include lib/rec.sh`. Needs TAB, NL and CR set.
# The parser side is include/probe.h (probe_parse) and src/workspace.c.

# repl STRING FIND REPLACEMENT: R = STRING with every FIND replaced.
repl() {
	R=
	_r_s=$1
	while :; do
		case $_r_s in
		*"$2"*)
			R=$R${_r_s%%"$2"*}$3
			_r_s=${_r_s#*"$2"}
			;;
		*)
			R=$R$_r_s
			return
			;;
		esac
	done
}

# esc VALUE: E = VALUE with \ TAB LF CR written as \\ \t \n \r.
esc() {
	E=$1
	case $E in
	*\\* | *"$TAB"* | *"$NL"* | *"$CR"*) ;;
	*) return ;;
	esac
	repl "$E" '\' '\\'
	repl "$R" "$TAB" '\t'
	repl "$R" "$NL" '\n'
	repl "$R" "$CR" '\r'
	E=$R
}

# rec TYPE VALUE...: print one record, every value escaped.
rec() {
	_o=$1
	shift
	for _v in "$@"; do
		esc "$_v"
		_o=$_o$TAB$E
	done
	printf '%s\n' "$_o"
}
