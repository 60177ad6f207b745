/*
 * test_agent_dnproc.c - how the agent finds a process's diagnostics socket (agent/dnproc.c),
 * through the real /proc of a real child process whose TMPDIR holds sockets made here the way the
 * runtime makes them: the exact name; a name cut to fit sun_path under a long TMPDIR; a name with
 * another start-time key (what a runtime under qemu-user makes) alone, or beside a stale one or a
 * second live one; a socket of another uid; DOTNET_EnableDiagnostics=0. Runs as root (chown).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "dnproc.h"

static char base[] = "/tmp/dnproc-test.XXXXXX";

/* A child (`sleep`) with TMPDIR=tmpdir and maybe DOTNET_EnableDiagnostics=0, exec'd when this returns. */
static pid_t child_with(const char *tmpdir, int diag_off)
{
	char prog[] = "sleep", secs[] = "30", *argv[] = { prog, secs, NULL }, c;
	int sync[2];
	pid_t pid;

	assert_int_equal(pipe(sync), 0);
	assert_int_equal(fcntl(sync[1], F_SETFD, FD_CLOEXEC), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(sync[0]);
		setenv("TMPDIR", tmpdir, 1);
		if (diag_off)
			setenv("DOTNET_EnableDiagnostics", "0", 1);
		execvp(argv[0], argv);
		_exit(127);
	}
	close(sync[1]);
	assert_int_equal(read(sync[0], &c, 1), 0); /* EOF: exec'd */
	close(sync[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A socket at dir/name: listening (live) or bound then closed (stale, refuses connections). */
static int make_socket(const char *dir, const char *name, int live)
{
	struct sockaddr_un sa;
	char path[256];
	int fd;

	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path));
	memset(&sa, 0, sizeof(sa));
	sa.sun_family = AF_UNIX;
	/* bind through a relative name: the long-TMPDIR paths do not fit sun_path */
	assert_true(strlen(name) < sizeof(sa.sun_path));
	memcpy(sa.sun_path, name, strlen(name));
	{
		int cwd = open(".", O_RDONLY | O_DIRECTORY);

		assert_true(cwd >= 0);
		assert_int_equal(chdir(dir), 0);
		fd = socket(AF_UNIX, SOCK_STREAM, 0);
		assert_true(fd >= 0);
		assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
		assert_int_equal(fchdir(cwd), 0);
		close(cwd);
	}
	if (live) {
		assert_int_equal(listen(fd, 4), 0);
		return fd;
	}
	close(fd);
	return -1;
}

/* The name the runtime gives pid's socket with key. */
static void sock_name(char *buf, size_t size, pid_t pid, unsigned long long key)
{
	assert_true(snprintf(buf, size, "dotnet-diagnostic-%ld-%llu-socket", (long)pid, key) < (int)size);
}

static struct dnproc find(pid_t pid)
{
	struct dnproc t;

	assert_int_equal(dnproc_load(pid, &t), 0);
	(void)dnproc_find_socket(&t, 0);
	dnproc_release(&t);
	return t;
}

/* A fresh directory under base. */
static void subdir(char *out, size_t size, const char *name)
{
	assert_true(snprintf(out, size, "%s/%s", base, name) < (int)size);
	assert_int_equal(mkdir(out, 0700), 0);
}

static void test_exact(void **state)
{
	char dir[256], name[128], path[400];
	struct dnproc t;
	pid_t pid;
	int fd;

	(void)state;
	subdir(dir, sizeof(dir), "exact");
	pid = child_with(dir, 0);
	t = find(pid);
	assert_int_equal(t.status, DNPROC_NO_SOCKET);
	assert_string_equal(t.tmpdir, dir);
	sock_name(name, sizeof(name), pid, t.key);
	fd = make_socket(dir, name, 1);
	t = find(pid);
	assert_int_equal(t.status, DNPROC_OK);
	assert_string_equal(t.sockname, name);
	assert_int_equal(t.truncated, 0);
	assert_int_equal(t.other_key, 0);
	assert_int_equal(t.nspid, pid);
	/* another uid's socket of that name is refused */
	assert_true(snprintf(path, sizeof(path), "%s/%s", dir, name) < (int)sizeof(path));
	assert_int_equal(chown(path, 4242, 4242), 0);
	t = find(pid);
	assert_int_equal(t.status, DNPROC_UID);
	close(fd);
	reap(pid);
}

/* TMPDIR/NAME cut at 107 characters: that prefix is the socket, a shorter one is not. */
static void test_cut(void **state)
{
	char dir[256], name[128], cut[128];
	size_t room;
	struct dnproc t;
	pid_t pid;
	int fd;

	(void)state;
	assert_true(snprintf(dir, sizeof(dir), "%s/", base) < (int)sizeof(dir));
	memset(dir + strlen(dir), 'x', 84 - strlen(dir)); /* an 84-character TMPDIR */
	dir[84] = '\0';
	assert_int_equal(mkdir(dir, 0700), 0);
	pid = child_with(dir, 0);
	t = find(pid);
	sock_name(name, sizeof(name), pid, t.key);
	room = 107 - 84 - 1;
	memcpy(cut, name, room - 1);
	cut[room - 1] = '\0';
	fd = make_socket(dir, cut, 1); /* one character short: not what the runtime makes */
	t = find(pid);
	assert_int_equal(t.status, DNPROC_NO_SOCKET);
	close(fd);
	memcpy(cut, name, room);
	cut[room] = '\0';
	fd = make_socket(dir, cut, 1);
	t = find(pid);
	assert_int_equal(t.status, DNPROC_OK);
	assert_string_equal(t.sockname, cut);
	assert_int_equal(t.truncated, 1);
	close(fd);
	reap(pid);
}

/* A key other than the start time (qemu-user): the one live socket of the pid. */
static void test_other_key(void **state)
{
	char dir[256], n1[128], n2[128], n3[128];
	struct dnproc t;
	pid_t pid;
	int fd1, fd3;

	(void)state;
	subdir(dir, sizeof(dir), "otherkey");
	pid = child_with(dir, 0);
	t = find(pid);
	sock_name(n1, sizeof(n1), pid, t.key + 10);
	sock_name(n2, sizeof(n2), pid, t.key + 20);
	sock_name(n3, sizeof(n3), pid, t.key + 30);
	(void)make_socket(dir, n2, 0); /* stale */
	fd1 = make_socket(dir, n1, 1);
	t = find(pid);
	assert_int_equal(t.status, DNPROC_OK);
	assert_string_equal(t.sockname, n1);
	assert_int_equal(t.other_key, 1);
	assert_int_equal(t.truncated, 0);
	fd3 = make_socket(dir, n3, 1); /* two live ones: which is ours? neither */
	t = find(pid);
	assert_true(t.status != DNPROC_OK);
	close(fd1);
	close(fd3);
	t = find(pid); /* only stale ones left */
	assert_int_equal(t.status, DNPROC_REFUSED);
	assert_int_equal(t.err, ECONNREFUSED);
	reap(pid);
}

static void test_disabled(void **state)
{
	char dir[256];
	struct dnproc t;
	pid_t pid;

	(void)state;
	subdir(dir, sizeof(dir), "off");
	pid = child_with(dir, 1);
	t = find(pid);
	assert_int_equal(t.status, DNPROC_DISABLED);
	assert_int_equal(t.diag_disabled, 1);
	assert_true(dnproc_looks_dotnet(&t));
	reap(pid);
	assert_int_equal(dnproc_load(pid, &t), -1);
	assert_int_equal(t.status, DNPROC_GONE);
}

static int setup(void **state)
{
	(void)state;
	if (geteuid() != 0) {
		fprintf(stderr, "test_agent_dnproc: needs root (it gives sockets to other uids)\n");
		return -1;
	}
	return mkdtemp(base) == NULL ? -1 : 0;
}

static int teardown(void **state)
{
	char prog[] = "rm", opt[] = "-rf", *argv[] = { prog, opt, base, NULL };
	pid_t pid = fork();

	(void)state;
	if (pid == 0) {
		execvp(argv[0], argv);
		_exit(127);
	}
	waitpid(pid, NULL, 0);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_exact),
		cmocka_unit_test(test_cut),
		cmocka_unit_test(test_other_key),
		cmocka_unit_test(test_disabled),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
