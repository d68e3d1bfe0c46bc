# mpi/mpi.mk: libpirackpace, pirack-pi, pirack-temps, examples (MPI issue).
