/* reloadctl.h: pirackd --reload PID, a reload with an answer (ExecReload=). */
#ifndef PIRACK_RELOADCTL_H
#define PIRACK_RELOADCTL_H

#include <stdbool.h>
#include <sys/types.h>

/*
 * The protocol, by signals only, so it needs neither the control socket
 * (whose group the MPI users are in) nor a file: the client queues SIGHUP
 * with RELOAD_COOKIE (sigqueue), the agent reloads and queues SIGUSR1
 * back to the sender with 0 (reloaded) or 1 (refused). A plain SIGHUP
 * (kill -HUP) reloads without an answer: nobody is sent a signal it did
 * not ask for.
 */
#define RELOAD_COOKIE 0x70697261 /* "pira" */

/* The agent's side: answers si's sender if it asked (cookie). */
void reloadctl_answer(pid_t sender, int code, int value, bool ok);
/*
 * The client: asks pid to reload and waits up to timeout_ms; prints the
 * outcome (on a refusal, config's own error if it has one). 0 reloaded,
 * 1 refused, no answer or no such process.
 */
int reloadctl_request(pid_t pid, const char *config, int timeout_ms);

#endif
