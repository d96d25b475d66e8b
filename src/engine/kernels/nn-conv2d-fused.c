/* nn-conv2d-fused.c: conv → ReLU → 2×2 max-pool in one pass by im2col, and its backward */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d.h"

#include <string.h>

#include "nn-conv2d-private.h"
#include "nn-cpu.h"
#include "nn-gemm.h"

void
nn_conv2d_relu_maxpool2_forward (float       *out,
                                 const float *in,
                                 const float *weight,
                                 const float *bias,
                                 float       *col,
                                 float       *tmp,
                                 size_t       group,
                                 const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t PH = OH / 2, PW = OW / 2;
  size_t CKK = C * K * K, OHW = OH * OW;

  g_return_if_fail (group > 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0);
      size_t ld = nb * OHW;

      for (size_t j = 0; j < nb; j++)
        nn_conv2d_im2col_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, C, H, W, K, pad);
      /* tmp (OC, nb·OH·OW): every image's outputs of one channel side by side */
      nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, OC, ld, CKK, 1.0f, weight, CKK, col, ld, 0.0f, tmp, ld);

      /* max commutes with adding the bias and with ReLU, both monotonic: pool first, then
       * add and clamp a quarter of the values */
      for (size_t oc = 0; oc < OC; oc++)
        for (size_t j = 0; j < nb; j++)
          {
            const float *plane = tmp + oc * ld + j * OHW;
            float *o = out + ((b0 + j) * OC + oc) * PH * PW;
            float bo = bias[oc];

            for (size_t ph = 0; ph < PH; ph++)
              {
                const float *r0 = plane + 2 * ph * OW, *r1 = r0 + OW;

                for (size_t pw = 0; pw < PW; pw++)
                  {
                    float m = MAX (MAX (r0[2 * pw], r0[2 * pw + 1]),
                                   MAX (r1[2 * pw], r1[2 * pw + 1]));

                    m += bo;
                    o[ph * PW + pw] = m > 0.0f ? m : 0.0f;
                  }
              }
          }
    }
}

/* One (OH, OW) plane of conv outputs to its ReLU'd 2×2 maxima and their winners: the clamp of
 * nn_relu_forward, then the comparisons of nn_maxpool_forward, in the same order. */
VECTOR_CLONES
static void
relu_pool_plane_generic (float       *o,
                         guint32     *a,
                         const float *plane,
                         size_t       OH,
                         size_t       OW)
{
  size_t PH = OH / 2, PW = OW / 2;

  for (size_t ph = 0; ph < PH; ph++)
    {
      const float *r0 = plane + 2 * ph * OW, *r1 = r0 + OW;

      for (size_t pw = 0; pw < PW; pw++)
        {
          float v00 = r0[2 * pw] < 0.0f ? 0.0f : r0[2 * pw];
          float v01 = r0[2 * pw + 1] < 0.0f ? 0.0f : r0[2 * pw + 1];
          float v10 = r1[2 * pw] < 0.0f ? 0.0f : r1[2 * pw];
          float v11 = r1[2 * pw + 1] < 0.0f ? 0.0f : r1[2 * pw + 1];
          guint32 i0 = (guint32) (2 * ph * OW + 2 * pw);
          float top = v01 > v00 ? v01 : v00;
          guint32 itop = v01 > v00 ? i0 + 1 : i0;
          float bottom = v11 > v10 ? v11 : v10;
          guint32 ibottom = (guint32) (v11 > v10 ? i0 + OW + 1 : i0 + OW);

          o[ph * PW + pw] = bottom > top ? bottom : top;
          a[ph * PW + pw] = bottom > top ? ibottom : itop;
        }
    }
}

/* The gradient of one plane of conv outputs from its pooled gradients, onto a zeroed plane: the
 * winner's ReLU output is the pooled value, so its gradient passes where that is > 0 (added
 * onto the zero, as the unfused pooling does, so that −0 becomes +0 the same). */
static void
relu_pool_back_plane_generic (float         *plane,
                              const float   *d,
                              const float   *o,
                              const guint32 *a,
                              size_t         n)
{
  for (size_t i = 0; i < n; i++)
    plane[a[i]] += o[i] > 0.0f ? d[i] : 0.0f;
}


void
nn_conv2d_relu_maxpool2_train_forward (float       *out,
                                       guint32     *argmax,
                                       const float *in,
                                       const float *weight,
                                       const float *bias,
                                       float       *col,
                                       float       *tmp,
                                       size_t       group,
                                       const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t PH = OH / 2, PW = OW / 2;
  size_t CKK = C * K * K, OHW = OH * OW;
  gboolean vector = (nn_cpu_level () == NN_CPU_AVX512);

  g_return_if_fail (group > 0 && OH % 2 == 0 && OW % 2 == 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0);
      size_t ld = nb * OHW;

      for (size_t j = 0; j < nb; j++)
        nn_conv2d_im2col_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, C, H, W, K, pad);
      /* the bias first and the product accumulated onto it, as nn_conv2d_forward does: each
       * output sees the same operations whatever the number of images per GEMM */
      for (size_t oc = 0; oc < OC; oc++)
        for (size_t p = 0; p < ld; p++)
          tmp[oc * ld + p] = bias[oc];
      nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, OC, ld, CKK, 1.0f, weight, CKK, col, ld, 1.0f, tmp, ld);

      for (size_t oc = 0; oc < OC; oc++)
        for (size_t j = 0; j < nb; j++)
          {
            size_t at = ((b0 + j) * OC + oc) * PH * PW;

#if defined(__x86_64__) && defined(__GNUC__)
            if (vector)
              nn_relu_pool_plane_avx512 (out + at, argmax + at, tmp + oc * ld + j * OHW, OH, OW);
            else
#endif
              relu_pool_plane_generic (out + at, argmax + at, tmp + oc * ld + j * OHW, OH, OW);
          }
    }
}

void
nn_relu_maxpool2_backward (float         *dconv,
                           const float   *dout,
                           const float   *out,
                           const guint32 *argmax,
                           size_t         group,
                           size_t         B,
                           size_t         OC,
                           size_t         OH,
                           size_t         OW)
{
  size_t n = (OH / 2) * (OW / 2), OHW = OH * OW;
  gboolean vector = (nn_cpu_level () == NN_CPU_AVX512);

  g_return_if_fail (group > 0 && OH % 2 == 0 && OW % 2 == 0);

  if (!vector)
    memset (dconv, 0, sizeof (float) * B * OC * OHW);
  for (size_t b = 0; b < B; b++)
    {
      size_t b0 = b - b % group, nb = MIN (group, B - b0), ld = nb * OHW;

      for (size_t oc = 0; oc < OC; oc++)
        {
          /* image b's plane in its group's (OC, nb·OH·OW) block */
          float *plane = dconv + b0 * OC * OHW + oc * ld + (b - b0) * OHW;
          size_t at = (b * OC + oc) * n;

#if defined(__x86_64__) && defined(__GNUC__)
          if (vector)
            nn_relu_pool_back_plane_avx512 (plane, dout + at, out + at, argmax + at, OH, OW);
          else
#endif
            relu_pool_back_plane_generic (plane, dout + at, out + at, argmax + at, n);
        }
    }
}

/* dbias[oc] += the sum of one plane of gradients, eight partial sums at a time. */
static inline float
plane_sum (const float *row,
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

void
nn_conv2d_backward_grouped (float       *din,
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
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t CKK = C * K * K, OHW = OH * OW;

  g_return_if_fail (group > 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ld = nb * OHW;
      const float *dg = dout + b0 * OC * OHW;   /* (OC, nb·OH·OW) */

      for (size_t j = 0; j < nb; j++)
        nn_conv2d_im2col_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, C, H, W, K, pad);
      /* the weight and bias gradients image by image, in nn_conv2d_backward's order */
      for (size_t j = 0; j < nb; j++)
        {
          for (size_t oc = 0; oc < OC; oc++)
            dbias[oc] += plane_sum (dg + oc * ld + j * OHW, OHW);
          nn_sgemm (NN_NO_TRANS, NN_TRANS, OC, CKK, OHW, 1.0f, dg + j * OHW, ld, col + j * OHW,
                    ld, 1.0f, dweight, CKK);
        }
      /* the input gradient for the whole group in one GEMM: the weights are packed once */
      if (din != NULL)
        {
          NnConvShape part = *shape;

          part.B = nb;
          nn_conv2d_backward_input_grouped (din + b0 * C * H * W, dg, weight, dcol, nb, &part);
        }
    }
}

void
nn_conv2d_im2col_images (float       *col,
                         const float *in,
                         const NnConvShape *shape)
{
  size_t C = shape->C, H = shape->H, W = shape->W, K = shape->K, pad = shape->pad;
  size_t OHW = (H + 2 * pad - K + 1) * (W + 2 * pad - K + 1);

  for (size_t b = 0; b < shape->B; b++)
    nn_conv2d_im2col_ld (col + b * C * K * K * OHW, OHW, in + b * C * H * W, C, H, W, K, pad);
}

void
nn_conv2d_weight_grad_block (float       *dweight,
                             float       *dbias,
                             const float *dout,
                             const float *col,
                             size_t       group,
                             const NnConvShape *shape,
                             size_t       oc0,
                             size_t       oc1,
                             size_t       k0,
                             size_t       k1,
                             size_t       first,
                             size_t       last)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t OHW = (H + 2 * pad - K + 1) * (W + 2 * pad - K + 1), CKK = C * K * K;

  g_return_if_fail (group > 0 && oc0 <= oc1 && oc1 <= OC && k0 <= k1 && k1 <= CKK &&
                    first <= last && last <= B);

  /* image after image, as nn_conv2d_backward_grouped adds them: each gradient sees the same
   * operations in the same order whatever block it falls in */
  for (size_t b = first; b < last; b++)
    {
      size_t g0 = b - b % group, ld = MIN (group, B - g0) * OHW;
      const float *dg = dout + g0 * OC * OHW + (b - g0) * OHW;  /* (OC, OH·OW), rows ld apart */

      if (dbias != NULL)
        for (size_t oc = oc0; oc < oc1; oc++)
          dbias[oc] += plane_sum (dg + oc * ld, OHW);
      if (oc1 > oc0 && k1 > k0)
        nn_sgemm (NN_NO_TRANS, NN_TRANS, oc1 - oc0, k1 - k0, OHW, 1.0f, dg + oc0 * ld, ld,
                  col + ((b - first) * CKK + k0) * OHW, OHW, 1.0f, dweight + oc0 * CKK + k0, CKK);
    }
}

void
nn_conv2d_backward_input_grouped (float       *din,
                                  const float *dout,
                                  const float *weight,
                                  float       *dcol,
                                  size_t       group,
                                  const NnConvShape *shape)
{
  size_t B = shape->B, C = shape->C, H = shape->H, W = shape->W, OC = shape->OC;
  size_t K = shape->K, pad = shape->pad;
  size_t OHW = (H + 2 * pad - K + 1) * (W + 2 * pad - K + 1), CKK = C * K * K;

  g_return_if_fail (group > 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ld = nb * OHW;
      const float *dg = dout + b0 * OC * OHW;   /* (OC, nb·OH·OW) */

      nn_sgemm (NN_TRANS, NN_NO_TRANS, CKK, ld, OC, 1.0f, weight, CKK, dg, ld, 0.0f, dcol, ld);
      memset (din + b0 * C * H * W, 0, sizeof (float) * nb * C * H * W);
      for (size_t j = 0; j < nb; j++)
        nn_conv2d_col2im_ld (din + (b0 + j) * C * H * W, dcol + j * OHW, ld, C, H, W, K, pad);
    }
}
