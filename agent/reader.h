/* reader.h: sensor reads off the main loop, each with a deadline. */
#ifndef PIRACK_READER_H
#define PIRACK_READER_H

#include "sample.h"
#include "sensors.h"

struct reader;

/* How a reading is taken: sensors_read_opts, or a test's stand-in. */
typedef int reader_fn(const struct sensors_opts *o, struct sample *s);

/*
 * Starts the reader thread (fn NULL: sensors_read_opts). A sysfs
 * attribute behind a hung bus (I2C, 1-Wire) can block its read for as
 * long as the bus hangs: it blocks this thread, never the loop that
 * drives the fan. NULL + err on failure.
 */
struct reader *reader_start(reader_fn *fn, char *err, size_t errlen);

/*
 * One reading with o into *s (seq and ts untouched), waiting at most
 * deadline_ms. A read still blocked after it, or one already blocked
 * since an earlier call, is a fault (s->fault, the message says since
 * when), without waiting again. Returns 0, or -1 when s->fault is set.
 */
int reader_read(struct reader *r, const struct sensors_opts *o,
		struct sample *s, int deadline_ms);

/*
 * Stops the thread. One still blocked in a read is left to the process's
 * exit (its memory with it): a hung bus must not hang the shutdown.
 */
void reader_stop(struct reader *r);

#endif
