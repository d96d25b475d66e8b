/* nn-conv2d.c: convolution as im2col + GEMM per image, with direct-loop reference twins */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d.h"

#include <string.h>

#include "nn-gemm.h"

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
  /* ow ≥ pad − kw and ow < W + pad − kw */
  *lo = pad > kw ? pad - kw : 0;
  *hi = MIN (OW, W + pad - kw);
  if (*hi < *lo)
    *hi = *lo;
}

/* col (C·K·K, OH·OW) from one image (C, H, W): row (c, kh, kw), column (oh, ow). */
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

  for (size_t c = 0; c < C; c++)
    for (size_t kh = 0; kh < K; kh++)
      for (size_t kw = 0; kw < K; kw++)
        {
          float *row = col + ((c * K + kh) * K + kw) * OH * OW;
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

/* Adds col (C·K·K, OH·OW) back into din (C, H, W), the transpose of im2col. */
static void
col2im (float       *din,
        const float *col,
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
          const float *row = col + ((c * K + kh) * K + kw) * OH * OW;
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

void
nn_conv2d_forward (float       *out,
                   const float *in,
                   const float *weight,
                   const float *bias,
                   float       *col,
                   size_t       B,
                   size_t       C,
                   size_t       H,
                   size_t       W,
                   size_t       OC,
                   size_t       K,
                   size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t CKK = C * K * K, OHW = OH * OW;

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
                    size_t       B,
                    size_t       C,
                    size_t       H,
                    size_t       W,
                    size_t       OC,
                    size_t       K,
                    size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t CKK = C * K * K, OHW = OH * OW;

  for (size_t b = 0; b < B; b++)
    {
      const float *d = dout + b * OC * OHW;

      for (size_t oc = 0; oc < OC; oc++)
        {
          float s = 0.0f;

          for (size_t p = 0; p < OHW; p++)
            s += d[oc * OHW + p];
          dbias[oc] += s;
        }
      /* the input is not kept unfolded: recomputing im2col costs far less than the GEMMs */
      im2col (col, in + b * C * H * W, C, H, W, K, pad);
      nn_sgemm (NN_NO_TRANS, NN_TRANS, OC, CKK, OHW, 1.0f, d, OHW, col, OHW, 1.0f, dweight, CKK);
      if (din != NULL)
        {
          float *di = din + b * C * H * W;

          nn_sgemm (NN_TRANS, NN_NO_TRANS, CKK, OHW, OC, 1.0f, weight, CKK, d, OHW, 0.0f, dcol,
                    OHW);
          memset (di, 0, sizeof (float) * C * H * W);
          col2im (di, dcol, C, H, W, K, pad);
        }
    }
}

void
nn_conv2d_forward_ref (float       *out,
                       const float *in,
                       const float *weight,
                       const float *bias,
                       size_t       B,
                       size_t       C,
                       size_t       H,
                       size_t       W,
                       size_t       OC,
                       size_t       K,
                       size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;

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
                    ptrdiff_t ih = (ptrdiff_t) (oh + kh) - (ptrdiff_t) pad;
                    ptrdiff_t iw = (ptrdiff_t) (ow + kw) - (ptrdiff_t) pad;

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
                        size_t       B,
                        size_t       C,
                        size_t       H,
                        size_t       W,
                        size_t       OC,
                        size_t       K,
                        size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;

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
                    ptrdiff_t ih = (ptrdiff_t) (oh + kh) - (ptrdiff_t) pad;
                    ptrdiff_t iw = (ptrdiff_t) (ow + kw) - (ptrdiff_t) pad;
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
