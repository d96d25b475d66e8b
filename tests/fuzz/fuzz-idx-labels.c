/* fuzz-idx-labels.c: the IDX label reader on any bytes, raw or gzip (zlib reads both) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "fuzz-common.h"

#include "nn-idx.h"

int
LLVMFuzzerInitialize (int    *argc,
                      char ***argv)
{
  fuzz_init_glib ();
  return 0;
}

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char path[64];
  int fd = fuzz_input_file (data, size, path, sizeof path);
  g_autoptr(GError) error = NULL;
  size_t n = 0;
  g_autofree guint8 *labels = nn_idx_load_labels (path, &n, &error);

  if (labels != NULL)
    {
      volatile unsigned sum = 0;

      g_assert_no_error (error);
      for (size_t i = 0; i < n; i++)
        sum += labels[i];
      (void) sum;
    }
  else
    g_assert_nonnull (error);
  close (fd);
  return 0;
}
