/*
 * list.c - the `list` command (see list.h).
 */
#include "list.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "agentcli.h"
#include "conn.h"
#include "record.h"

#define INFO_TIMEOUT_MS 5000

int list_process_info(const struct dnproc *t, struct ipc_process_info *pi, const char **command,
		      uint32_t *hr)
{
	static const struct { uint8_t id; const char *name; } cmds[] = {
		{ IPC_PROCESS_INFO3, "ProcessInfo3" },
		{ IPC_PROCESS_INFO2, "ProcessInfo2" },
		{ IPC_PROCESS_INFO, "ProcessInfo" },
	};
	static struct conn_reply rep;
	unsigned char req[IPC_HEADER_SIZE];
	size_t i;
	int len;

	*hr = 0;
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if ((len = ipc_req_empty(req, sizeof(req), IPC_SET_PROCESS, cmds[i].id)) < 0 ||
		    conn_request(t->dirfd, t->sockname, req, (size_t)len, &rep,
				 conn_now_ms() + INFO_TIMEOUT_MS, NULL) < 0)
			return -1;
		if (rep.r.ok) {
			*command = cmds[i].name;
			return ipc_parse_process_info(&rep.r, cmds[i].id, pi);
		}
		*hr = rep.r.hresult;
		if (rep.r.hresult != IPC_E_UNKNOWN_COMMAND)
			break;
	}
	errno = EPROTO;
	return -1;
}

/* The error code of a target without a usable socket. */
static const char *status_code(enum dnproc_status s)
{
	switch (s) {
	case DNPROC_OK:
		break;
	case DNPROC_GONE:
		return AGENT_ERR_NO_PROCESS;
	case DNPROC_NO_SOCKET:
		return AGENT_ERR_NO_SOCKET;
	case DNPROC_DISABLED:
		return AGENT_ERR_DISABLED;
	case DNPROC_PERMISSION:
		return AGENT_ERR_PERMISSION;
	case DNPROC_UID:
		return AGENT_ERR_UID;
	case DNPROC_REFUSED:
		return AGENT_ERR_CONNECT;
	}
	return AGENT_ERR_PROTOCOL;
}

/* One proc record; t's socket is open when t->status is DNPROC_OK. */
static void print_proc(const struct dnproc *t)
{
	struct ipc_process_info pi;
	const char *command = NULL;
	char sock[PATH_MAX + 130], msg[256];
	uint32_t hr = 0;
	int have = 0, conn_errno = 0;

	memset(&pi, 0, sizeof(pi));
	msg[0] = '\0';
	if (t->status == DNPROC_OK) {
		have = list_process_info(t, &pi, &command, &hr) == 0;
		if (!have) {
			conn_errno = errno;
			(void)snprintf(msg, sizeof(msg), "ProcessInfo failed: %s", hr ? "the runtime refused it" :
				 strerror(errno));
		}
	}
	rec_begin(stdout, AGENT_REC_PROC);
	rec_i64(stdout, "pid", t->pid);
	rec_i64(stdout, "nspid", t->nspid);
	rec_u64(stdout, "key", t->key);
	rec_u64(stdout, "uid", t->uid);
	rec_str(stdout, "comm", t->comm);
	rec_str(stdout, "tmpdir", t->tmpdir);
	if (t->status == DNPROC_OK) {
		if (snprintf(sock, sizeof(sock), "%s/%s", t->dir, t->sockname) < (int)sizeof(sock))
			rec_str(stdout, "socket", sock);
		rec_u64(stdout, "truncated", (unsigned)t->truncated);
	}
	if (have) {
		rec_str(stdout, "info", command);
		rec_str(stdout, "cmdline", pi.cmdline);
		rec_str(stdout, "os", pi.os);
		rec_str(stdout, "arch", pi.arch);
		rec_str(stdout, "entrypoint", pi.entrypoint);
		rec_str(stdout, "runtime", pi.runtime_version);
		rec_str(stdout, "rid", pi.rid);
	} else {
		rec_str(stdout, "error", t->status != DNPROC_OK ? status_code(t->status) :
				hr ? AGENT_ERR_RUNTIME :
				conn_errno == EACCES || conn_errno == EPERM ? AGENT_ERR_PERMISSION :
				conn_errno == EBADMSG ? AGENT_ERR_PROTOCOL : AGENT_ERR_CONNECT);
		if (hr) {
			rec_hex(stdout, "hresult", hr);
			rec_str(stdout, "hresult_name", ipc_hresult_name(hr));
		}
		rec_str(stdout, "message", msg[0] ? msg : dnproc_status_text(t->status));
	}
	(void)rec_end(stdout);
	ipc_process_info_release(&pi);
}

int list_run(pid_t pid)
{
	struct dnproc *list = NULL, one;
	size_t n = 0, i;

	if (pid > 0) {
		if (dnproc_load(pid, &one) < 0)
			return rec_error(AGENT_EX_NOTFOUND, AGENT_ERR_NO_PROCESS, pid, 0, NULL,
					 "no process %ld", (long)pid);
		(void)dnproc_find_socket(&one, 1);
		print_proc(&one);
		dnproc_release(&one);
		return AGENT_EX_OK;
	}
	if (dnproc_scan(&list, &n) < 0)
		return rec_error(AGENT_EX_FAIL, AGENT_ERR_IO, 0, 0, NULL, "cannot read /proc: %s",
				 strerror(errno));
	for (i = 0; i < n; i++) {
		(void)dnproc_find_socket(&list[i], 0);
		print_proc(&list[i]);
		dnproc_release(&list[i]);
	}
	free(list);
	return AGENT_EX_OK;
}
