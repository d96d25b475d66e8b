/* nn-conv2d.c: convolution as im2col + GEMM (strides above 1 by groups of images), its reference twins, and its table row */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d.h"

#include <string.h>

#include "nn-conv2d-private.h"
#include "nn-gemm.h"
#include "nn-json.h"
#include "nn-layer.h"
#include "nn-spec.h"


size_t
nn_conv2d_col_size (size_t C,
                    size_t H,
                    size_t W,
                    size_t K,
                    size_t pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;

  return C * K * K * OH * OW;
}

/* The range of output columns ow whose input column ow − pad + kw lies inside [0, W). */
static inline void
valid_range (size_t  W,
             size_t  OW,
             size_t  pad,
             size_t  kw,
             size_t *lo,
             size_t *hi)
{
  /* ow ≥ pad − kw and ow < W + pad − kw, both within [0, OW]: a kernel wider than the input
   * plus one side's padding has columns that see only padding (and the bounds must not wrap) */
  *lo = MIN (OW, pad > kw ? pad - kw : 0);
  *hi = W + pad > kw ? MIN (OW, W + pad - kw) : 0;
  if (*hi < *lo)
    *hi = *lo;
}

/* col (C·K·K, OH·OW) from one image (C, H, W): row (c, kh, kw), column (oh, ow); rows are
 * ld floats apart, so several images can sit side by side. */
void
nn_conv2d_im2col_ld (float       *col,
                     size_t       ld,
                     const float *in,
                     size_t       C,
                     size_t       H,
                     size_t       W,
                     size_t       K,
                     size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;

  for (size_t c = 0; c < C; c++)
    for (size_t kh = 0; kh < K; kh++)
      for (size_t kw = 0; kw < K; kw++)
        {
          float *row = col + ((c * K + kh) * K + kw) * ld;
          size_t lo, hi;

          valid_range (W, OW, pad, kw, &lo, &hi);
          for (size_t oh = 0; oh < OH; oh++)
            {
              float *dst = row + oh * OW;
              ptrdiff_t ih = (ptrdiff_t) oh - (ptrdiff_t) pad + (ptrdiff_t) kh;

              if (ih < 0 || ih >= (ptrdiff_t) H)
                {
                  memset (dst, 0, sizeof (float) * OW);
                  continue;
                }
              for (size_t ow = 0; ow < lo; ow++)
                dst[ow] = 0.0f;
              memcpy (dst + lo, in + (c * H + (size_t) ih) * W + lo + kw - pad,
                      sizeof (float) * (hi - lo));
              for (size_t ow = hi; ow < OW; ow++)
                dst[ow] = 0.0f;
            }
        }
}

static void
im2col (float       *col,
        const float *in,
        size_t       C,
        size_t       H,
        size_t       W,
        size_t       K,
        size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;

  nn_conv2d_im2col_ld (col, OH * OW, in, C, H, W, K, pad);
}

/* Adds col (C·K·K, OH·OW), rows ld apart, back into din (C, H, W): the transpose of im2col. */
void
nn_conv2d_col2im_ld (float       *din,
                     const float *col,
                     size_t       ld,
                     size_t       C,
                     size_t       H,
                     size_t       W,
                     size_t       K,
                     size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;

  for (size_t c = 0; c < C; c++)
    for (size_t kh = 0; kh < K; kh++)
      for (size_t kw = 0; kw < K; kw++)
        {
          const float *row = col + ((c * K + kh) * K + kw) * ld;
          size_t lo, hi;

          valid_range (W, OW, pad, kw, &lo, &hi);
          for (size_t oh = 0; oh < OH; oh++)
            {
              ptrdiff_t ih = (ptrdiff_t) oh - (ptrdiff_t) pad + (ptrdiff_t) kh;
              const float *src;
              float *dst;

              if (ih < 0 || ih >= (ptrdiff_t) H)
                continue;
              src = row + oh * OW;
              dst = din + (c * H + (size_t) ih) * W;
              for (size_t ow = lo; ow < hi; ow++)
                dst[ow + kw - pad] += src[ow];
            }
        }
}

/* The outputs o in [0, n_out) whose input o·S − pad + k lies inside [0, n_in): [*lo, *hi). */
static inline void
strided_range (size_t  n_in,
               size_t  n_out,
               size_t  S,
               size_t  pad,
               size_t  k,
               size_t *lo,
               size_t *hi)
{
  /* o·S ≥ pad − k and o·S < n_in + pad − k */
  *lo = MIN (n_out, k < pad ? (pad - k + S - 1) / S : 0);
  *hi = n_in + pad > k ? MIN (n_out, (n_in + pad - k + S - 1) / S) : 0;
  if (*hi < *lo)
    *hi = *lo;
}

/* dst[i] = src[i] for i < n: a row of outputs. Rows of up to 15 floats (small images at a
 * stride) are copied in blocks of fixed size, which the compiler turns into vector moves; a call
 * to memcpy would cost more than the copy. */
static inline void
copy_row (float       *dst,
          const float *src,
          size_t       n)
{
  if (n >= 16)
    {
      memcpy (dst, src, sizeof (float) * n);
      return;
    }
  if (n & 8)
    memcpy (dst, src, 8 * sizeof (float));
  dst += n & 8;
  src += n & 8;
  if (n & 4)
    memcpy (dst, src, 4 * sizeof (float));
  dst += n & 4;
  src += n & 4;
  if (n & 2)
    memcpy (dst, src, 2 * sizeof (float));
  dst += n & 2;
  src += n & 2;
  if (n & 1)
    *dst = *src;
}

/* Floats of the per-channel scratch below kept on the stack; larger images take the loops
 * that find the padding's rows and columns instead. */
#define PHASE_SCRATCH 4096

/* One channel (H, W), zero-padded by pad, split by column phase: q (S, Hp, Wq) holds
 * q[r][i][j] = padded[i][j·S + r], Hp = H + 2·pad, Wq = ⌈(W + 2·pad) / S⌉, so that a window
 * position's inputs for a row of outputs are Wq-contiguous. */
static inline void
phase_split (float       *q,
             const float *in,
             size_t       H,
             size_t       W,
             size_t       S,
             size_t       pad,
             size_t       Hp,
             size_t       Wq)
{
  memset (q, 0, sizeof (float) * S * Hp * Wq);
  for (size_t r = 0; r < S; r++)
    {
      size_t lo, hi;

      /* the columns j with 0 ≤ j·S + r − pad < W */
      strided_range (W, Wq, S, pad, r, &lo, &hi);
      for (size_t ih = 0; ih < H; ih++)
        {
          float *dst = q + (r * Hp + ih + pad) * Wq;
          const float *src = in + ih * W + lo * S + r - pad;

          for (size_t j = 0; j < hi - lo; j++)
            dst[lo + j] = src[j * S];
        }
    }
}

/* Its transpose: din (H, W) = the unpadded part of q. */
static inline void
phase_merge (float       *din,
             const float *q,
             size_t       H,
             size_t       W,
             size_t       S,
             size_t       pad,
             size_t       Hp,
             size_t       Wq)
{
  for (size_t r = 0; r < S; r++)
    {
      size_t lo, hi;

      strided_range (W, Wq, S, pad, r, &lo, &hi);
      for (size_t ih = 0; ih < H; ih++)
        {
          const float *src = q + (r * Hp + ih + pad) * Wq;
          float *dst = din + ih * W + lo * S + r - pad;

          for (size_t j = 0; j < hi - lo; j++)
            dst[j * S] = src[lo + j];
        }
    }
}

/* Strides above 1: col (C·K·K, OH·OW), rows ld floats apart, from one image (C, H, W), windows S
 * apart. Each channel is first padded and split by column phase, so that every row of the
 * im2col is OH plain copies of OW floats; images too large for that find the rows and columns
 * that see only padding once per kernel position, as nn_conv2d_im2col_ld does. */
VECTOR_CLONES
static void
im2col_strided_ld (float       *col,
                   size_t       ld,
                   const float *in,
                   const NnConvShape *shape)
{
  size_t C = shape->C, H = shape->H, W = shape->W, K = shape->K, pad = shape->pad;
  size_t S = shape->stride;
  size_t OH = (H + 2 * pad - K) / S + 1, OW = (W + 2 * pad - K) / S + 1;
  size_t Hp = H + 2 * pad, Wq = (W + 2 * pad + S - 1) / S;
  float q[PHASE_SCRATCH];

  if (S * Hp * Wq <= PHASE_SCRATCH)
    {
      for (size_t c = 0; c < C; c++)
        {
          phase_split (q, in + c * H * W, H, W, S, pad, Hp, Wq);
          for (size_t kh = 0; kh < K; kh++)
            for (size_t kw = 0; kw < K; kw++)
              {
                float *row = col + ((c * K + kh) * K + kw) * ld;
                const float *src = q + ((kw % S) * Hp + kh) * Wq + kw / S;

                for (size_t oh = 0; oh < OH; oh++)
                  copy_row (row + oh * OW, src + oh * S * Wq, OW);
              }
        }
      return;
    }

  for (size_t c = 0; c < C; c++)
    for (size_t kh = 0; kh < K; kh++)
      {
        size_t oh_lo, oh_hi;

        strided_range (H, OH, S, pad, kh, &oh_lo, &oh_hi);
        for (size_t kw = 0; kw < K; kw++)
          {
            float *row = col + ((c * K + kh) * K + kw) * ld;
            size_t lo, hi;

            strided_range (W, OW, S, pad, kw, &lo, &hi);
            memset (row, 0, sizeof (float) * oh_lo * OW);
            for (size_t oh = oh_lo; oh < oh_hi; oh++)
              {
                float *dst = row + oh * OW;
                /* the input of column lo: lo·S + kw ≥ pad there */
                const float *src = in + (c * H + oh * S + kh - pad) * W + lo * S + kw - pad;

                for (size_t ow = 0; ow < lo; ow++)
                  dst[ow] = 0.0f;
                for (size_t i = 0; i < hi - lo; i++)
                  dst[lo + i] = src[i * S];
                for (size_t ow = hi; ow < OW; ow++)
                  dst[ow] = 0.0f;
              }
            memset (row + oh_hi * OW, 0, sizeof (float) * (OH - oh_hi) * OW);
          }
      }
}

/* Its transpose: adds col (C·K·K, OH·OW), rows ld apart, back into din (C, H, W), which it
 * overwrites. Each input value receives its terms in the order of (c, kh, kw), as the direct
 * loops add them. */
VECTOR_CLONES
static void
col2im_strided_ld (float       *din,
                   const float *col,
                   size_t       ld,
                   const NnConvShape *shape)
{
  size_t C = shape->C, H = shape->H, W = shape->W, K = shape->K, pad = shape->pad;
  size_t S = shape->stride;
  size_t OH = (H + 2 * pad - K) / S + 1, OW = (W + 2 * pad - K) / S + 1;
  size_t Hp = H + 2 * pad, Wq = (W + 2 * pad + S - 1) / S;
  float q[PHASE_SCRATCH];

  if (S * Hp * Wq <= PHASE_SCRATCH)
    {
      for (size_t c = 0; c < C; c++)
        {
          memset (q, 0, sizeof (float) * S * Hp * Wq);
          for (size_t kh = 0; kh < K; kh++)
            for (size_t kw = 0; kw < K; kw++)
              {
                const float *row = col + ((c * K + kh) * K + kw) * ld;
                float *dst = q + ((kw % S) * Hp + kh) * Wq + kw / S;

                for (size_t oh = 0; oh < OH; oh++)
                  for (size_t ow = 0; ow < OW; ow++)
                    dst[oh * S * Wq + ow] += row[oh * OW + ow];
              }
          phase_merge (din + c * H * W, q, H, W, S, pad, Hp, Wq);
        }
      return;
    }

  memset (din, 0, sizeof (float) * C * H * W);
  for (size_t c = 0; c < C; c++)
    for (size_t kh = 0; kh < K; kh++)
      {
        size_t oh_lo, oh_hi;

        strided_range (H, OH, S, pad, kh, &oh_lo, &oh_hi);
        for (size_t kw = 0; kw < K; kw++)
          {
            const float *row = col + ((c * K + kh) * K + kw) * ld;
            size_t lo, hi;

            strided_range (W, OW, S, pad, kw, &lo, &hi);
            for (size_t oh = oh_lo; oh < oh_hi; oh++)
              {
                const float *src = row + oh * OW + lo;
                float *dst = din + (c * H + oh * S + kh - pad) * W + lo * S + kw - pad;

                for (size_t i = 0; i < hi - lo; i++)
                  dst[i * S] += src[i];
              }
          }
      }
}

/* Σ of n values in eight lanes, added up in a fixed order. */
static inline float
row_sum (const float *row,
         size_t       n)
{
  float part[8] = { 0 };
  float s = 0.0f;
  size_t p = 0;

  for (; p + 8 <= n; p += 8)
    for (int q = 0; q < 8; q++)
      part[q] += row[p + q];
  for (; p < n; p++)
    s += row[p];
  for (int q = 0; q < 8; q++)
    s += part[q];
  return s;
}

size_t
nn_conv2d_group_size (const NnConvShape *shape)
{
  size_t S = MAX (shape->stride, 1);
  size_t OHW = ((shape->H + 2 * shape->pad - shape->K) / S + 1) *
               ((shape->W + 2 * shape->pad - shape->K) / S + 1);
  size_t per_image = OHW * (shape->C * shape->K * shape->K + shape->OC);

  /* the images whose im2col and output gradients fit half a megabyte */
  return CLAMP (((size_t) 1 << 17) / MAX (per_image, (size_t) 1), (size_t) 1, (size_t) 16);
}

size_t
nn_conv2d_group_workspace (const NnConvShape *shape,
                           size_t             group)
{
  size_t S = MAX (shape->stride, 1);
  size_t OHW = ((shape->H + 2 * shape->pad - shape->K) / S + 1) *
               ((shape->W + 2 * shape->pad - shape->K) / S + 1);
  size_t CKK = shape->C * shape->K * shape->K;

  /* a single image's GEMM reads and writes its own planes in place */
  return group > 1 ? group * OHW * (CKK + shape->OC) : CKK * OHW;
}

void
nn_conv2d_forward_group (float       *out,
                         const float *in,
                         const float *weight,
                         const float *bias,
                         float       *col,
                         size_t       group,
                         const NnConvShape *shape)
{
  size_t C = shape->C, H = shape->H, W = shape->W, OC = shape->OC, K = shape->K;
  size_t S = shape->stride, pad = shape->pad;
  size_t OHW = ((H + 2 * pad - K) / S + 1) * ((W + 2 * pad - K) / S + 1), CKK = C * K * K;

  g_return_if_fail (group > 0 && S > 1);

  for (size_t b0 = 0; b0 < shape->B; b0 += group)
    {
      size_t nb = MIN (group, shape->B - b0), ld = nb * OHW;
      /* (OC, nb·OH·OW): every image's outputs of one channel side by side; one image's are
       * its output plane itself */
      float *o = nb > 1 ? col + CKK * ld : out + b0 * OC * OHW;

      for (size_t j = 0; j < nb; j++)
        im2col_strided_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, shape);
      /* the bias first and the product accumulated onto it: each output sees the same
       * operations whatever the number of images per GEMM */
      for (size_t oc = 0; oc < OC; oc++)
        for (size_t p = 0; p < ld; p++)
          o[oc * ld + p] = bias[oc];
      nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, OC, ld, CKK, 1.0f, weight, CKK, col, ld, 1.0f, o, ld);
      if (nb > 1)
        for (size_t j = 0; j < nb; j++)
          for (size_t oc = 0; oc < OC; oc++)
            memcpy (out + ((b0 + j) * OC + oc) * OHW, o + oc * ld + j * OHW,
                    sizeof (float) * OHW);
    }
}

void
nn_conv2d_backward_group (float       *din,
                          float       *dweight,
                          float       *dbias,
                          const float *dout,
                          const float *in,
                          const float *weight,
                          float       *col,
                          float       *dcol,
                          size_t       group,
                          const NnConvShape *shape)
{
  size_t C = shape->C, H = shape->H, W = shape->W, OC = shape->OC, K = shape->K;
  size_t S = shape->stride, pad = shape->pad;
  size_t OHW = ((H + 2 * pad - K) / S + 1) * ((W + 2 * pad - K) / S + 1), CKK = C * K * K;

  g_return_if_fail (group > 0 && S > 1);

  for (size_t b0 = 0; b0 < shape->B; b0 += group)
    {
      size_t nb = MIN (group, shape->B - b0), ld = nb * OHW;
      /* dg (OC, nb·OH·OW): the group's output gradients, channel by channel */
      const float *dg = dout + b0 * OC * OHW;

      if (nb > 1)
        {
          float *g = col + CKK * ld;

          for (size_t j = 0; j < nb; j++)
            for (size_t oc = 0; oc < OC; oc++)
              memcpy (g + oc * ld + j * OHW, dout + ((b0 + j) * OC + oc) * OHW,
                      sizeof (float) * OHW);
          dg = g;
        }
      for (size_t oc = 0; oc < OC; oc++)
        dbias[oc] += row_sum (dg + oc * ld, ld);
      for (size_t j = 0; j < nb; j++)
        im2col_strided_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, shape);
      /* dweight (OC, CKK) += dg · colᵀ, the group's images in one sum */
      nn_sgemm (NN_NO_TRANS, NN_TRANS, OC, CKK, ld, 1.0f, dg, ld, col, ld, 1.0f, dweight, CKK);
      if (din == NULL)
        continue;
      /* dcol (CKK, nb·OH·OW) = weightᵀ · dg */
      nn_sgemm (NN_TRANS, NN_NO_TRANS, CKK, ld, OC, 1.0f, weight, CKK, dg, ld, 0.0f, dcol, ld);
      for (size_t j = 0; j < nb; j++)
        col2im_strided_ld (din + (b0 + j) * C * H * W, dcol + j * OHW, ld, shape);
    }
}

void
nn_conv2d_forward (float       *out,
                   const float *in,
                   const float *weight,
                   const float *bias,
                   float       *col,
                   const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t CKK = C * K * K, OHW = OH * OW;

  if (shape->stride > 1)
    {
      nn_conv2d_forward_group (out, in, weight, bias, col, 1, shape);
      return;
    }
  for (size_t b = 0; b < B; b++)
    {
      float *o = out + b * OC * OHW;

      im2col (col, in + b * C * H * W, C, H, W, K, pad);
      /* bias first, then accumulate the product onto it */
      for (size_t oc = 0; oc < OC; oc++)
        for (size_t p = 0; p < OHW; p++)
          o[oc * OHW + p] = bias[oc];
      nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, OC, OHW, CKK, 1.0f, weight, CKK, col, OHW, 1.0f, o, OHW);
    }
}

void
nn_conv2d_backward (float       *din,
                    float       *dweight,
                    float       *dbias,
                    const float *dout,
                    const float *in,
                    const float *weight,
                    float       *col,
                    float       *dcol,
                    const NnConvShape *shape)
{
  if (shape->stride > 1)
    {
      nn_conv2d_backward_group (din, dweight, dbias, dout, in, weight, col, dcol, 1, shape);
      return;
    }
  /* groups of one image are the plain (B, OC, OH, OW) layout */
  nn_conv2d_backward_grouped (din, dweight, dbias, dout, in, weight, col, dcol, 1, shape);
}

void
nn_conv2d_forward_ref (float       *out,
                       const float *in,
                       const float *weight,
                       const float *bias,
                       const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t S = MAX (shape->stride, 1);
  size_t OH = (H + 2 * pad - K) / S + 1, OW = (W + 2 * pad - K) / S + 1;

  for (size_t b = 0; b < B; b++)
    for (size_t oc = 0; oc < OC; oc++)
      for (size_t oh = 0; oh < OH; oh++)
        for (size_t ow = 0; ow < OW; ow++)
          {
            double s = bias[oc];

            for (size_t c = 0; c < C; c++)
              for (size_t kh = 0; kh < K; kh++)
                for (size_t kw = 0; kw < K; kw++)
                  {
                    ptrdiff_t ih = (ptrdiff_t) (oh * S + kh) - (ptrdiff_t) pad;
                    ptrdiff_t iw = (ptrdiff_t) (ow * S + kw) - (ptrdiff_t) pad;

                    if (ih < 0 || iw < 0 || ih >= (ptrdiff_t) H || iw >= (ptrdiff_t) W)
                      continue;
                    s += (double) in[((b * C + c) * H + (size_t) ih) * W + (size_t) iw] *
                         weight[((oc * C + c) * K + kh) * K + kw];
                  }
            out[((b * OC + oc) * OH + oh) * OW + ow] = (float) s;
          }
}

void
nn_conv2d_backward_ref (float       *din,
                        float       *dweight,
                        float       *dbias,
                        const float *dout,
                        const float *in,
                        const float *weight,
                        const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t S = MAX (shape->stride, 1);
  size_t OH = (H + 2 * pad - K) / S + 1, OW = (W + 2 * pad - K) / S + 1;

  if (din != NULL)
    memset (din, 0, sizeof (float) * B * C * H * W);
  for (size_t b = 0; b < B; b++)
    for (size_t oc = 0; oc < OC; oc++)
      for (size_t oh = 0; oh < OH; oh++)
        for (size_t ow = 0; ow < OW; ow++)
          {
            float g = dout[((b * OC + oc) * OH + oh) * OW + ow];

            dbias[oc] += g;
            for (size_t c = 0; c < C; c++)
              for (size_t kh = 0; kh < K; kh++)
                for (size_t kw = 0; kw < K; kw++)
                  {
                    ptrdiff_t ih = (ptrdiff_t) (oh * S + kh) - (ptrdiff_t) pad;
                    ptrdiff_t iw = (ptrdiff_t) (ow * S + kw) - (ptrdiff_t) pad;
                    size_t ii, wi;

                    if (ih < 0 || iw < 0 || ih >= (ptrdiff_t) H || iw >= (ptrdiff_t) W)
                      continue;
                    ii = ((b * C + c) * H + (size_t) ih) * W + (size_t) iw;
                    wi = ((oc * C + c) * K + kh) * K + kw;
                    dweight[wi] += g * in[ii];
                    if (din != NULL)
                      din[ii] += g * weight[wi];
                  }
          }
}

/* ---- The layer kind: "conv(OC, K, pad=P, stride=S)" ------------------------------------------------- */

static const char *const conv_aliases[] = { "conv2d", NULL };
static const char *const conv_options[] = { "pad", "stride", NULL };

static gboolean
conv_parse (NnLayerSpec     *spec,
            const char      *name,
            const NnSpecArg *args,
            size_t           n_positional,
            size_t           n_args,
            GError         **error)
{
  gboolean has_pad = n_positional == 3;

  if (!nn_layer_arg_expect (name, n_positional, 2, 3, error))
    return FALSE;
  if (!nn_layer_arg_count (name, "of channels", args[0].value, 4096, &spec->channels, error) ||
      !nn_layer_arg_count (name, "kernel size", args[1].value, 15, &spec->kernel, error))
    return FALSE;
  spec->pad = 0;
  spec->stride = 1;
  for (size_t i = 2; i < n_args; i++)
    {
      double v = args[i].value;

      if (args[i].key != NULL && strcmp (args[i].key, "stride") == 0)
        {
          if (!nn_layer_arg_count (name, "stride", v, 15, &spec->stride, error))
            return FALSE;
          continue;
        }
      if (i >= n_positional && has_pad)
        {
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                       "Architecture: %s gives its padding twice", name);
          return FALSE;
        }
      has_pad = TRUE;
      if (!(v >= 0 && v < (double) spec->kernel) || v != (double) (size_t) v)
        {
          g_set_error (error, NN_SPEC_ERROR, NN_SPEC_ERROR_BAD_ARGUMENT,
                       "Architecture: %s padding must be a whole number below the kernel "
                       "size, not %g", name, v);
          return FALSE;
        }
      spec->pad = (size_t) v;
    }
  return TRUE;
}

static void
conv_print (const NnLayerSpec *spec,
            GString           *out)
{
  g_string_append_printf (out, "conv(%zu,%zu", spec->channels, spec->kernel);
  if (spec->pad > 0)
    g_string_append_printf (out, ",pad=%zu", spec->pad);
  if (spec->stride > 1)
    g_string_append_printf (out, ",stride=%zu", spec->stride);
  g_string_append_c (out, ')');
}

/* the layer's dimensions on B images */
static NnConvShape
conv_shape (const NnLayer *l,
            size_t         B)
{
  return (NnConvShape) { B, l->in_c, l->in_h, l->in_w, l->out_c, l->spec.kernel, l->spec.pad,
                         MAX (l->spec.stride, 1) };
}

static gboolean
conv_infer (NnLayer     *l,
            NnLayerPlan *plan,
            GError     **error)
{
  const NnLayerSpec *s = &l->spec;
  size_t fan_in, h = l->in_h, w = l->in_w;

  if (plan->flat)
    {
      nn_layer_set_shape_error (error, l, plan->index,
                                " needs an image input, but the input is already flat");
      return FALSE;
    }
  if (s->channels == 0 || s->kernel == 0 || s->pad >= s->kernel ||
      h + 2 * s->pad < s->kernel || w + 2 * s->pad < s->kernel)
    {
      nn_layer_set_shape_error (error, l, plan->index,
                                ": a %zu×%zu kernel does not fit a %zu×%zu input",
                                s->kernel, s->kernel, h, w);
      return FALSE;
    }
  fan_in = nn_layer_mul (l->in_c, nn_layer_mul (s->kernel, s->kernel, &plan->overflow),
                         &plan->overflow);
  l->n_weight = nn_layer_mul (s->channels, fan_in, &plan->overflow);
  l->n_bias = s->channels;
  l->out_c = s->channels;
  l->out_h = (h + 2 * s->pad - s->kernel) / MAX (s->stride, 1) + 1;
  l->out_w = (w + 2 * s->pad - s->kernel) / MAX (s->stride, 1) + 1;
  plan->col = nn_layer_mul (fan_in, nn_layer_mul (l->out_h, l->out_w, &plan->overflow),
                            &plan->overflow);
  /* strides above 1 run groups of images per GEMM (the per-image sizes are bounded above, so
   * the product cannot overflow) */
  if (s->stride > 1 && !plan->overflow)
    {
      NnConvShape shape = conv_shape (l, 1);

      plan->col = nn_conv2d_group_workspace (&shape, nn_conv2d_group_size (&shape));
    }
  return TRUE;
}

static void
conv_forward (const NnLayer *l,
              float         *out,
              const float   *in,
              const float   *weight,
              const float   *bias,
              NnLayerWork   *work,
              size_t         B)
{
  NnConvShape shape = conv_shape (l, B);

  if (shape.stride > 1)
    nn_conv2d_forward_group (out, in, weight, bias, work->col, nn_conv2d_group_size (&shape),
                             &shape);
  else
    nn_conv2d_forward (out, in, weight, bias, work->col, &shape);
}

static void
conv_backward (const NnLayer *l,
               float         *din,
               float         *dweight,
               float         *dbias,
               const float   *dout,
               const float   *in,
               const float   *out,
               const float   *weight,
               NnLayerWork   *work,
               size_t         B)
{
  NnConvShape shape = conv_shape (l, B);

  if (shape.stride > 1)
    nn_conv2d_backward_group (din, dweight, dbias, dout, in, weight, work->col, work->dcol,
                              nn_conv2d_group_size (&shape), &shape);
  else
    nn_conv2d_backward (din, dweight, dbias, dout, in, weight, work->col, work->dcol, &shape);
}

static void
conv_write_config (const NnLayer *l,
                   NnJsonWriter  *w)
{
  nn_json_write_begin_object (w, NN_JSON_INLINE);
  nn_json_write_key (w, "type");
  nn_json_write_string (w, "conv2d");
  nn_json_write_key (w, "in_channels");
  nn_json_write_uint (w, l->in_c);
  nn_json_write_key (w, "out_channels");
  nn_json_write_uint (w, l->out_c);
  nn_json_write_key (w, "kernel_size");
  nn_json_write_uint (w, l->spec.kernel);
  nn_json_write_key (w, "padding");
  nn_json_write_uint (w, l->spec.pad);
  /* PyTorch's default stride is 1: written only when it is not, so that a model of stride 1
   * keeps the configuration it always had */
  if (l->spec.stride > 1)
    {
      nn_json_write_key (w, "stride");
      nn_json_write_uint (w, l->spec.stride);
    }
  nn_json_write_end_object (w);
}

static size_t
conv_weight_shape (const NnLayer *l,
                   size_t         shape[4])
{
  shape[0] = l->out_c;
  shape[1] = l->in_c;
  shape[2] = l->spec.kernel;
  shape[3] = l->spec.kernel;
  return 4;
}

static void
conv_append_pytorch (const NnLayer *l,
                     GString       *out)
{
  g_string_append_printf (out, "nn.Conv2d(%zu, %zu, %zu, padding=%zu", l->in_c, l->out_c,
                          l->spec.kernel, l->spec.pad);
  if (l->spec.stride > 1)
    g_string_append_printf (out, ", stride=%zu", l->spec.stride);
  g_string_append_c (out, ')');
}

const NnLayerClass nn_conv2d_layer = {
  .name = "conv",
  .aliases = conv_aliases,
  .options = conv_options,
  .parse = conv_parse,
  .print = conv_print,
  .infer = conv_infer,
  .init = nn_layer_init_uniform,
  .forward = conv_forward,
  .backward = conv_backward,
  .write_config = conv_write_config,
  .weight_shape = conv_weight_shape,
  .append_pytorch = conv_append_pytorch,
};
