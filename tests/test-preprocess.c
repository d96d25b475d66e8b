/* test-preprocess.c: digits of any size and polarity end centred by mass in a 20×20 box */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "nn-preprocess.h"

/* A W×H canvas of background bg with an ink rectangle (x, y, w, h) of value ink. */
static guint8 *
canvas (size_t W, size_t H, guint8 bg, guint8 ink, size_t x, size_t y, size_t w, size_t h)
{
  guint8 *img = g_new (guint8, W * H);

  memset (img, bg, W * H);
  for (size_t r = y; r < y + h; r++)
    memset (img + r * W + x, ink, w);
  return img;
}

static void
ink_box (const float *out,
         size_t      *w,
         size_t      *h)
{
  size_t x0 = 28, y0 = 28, x1 = 0, y1 = 0;

  for (size_t y = 0; y < 28; y++)
    for (size_t x = 0; x < 28; x++)
      if (out[y * 28 + x] > 0.5f)
        {
          x0 = MIN (x0, x);
          y0 = MIN (y0, y);
          x1 = MAX (x1, x + 1);
          y1 = MAX (y1, y + 1);
        }
  *w = x1 > x0 ? x1 - x0 : 0;
  *h = y1 > y0 ? y1 - y0 : 0;
}

static void
test_preprocess_centre_and_aspect (void)
{
  /* an off-centre 30×60 bar (1:2) in a 200×150 picture */
  g_autofree guint8 *img = canvas (200, 150, 0, 255, 20, 70, 30, 60);
  float out[28 * 28];
  NnPreprocessInfo info;
  size_t w, h;

  g_assert_true (nn_preprocess_digit (out, img, 200, 150, 200, &info));
  g_assert_false (info.inverted);
  g_assert_cmpuint (info.bbox_x, ==, 20);
  g_assert_cmpuint (info.bbox_height, ==, 60);
  g_assert_cmpfloat_with_epsilon (info.com_x, 14.0, 0.5);
  g_assert_cmpfloat_with_epsilon (info.com_y, 14.0, 0.5);
  ink_box (out, &w, &h);
  g_assert_cmpuint (h, >=, 19);
  g_assert_cmpuint (h, <=, 21);
  g_assert_cmpuint (w, >=, 9);
  g_assert_cmpuint (w, <=, 11);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_true (out[i] >= 0.0f && out[i] <= 1.0f);
}

static void
test_preprocess_polarity (void)
{
  g_autofree guint8 *light = canvas (64, 48, 0, 230, 10, 5, 12, 30);
  g_autofree guint8 *dark = canvas (64, 48, 240, 10, 10, 5, 12, 30);
  float a[28 * 28], b[28 * 28];
  NnPreprocessInfo info;

  g_assert_true (nn_preprocess_digit (a, light, 64, 48, 64, NULL));
  g_assert_true (nn_preprocess_digit (b, dark, 64, 48, 64, &info));
  g_assert_true (info.inverted);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_cmpfloat_with_epsilon (a[i], b[i], 1e-5);
}

static void
test_preprocess_empty_and_tiny (void)
{
  g_autofree guint8 *blank = canvas (40, 40, 255, 255, 0, 0, 0, 0);
  g_autofree guint8 *noise = canvas (40, 40, 200, 205, 3, 3, 5, 5);
  g_autofree guint8 *dot = canvas (40, 40, 0, 255, 17, 9, 1, 1);
  g_autofree guint8 *line = canvas (40, 40, 0, 255, 0, 20, 40, 2);
  float out[28 * 28];
  double mass = 0;

  g_assert_false (nn_preprocess_digit (out, blank, 40, 40, 40, NULL));
  g_assert_false (nn_preprocess_digit (out, noise, 40, 40, 40, NULL));
  g_assert_true (nn_preprocess_digit (out, dot, 40, 40, 40, NULL));
  for (int i = 0; i < 28 * 28; i++)
    mass += out[i];
  g_assert_cmpfloat (mass, >, 0);
  g_assert_true (nn_preprocess_digit (out, line, 40, 40, 40, NULL));
  /* a 1×1 image and a stride wider than the width */
  {
    guint8 one = 255;
    guint8 strided[3 * 8] = { 0 };

    g_assert_false (nn_preprocess_digit (out, &one, 1, 1, 1, NULL));
    strided[8 + 1] = 255;
    strided[5] = 255;     /* outside the 3-pixel width: ignored */
    g_assert_true (nn_preprocess_digit (out, strided, 3, 3, 8, NULL));
  }
}

static void
test_preprocess_float_canvas (void)
{
  float ink[50 * 50] = { 0 }, out[28 * 28];
  NnPreprocessInfo info;

  for (int y = 10; y < 40; y++)
    ink[y * 50 + 35] = ink[y * 50 + 36] = 1.0f;
  g_assert_true (nn_preprocess_digit_float (out, ink, 50, 50, &info));
  g_assert_cmpfloat_with_epsilon (info.com_x, 14.0, 0.5);
  g_assert_cmpfloat_with_epsilon (info.com_y, 14.0, 0.5);
  memset (ink, 0, sizeof ink);
  g_assert_false (nn_preprocess_digit_float (out, ink, 50, 50, NULL));
}

/* No ink is FALSE with a zeroed output, whatever the single value and the size. */
static void
test_preprocess_no_ink (void)
{
  static const guint8 values[] = { 0, 1, 127, 128, 200, 254, 255 };
  float out[28 * 28];
  NnPreprocessInfo info;

  for (size_t i = 0; i < G_N_ELEMENTS (values); i++)
    for (size_t side = 1; side <= 64; side *= 4)
      {
        g_autofree guint8 *flat = canvas (side, side + 3, values[i], values[i], 0, 0, 0, 0);

        for (int k = 0; k < 28 * 28; k++)
          out[k] = 0.5f;
        g_assert_false (nn_preprocess_digit (out, flat, side, side + 3, side, &info));
        g_assert_cmpuint (info.bbox_width, ==, 0);
        for (int k = 0; k < 28 * 28; k++)
          g_assert_cmpfloat (out[k], ==, 0.0f);
      }
  /* zero pixels: nothing is read, the output is still cleared */
  for (int k = 0; k < 28 * 28; k++)
    out[k] = 0.5f;
  g_assert_false (nn_preprocess_digit (out, NULL, 0, 0, 0, &info));
  g_assert_false (nn_preprocess_digit_float (out, NULL, 0, 7, NULL));
  for (int k = 0; k < 28 * 28; k++)
    g_assert_cmpfloat (out[k], ==, 0.0f);
}

/* A canvas with NaN, infinities and values outside [0, 1]: the output stays finite in [0, 1]. */
static void
test_preprocess_not_finite (void)
{
  float ink[30 * 30], out[28 * 28];
  NnPreprocessInfo info;

  for (int i = 0; i < 30 * 30; i++)
    ink[i] = NAN;
  g_assert_false (nn_preprocess_digit_float (out, ink, 30, 30, NULL));
  for (int y = 5; y < 25; y++)
    {
      ink[y * 30 + 10] = INFINITY;
      ink[y * 30 + 11] = 7.0f;
      ink[y * 30 + 12] = -INFINITY;
      ink[y * 30 + 13] = -3.0f;
    }
  g_assert_true (nn_preprocess_digit_float (out, ink, 30, 30, &info));
  g_assert_true (isfinite (info.com_x) && isfinite (info.com_y));
  for (int k = 0; k < 28 * 28; k++)
    g_assert_true (isfinite (out[k]) && out[k] >= 0.0f && out[k] <= 1.0f);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/preprocess/centre-and-aspect", test_preprocess_centre_and_aspect);
  g_test_add_func ("/engine/preprocess/polarity", test_preprocess_polarity);
  g_test_add_func ("/engine/preprocess/empty-and-tiny", test_preprocess_empty_and_tiny);
  g_test_add_func ("/engine/preprocess/float-canvas", test_preprocess_float_canvas);
  g_test_add_func ("/engine/preprocess/no-ink", test_preprocess_no_ink);
  g_test_add_func ("/engine/preprocess/not-finite", test_preprocess_not_finite);
  return g_test_run ();
}
