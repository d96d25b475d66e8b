/* nn-conv2d.h: 2-D convolution, stride 1 with zero padding, via im2col and GEMM */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* OH = H + 2·pad − K + 1 and OW likewise. Floats of one image's im2col buffer: C·K·K·OH·OW. */
size_t nn_conv2d_col_size       (size_t C,
                                 size_t H,
                                 size_t W,
                                 size_t K,
                                 size_t pad);

void   nn_conv2d_forward        (float       *out,      /* (B, OC, OH, OW) */
                                 const float *in,       /* (B, C, H, W) */
                                 const float *weight,   /* (OC, C, K, K) */
                                 const float *bias,     /* (OC) */
                                 float       *col,      /* (C·K·K, OH·OW) workspace */
                                 size_t       B,
                                 size_t       C,
                                 size_t       H,
                                 size_t       W,
                                 size_t       OC,
                                 size_t       K,
                                 size_t       pad);

/* Accumulates into dweight and dbias; overwrites din, or skips it when din is NULL. */
void   nn_conv2d_backward       (float       *din,      /* (B, C, H, W) or NULL */
                                 float       *dweight,  /* (OC, C, K, K) */
                                 float       *dbias,    /* (OC) */
                                 const float *dout,     /* (B, OC, OH, OW) */
                                 const float *in,       /* (B, C, H, W) */
                                 const float *weight,   /* (OC, C, K, K) */
                                 float       *col,      /* (C·K·K, OH·OW) workspace */
                                 float       *dcol,     /* (C·K·K, OH·OW) workspace */
                                 size_t       B,
                                 size_t       C,
                                 size_t       H,
                                 size_t       W,
                                 size_t       OC,
                                 size_t       K,
                                 size_t       pad);

/* Direct loops: the twins the optimised versions are tested against. */
void   nn_conv2d_forward_ref    (float       *out,
                                 const float *in,
                                 const float *weight,
                                 const float *bias,
                                 size_t       B,
                                 size_t       C,
                                 size_t       H,
                                 size_t       W,
                                 size_t       OC,
                                 size_t       K,
                                 size_t       pad);
void   nn_conv2d_backward_ref   (float       *din,
                                 float       *dweight,
                                 float       *dbias,
                                 const float *dout,
                                 const float *in,
                                 const float *weight,
                                 size_t       B,
                                 size_t       C,
                                 size_t       H,
                                 size_t       W,
                                 size_t       OC,
                                 size_t       K,
                                 size_t       pad);

G_END_DECLS
