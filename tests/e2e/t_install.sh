# t_install.sh - installing from source the way the README says, then using it as a kubectl plugin.

prefix="$E2E_WORK/prefix"
run make -C "$E2E_TOP" install PREFIX="$prefix"
check "make install PREFIX=..." 0 '' ''
assert "installed binary is executable" test -x "$prefix/bin/kubectl-dotnetprof"
PATH="$prefix/bin:$(getconf PATH):/usr/bin" run kubectl plugin list
check "kubectl plugin list finds it" 0 "$prefix/bin/kubectl-dotnetprof" ''
PATH="$prefix/bin:/usr/bin:/bin" run kubectl dotnetprof --help
check "kubectl dotnetprof --help from the installed copy" 0 'usage: kubectl dotnetprof' ''
PATH="$prefix/bin:/usr/bin:/bin" run kubectl dotnetprof version
check "kubectl dotnetprof version" 0 '[0-9]+\.[0-9]+' ''
run make -C "$E2E_TOP" uninstall PREFIX="$prefix"
check "make uninstall" 0 '' ''
assert "uninstall removed the binary" test ! -e "$prefix/bin/kubectl-dotnetprof"

run make -C "$E2E_TOP" install PREFIX=/usr DESTDIR="$E2E_WORK/destdir"
check "make install DESTDIR=... PREFIX=/usr" 0 '' ''
assert "DESTDIR install lands under DESTDIR" test -x "$E2E_WORK/destdir/usr/bin/kubectl-dotnetprof"
