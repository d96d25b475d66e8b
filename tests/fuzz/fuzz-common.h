/* fuzz-common.h: what every harness shares — fatal GLib criticals, inputs as files, a cursor */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

/* A critical or warning from the engine on bad input is a bug: make it abort, so that libFuzzer
 * reports it with its stack. */
static inline void
fuzz_init_glib (void)
{
  g_log_set_always_fatal (G_LOG_LEVEL_CRITICAL | G_LOG_LEVEL_WARNING);
}

/* The input as a regular file that the engine opens by path: a memfd under /proc/self/fd, so
 * nothing touches the disk. suffix only names the path (the readers sniff the content). Returns
 * the descriptor (close it when done) and fills path. */
static inline int
fuzz_input_file (const uint8_t *data,
                 size_t         size,
                 char          *path,
                 size_t         path_size)
{
  int fd = memfd_create ("fuzz-input", MFD_CLOEXEC);
  size_t done = 0;

  if (fd < 0)
    {
      perror ("memfd_create");
      abort ();
    }
  while (done < size)
    {
      ssize_t n = write (fd, data + done, size - done);

      if (n <= 0)
        {
          perror ("write");
          abort ();
        }
      done += (size_t) n;
    }
  snprintf (path, path_size, "/proc/self/fd/%d", fd);
  return fd;
}

/* Consumes fuzzed bytes as bounded integers, like LLVM's FuzzedDataProvider; zeros once the
 * input is used up. */
typedef struct
{
  const uint8_t *data;
  size_t         size;
} FuzzCursor;

static inline uint64_t
fuzz_u64 (FuzzCursor *c,
          uint64_t    lo,
          uint64_t    hi)
{
  uint64_t range = hi - lo, v = 0;

  for (size_t bits = 0; bits < 64 && (range >> bits) != 0 && c->size > 0; bits += 8)
    {
      v = (v << 8) | c->data[0];
      c->data++;
      c->size--;
    }
  return range == UINT64_MAX ? v : lo + v % (range + 1);
}

static inline gboolean
fuzz_bool (FuzzCursor *c)
{
  return fuzz_u64 (c, 0, 1) != 0;
}
