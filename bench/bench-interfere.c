/* bench-interfere.c: takes a core for a moment at a steady rate, as a window drawing frames does */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* Busy BUSY_MS milliseconds every PERIOD_MS, asleep between, until killed. */
int
main (int   argc,
      char *argv[])
{
  double busy = argc > 1 ? atof (argv[1]) / 1000 : 0.0007;
  double period = argc > 2 ? atof (argv[2]) / 1000 : 1 / 60.0;
  double next = now ();
  volatile double sink = 0;

  if (!(busy >= 0 && period > busy))
    {
      fprintf (stderr, "bench-interfere: BUSY_MS must be below PERIOD_MS\n");
      return 1;
    }
  for (;;)
    {
      double end = now () + busy, left;
      struct timespec ts;

      while (now () < end)
        sink += 1;
      next += period;
      left = next - now ();
      if (left > 0)
        {
          ts.tv_sec = (time_t) left;
          ts.tv_nsec = (long) ((left - ts.tv_sec) * 1e9);
          nanosleep (&ts, NULL);
        }
    }
  return 0;
}
