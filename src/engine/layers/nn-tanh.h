/* nn-tanh.h: hyperbolic tangent activation */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* out may alias in */
void nn_tanh_forward  (float       *out,
                       const float *in,
                       size_t       n);
/* din = dout · (1 − out²); din may alias dout; out is the forward output */
void nn_tanh_backward (float       *din,
                       const float *dout,
                       const float *out,
                       size_t       n);

G_END_DECLS
