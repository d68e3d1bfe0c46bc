# pi_mpi4py.py: the Pi-cluster recipe's mpi4py pi program, the slow baseline.
# mpirun -n N python3 pi_mpi4py.py INTERVALS
import sys
import time

from mpi4py import MPI

comm = MPI.COMM_WORLD
rank = comm.Get_rank()
size = comm.Get_size()
n = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10000000
start = MPI.Wtime()
n = comm.bcast(n, root=0)
h = 1.0 / n
s = 0.0
for i in range(rank, n, size):
    x = h * (i + 0.5)
    s += 4.0 / (1.0 + x * x)
pi = comm.reduce(s * h, op=MPI.SUM, root=0)
if rank == 0:
    print("pi is approximately %.16f" % pi)
    print("wall clock time = %f" % (MPI.Wtime() - start))
