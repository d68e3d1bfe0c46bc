/* machinefile.h: MPICH hydra's machinefile for the rack. */
#ifndef PIRACK_MACHINEFILE_H
#define PIRACK_MACHINEFILE_H

#include <stdio.h>
#include "inventory.h"

/* One "NAME:SLOTS" line per node, in inventory order. */
void machinefile_write(const struct inventory *inv, FILE *out);

#endif
