/*
 * interrupt.h - Ctrl-C (SIGINT), SIGTERM and SIGHUP, honoured in every phase of a run.
 *
 * main() installs one handler for the three signals (without SA_RESTART, so poll() and waitpid()
 * return EINTR at once). Each signal is counted as pending until a phase acts on it:
 *
 *   - a phase that can only stop (the probe, a push, a download, a copy, clean) sees
 *     interrupt_pending() != 0, stops within about a second (its kubectl children killed), keeps
 *     what it has (NAME.part), says how to go on, and returns interrupt_status();
 *   - a phase that stops gracefully (a diagnostics tool running in the pod: first signal, the tool
 *     finalises its file; second, it is stopped at once) calls interrupt_handled() for each signal it
 *     acted on, so that the execs it runs to do so, and the copy that follows, are not cut short.
 *
 * proc.h's runner (hence every kubectl) checks interrupt_pending() while a child runs.
 */
#ifndef DOTNETPROF_INTERRUPT_H
#define DOTNETPROF_INTERRUPT_H

#include <signal.h>

/* Install the handler for SIGINT, SIGTERM and SIGHUP (once; later calls do nothing). */
void interrupt_install(void);

/* Signals received and not yet handled. */
int interrupt_pending(void);

/* A phase acted on one pending signal. */
void interrupt_handled(void);

/* The pending count itself, for code that polls a flag (download.h's `interrupted`). */
const volatile sig_atomic_t *interrupt_flag(void);

/* The last signal received (SIGINT, SIGTERM, SIGHUP), 0 when none came. */
int interrupt_signal(void);

/*
 * The library result for stopping on that signal: -DPX_INTERRUPTED (SIGINT, 130), -DPX_TERMINATED
 * (SIGTERM, 143) or -DPX_HANGUP (SIGHUP, 129).
 */
int interrupt_status(void);

/* "interrupted" (SIGINT), "terminated" (SIGTERM), "hung up" (SIGHUP), for messages. */
const char *interrupt_what(void);

#endif
