/* test-rng.c: the engine's random number generator is reproducible, uniform and unbiased */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "nn-rng.h"

static void
test_rng_reproducible (void)
{
  NnRng a, b;

  nn_rng_init (&a, 42);
  nn_rng_init (&b, 42);
  for (int i = 0; i < 1000; i++)
    g_assert_cmpuint (nn_rng_next_u64 (&a), ==, nn_rng_next_u64 (&b));

  nn_rng_init (&b, 43);
  g_assert_cmpuint (nn_rng_next_u64 (&a), !=, nn_rng_next_u64 (&b));
}

static void
test_rng_uniform_moments (void)
{
  NnRng rng;
  double sum = 0, sum2 = 0;
  const int n = 200000;

  nn_rng_init (&rng, 7);
  for (int i = 0; i < n; i++)
    {
      float u = nn_rng_uniform (&rng);

      g_assert_cmpfloat (u, >=, 0.0f);
      g_assert_cmpfloat (u, <, 1.0f);
      sum += u;
      sum2 += (double) u * u;
    }
  /* mean 1/2 and variance 1/12, within a few standard errors */
  g_assert_cmpfloat_with_epsilon (sum / n, 0.5, 0.005);
  g_assert_cmpfloat_with_epsilon (sum2 / n - (sum / n) * (sum / n), 1.0 / 12.0, 0.002);
}

static void
test_rng_normal_moments (void)
{
  NnRng rng;
  double sum = 0, sum2 = 0;
  const int n = 200000;

  nn_rng_init (&rng, 9);
  for (int i = 0; i < n; i++)
    {
      float z = nn_rng_normal (&rng);

      g_assert_true (isfinite (z));
      sum += z;
      sum2 += (double) z * z;
    }
  g_assert_cmpfloat_with_epsilon (sum / n, 0.0, 0.01);
  g_assert_cmpfloat_with_epsilon (sum2 / n, 1.0, 0.02);
}

static void
test_rng_below_and_shuffle (void)
{
  NnRng rng;
  guint counts[7] = { 0 };
  guint32 items[100];
  gboolean seen[100] = { FALSE };

  nn_rng_init (&rng, 1);
  for (int i = 0; i < 70000; i++)
    counts[nn_rng_below (&rng, 7)]++;
  for (int k = 0; k < 7; k++)
    {
      g_assert_cmpuint (counts[k], >, 9500);
      g_assert_cmpuint (counts[k], <, 10500);
    }

  for (guint32 i = 0; i < 100; i++)
    items[i] = i;
  nn_rng_shuffle (&rng, items, 100);
  for (guint32 i = 0; i < 100; i++)
    {
      g_assert_cmpuint (items[i], <, 100);
      g_assert_false (seen[items[i]]);
      seen[items[i]] = TRUE;
    }
}

/* The all-zero state repeats itself forever: drawing from it must still end, and a saved state
 * that is all zero is refused. */
static void
test_rng_zero_state (void)
{
  const guint64 zero[4] = { 0, 0, 0, 0 };
  const guint64 one[4] = { 0, 0, 0, 1 };
  NnRng rng;
  guint32 items[100];

  nn_rng_init (&rng, 5);
  g_assert_false (nn_rng_set_state (&rng, zero));
  g_assert_false (nn_rng_state_is_valid (zero));
  g_assert_true (nn_rng_state_is_valid (rng.s));
  g_assert_true (nn_rng_set_state (&rng, one));
  g_assert_cmpmem (rng.s, sizeof rng.s, one, sizeof one);

  /* a state set by hand, as a damaged checkpoint would: every draw ends */
  memset (&rng, 0, sizeof rng);
  g_assert_cmpuint (nn_rng_below (&rng, 3), <, 3);
  g_assert_cmpuint (nn_rng_below (&rng, 0x80000001u), <, 0x80000001u);
  for (guint32 i = 0; i < G_N_ELEMENTS (items); i++)
    items[i] = i;
  nn_rng_shuffle (&rng, items, G_N_ELEMENTS (items));

  /* seeding never makes it, whatever the seed */
  for (guint64 seed = 0; seed < 1000; seed++)
    {
      nn_rng_init (&rng, seed * G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));
      g_assert_true (nn_rng_state_is_valid (rng.s));
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/rng/reproducible", test_rng_reproducible);
  g_test_add_func ("/engine/rng/uniform-moments", test_rng_uniform_moments);
  g_test_add_func ("/engine/rng/normal-moments", test_rng_normal_moments);
  g_test_add_func ("/engine/rng/below-and-shuffle", test_rng_below_and_shuffle);
  g_test_add_func ("/engine/rng/zero-state", test_rng_zero_state);
  return g_test_run ();
}
