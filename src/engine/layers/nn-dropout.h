/* nn-dropout.h: inverted dropout — scaled at training time, identity at inference */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-rng.h"

G_BEGIN_DECLS

/* mask (n) holds 0 or 1/(1 − p); with p == 0 or !training out = in and rng is not used. */
void nn_dropout_forward  (float       *out,
                          float       *mask,
                          const float *in,
                          size_t       n,
                          float        p,
                          gboolean     training,
                          NnRng       *rng);
/* din may alias dout */
void nn_dropout_backward (float       *din,
                          const float *dout,
                          const float *mask,
                          size_t       n);

G_END_DECLS
