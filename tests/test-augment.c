/* test-augment.c: rotation is exact at right angles, keeps the centre and the mass, and the
 * random version stays in range and is reproducible; affine maps move synthetic dots and
 * corners where the geometry says; elastic distortion is bounded and vanishes with alpha */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "nn-augment.h"

#define S 9

static void
test_augment_identity_and_right_angle (void)
{
  float in[S * S], out[S * S], back[S * S];

  for (int i = 0; i < S * S; i++)
    in[i] = (float) ((i * 13) % 17) / 16.0f;

  nn_augment_rotate (out, in, S, S, 0);
  for (int i = 0; i < S * S; i++)
    g_assert_cmpfloat_with_epsilon (out[i], in[i], 1e-6);

  /* counter-clockwise on screen: the top row moves to the left column, read bottom-up */
  nn_augment_rotate (out, in, S, S, 90);
  for (int y = 0; y < S; y++)
    for (int x = 0; x < S; x++)
      g_assert_cmpfloat_with_epsilon (out[(S - 1 - x) * S + y], in[y * S + x], 1e-5);

  nn_augment_rotate (out, in, S, S, 360);
  for (int i = 0; i < S * S; i++)
    g_assert_cmpfloat_with_epsilon (out[i], in[i], 1e-4);

  /* the centre pixel stays put at any angle */
  nn_augment_rotate (back, in, S, S, 37);
  g_assert_cmpfloat_with_epsilon (back[(S / 2) * S + S / 2], in[(S / 2) * S + S / 2], 1e-5);
}

static void
test_augment_mass (void)
{
  float in[28 * 28] = { 0 }, out[28 * 28];
  double before = 0, after = 0;

  /* a centred blob stays inside the image when turned */
  for (int y = 9; y < 19; y++)
    for (int x = 11; x < 17; x++)
      in[y * 28 + x] = 1.0f;
  for (int i = 0; i < 28 * 28; i++)
    before += in[i];
  nn_augment_rotate (out, in, 28, 28, 10);
  for (int i = 0; i < 28 * 28; i++)
    after += out[i];
  g_assert_cmpfloat_with_epsilon (after, before, 0.02 * before);
}

static void
test_augment_random (void)
{
  float in[28 * 28], out[28 * 28], out2[28 * 28];
  NnRng a, b;
  gboolean negative = FALSE, positive = FALSE;

  for (int i = 0; i < 28 * 28; i++)
    in[i] = (float) (i % 29) / 28.0f;
  nn_rng_init (&a, 4);
  nn_rng_init (&b, 4);
  for (int k = 0; k < 200; k++)
    {
      float d1 = nn_augment_random_rotation (out, in, 28, 28, 10, &a);
      float d2 = nn_augment_random_rotation (out2, in, 28, 28, 10, &b);

      g_assert_cmpfloat (d1, ==, d2);
      g_assert_cmpfloat (fabsf (d1), <=, 10);
      negative |= d1 < -5;
      positive |= d1 > 5;
      if (k == 0)
        g_assert_cmpmem (out, sizeof out, out2, sizeof out2);
    }
  g_assert_true (negative && positive);

  /* zero range copies and leaves the stream alone */
  nn_rng_init (&a, 4);
  g_assert_cmpfloat (nn_augment_random_rotation (out, in, 28, 28, 0, &a), ==, 0);
  g_assert_cmpmem (out, sizeof out, in, sizeof in);
  nn_rng_init (&b, 4);
  g_assert_cmpuint (nn_rng_next_u64 (&a), ==, nn_rng_next_u64 (&b));
}

/* the position of the one bright pixel, which must be exactly 1 */
static void
assert_dot_at (const float *img,
               int          size,
               int          x,
               int          y)
{
  for (int i = 0; i < size * size; i++)
    {
      if (i == y * size + x)
        g_assert_cmpfloat (img[i], ==, 1.0f);
      else
        g_assert_cmpfloat (img[i], ==, 0.0f);
    }
}

static void
test_augment_translate (void)
{
  float in[28 * 28] = { 0 }, out[28 * 28];

  in[12 * 28 + 10] = 1.0f;
  /* 3 right and 2 up */
  nn_augment_affine (out, in, 28, 28, 0, 3, -2, 1, 0);
  assert_dot_at (out, 28, 13, 10);
  /* off the edge it is gone */
  nn_augment_affine (out, in, 28, 28, 0, 20, 0, 1, 0);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_cmpfloat (out[i], ==, 0);
}

static void
test_augment_scale_corners (void)
{
  float in[S * S] = { 0 }, out[S * S];

  /* the corners of a 9 × 9 image, scaled by ½ about the centre (4, 4), land at (2, 2) … (6, 6) */
  in[0] = 0.25f;
  in[S - 1] = 0.5f;
  in[(S - 1) * S] = 0.75f;
  in[S * S - 1] = 1.0f;
  nn_augment_affine (out, in, S, S, 0, 0, 0, 0.5f, 0);
  g_assert_cmpfloat (out[2 * S + 2], ==, 0.25f);
  g_assert_cmpfloat (out[2 * S + 6], ==, 0.5f);
  g_assert_cmpfloat (out[6 * S + 2], ==, 0.75f);
  g_assert_cmpfloat (out[6 * S + 6], ==, 1.0f);
  /* and by 2, a dot one pixel from the centre moves to two pixels from it */
  memset (in, 0, sizeof in);
  in[3 * S + 5] = 1.0f;
  nn_augment_affine (out, in, S, S, 0, 0, 0, 2.0f, 0);
  g_assert_cmpfloat (out[2 * S + 6], ==, 1.0f);
  g_assert_cmpfloat (out[4 * S + 4], ==, 0.0f);
}

static void
test_augment_shear (void)
{
  float in[S * S] = { 0 }, out[S * S];

  /* 45°: a row two above the centre moves two to the right; the centre row stays */
  in[2 * S + 4] = 1.0f;
  nn_augment_affine (out, in, S, S, 0, 0, 0, 1, 45);
  assert_dot_at (out, S, 6, 2);
  memset (in, 0, sizeof in);
  in[4 * S + 1] = 1.0f;
  nn_augment_affine (out, in, S, S, 0, 0, 0, 1, 45);
  assert_dot_at (out, S, 1, 4);
  /* a row below the centre moves left */
  memset (in, 0, sizeof in);
  in[7 * S + 4] = 1.0f;
  nn_augment_affine (out, in, S, S, 0, 0, 0, 1, 45);
  assert_dot_at (out, S, 1, 7);
}

/* the affine path agrees with the rotation alone, and composes in the documented order */
static void
test_augment_affine_rotation (void)
{
  float in[28 * 28], a[28 * 28], b[28 * 28];

  for (int i = 0; i < 28 * 28; i++)
    in[i] = (float) ((i * 7) % 23) / 22.0f;
  nn_augment_rotate (a, in, 28, 28, 17);
  nn_augment_affine (b, in, 28, 28, 17, 0, 0, 1, 0);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_cmpfloat_with_epsilon (a[i], b[i], 1e-5);

  /* 90° then a shift of 2 right: on a 9 × 9, (5, 4) turns to (4, 3), then moves to (6, 3) */
  {
    float d[S * S] = { 0 }, o[S * S];

    d[4 * S + 5] = 1.0f;
    nn_augment_affine (o, d, S, S, 90, 2, 0, 1, 0);
    g_assert_cmpfloat_with_epsilon (o[3 * S + 6], 1.0f, 1e-6);
  }
}

static void
test_augment_elastic (void)
{
  float in[28 * 28], out[28 * 28], scratch[3 * 28 * 28];
  float ddx[28 * 28], ddy[28 * 28], tmp[28 * 28];
  NnRng rng;
  double max_d = 0, sum_d = 0;

  g_assert_cmpuint (nn_augment_scratch_size (28, 28), ==, G_N_ELEMENTS (scratch));
  for (int i = 0; i < 28 * 28; i++)
    in[i] = (float) ((i * 13) % 17) / 16.0f;

  /* alpha 0: no displacement at all, the image itself */
  nn_rng_init (&rng, 3);
  nn_augment_elastic (out, in, 28, 28, 0, 4, &rng, scratch);
  g_assert_cmpmem (out, sizeof out, in, sizeof in);

  /* Simard's α = 34, σ = 4: bounded by α, smooth, not zero */
  for (int k = 0; k < 20; k++)
    {
      nn_augment_elastic_field (ddx, ddy, tmp, 28, 28, 34, 4, &rng);
      for (int i = 0; i < 28 * 28; i++)
        {
          double d = hypot (ddx[i], ddy[i]);

          g_assert_cmpfloat (fabsf (ddx[i]), <=, 34);
          g_assert_cmpfloat (fabsf (ddy[i]), <=, 34);
          max_d = MAX (max_d, d);
          sum_d += d;
          /* smooth: neighbours differ by far less than the range */
          if (i % 28 != 27)
            g_assert_cmpfloat (fabsf (ddx[i + 1] - ddx[i]), <, 3);
        }
    }
  g_assert_cmpfloat (max_d, >, 0.5);
  /* the smoothing averages the noise down to a few pixels on average */
  g_assert_cmpfloat (sum_d / (20 * 28 * 28), <, 8);

  /* even the roughest (σ = 0.5) and strongest field stays within alpha */
  nn_augment_elastic_field (ddx, ddy, tmp, 28, 28, 100, 0.5f, &rng);
  for (int i = 0; i < 28 * 28; i++)
    g_assert_cmpfloat (fabsf (ddx[i]), <=, 100);
}

static void
test_augment_random_config (void)
{
  float in[28 * 28], a[28 * 28], b[28 * 28], scratch[3 * 28 * 28];
  NnAugmentConfig c = { .rotation_degrees = 10, .elastic_sigma = 4 };
  NnAugmentDraw d;
  NnRng r1, r2;

  for (int i = 0; i < 28 * 28; i++)
    in[i] = (float) (i % 29) / 28.0f;
  g_assert_null (nn_augment_config_check (&c));
  g_assert_true (nn_augment_config_is_rotation_only (&c));

  /* rotation alone is the rotation, the same draws and pixels */
  nn_rng_init (&r1, 11);
  nn_rng_init (&r2, 11);
  nn_augment_random (a, in, 28, 28, &c, &r1, scratch, &d);
  g_assert_cmpfloat (d.degrees, ==, nn_augment_random_rotation (b, in, 28, 28, 10, &r2));
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  g_assert_cmpuint (nn_rng_next_u64 (&r1), ==, nn_rng_next_u64 (&r2));

  /* everything: reproducible and within the ranges */
  c = (NnAugmentConfig) { 10, 0.1f, 0.2f, 15, 34, 4 };
  g_assert_null (nn_augment_config_check (&c));
  g_assert_false (nn_augment_config_is_rotation_only (&c));
  for (int k = 0; k < 50; k++)
    {
      NnAugmentDraw e;

      nn_rng_init (&r1, 100 + k);
      nn_rng_init (&r2, 100 + k);
      nn_augment_random (a, in, 28, 28, &c, &r1, scratch, &d);
      nn_augment_random (b, in, 28, 28, &c, &r2, scratch, &e);
      g_assert_cmpmem (a, sizeof a, b, sizeof b);
      g_assert_cmpfloat (fabsf (d.degrees), <=, 10);
      g_assert_cmpfloat (fabsf (d.dx), <=, 2.8f + 1e-5f);
      g_assert_cmpfloat (fabsf (d.dy), <=, 2.8f + 1e-5f);
      g_assert_cmpfloat (d.scale, >=, 0.8f);
      g_assert_cmpfloat (d.scale, <=, 1.2f);
      g_assert_cmpfloat (fabsf (d.shear_degrees), <=, 15);
      g_assert_true (d.elastic);
      for (int i = 0; i < 28 * 28; i++)
        g_assert_true (isfinite (a[i]) && a[i] >= -1e-6f && a[i] <= 1 + 1e-6f);
    }

  /* the bounds */
  c.translate = 0.6f;
  g_assert_nonnull (nn_augment_config_check (&c));
  c.translate = 0;
  c.elastic_sigma = 0.1f;
  g_assert_nonnull (nn_augment_config_check (&c));
  c.elastic_sigma = NAN;
  g_assert_nonnull (nn_augment_config_check (&c));
  c.elastic_sigma = 4;
  c.shear_degrees = 46;
  g_assert_nonnull (nn_augment_config_check (&c));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/augment/identity-and-right-angle", test_augment_identity_and_right_angle);
  g_test_add_func ("/engine/augment/mass", test_augment_mass);
  g_test_add_func ("/engine/augment/random", test_augment_random);
  g_test_add_func ("/engine/augment/translate", test_augment_translate);
  g_test_add_func ("/engine/augment/scale-corners", test_augment_scale_corners);
  g_test_add_func ("/engine/augment/shear", test_augment_shear);
  g_test_add_func ("/engine/augment/affine-rotation", test_augment_affine_rotation);
  g_test_add_func ("/engine/augment/elastic", test_augment_elastic);
  g_test_add_func ("/engine/augment/random-config", test_augment_random_config);
  return g_test_run ();
}
