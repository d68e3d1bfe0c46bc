/* fuzz.h: what every fuzz target shares: invariant checks that abort. */
#ifndef PIRACK_FUZZ_H
#define PIRACK_FUZZ_H

#include <stdio.h>
#include <stdlib.h>
#include <sanitizer/common_interface_defs.h>

/*
 * A broken invariant is a crash like any other: libFuzzer keeps the input
 * (crash-*) and the message says which promise was broken. It goes out
 * through the sanitizer's report fd, which libFuzzer keeps open when
 * -close_fd_mask=2 silences the agent's own logging on stderr.
 */
#define FUZZ_CHECK(cond, ...)                                                \
	do {                                                                 \
		if (!(cond)) {                                               \
			char fuzz_msg_[4096];                                \
			int fuzz_n_ = snprintf(fuzz_msg_, sizeof(fuzz_msg_), \
				"%s:%d: invariant broken: %s: ", __FILE__,   \
				__LINE__, #cond);                            \
			if (fuzz_n_ > 0 && (size_t)fuzz_n_ <                 \
					   sizeof(fuzz_msg_))                \
				snprintf(fuzz_msg_ + fuzz_n_,                \
					 sizeof(fuzz_msg_) - fuzz_n_,        \
					 __VA_ARGS__);                       \
			__sanitizer_report_error_summary(fuzz_msg_);         \
			abort();                                             \
		}                                                            \
	} while (0)

#endif
