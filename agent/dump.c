/*
 * dump.c - a core dump written by the runtime (see dump.h). Asks with GenerateCoreDump3, then 2,
 * then the first one, as dotnet-dump does, and checks that an ELF core file came out.
 */
#include "dump.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "agentcli.h"
#include "conn.h"
#include "ipc.h"
#include "record.h"

uint32_t dump_type_of(const char *name)
{
	static const struct { const char *name; uint32_t type; } types[] = {
		{ "mini", 1 }, { "heap", 2 }, { "triage", 3 }, { "full", 4 },
	};
	size_t i;

	for (i = 0; i < sizeof(types) / sizeof(types[0]); i++)
		if (strcasecmp(name, types[i].name) == 0)
			return types[i].type;
	return 0;
}

/* Is the file an ELF core (e_type 4, in the byte order its header says)? */
static int is_elf_core(const char *path)
{
	unsigned char h[18];
	int fd, ok = 0;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	if (read(fd, h, sizeof(h)) == (ssize_t)sizeof(h) && memcmp(h, "\177ELF", 4) == 0)
		ok = (h[5] == 2 ? (h[16] << 8 | h[17]) : (h[17] << 8 | h[16])) == 4;
	close(fd);
	return ok;
}

/* Send the dump request, newest command first. Returns 0 with the reply, or an exit status. */
static int request(const struct dnproc *t, const char *app_path, uint32_t type, int64_t deadline,
		   struct conn_reply *rep, const char **command)
{
	static const struct { uint8_t id; const char *name; } cmds[] = {
		{ IPC_DUMP_GENERATE3, "GenerateCoreDump3" },
		{ IPC_DUMP_GENERATE2, "GenerateCoreDump2" },
		{ IPC_DUMP_GENERATE, "GenerateCoreDump" },
	};
	unsigned char req[IPC_MAX_MESSAGE];
	size_t i;
	int len;

	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if ((len = ipc_req_dump(req, sizeof(req), cmds[i].id, app_path, type, 0)) < 0)
			return rec_error(AGENT_EX_USAGE, AGENT_ERR_USAGE, t->pid, 0, NULL,
					 "cannot encode the dump path \"%s\": %s", app_path, strerror(errno));
		if (conn_request(t->dirfd, t->sockname, req, (size_t)len, rep, deadline, NULL) < 0)
			return rec_conn_error(t->pid, errno, errno == ETIMEDOUT ?
					      "no answer to the dump request (a larger --timeout waits longer)" :
					      "the dump request failed");
		*command = cmds[i].name;
		if (rep->r.ok || rep->r.hresult != IPC_E_UNKNOWN_COMMAND)
			return 0;
	}
	return 0;
}

/* createdump's message is several lines ("[createdump] ...\n[createdump] Failure took 11ms\n"):
 * one line for the record, its lines joined by "; ", trailing blanks gone. Returns a new string or
 * NULL (msg NULL or no memory); msg is left as it is. */
static char *one_line(const char *msg)
{
	size_t n = 0, len;
	char *out;

	if (msg == NULL || (out = malloc(2 * strlen(msg) + 1)) == NULL)
		return NULL;
	for (const char *p = msg; *p != '\0'; p++) {
		if (*p != '\n' && *p != '\r') {
			out[n++] = *p;
			continue;
		}
		while (n > 0 && (out[n - 1] == ' ' || out[n - 1] == '\t'))
			n--;
		if (n > 0 && p[1] != '\0' && p[1] != '\n' && p[1] != '\r') {
			out[n++] = ';';
			out[n++] = ' ';
		}
	}
	out[n] = '\0';
	len = strlen(out);
	while (len > 0 && (out[len - 1] == ' ' || out[len - 1] == ';'))
		out[--len] = '\0';
	return out;
}

/* What to suggest after createdump failed with message msg (NULL: it said nothing). */
static const char *failure_hint(const char *msg)
{
	if (msg != NULL && strstr(msg, "ptrace") != NULL)
		return "createdump could not attach to the app: ptrace is not allowed there (a seccomp "
		       "profile, or an app emulated by qemu-user)";
	if (msg == NULL || strstr(msg, "output file") != NULL)
		return "the path must be writable by the app's user, in the app's filesystem";
	return NULL;
}

int dump_run(const struct dnproc *t, const struct dump_opts *o)
{
	static struct conn_reply rep;
	char app_path[PATH_MAX], seen[PATH_MAX + 32], *msg = NULL;
	const char *command = NULL;
	uint32_t type = dump_type_of(o->type), hr = 0;
	struct stat st;
	int n, r;

	if (o->output != NULL)
		n = snprintf(app_path, sizeof(app_path), "%s", o->output);
	else
		n = snprintf(app_path, sizeof(app_path), "%s/dotnetprof-core-%ld-%lld", t->tmpdir,
			     t->nspid, (long long)time(NULL));
	if (n < 0 || (size_t)n >= sizeof(app_path))
		return rec_error(AGENT_EX_USAGE, AGENT_ERR_USAGE, t->pid, 0, NULL, "dump path too long");
	if ((r = request(t, app_path, type, conn_now_ms() + o->timeout_ms, &rep, &command)) != 0)
		return r;
	if (ipc_parse_hresult(&rep.r, &hr, &msg) < 0)
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_PROTOCOL, t->pid, 0, NULL,
				 "the runtime's answer to the dump request makes no sense");
	if (!rep.r.ok || hr != 0) {
		char *line = one_line(msg);
		const char *said = line != NULL ? line : msg;

		r = rec_error(AGENT_EX_RUNTIME, AGENT_ERR_RUNTIME, t->pid, hr, failure_hint(msg),
			      "the runtime could not write the dump to %s%s%s", app_path,
			      said != NULL && *said != '\0' ? ": " : "", said != NULL ? said : "");
		free(line);
		free(msg);
		return r;
	}
	/* the agent reaches the app's files through /proc/PID/root, when it does */
	n = snprintf(seen, sizeof(seen), "%s%s", app_path[0] == '/' ? t->root : "", app_path);
	if (n < 0 || (size_t)n >= sizeof(seen) || stat(seen, &st) < 0)
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_IO, t->pid, 0, NULL,
				 "the runtime reported a dump at %s, but it is not there", app_path);
	rec_begin(stdout, AGENT_REC_DUMP);
	rec_i64(stdout, "pid", t->pid);
	rec_str(stdout, "path", seen);
	rec_str(stdout, "app_path", app_path);
	rec_u64(stdout, "size", (unsigned long long)st.st_size);
	rec_str(stdout, "type", o->type);
	rec_str(stdout, "command", command);
	rec_u64(stdout, "elf", (unsigned)is_elf_core(seen));
	return rec_end(stdout) == 0 ? AGENT_EX_OK : AGENT_EX_FAIL;
}
