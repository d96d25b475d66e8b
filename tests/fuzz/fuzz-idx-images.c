/* fuzz-idx-images.c: the IDX image reader on any bytes, raw or gzip (zlib reads both) */
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
  size_t n = 0, rows = 0, cols = 0;
  g_autofree guint8 *pixels = nn_idx_load_images (path, &n, &rows, &cols, &error);

  if (pixels != NULL)
    {
      volatile unsigned sum = 0;

      g_assert_no_error (error);
      g_assert_true (n >= 1 && rows >= 1 && cols >= 1);
      /* every byte the reader claims to have filled must be there */
      for (size_t i = 0; i < n * rows * cols; i++)
        sum += pixels[i];
      (void) sum;
    }
  else
    g_assert_nonnull (error);
  close (fd);
  return 0;
}
