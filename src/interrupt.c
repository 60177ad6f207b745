/*
 * interrupt.c - the one handler for SIGINT, SIGTERM and SIGHUP, and the count of signals no phase
 * has acted on yet (interrupt.h).
 */
#include "interrupt.h"

#include <string.h>

#include "exitcodes.h"

static volatile sig_atomic_t pending;
static volatile sig_atomic_t last_signal;
static int installed;

static void on_signal(int sig)
{
	last_signal = sig;
	if (pending < 100)
		pending++;
}

void interrupt_install(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;
	size_t i;

	if (installed)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaddset(&sa.sa_mask, sigs[i]);
	sa.sa_flags = 0; /* no SA_RESTART: poll() and waitpid() return EINTR */
	for (i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		sigaction(sigs[i], &sa, NULL);
	installed = 1;
}

int interrupt_pending(void)
{
	return pending;
}

void interrupt_handled(void)
{
	sigset_t block, old;

	/* the handler increments: keep it out while we decrement */
	sigemptyset(&block);
	sigaddset(&block, SIGINT);
	sigaddset(&block, SIGTERM);
	sigaddset(&block, SIGHUP);
	sigprocmask(SIG_BLOCK, &block, &old);
	if (pending > 0)
		pending--;
	sigprocmask(SIG_SETMASK, &old, NULL);
}

const volatile sig_atomic_t *interrupt_flag(void)
{
	return &pending;
}

int interrupt_signal(void)
{
	return last_signal;
}

int interrupt_status(void)
{
	switch (last_signal) {
	case SIGTERM:
		return -DPX_TERMINATED;
	case SIGHUP:
		return -DPX_HANGUP;
	default:
		return -DPX_INTERRUPTED;
	}
}

const char *interrupt_what(void)
{
	switch (last_signal) {
	case SIGTERM:
		return "terminated (SIGTERM)";
	case SIGHUP:
		return "hung up (SIGHUP)";
	default:
		return "interrupted";
	}
}
