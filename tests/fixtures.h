/* fixtures.h: tiny IDX datasets generated in a temporary folder, for the data tests */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <string.h>
#include <glib.h>
#include <glib/gstdio.h>

#include "nn-idx.h"
#include "nn-rng.h"

static inline char *
fixture_dir (void)
{
  g_autoptr(GError) error = NULL;
  char *dir = g_dir_make_tmp ("digit-lab-data-XXXXXX", &error);

  g_assert_no_error (error);
  return dir;
}

static inline void
fixture_remove_dir (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      g_remove (path);
    }
  g_rmdir (dir);
}

/* n random images (rows × cols) with labels 0 … n_classes − 1, written as IDX files. */
static inline void
fixture_write_split (const char *dir,
                     const char *prefix,
                     size_t      n,
                     size_t      rows,
                     size_t      cols,
                     guint       n_classes,
                     gboolean    gz,
                     guint64     seed)
{
  g_autofree guint8 *pixels = g_new (guint8, n * rows * cols);
  g_autofree guint8 *labels = g_new (guint8, n);
  g_autofree char *img = g_strdup_printf ("%s/%s-images-idx3-ubyte%s", dir, prefix, gz ? ".gz" : "");
  g_autofree char *lab = g_strdup_printf ("%s/%s-labels-idx1-ubyte%s", dir, prefix, gz ? ".gz" : "");
  g_autoptr(GError) error = NULL;
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t i = 0; i < n * rows * cols; i++)
    pixels[i] = (guint8) nn_rng_below (&rng, 256);
  for (size_t i = 0; i < n; i++)
    labels[i] = (guint8) (i % n_classes);
  g_assert_true (nn_idx_save_images (img, pixels, n, rows, cols, &error));
  g_assert_no_error (error);
  g_assert_true (nn_idx_save_labels (lab, labels, n, &error));
  g_assert_no_error (error);
}
