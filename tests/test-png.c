/* test-png.c: every PNG colour type and bit depth reads as gray; bad files fail cleanly */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <stdio.h>
#include <string.h>
#include <glib/gstdio.h>
#include <png.h>
#include <zlib.h>

#include "nn-png.h"

#define W 7
#define H 5

/* Writes a W×H test picture in the given format: a bright pixel at (2, 3), dark elsewhere,
 * with alpha 255 except in the last column (alpha 0). */
static void
write_png (const char *path,
           int         color_type,
           int         bit_depth,
           int         interlace)
{
  FILE *f = fopen (path, "wb");
  png_structp png = png_create_write_struct (PNG_LIBPNG_VER_STRING, NULL, NULL, NULL);
  png_infop info = png_create_info_struct (png);
  int channels = color_type == PNG_COLOR_TYPE_GRAY ? 1
                 : color_type == PNG_COLOR_TYPE_GRAY_ALPHA ? 2
                 : color_type == PNG_COLOR_TYPE_RGB ? 3
                 : color_type == PNG_COLOR_TYPE_RGBA ? 4 : 1;
  int bytes = bit_depth == 16 ? 2 : 1;
  guint8 row[W * 4 * 2];

  g_assert_nonnull (f);
  png_init_io (png, f);
  png_set_IHDR (png, info, W, H, bit_depth, color_type, interlace, PNG_COMPRESSION_TYPE_DEFAULT,
                PNG_FILTER_TYPE_DEFAULT);
  if (color_type == PNG_COLOR_TYPE_PALETTE)
    {
      png_color palette[2] = { { 10, 10, 10 }, { 250, 250, 250 } };

      png_set_PLTE (png, info, palette, 2);
    }
  png_write_info (png, info);
  if (interlace != PNG_INTERLACE_NONE)
    png_set_interlace_handling (png);
  for (int pass = 0; pass < (interlace != PNG_INTERLACE_NONE ? 7 : 1); pass++)
    for (int y = 0; y < H; y++)
      {
        for (int x = 0; x < W; x++)
          {
            gboolean lit = x == 2 && y == 3;
            int v = lit ? 250 : 10, a = x == W - 1 ? 0 : 255;

            for (int c = 0; c < channels; c++)
              {
                int value = color_type == PNG_COLOR_TYPE_PALETTE ? lit
                            : (c == channels - 1 && (color_type & PNG_COLOR_MASK_ALPHA)) ? a : v;

                if (bytes == 2)
                  {
                    row[(x * channels + c) * 2] = (guint8) value;
                    row[(x * channels + c) * 2 + 1] = (guint8) value;
                  }
                else
                  row[x * channels + c] = (guint8) value;
              }
          }
        png_write_row (png, row);
      }
  png_write_end (png, info);
  png_destroy_write_struct (&png, &info);
  fclose (f);
}

static void
test_png_every_format (void)
{
  static const int formats[][3] = {
    { PNG_COLOR_TYPE_GRAY, 8, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_GRAY, 16, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_GRAY_ALPHA, 8, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_PALETTE, 8, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_RGB, 16, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_RGBA, 8, PNG_INTERLACE_NONE },
    { PNG_COLOR_TYPE_RGBA, 16, PNG_INTERLACE_ADAM7 },
  };
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-png-XXXXXX", &error);

  for (size_t i = 0; i < G_N_ELEMENTS (formats); i++)
    {
      g_autofree char *path = g_strdup_printf ("%s/f%zu.png", dir, i);
      g_autofree guint8 *gray = NULL;
      size_t w, h;

      write_png (path, formats[i][0], formats[i][1], formats[i][2]);
      gray = nn_png_load_gray (path, &w, &h, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (w, ==, W);
      g_assert_cmpuint (h, ==, H);
      g_assert_cmpuint (gray[3 * W + 2], >=, 245);
      g_assert_cmpuint (gray[0], <=, 15);
      /* the opaque pixels are mostly dark, so transparency is composited over white */
      if (formats[i][0] & PNG_COLOR_MASK_ALPHA)
        g_assert_cmpuint (gray[W - 1], ==, 255);
      g_remove (path);
    }
  g_rmdir (dir);
}

static void
test_png_round_trip_and_alpha (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-png-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "x.png", NULL);
  guint8 gray[3 * 6], rgba[3 * 4 * 4];
  g_autofree guint8 *back = NULL;
  size_t w, h;

  for (int i = 0; i < 18; i++)
    gray[i] = (guint8) (i * 14);
  /* a stride of 6 for a width of 5 */
  g_assert_true (nn_png_save_gray (path, gray, 5, 3, 6, &error));
  back = nn_png_load_gray (path, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (w, ==, 5);
  for (int y = 0; y < 3; y++)
    g_assert_cmpmem (back + y * 5, 5, gray + y * 6, 5);
  g_clear_pointer (&back, g_free);

  /* black ink on a transparent sheet shows as dark on white */
  for (int i = 0; i < 12; i++)
    {
      gboolean ink = i < 8;

      rgba[4 * i] = rgba[4 * i + 1] = rgba[4 * i + 2] = 0;
      rgba[4 * i + 3] = ink ? 255 : 0;
    }
  g_assert_true (nn_png_save_rgba (path, rgba, 4, 3, 16, &error));
  back = nn_png_load_gray (path, &w, &h, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (back[0], ==, 0);
  g_assert_cmpuint (back[11], ==, 255);
  g_remove (path);
  g_rmdir (dir);
}

/* After editing IHDR (offsets 16–28), its CRC-32 (29–32) over type and data. */
static void
fix_ihdr_crc (char *png)
{
  guint32 crc = (guint32) crc32 (0, (const Bytef *) png + 12, 17);

  png[29] = (char) (crc >> 24);
  png[30] = (char) (crc >> 16);
  png[31] = (char) (crc >> 8);
  png[32] = (char) crc;
}

static void
test_png_bad_files (void)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *dir = g_dir_make_tmp ("digit-lab-png-XXXXXX", &error);
  g_autofree char *path = g_build_filename (dir, "bad.png", NULL);
  g_autofree char *contents = NULL;
  g_autofree guint8 *gray = NULL;
  gsize size;
  size_t w, h;
  guint8 pixel = 1;

  g_assert_true (g_file_set_contents (path, "GIF89a not a png", -1, NULL));
  gray = nn_png_load_gray (path, &w, &h, &error);
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_NOT_PNG);
  g_clear_error (&error);

  write_png (path, PNG_COLOR_TYPE_RGB, 8, PNG_INTERLACE_NONE);
  g_assert_true (g_file_get_contents (path, &contents, &size, NULL));
  gray = nn_png_load_gray_from_memory ((const guint8 *) contents, size - 30, &w, &h, &error);
  g_assert_null (gray);
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  g_clear_error (&error);

  /* a header declaring 100000 × 100000 pixels, refused before any allocation */
  contents[16] = 0x00; contents[17] = 0x01; contents[18] = 0x86; contents[19] = 0xa0;
  contents[20] = 0x00; contents[21] = 0x01; contents[22] = 0x86; contents[23] = 0xa0;
  fix_ihdr_crc (contents);
  gray = nn_png_load_gray_from_memory ((const guint8 *) contents, size, &w, &h, &error);
  g_assert_null (gray);
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_TOO_LARGE);
  g_clear_error (&error);

  /* 4000 × 4000 is within the limits, but these few bytes cannot inflate to it */
  contents[17] = 0x00; contents[18] = 0x0f; contents[19] = 0xa0;
  contents[21] = 0x00; contents[22] = 0x0f; contents[23] = 0xa0;
  fix_ihdr_crc (contents);
  gray = nn_png_load_gray_from_memory ((const guint8 *) contents, size, &w, &h, &error);
  g_assert_null (gray);
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_CORRUPT);
  g_clear_error (&error);

  /* a folder is refused before anything is read */
  gray = nn_png_load_gray (dir, &w, &h, &error);
  g_assert_null (gray);
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_NOT_REGULAR);
  g_clear_error (&error);

  gray = nn_png_load_gray ("/nonexistent/x.png", &w, &h, &error);
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_OPEN);
  g_clear_error (&error);

  g_assert_false (nn_png_save_gray ("/nonexistent/dir/x.png", &pixel, 1, 1, 1, &error));
  g_assert_error (error, NN_PNG_ERROR, NN_PNG_ERROR_WRITE);
  g_remove (path);
  g_rmdir (dir);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/png/every-format", test_png_every_format);
  g_test_add_func ("/engine/png/round-trip-and-alpha", test_png_round_trip_and_alpha);
  g_test_add_func ("/engine/png/bad-files", test_png_bad_files);
  return g_test_run ();
}
