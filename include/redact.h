/*
 * redact.h - secrets kept out of everything we print.
 *
 * The user's credentials reach us as kubectl flags (--token, --password, a user:pass@ in --server)
 * and may come back in what we show: the -v line of every kubectl command, kubectl's own messages
 * quoted in ours, -vv dumps of what it printed. log.h runs every line it prints through
 * redact_apply(), which replaces
 *   - each registered secret (redact_add: the values of --token and --password, the password of a
 *     --server URL), wherever it appears, by "***";
 *   - the password in any URL's userinfo (user:pass@host is shown as user:REDACT_MASK@host), and a
 *     userinfo without a colon (a token given as the user name) as a whole.
 * Secrets shorter than REDACT_MIN_LEN bytes are not registered (replacing every "ab" would garble
 * every message); kube_display() still hides such a value where it stands as a flag's value.
 * Process-wide state; not thread-safe.
 */
#ifndef DOTNETPROF_REDACT_H
#define DOTNETPROF_REDACT_H

#include <stddef.h>

#define REDACT_MIN_LEN 4
#define REDACT_MASK "***"

/* Register a secret to hide. 0, or -1 (ENOMEM). A short or repeated one is ignored (0). */
int redact_add(const char *secret);

/* Forget every registered secret (tests). */
void redact_clear(void);

/*
 * `s` with the secrets and URL passwords masked, newly allocated (free it); NULL when nothing
 * needed masking (use `s` as it is) or memory ran out (then *failed is set, if given).
 */
char *redact_apply(const char *s, int *failed);

/*
 * The password of a URL's userinfo (for https://u:p@h, "p"), newly allocated; NULL when the URL
 * has none (or on ENOMEM). For registering the one in --server.
 */
char *redact_url_password(const char *url);

#endif
