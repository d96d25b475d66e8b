/* nn-dense.h: fully connected layer, weight (OUT, IN) like PyTorch's nn.Linear */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

void nn_dense_forward  (float       *out,      /* (B, OUT) */
                        const float *in,       /* (B, IN) */
                        const float *weight,   /* (OUT, IN) */
                        const float *bias,     /* (OUT) */
                        size_t       B,
                        size_t       IN,
                        size_t       OUT);
/* Accumulates into dweight and dbias; overwrites din, or skips it when din is NULL. */
void nn_dense_backward (float       *din,      /* (B, IN) or NULL */
                        float       *dweight,  /* (OUT, IN) */
                        float       *dbias,    /* (OUT) */
                        const float *dout,     /* (B, OUT) */
                        const float *in,       /* (B, IN) */
                        const float *weight,   /* (OUT, IN) */
                        size_t       B,
                        size_t       IN,
                        size_t       OUT);

G_END_DECLS
