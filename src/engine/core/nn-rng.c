/* nn-rng.c: xoshiro256** seeded through splitmix64, with uniform, normal and shuffle helpers */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-rng.h"

#include <math.h>
#include <string.h>

/* A draw is rejected with probability at most 1/2, so a working generator needs more than this
 * many in a row at most once in 2^64 calls; a broken state (all zero) reaches the bound. */
#define MAX_REJECTIONS 64

static guint64
splitmix64 (guint64 *x)
{
  guint64 z = (*x += G_GUINT64_CONSTANT (0x9E3779B97F4A7C15));

  z = (z ^ (z >> 30)) * G_GUINT64_CONSTANT (0xBF58476D1CE4E5B9);
  z = (z ^ (z >> 27)) * G_GUINT64_CONSTANT (0x94D049BB133111EB);
  return z ^ (z >> 31);
}

static inline guint64
rotl (guint64 x,
      int     k)
{
  return (x << k) | (x >> (64 - k));
}

/* splitmix64's output function is a bijection and its four inputs differ, so at most one of
 * the four words is zero: no seed gives the all-zero state. */
void
nn_rng_init (NnRng   *rng,
             guint64  seed)
{
  guint64 x = seed;

  g_return_if_fail (rng != NULL);

  for (int i = 0; i < 4; i++)
    rng->s[i] = splitmix64 (&x);
}

gboolean
nn_rng_state_is_valid (const guint64 state[4])
{
  g_return_val_if_fail (state != NULL, FALSE);

  return (state[0] | state[1] | state[2] | state[3]) != 0;
}

gboolean
nn_rng_set_state (NnRng         *rng,
                  const guint64  state[4])
{
  g_return_val_if_fail (rng != NULL, FALSE);

  if (!nn_rng_state_is_valid (state))
    return FALSE;
  memcpy (rng->s, state, sizeof rng->s);
  return TRUE;
}

guint64
nn_rng_next_u64 (NnRng *rng)
{
  guint64 *s = rng->s;
  guint64 result = rotl (s[1] * 5, 7) * 9;
  guint64 t = s[1] << 17;

  s[2] ^= s[0];
  s[3] ^= s[1];
  s[1] ^= s[2];
  s[0] ^= s[3];
  s[2] ^= t;
  s[3] = rotl (s[3], 45);
  return result;
}

/* Lemire's nearly-divisionless method: unbiased integers in [0, n). The rejection loop is
 * bounded, so even a state that repeats itself (all zero) cannot hang the caller. */
guint32
nn_rng_below (NnRng   *rng,
              guint32  n)
{
  guint64 m;
  guint32 l;

  g_return_val_if_fail (n > 0, 0);

  m = (guint64) (guint32) (nn_rng_next_u64 (rng) >> 32) * n;
  l = (guint32) m;
  if (l < n)
    {
      guint32 threshold = -n % n;

      for (int tries = 0; l < threshold && tries < MAX_REJECTIONS; tries++)
        {
          m = (guint64) (guint32) (nn_rng_next_u64 (rng) >> 32) * n;
          l = (guint32) m;
        }
    }
  return (guint32) (m >> 32);
}

/* Uniform in [0, 1) with 24 random bits, exact in float. */
float
nn_rng_uniform (NnRng *rng)
{
  return (float) (nn_rng_next_u64 (rng) >> 40) * (1.0f / 16777216.0f);
}

/* Standard normal by Box-Muller; one value per call keeps the state easy to reason about. */
float
nn_rng_normal (NnRng *rng)
{
  double u1 = ((double) (nn_rng_next_u64 (rng) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
  double u2 = (double) (nn_rng_next_u64 (rng) >> 11) * (1.0 / 9007199254740992.0);

  return (float) (sqrt (-2.0 * log (u1)) * cos (2.0 * G_PI * u2));
}

void
nn_rng_shuffle (NnRng   *rng,
                guint32 *items,
                size_t   n_items)
{
  g_return_if_fail (items != NULL || n_items == 0);
  g_return_if_fail (n_items <= G_MAXUINT32);

  for (size_t i = n_items; i > 1; i--)
    {
      guint32 j = nn_rng_below (rng, (guint32) i);
      guint32 tmp = items[i - 1];

      items[i - 1] = items[j];
      items[j] = tmp;
    }
}
