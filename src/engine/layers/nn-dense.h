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

#if defined(__x86_64__) && defined(__GNUC__)
/* The few-sample path's dot product with AVX-512 (nn-dense-avx512.c), for nn-dense.c. */
float nn_dense_dot_avx512 (const float *a,
                           const float *b,
                           size_t       n);
#endif

G_END_DECLS
