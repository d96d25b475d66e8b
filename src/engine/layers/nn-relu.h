/* nn-relu.h: rectified linear unit */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* out may alias in */
void nn_relu_forward  (float       *out,
                       const float *in,
                       size_t       n);
/* din may alias dout; out is the forward output */
void nn_relu_backward (float       *din,
                       const float *dout,
                       const float *out,
                       size_t       n);

G_END_DECLS
