/* nn-rng.h: a small, seedable, serialisable random number generator (xoshiro256**) */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The whole state is plain data so checkpoints can store and restore it exactly. The all-zero
 * state is the generator's one fixed point (it would give zeros forever): nn_rng_init never
 * makes it, and nn_rng_set_state refuses it. */
typedef struct
{
  guint64 s[4];
} NnRng;

void     nn_rng_init      (NnRng   *rng,
                           guint64  seed);
/* Restores a saved state; FALSE (and rng unchanged) for the all-zero state. */
gboolean nn_rng_set_state (NnRng         *rng,
                           const guint64  state[4]);
gboolean nn_rng_state_is_valid (const guint64 state[4]);
guint64  nn_rng_next_u64  (NnRng   *rng);
guint32  nn_rng_below     (NnRng   *rng,
                           guint32  n);
float    nn_rng_uniform   (NnRng   *rng);
float    nn_rng_normal    (NnRng   *rng);
void     nn_rng_shuffle   (NnRng   *rng,
                           guint32 *items,
                           size_t   n_items);

G_END_DECLS
