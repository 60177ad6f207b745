# collected.sh - a file of a workspace was copied out by `fetch`: its manifest line stops saying
# "artifact" (uncollected) and says "kept" (copied, still in the pod: clean removes it).
#
# sh -c "$collected_sh" dotnetprof WS REL
#   Prints "done<TAB>ok"; exit 0, or 3 when WS cannot be ours ("done<TAB>refused<TAB>WHY").

# @include lib/wslib.sh

WS=$1 REL=$2
ws_check "$WS" || { rec done refused "$WHY"; exit 3; }
ws_rel_ok "$REL" || { rec done refused "not a path in the workspace"; exit 3; }
COLLECTED=1 KEEP=$REL$NL
ws_manifest_drop
rec done ok
