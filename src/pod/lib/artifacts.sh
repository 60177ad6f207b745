# artifacts.sh - the files runs made and did not copy out: the "artifact" lines of a workspace's
# manifest (include/workspace.h). Not run alone: scripts/embed.sh puts it where a script says
# `# @include lib/artifacts.sh`. Needs TAB set.

# each_artifact WS FN: FN RUNID REL for each "artifact" line of WS/manifest whose file is there, a
# regular file directly in the real directory runs/RUNID/ (no symbolic link on the way). Escaped paths (with a backslash) are passed over: the plugin names
# its artifacts plainly. FN must not read stdin (the manifest is read from it).
each_artifact() {
	[ -f "$1/manifest" ] && [ ! -L "$1/manifest" ] && [ -r "$1/manifest" ] || return 0
	while IFS=$TAB read -r _ea_run _ea_kind _ea_rel _ea_size; do
		[ "$_ea_kind" = artifact ] || continue
		case /$_ea_rel/ in *\\* | *//* | */./* | */../*) continue ;; esac
		case $_ea_rel in "runs/$_ea_run/"*/*) continue ;; "runs/$_ea_run/"*) ;; *) continue ;; esac
		[ -d "$1/runs/$_ea_run" ] && [ ! -L "$1/runs/$_ea_run" ] || continue
		[ -f "$1/$_ea_rel" ] && [ ! -L "$1/$_ea_rel" ] || continue
		"$2" "$_ea_run" "$_ea_rel"
	done <"$1/manifest"
}
