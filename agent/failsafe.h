/* failsafe.h: pirackd --failsafe, once (ExecStopPost) or held (a unit). */
#ifndef PIRACK_FAILSAFE_H
#define PIRACK_FAILSAFE_H

#include <stdbool.h>
#include "config.h"

/*
 * The fan on, even with a bad config: the agent that ran may have kept an
 * older good one over a botched edit (SIGHUP refuses it), and the fan must
 * not stay off after it died. A bad file still yields its defaults plus
 * every key that did parse (config_load goes on past errors), so its
 * [fan] and [gpio] settings are used; cfg_err is its error or NULL.
 * Once: exit status 2 says the config was bad though the fan is on.
 * hold: the lines stay requested until SIGTERM, then 0. Either way it
 * does not return when the fan could not be switched on (exit 1).
 */
int failsafe_run(const struct config *cfg, const char *cfg_err, bool hold);

#endif
