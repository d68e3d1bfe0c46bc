#!/usr/bin/env bash
# The simulated cluster (make demo): not built yet.
echo "make demo: the simulated cluster is not built yet (see README.md)."
