/* test-augment.c: rotation is exact at right angles, keeps the centre and the mass, and the
 * random version stays in range and is reproducible */
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

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/augment/identity-and-right-angle", test_augment_identity_and_right_angle);
  g_test_add_func ("/engine/augment/mass", test_augment_mass);
  g_test_add_func ("/engine/augment/random", test_augment_random);
  return g_test_run ();
}
