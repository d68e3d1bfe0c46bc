/* log.h: leveled logging to stderr (or syslog once daemonised). */
#ifndef PIRACK_LOG_H
#define PIRACK_LOG_H

#include <stdbool.h>

/*
 * verbose enables log_debug; to_syslog sends everything to syslog (used
 * after daemonising, when stderr goes nowhere). Under systemd the journal
 * gets a <N> priority prefix on each line so levels survive.
 */
void log_init(bool verbose, bool to_syslog);
void log_set_verbose(bool verbose);
/* The program name each line starts with (default "pirackd"); a literal. */
void log_set_name(const char *name);

/* log_warn appends ": strerror(errno)"; the *x variants do not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Logs and exits 1: only where going on is impossible. */
void fatal(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));
void fatalx(const char *fmt, ...)
    __attribute__((format(printf, 1, 2), noreturn));

#endif
