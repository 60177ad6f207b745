/*
 * podscripts.h - the scripts that run inside a container, embedded at build time.
 *
 * Each is a POSIX sh script in src/pod/ (dash, bash and busybox ash), turned into a NUL-terminated C
 * string by scripts/embed.sh, with the shell libraries it names by `# @include lib/NAME.sh` put in
 * (src/pod/lib/: wslib.sh, the workspace functions; rec.sh, the record format; sha.sh, the pod's
 * fastest SHA-256 and SHA-512; agentsum.sh, the agent found and hashed). A script is run as one argv
 * word, `kubectl exec ... -- sh -c SCRIPT dotnetprof ARGS...` (podexec.h), and every value reaches it
 * as a positional argument, never as script text.
 * Its first line is `# NAME.sh - ...`, which -v shows instead of the whole script. What each prints
 * and how it is read is documented with the module that runs it.
 */
#ifndef DOTNETPROF_PODSCRIPTS_H
#define DOTNETPROF_PODSCRIPTS_H

extern const char probe_sh[];       /* what the container has and runs: probe.h */
extern const char workspace_sh[];   /* open this run's workspace: workspace.h */
extern const char push_sh[];        /* receive one file into the workspace: push.h */
extern const char poddl_sh[];       /* download a tool inside the pod, check a copy: provision.h */
extern const char pull_sh[];        /* a pull: what the file is, its hash, its bytes: pullstat.h, pullstream.h */
extern const char diagrun_sh[];     /* run a diagnostics tool from the workspace: diagrun.h */
extern const char diagkill_sh[];    /* signal that tool: diagrun.h */
extern const char diagfinish_sh[];  /* the end of a run: diagrun.h */
extern const char clean_sh[];       /* find and remove workspaces: wsclean.h */
extern const char collected_sh[];   /* a workspace file was fetched: workspace.h */
extern const char agentrun_sh[];    /* run dotnetprof-agent from the workspace, checked: agentrun.h */
extern const char agentgo_sh[];     /* the probe, then the agent in the same exec: agentrun.h */
extern const char debugstop_sh[];    /* stop the debug container it runs in: debugrun.h */

#endif
