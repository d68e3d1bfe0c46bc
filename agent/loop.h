/* loop.h: what the main loop polls besides sockets: timers and signals. */
#ifndef PIRACK_LOOP_H
#define PIRACK_LOOP_H

#include <stdbool.h>
#include <stdint.h>
#include "config.h"
#include "notify.h"

struct agent;

struct loop {
	const char *config_file; /* -c, or NULL: the default path */
	int sig_fd;		 /* signalfd: TERM, INT, HUP */
	int tick_fd;		 /* timerfd, every interval_ms */
	int blink_fd;		 /* timerfd: the LED pattern's next change */
	int interval_ms;	 /* tick_fd is armed with */
	uint64_t blink_ms;	 /* blink_fd is armed for; 0 = disarmed */
	uint64_t mqtt_due_ms;	 /* mqtt_service() wanted by; UINT64_MAX */
	struct notify notify;
};

/*
 * Loads file, or without one the default path, or when that does not
 * exist the built-in defaults. 0, or -1 with "FILE:LINE: message".
 */
int loop_config(const char *file, struct config *c, char *err, size_t errlen);
/* Blocks the signals it takes over and creates the fds. */
int loop_init(struct loop *l, const char *config_file, char *err,
	      size_t errlen);
/* (Re)arms the tick timer when the interval changed, and the blink timer. */
void loop_arm(struct loop *l, const struct agent *a);
/*
 * Milliseconds poll() may sleep: MQTT's and the watchdog's deadlines, or
 * -1. Notes when MQTT wants servicing in l->mqtt_due_ms.
 */
int loop_timeout_ms(struct loop *l, struct agent *a);
/* Consumes a timerfd's expirations. */
void loop_drain(int fd);
/* Handles pending signals (SIGHUP reloads); true when told to stop. */
bool loop_signal(struct loop *l, struct agent *a);
void loop_free(struct loop *l);

#endif
