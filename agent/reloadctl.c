/* reloadctl.c: pirackd --reload PID and the agent's answer (reloadctl.h). */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include "config.h"
#include "log.h"
#include "loop.h"
#include "reloadctl.h"

void reloadctl_answer(pid_t sender, int code, int value, bool ok)
{
	if (code != SI_QUEUE || value != RELOAD_COOKIE || sender <= 0)
		return;
	if (sigqueue(sender, SIGUSR1, (union sigval){ .sival_int = !ok }) < 0)
		log_warn("reload: answering pid %ld", (long)sender);
}

/* Waits for pid's answer; 1 refused, 0 reloaded, -1 none in time. */
static int reloadctl_wait(pid_t pid, const sigset_t *set, int timeout_ms)
{
	struct timespec now, end, left;
	siginfo_t si;

	clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += timeout_ms / 1000;
	end.tv_nsec += (timeout_ms % 1000) * 1000000L;
	if (end.tv_nsec >= 1000000000L) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000L;
	}
	for (;;) {
		clock_gettime(CLOCK_MONOTONIC, &now);
		left.tv_sec = end.tv_sec - now.tv_sec;
		left.tv_nsec = end.tv_nsec - now.tv_nsec;
		if (left.tv_nsec < 0) {
			left.tv_sec--;
			left.tv_nsec += 1000000000L;
		}
		if (left.tv_sec < 0)
			return -1;
		if (sigtimedwait(set, &si, &left) < 0) {
			if (errno == EINTR)
				continue;
			return -1; /* EAGAIN: the deadline */
		}
		/* only the agent's queued answer counts */
		if (si.si_pid == pid && si.si_code == SI_QUEUE)
			return si.si_value.sival_int ? 1 : 0;
	}
}

int reloadctl_request(pid_t pid, const char *config, int timeout_ms)
{
	sigset_t set;
	struct config c;
	char err[512];
	int rc;

	sigemptyset(&set);
	sigaddset(&set, SIGUSR1);
	if (sigprocmask(SIG_BLOCK, &set, NULL) < 0) {
		perror("pirackd --reload: sigprocmask");
		return 1;
	}
	if (sigqueue(pid, SIGHUP,
		     (union sigval){ .sival_int = RELOAD_COOKIE }) < 0) {
		fprintf(stderr, "pirackd --reload: pid %ld: %s\n", (long)pid,
			strerror(errno));
		return 1;
	}
	rc = reloadctl_wait(pid, &set, timeout_ms);
	if (rc == 0) {
		printf("pirackd --reload: pid %ld reloaded its configuration\n",
		       (long)pid);
		return 0;
	}
	if (rc < 0) {
		fprintf(stderr,
			"pirackd --reload: no answer from pid %ld in "
			"%d s\n",
			(long)pid, timeout_ms / 1000);
		return 1;
	}
	/* the agent logged why; the file's own error says it here too */
	if (loop_config(config, &c, err, sizeof(err)) < 0)
		fprintf(stderr,
			"pirackd --reload: pid %ld refused the reload "
			"and kept its configuration: %s\n",
			(long)pid, err);
	else
		fprintf(stderr,
			"pirackd --reload: pid %ld refused the reload "
			"and kept its configuration (its log says why)\n",
			(long)pid);
	return 1;
}
