/* test-idx.c: IDX files round-trip raw and gzip; every malformed file gets its own error */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <zlib.h>

#include "fixtures.h"
#include "nn-idx.h"

static void
write_bytes (const char   *path,
             const guint8 *data,
             size_t        n,
             gboolean      gz)
{
  if (gz)
    {
      gzFile f = gzopen (path, "wb");

      g_assert_nonnull (f);
      g_assert_cmpint (gzwrite (f, data, (unsigned) n), ==, (int) n);
      g_assert_cmpint (gzclose (f), ==, Z_OK);
    }
  else
    g_assert_true (g_file_set_contents (path, (const char *) data, n, NULL));
}

static void
test_idx_round_trip (void)
{
  g_autofree char *dir = fixture_dir ();

  for (int gz = 0; gz < 2; gz++)
    {
      g_autofree char *path = g_build_filename (dir, gz ? "img.gz" : "img", NULL);
      g_autofree char *lpath = g_build_filename (dir, gz ? "lab.gz" : "lab", NULL);
      guint8 pixels[3 * 4 * 5], labels[3] = { 9, 0, 4 };
      g_autofree guint8 *back = NULL;
      g_autofree guint8 *lback = NULL;
      g_autoptr(GError) error = NULL;
      size_t n, rows, cols, nl;

      for (size_t i = 0; i < sizeof pixels; i++)
        pixels[i] = (guint8) (i * 7);
      g_assert_true (nn_idx_save_images (path, pixels, 3, 4, 5, &error));
      g_assert_true (nn_idx_save_labels (lpath, labels, 3, &error));
      back = nn_idx_load_images (path, &n, &rows, &cols, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (n, ==, 3);
      g_assert_cmpuint (rows, ==, 4);
      g_assert_cmpuint (cols, ==, 5);
      g_assert_cmpmem (back, sizeof pixels, pixels, sizeof pixels);
      lback = nn_idx_load_labels (lpath, &nl, &error);
      g_assert_no_error (error);
      g_assert_cmpmem (lback, 3, labels, 3);
      if (!gz)
        {
          /* the raw file is exactly the published layout */
          g_autofree char *raw = NULL;
          gsize size;

          g_assert_true (g_file_get_contents (path, &raw, &size, NULL));
          g_assert_cmpuint (size, ==, 16 + sizeof pixels);
          g_assert_cmpint (raw[2], ==, 0x08);
          g_assert_cmpint (raw[3], ==, 3);
          g_assert_cmpint (raw[7], ==, 3);
        }
    }
  fixture_remove_dir (dir);
}

typedef struct
{
  const char  *what;
  guint8       bytes[40];
  size_t       n;
  gboolean     images;
  int          code;
} BadCase;

static void
test_idx_malformed (void)
{
  static const BadCase cases[] = {
    { "short header", { 0, 0, 8 }, 3, TRUE, NN_IDX_ERROR_TRUNCATED },
    { "bad magic", { 1, 2, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0 }, 17, TRUE,
      NN_IDX_ERROR_BAD_MAGIC },
    { "labels as images", { 0, 0, 8, 1, 0, 0, 0, 1, 5 }, 9, TRUE, NN_IDX_ERROR_BAD_MAGIC },
    { "float type", { 0, 0, 0x0d, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0 }, 20, TRUE,
      NN_IDX_ERROR_BAD_TYPE },
    { "zero rows", { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1 }, 16, TRUE,
      NN_IDX_ERROR_BAD_DIMENSIONS },
    { "huge dimensions", { 0, 0, 8, 3, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                           0xff, 0xff }, 16, TRUE, NN_IDX_ERROR_TOO_LARGE },
    { "truncated pixels", { 0, 0, 8, 3, 0, 0, 0, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3 }, 19, TRUE,
      NN_IDX_ERROR_TRUNCATED },
    { "trailing data", { 0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 7, 8 }, 18, TRUE,
      NN_IDX_ERROR_TRAILING_DATA },
    { "zero labels", { 0, 0, 8, 1, 0, 0, 0, 0 }, 8, FALSE, NN_IDX_ERROR_BAD_DIMENSIONS },
    { "truncated labels", { 0, 0, 8, 1, 0, 0, 0, 5, 1, 2 }, 10, FALSE, NN_IDX_ERROR_TRUNCATED },
  };
  g_autofree char *dir = fixture_dir ();

  for (size_t c = 0; c < G_N_ELEMENTS (cases); c++)
    for (int gz = 0; gz < 2; gz++)
      {
        g_autofree char *path = g_strdup_printf ("%s/case%zu%s", dir, c, gz ? ".gz" : "");
        g_autoptr(GError) error = NULL;
        g_autofree guint8 *data = NULL;
        size_t n, rows, cols;

        write_bytes (path, cases[c].bytes, cases[c].n, gz);
        if (cases[c].images)
          data = nn_idx_load_images (path, &n, &rows, &cols, &error);
        else
          data = nn_idx_load_labels (path, &n, &error);
        if (data != NULL || !g_error_matches (error, NN_IDX_ERROR, cases[c].code))
          g_error ("%s (%s): expected error %d, got %s", cases[c].what, gz ? "gzip" : "raw",
                   cases[c].code, error != NULL ? error->message : "success");
        g_assert_nonnull (strstr (error->message, "case"));   /* names the file */
      }
  fixture_remove_dir (dir);
}

static void
test_idx_corrupt_gzip (void)
{
  g_autofree char *dir = fixture_dir ();
  g_autofree char *path = g_build_filename (dir, "img.gz", NULL);
  guint8 pixels[64 * 28 * 28];
  g_autofree char *contents = NULL;
  gsize size;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *back = NULL;
  size_t n, rows, cols;

  for (size_t i = 0; i < sizeof pixels; i++)
    pixels[i] = (guint8) (i * 31 + i / 7);
  g_assert_true (nn_idx_save_images (path, pixels, 64, 28, 28, NULL));
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  /* flip bytes in the middle of the deflate stream */
  for (gsize i = size / 2; i < size / 2 + 16; i++)
    contents[i] ^= 0x5a;
  g_assert_true (g_file_set_contents (path, contents, size, NULL));
  back = nn_idx_load_images (path, &n, &rows, &cols, &error);
  g_assert_null (back);
  g_assert_true (g_error_matches (error, NN_IDX_ERROR, NN_IDX_ERROR_CORRUPT_GZIP) ||
                 g_error_matches (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED));
  g_clear_error (&error);

  /* a gzip file cut in half */
  g_assert_true (nn_idx_save_images (path, pixels, 64, 28, 28, NULL));
  g_clear_pointer (&contents, g_free);
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  g_assert_true (g_file_set_contents (path, contents, size / 2, NULL));
  back = nn_idx_load_images (path, &n, &rows, &cols, &error);
  g_assert_null (back);
  g_assert_error (error, NN_IDX_ERROR, NN_IDX_ERROR_TRUNCATED);
  g_clear_error (&error);

  back = nn_idx_load_images ("/nonexistent/file", &n, &rows, &cols, &error);
  g_assert_error (error, NN_IDX_ERROR, NN_IDX_ERROR_OPEN);
  fixture_remove_dir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/idx/round-trip", test_idx_round_trip);
  g_test_add_func ("/engine/idx/malformed", test_idx_malformed);
  g_test_add_func ("/engine/idx/corrupt-gzip", test_idx_corrupt_gzip);
  return g_test_run ();
}
