/* nn-conv2d-private.h: what the convolution's files share — im2col and the vector variants */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-cpu.h"

G_BEGIN_DECLS

/* The plain loops of the pooling and Winograd steps and the strided im2col, built a second time
 * for AVX2 (see nn-cpu.h). */
#define VECTOR_CLONES NN_VECTOR_CLONES

/* col (C·K·K, OH·OW) from one image (C, H, W): row (c, kh, kw), column (oh, ow); rows are
 * ld floats apart, so several images can sit side by side. */
void nn_conv2d_im2col_ld (float       *col,
                          size_t       ld,
                          const float *in,
                          size_t       C,
                          size_t       H,
                          size_t       W,
                          size_t       K,
                          size_t       pad);
/* Adds col (C·K·K, OH·OW), rows ld apart, back into din (C, H, W): the transpose of im2col. */
void nn_conv2d_col2im_ld (float       *din,
                          const float *col,
                          size_t       ld,
                          size_t       C,
                          size_t       H,
                          size_t       W,
                          size_t       K,
                          size_t       pad);

#if defined(__x86_64__) && defined(__GNUC__)
/* nn-conv2d-fused-avx512.c: the fused step's pooling planes, sixteen windows at a time */
void nn_relu_pool_plane_avx512 (float       *o,
                                guint32     *a,
                                const float *plane,
                                size_t       OH,
                                size_t       OW);
void nn_relu_pool_back_plane_avx512 (float         *plane,
                                     const float   *d,
                                     const float   *o,
                                     const guint32 *a,
                                     size_t         OH,
                                     size_t         OW);

/* nn-winograd-avx2.c */
void nn_winograd_input_plane_avx2 (float       *V,
                                   size_t       ld,
                                   const float *plane,
                                   float       *padded,
                                   size_t       H,
                                   size_t       W);

/* nn-winograd-avx512.c */
void nn_winograd_input_plane_avx512 (float       *V,
                                     size_t       ld,
                                     const float *plane,
                                     size_t       H,
                                     size_t       W);
void nn_winograd_output_pool_avx512 (float       *out,
                                     const float *M,
                                     size_t       ld,
                                     size_t       n,
                                     float        bias);
void nn_winograd_output_relu_pool_argmax_avx512 (float       *out,
                                                 guint32     *argmax,
                                                 const float *M,
                                                 size_t       ld,
                                                 size_t       n,
                                                 size_t       TW,
                                                 size_t       W,
                                                 float        bias);
void nn_winograd_output_plane_avx512 (float       *plane,
                                      const float *M,
                                      size_t       ld,
                                      size_t       H,
                                      size_t       W);
#endif

G_END_DECLS
