/* nn-conv2d.c: convolution as im2col + GEMM per image, with direct-loop reference twins */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d.h"

#include <string.h>

#include "nn-gemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* The plain loops of the pooling and Winograd steps, built a second time for AVX2 and chosen at
 * run time: CPUs without AVX-512 run them there. The same operations in the same order (C11
 * forbids fusing multiply-adds), so the same results. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define VECTOR_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define VECTOR_CLONES
#endif


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

/* col (C·K·K, OH·OW) from one image (C, H, W): row (c, kh, kw), column (oh, ow); rows are
 * ld floats apart, so several images can sit side by side. */
static void
im2col_ld (float       *col,
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

  im2col_ld (col, OH * OW, in, C, H, W, K, pad);
}

/* Adds col (C·K·K, OH·OW), rows ld apart, back into din (C, H, W): the transpose of im2col. */
static void
col2im_ld (float       *din,
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
nn_conv2d_relu_maxpool2_forward (float       *out,
                                 const float *in,
                                 const float *weight,
                                 const float *bias,
                                 float       *col,
                                 float       *tmp,
                                 size_t       group,
                                 size_t       B,
                                 size_t       C,
                                 size_t       H,
                                 size_t       W,
                                 size_t       OC,
                                 size_t       K,
                                 size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t PH = OH / 2, PW = OW / 2;
  size_t CKK = C * K * K, OHW = OH * OW;

  g_return_if_fail (group > 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0);
      size_t ld = nb * OHW;

      for (size_t j = 0; j < nb; j++)
        im2col_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, C, H, W, K, pad);
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

#if defined(__x86_64__) && defined(__GNUC__)
/* The same with AVX-512, sixteen windows of a row at a time. The even and odd columns are
 * separated by permutes; max (0, x) keeps NaN and −0 as x < 0 ? 0 : x does, and the ordered
 * greater-than compares like C's >. */
__attribute__ ((target ("avx512f")))
static void
relu_pool_plane_avx512 (float       *o,
                        guint32     *a,
                        const float *plane,
                        size_t       OH,
                        size_t       OW)
{
  const __m512i even = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28,
                                          30);
  const __m512i odd = _mm512_add_epi32 (even, _mm512_set1_epi32 (1));
  const __m512 zero = _mm512_setzero_ps ();
  const __m512i one = _mm512_set1_epi32 (1), row = _mm512_set1_epi32 ((int) OW);
  size_t PH = OH / 2, PW = OW / 2;

  for (size_t ph = 0; ph < PH; ph++)
    {
      const float *r0 = plane + 2 * ph * OW, *r1 = r0 + OW;

      for (size_t w0 = 0; w0 < PW; w0 += 16)
        {
          size_t nw = MIN ((size_t) 16, PW - w0), n = 2 * nw;
          __mmask16 lo = n >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << n) - 1);
          __mmask16 hi = n > 16 ? (__mmask16) ((1u << (n - 16)) - 1) : 0;
          __mmask16 out_mask = nw >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << nw) - 1);
          __m512 a0 = _mm512_maskz_loadu_ps (lo, r0 + 2 * w0);
          __m512 a1 = _mm512_maskz_loadu_ps (hi, r0 + 2 * w0 + 16);
          __m512 b0 = _mm512_maskz_loadu_ps (lo, r1 + 2 * w0);
          __m512 b1 = _mm512_maskz_loadu_ps (hi, r1 + 2 * w0 + 16);
          __m512 v00 = _mm512_max_ps (zero, _mm512_permutex2var_ps (a0, even, a1));
          __m512 v01 = _mm512_max_ps (zero, _mm512_permutex2var_ps (a0, odd, a1));
          __m512 v10 = _mm512_max_ps (zero, _mm512_permutex2var_ps (b0, even, b1));
          __m512 v11 = _mm512_max_ps (zero, _mm512_permutex2var_ps (b0, odd, b1));
          __m512i i0 = _mm512_add_epi32 (_mm512_set1_epi32 ((int) (2 * ph * OW + 2 * w0)),
                                         even);
          __m512i i1 = _mm512_add_epi32 (i0, row);
          __mmask16 t = _mm512_cmp_ps_mask (v01, v00, _CMP_GT_OQ);
          __mmask16 u = _mm512_cmp_ps_mask (v11, v10, _CMP_GT_OQ);
          __m512 top = _mm512_mask_blend_ps (t, v00, v01);
          __m512 bottom = _mm512_mask_blend_ps (u, v10, v11);
          __m512i itop = _mm512_mask_add_epi32 (i0, t, i0, one);
          __m512i ibottom = _mm512_mask_add_epi32 (i1, u, i1, one);
          __mmask16 f = _mm512_cmp_ps_mask (bottom, top, _CMP_GT_OQ);

          _mm512_mask_storeu_ps (o + ph * PW + w0, out_mask, _mm512_mask_blend_ps (f, top, bottom));
          _mm512_mask_storeu_epi32 (a + ph * PW + w0, out_mask,
                                    _mm512_mask_blend_epi32 (f, itop, ibottom));
        }
    }
}

/* Its backward: every element of the plane written, each window's winner its gradient and the
 * others zero, so the plane needs no clearing first. */
__attribute__ ((target ("avx512f")))
static void
relu_pool_back_plane_avx512 (float         *plane,
                             const float   *d,
                             const float   *o,
                             const guint32 *a,
                             size_t         OH,
                             size_t         OW)
{
  const __m512i lanes2 = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26,
                                            28, 30);
  const __m512i mix_lo = _mm512_setr_epi32 (0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7,
                                            23);
  const __m512i mix_hi = _mm512_add_epi32 (mix_lo, _mm512_set1_epi32 (8));
  const __m512 zero = _mm512_setzero_ps ();
  const __m512i one = _mm512_set1_epi32 (1), row = _mm512_set1_epi32 ((int) OW);
  size_t PH = OH / 2, PW = OW / 2;

  for (size_t ph = 0; ph < PH; ph++)
    {
      float *r0 = plane + 2 * ph * OW, *r1 = r0 + OW;

      for (size_t w0 = 0; w0 < PW; w0 += 16)
        {
          size_t nw = MIN ((size_t) 16, PW - w0), n = 2 * nw, k = ph * PW + w0;
          __mmask16 in_mask = nw >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << nw) - 1);
          __mmask16 lo = n >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << n) - 1);
          __mmask16 hi = n > 16 ? (__mmask16) ((1u << (n - 16)) - 1) : 0;
          __m512 dv = _mm512_maskz_loadu_ps (in_mask, d + k);
          __m512 ov = _mm512_maskz_loadu_ps (in_mask, o + k);
          __m512i av = _mm512_maskz_loadu_epi32 (in_mask, a + k);
          __m512i i0 = _mm512_add_epi32 (_mm512_set1_epi32 ((int) (2 * ph * OW + 2 * w0)),
                                         lanes2);
          /* 0 + d where the pooled value is > 0, else 0 */
          __m512 g = _mm512_maskz_add_ps (_mm512_cmp_ps_mask (ov, zero, _CMP_GT_OQ), zero, dv);
          __m512 g00 = _mm512_maskz_mov_ps (_mm512_cmpeq_epi32_mask (av, i0), g);
          __m512 g01 = _mm512_maskz_mov_ps (_mm512_cmpeq_epi32_mask (av, _mm512_add_epi32 (i0,
                                                                                      one)), g);
          __m512i i1 = _mm512_add_epi32 (i0, row);
          __m512 g10 = _mm512_maskz_mov_ps (_mm512_cmpeq_epi32_mask (av, i1), g);
          __m512 g11 = _mm512_maskz_mov_ps (_mm512_cmpeq_epi32_mask (av, _mm512_add_epi32 (i1,
                                                                                      one)), g);

          _mm512_mask_storeu_ps (r0 + 2 * w0, lo, _mm512_permutex2var_ps (g00, mix_lo, g01));
          _mm512_mask_storeu_ps (r0 + 2 * w0 + 16, hi, _mm512_permutex2var_ps (g00, mix_hi, g01));
          _mm512_mask_storeu_ps (r1 + 2 * w0, lo, _mm512_permutex2var_ps (g10, mix_lo, g11));
          _mm512_mask_storeu_ps (r1 + 2 * w0 + 16, hi, _mm512_permutex2var_ps (g10, mix_hi, g11));
        }
    }
}
#endif

void
nn_conv2d_relu_maxpool2_train_forward (float       *out,
                                       guint32     *argmax,
                                       const float *in,
                                       const float *weight,
                                       const float *bias,
                                       float       *col,
                                       float       *tmp,
                                       size_t       group,
                                       size_t       B,
                                       size_t       C,
                                       size_t       H,
                                       size_t       W,
                                       size_t       OC,
                                       size_t       K,
                                       size_t       pad)
{
  size_t OH = H + 2 * pad - K + 1, OW = W + 2 * pad - K + 1;
  size_t PH = OH / 2, PW = OW / 2;
  size_t CKK = C * K * K, OHW = OH * OW;
  gboolean vector = nn_sgemm_uses_avx512 ();

  g_return_if_fail (group > 0 && OH % 2 == 0 && OW % 2 == 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0);
      size_t ld = nb * OHW;

      for (size_t j = 0; j < nb; j++)
        im2col_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, C, H, W, K, pad);
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
              relu_pool_plane_avx512 (out + at, argmax + at, tmp + oc * ld + j * OHW, OH, OW);
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
  gboolean vector = nn_sgemm_uses_avx512 ();

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
            relu_pool_back_plane_avx512 (plane, dout + at, out + at, argmax + at, OH, OW);
          else
#endif
            relu_pool_back_plane_generic (plane, dout + at, out + at, argmax + at, n);
        }
    }
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

  g_return_if_fail (group > 0);

  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ld = nb * OHW;
      const float *dg = dout + b0 * OC * OHW;   /* (OC, nb·OH·OW) */

      for (size_t j = 0; j < nb; j++)
        im2col_ld (col + j * OHW, ld, in + (b0 + j) * C * H * W, C, H, W, K, pad);
      /* the weight and bias gradients image by image, in nn_conv2d_backward's order */
      for (size_t j = 0; j < nb; j++)
        {
          for (size_t oc = 0; oc < OC; oc++)
            {
              const float *row = dg + oc * ld + j * OHW;
              float part[8] = { 0 };
              float s = 0.0f;
              size_t p = 0;

              for (; p + 8 <= OHW; p += 8)
                for (int q = 0; q < 8; q++)
                  part[q] += row[p + q];
              for (; p < OHW; p++)
                s += row[p];
              for (int q = 0; q < 8; q++)
                s += part[q];
              dbias[oc] += s;
            }
          nn_sgemm (NN_NO_TRANS, NN_TRANS, OC, CKK, OHW, 1.0f, dg + j * OHW, ld, col + j * OHW,
                    ld, 1.0f, dweight, CKK);
        }
      /* the input gradient for the whole group in one GEMM: the weights are packed once */
      if (din != NULL)
        {
          nn_sgemm (NN_TRANS, NN_NO_TRANS, CKK, ld, OC, 1.0f, weight, CKK, dg, ld, 0.0f, dcol,
                    ld);
          memset (din + b0 * C * H * W, 0, sizeof (float) * nb * C * H * W);
          for (size_t j = 0; j < nb; j++)
            col2im_ld (din + (b0 + j) * C * H * W, dcol + j * OHW, ld, C, H, W, K, pad);
        }
    }
}

/* Winograd F(2×2, 3×3) (Lavin and Gray, 2016): each 2×2 block of outputs comes from a 4×4
 * block of input with 16 multiplies per channel pair instead of 36. Y = Aᵀ [(G g Gᵀ) ⊙ (Bᵀ d B)] A
 * with
 *   Bᵀ = [1 0 −1 0; 0 1 1 0; 0 −1 1 0; 0 1 0 −1],  G = [1 0 0; ½ ½ ½; ½ −½ ½; 0 0 1],
 *   Aᵀ = [1 1 1 0; 0 1 −1 −1].
 * The sums over channels of the 16 element-wise products are 16 GEMMs. A 2×2 output block is
 * exactly one 2×2 pooling window, so the output transform pools, adds the bias and clamps. */
gboolean
nn_conv2d_winograd_applies (size_t H,
                            size_t W,
                            size_t K,
                            size_t pad)
{
  return K == 3 && pad == 1 && H % 2 == 0 && W % 2 == 0 && H > 0 && W > 0;
}

/* One input plane (H, W) to its tiles' 16 transformed values: V[ξ·ld + ty·TW + tx]. padded
 * ((H + 2), (W + 2)) has a zero border; rows holds 4·(W + 2) floats. */
VECTOR_CLONES
static void
winograd_input_plane_generic (float       *V,
                              size_t       ld,
                              const float *plane,
                              float       *padded,
                              float       *rows,
                              size_t       H,
                              size_t       W)
{
  size_t PW = W + 2, TH = H / 2, TW = W / 2;
  float *r[4] = { rows, rows + PW, rows + 2 * PW, rows + 3 * PW };

  for (size_t y = 0; y < H; y++)
    memcpy (padded + (y + 1) * PW + 1, plane + y * W, sizeof (float) * W);
  for (size_t ty = 0; ty < TH; ty++)
    {
      const float *d0 = padded + 2 * ty * PW, *d1 = d0 + PW, *d2 = d1 + PW, *d3 = d2 + PW;
      float *v = V + ty * TW;

      /* Bᵀ d down the columns of the four input rows */
      for (size_t x = 0; x < PW; x++)
        {
          r[0][x] = d0[x] - d2[x];
          r[1][x] = d1[x] + d2[x];
          r[2][x] = d2[x] - d1[x];
          r[3][x] = d1[x] - d3[x];
        }
      /* then · B along each row, one tile per two columns */
      for (size_t i = 0; i < 4; i++)
        for (size_t tx = 0; tx < TW; tx++)
          {
            const float *q = r[i] + 2 * tx;

            v[(4 * i) * ld + tx] = q[0] - q[2];
            v[(4 * i + 1) * ld + tx] = q[1] + q[2];
            v[(4 * i + 2) * ld + tx] = q[2] - q[1];
            v[(4 * i + 3) * ld + tx] = q[1] - q[3];
          }
    }
}

/* Tile t's 2×2 outputs Aᵀ M A from its 16 products M[ξ·ld + t]: y = (y00, y01, y10, y11). */
static inline void
winograd_output_tile (float       *y,
                      const float *M,
                      size_t       ld,
                      size_t       t)
{
  float r0[4], r1[4];

  for (int k = 0; k < 4; k++)
    {
      float m0 = M[k * ld + t], m1 = M[(4 + k) * ld + t], m2 = M[(8 + k) * ld + t],
            m3 = M[(12 + k) * ld + t];

      r0[k] = m0 + m1 + m2;
      r1[k] = m1 - m2 - m3;
    }
  y[0] = r0[0] + r0[1] + r0[2];
  y[1] = r0[1] - r0[2] - r0[3];
  y[2] = r1[0] + r1[1] + r1[2];
  y[3] = r1[1] - r1[2] - r1[3];
}

/* n tiles' 16 products M[ξ·ld + t] to pooled outputs: max of Aᵀ M A, plus bias, clamped. */
VECTOR_CLONES
static void
winograd_output_pool_generic (float       *restrict out,
                              const float *restrict M,
                              size_t       ld,
                              size_t       n,
                              float        bias)
{
  for (size_t t = 0; t < n; t++)
    {
      float y[4], v;

      winograd_output_tile (y, M, ld, t);
      v = MAX (MAX (y[0], y[1]), MAX (y[2], y[3])) + bias;
      out[t] = v > 0.0f ? v : 0.0f;
    }
}

/* The same for training: each output of the window gets the bias and the ReLU, and the window's
 * winner is kept as an index into the (H, W) conv plane, ties going as in
 * relu_pool_plane_generic, so that nn_relu_maxpool2_backward takes it as it is. */
VECTOR_CLONES
static void
winograd_output_relu_pool_argmax_generic (float       *restrict out,
                                          guint32     *restrict argmax,
                                          const float *restrict M,
                                          size_t       ld,
                                          size_t       n,
                                          size_t       TW,
                                          size_t       W,
                                          float        bias)
{
  /* a row of tiles at a time, so that the loop over a row vectorises */
  for (size_t row = 0; row * TW < n; row++)
    for (size_t tx = 0; tx < TW; tx++)
      {
        size_t t = row * TW + tx;
        float y[4], v00, v01, v10, v11, top, bottom;
        guint32 i0 = (guint32) (2 * row * W + 2 * tx), itop, ibottom;

        winograd_output_tile (y, M, ld, t);
        v00 = y[0] + bias;
        v01 = y[1] + bias;
        v10 = y[2] + bias;
        v11 = y[3] + bias;
        v00 = v00 < 0.0f ? 0.0f : v00;
        v01 = v01 < 0.0f ? 0.0f : v01;
        v10 = v10 < 0.0f ? 0.0f : v10;
        v11 = v11 < 0.0f ? 0.0f : v11;
        top = v01 > v00 ? v01 : v00;
        itop = v01 > v00 ? i0 + 1 : i0;
        bottom = v11 > v10 ? v11 : v10;
        ibottom = (guint32) (v11 > v10 ? i0 + W + 1 : i0 + W);
        out[t] = bottom > top ? bottom : top;
        argmax[t] = bottom > top ? ibottom : itop;
      }
}

/* U[ξ][o][i] = (G g Gᵀ)[ξ] for each 3×3 kernel g of weight (OC, C, 3, 3): with o = oc, i = c;
 * or, flipped, the kernels of the input gradient's convolution: o = c, i = oc and g turned by
 * 180°. */
static void
winograd_weights (float       *U,
                  const float *weight,
                  size_t       OC,
                  size_t       C,
                  gboolean     flipped)
{
  size_t n_o = flipped ? C : OC, n_i = flipped ? OC : C;

  for (size_t oc = 0; oc < OC; oc++)
    for (size_t c = 0; c < C; c++)
      {
        const float *k = weight + (oc * C + c) * 9;
        float g[9], t[4][3], u[4][4];
        size_t o = flipped ? c : oc, in = flipped ? oc : c;

        for (int e = 0; e < 9; e++)
          g[e] = flipped ? k[8 - e] : k[e];
        for (int j = 0; j < 3; j++)
          {
            t[0][j] = g[j];
            t[1][j] = 0.5f * (g[j] + g[3 + j] + g[6 + j]);
            t[2][j] = 0.5f * (g[j] - g[3 + j] + g[6 + j]);
            t[3][j] = g[6 + j];
          }
        for (int r = 0; r < 4; r++)
          {
            u[r][0] = t[r][0];
            u[r][1] = 0.5f * (t[r][0] + t[r][1] + t[r][2]);
            u[r][2] = 0.5f * (t[r][0] - t[r][1] + t[r][2]);
            u[r][3] = t[r][2];
          }
        for (int xi = 0; xi < 16; xi++)
          U[(xi * n_o + o) * n_i + in] = u[xi / 4][xi % 4];
      }
}

/* n tiles' 16 products M[ξ·ld + t] to their 2×2 outputs Aᵀ M A, written into plane (H, W). */
VECTOR_CLONES
static void
winograd_output_plane_generic (float       *restrict plane,
                               const float *restrict M,
                               size_t       ld,
                               size_t       H,
                               size_t       W)
{
  size_t TH = H / 2, TW = W / 2;

  /* a row of tiles at a time: its two output rows, so that the loop over a row vectorises */
  for (size_t ty = 0; ty < TH; ty++)
    for (size_t tx = 0; tx < TW; tx++)
      {
        float y[4];
        float *o = plane + 2 * ty * W + 2 * tx;

        winograd_output_tile (y, M, ld, ty * TW + tx);
        o[0] = y[0];
        o[1] = y[1];
        o[W] = y[2];
        o[W + 1] = y[3];
      }
}

#if defined(__x86_64__) && defined(__GNUC__)
/* winograd_input_plane_generic with AVX2 for planes up to 14 pixels wide: a padded row is two
 * registers, whose even and odd columns give the four columns of every tile of the row at once
 * (seven tiles to the register). The same operations in the same order. */
__attribute__ ((target ("avx2")))
static void
winograd_input_plane_avx2 (float       *V,
                           size_t       ld,
                           const float *plane,
                           float       *padded,
                           size_t       H,
                           size_t       W)
{
  size_t TH = H / 2, TW = W / 2;
  const __m256i compact = _mm256_setr_epi32 (0, 1, 4, 5, 2, 3, 6, 7);
  const __m256i next = _mm256_setr_epi32 (1, 2, 3, 4, 5, 6, 7, 7);
  const __m256i store = _mm256_setr_epi32 (0, 1, 2, 3, 4, 5, 6, 7);
  __m256i tmask = _mm256_cmpgt_epi32 (_mm256_set1_epi32 ((int) TW), store);
  __m256 d[4][2];

  /* rows of 16: the plane's row between zeros, and zeros after it */
  for (size_t y = 0; y < H + 2; y++)
    {
      float *row = padded + y * 16;

      memset (row, 0, sizeof (float) * 16);
      if (y >= 1 && y <= H)
        memcpy (row + 1, plane + (y - 1) * W, sizeof (float) * W);
    }
  for (size_t ty = 0; ty < TH; ty++)
    {
      float *v = V + ty * TW;

      for (int k = 0; k < 4; k++)
        {
          d[k][0] = _mm256_loadu_ps (padded + (2 * ty + k) * 16);
          d[k][1] = _mm256_loadu_ps (padded + (2 * ty + k) * 16 + 8);
        }
      for (int i = 0; i < 4; i++)
        {
          __m256 r[2], even, odd, a, b, c, e;

          /* Bᵀ d down the columns */
          for (int h = 0; h < 2; h++)
            r[h] = i == 0 ? _mm256_sub_ps (d[0][h], d[2][h])
                 : i == 1 ? _mm256_add_ps (d[1][h], d[2][h])
                 : i == 2 ? _mm256_sub_ps (d[2][h], d[1][h])
                 : _mm256_sub_ps (d[1][h], d[3][h]);
          /* columns 0, 2, … 14 and 1, 3, … 15 of the row, in order */
          even = _mm256_permutevar8x32_ps (_mm256_shuffle_ps (r[0], r[1], 0x88), compact);
          odd = _mm256_permutevar8x32_ps (_mm256_shuffle_ps (r[0], r[1], 0xDD), compact);
          a = even;                                        /* column 2·tx */
          b = odd;                                         /* 2·tx + 1 */
          c = _mm256_permutevar8x32_ps (even, next);       /* 2·tx + 2 */
          e = _mm256_permutevar8x32_ps (odd, next);        /* 2·tx + 3 */
          /* then · B along the row */
          _mm256_maskstore_ps (v + (4 * i) * ld, tmask, _mm256_sub_ps (a, c));
          _mm256_maskstore_ps (v + (4 * i + 1) * ld, tmask, _mm256_add_ps (b, c));
          _mm256_maskstore_ps (v + (4 * i + 2) * ld, tmask, _mm256_sub_ps (c, b));
          _mm256_maskstore_ps (v + (4 * i + 3) * ld, tmask, _mm256_sub_ps (b, e));
        }
    }
}
#endif

#if defined(__x86_64__) && defined(__GNUC__)
/* The same two steps with AVX-512, sixteen tiles at a time; the input step for planes up to 14
 * pixels wide, so that a padded row fits one register. */
__attribute__ ((target ("avx512f")))
static void
winograd_input_plane_avx512 (float       *V,
                             size_t       ld,
                             const float *plane,
                             size_t       H,
                             size_t       W)
{
  size_t TH = H / 2, TW = W / 2;
  __mmask16 wmask = (__mmask16) ((1u << W) - 1), tmask = (__mmask16) ((1u << TW) - 1);
  /* columns 2·tx, 2·tx + 1, 2·tx + 2 and 2·tx + 3 of a padded row, for tile tx in lane tx */
  const __m512i ia = _mm512_setr_epi32 (0, 2, 4, 6, 8, 10, 12, 14, 0, 0, 0, 0, 0, 0, 0, 0);
  const __m512i ib = _mm512_add_epi32 (ia, _mm512_set1_epi32 (1));
  const __m512i ic = _mm512_add_epi32 (ia, _mm512_set1_epi32 (2));
  const __m512i id = _mm512_add_epi32 (ia, _mm512_set1_epi32 (3));
  __m512 d[4];

  for (size_t ty = 0; ty < TH; ty++)
    {
      float *v = V + ty * TW;

      /* padded rows 2·ty … 2·ty + 3 = [0, plane row, 0]: the row shifted up one lane */
      for (int k = 0; k < 4; k++)
        {
          ptrdiff_t y = (ptrdiff_t) (2 * ty) - 1 + k;

          d[k] = y < 0 || y >= (ptrdiff_t) H ? _mm512_setzero_ps ()
                 : _mm512_maskz_expand_ps ((__mmask16) 0xFFFE,
                                           _mm512_maskz_loadu_ps (wmask, plane + (size_t) y * W));
        }
      for (int i = 0; i < 4; i++)
        {
          /* Bᵀ d down the columns, then · B along the row */
          __m512 r = i == 0 ? _mm512_sub_ps (d[0], d[2])
                   : i == 1 ? _mm512_add_ps (d[1], d[2])
                   : i == 2 ? _mm512_sub_ps (d[2], d[1])
                   : _mm512_sub_ps (d[1], d[3]);
          __m512 a = _mm512_permutexvar_ps (ia, r), b = _mm512_permutexvar_ps (ib, r);
          __m512 c = _mm512_permutexvar_ps (ic, r), e = _mm512_permutexvar_ps (id, r);

          _mm512_mask_storeu_ps (v + (4 * i) * ld, tmask, _mm512_sub_ps (a, c));
          _mm512_mask_storeu_ps (v + (4 * i + 1) * ld, tmask, _mm512_add_ps (b, c));
          _mm512_mask_storeu_ps (v + (4 * i + 2) * ld, tmask, _mm512_sub_ps (c, b));
          _mm512_mask_storeu_ps (v + (4 * i + 3) * ld, tmask, _mm512_sub_ps (b, e));
        }
    }
}

__attribute__ ((target ("avx512f")))
static void
winograd_output_pool_avx512 (float       *out,
                             const float *M,
                             size_t       ld,
                             size_t       n,
                             float        bias)
{
  __m512 vbias = _mm512_set1_ps (bias), zero = _mm512_setzero_ps ();

  for (size_t t = 0; t < n; t += 16)
    {
      __mmask16 mask = n - t >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (n - t)) - 1);
      __m512 r0[4], r1[4], y00, y01, y10, y11, v;

      for (int k = 0; k < 4; k++)
        {
          __m512 m0 = _mm512_maskz_loadu_ps (mask, M + k * ld + t);
          __m512 m1 = _mm512_maskz_loadu_ps (mask, M + (4 + k) * ld + t);
          __m512 m2 = _mm512_maskz_loadu_ps (mask, M + (8 + k) * ld + t);
          __m512 m3 = _mm512_maskz_loadu_ps (mask, M + (12 + k) * ld + t);

          r0[k] = _mm512_add_ps (_mm512_add_ps (m0, m1), m2);
          r1[k] = _mm512_sub_ps (_mm512_sub_ps (m1, m2), m3);
        }
      y00 = _mm512_add_ps (_mm512_add_ps (r0[0], r0[1]), r0[2]);
      y01 = _mm512_sub_ps (_mm512_sub_ps (r0[1], r0[2]), r0[3]);
      y10 = _mm512_add_ps (_mm512_add_ps (r1[0], r1[1]), r1[2]);
      y11 = _mm512_sub_ps (_mm512_sub_ps (r1[1], r1[2]), r1[3]);
      v = _mm512_add_ps (_mm512_max_ps (_mm512_max_ps (y00, y01), _mm512_max_ps (y10, y11)),
                         vbias);
      _mm512_mask_storeu_ps (out + t, mask, _mm512_max_ps (v, zero));
    }
}

__attribute__ ((target ("avx512f")))
static void
winograd_output_relu_pool_argmax_avx512 (float       *out,
                                         guint32     *argmax,
                                         const float *M,
                                         size_t       ld,
                                         size_t       n,
                                         size_t       TW,
                                         size_t       W,
                                         float        bias)
{
  const __m512 vbias = _mm512_set1_ps (bias), zero = _mm512_setzero_ps ();
  const __m512i one = _mm512_set1_epi32 (1), row = _mm512_set1_epi32 ((int) W);
  size_t ty = 0, tx = 0;

  for (size_t t = 0; t < n; t += 16)
    {
      __mmask16 mask = n - t >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (n - t)) - 1);
      guint32 first[16];
      __m512 r0[4], r1[4], v00, v01, v10, v11, top, bottom;
      __m512i i0, i1, itop, ibottom;
      __mmask16 right, right_low, low;

      /* each lane's window: its top-left element in the conv plane */
      for (int lane = 0; lane < 16; lane++)
        {
          first[lane] = (guint32) (2 * ty * W + 2 * tx);
          if (++tx == TW)
            tx = 0, ty++;
        }
      i0 = _mm512_loadu_si512 (first);
      for (int k = 0; k < 4; k++)
        {
          __m512 m0 = _mm512_maskz_loadu_ps (mask, M + k * ld + t);
          __m512 m1 = _mm512_maskz_loadu_ps (mask, M + (4 + k) * ld + t);
          __m512 m2 = _mm512_maskz_loadu_ps (mask, M + (8 + k) * ld + t);
          __m512 m3 = _mm512_maskz_loadu_ps (mask, M + (12 + k) * ld + t);

          r0[k] = _mm512_add_ps (_mm512_add_ps (m0, m1), m2);
          r1[k] = _mm512_sub_ps (_mm512_sub_ps (m1, m2), m3);
        }
      /* (a + b + c) + bias, clamped as max (0, x) keeps x for −0 and NaN like x < 0 ? 0 : x */
      v00 = _mm512_max_ps (zero, _mm512_add_ps (_mm512_add_ps (_mm512_add_ps (r0[0], r0[1]),
                                                               r0[2]), vbias));
      v01 = _mm512_max_ps (zero, _mm512_add_ps (_mm512_sub_ps (_mm512_sub_ps (r0[1], r0[2]),
                                                               r0[3]), vbias));
      v10 = _mm512_max_ps (zero, _mm512_add_ps (_mm512_add_ps (_mm512_add_ps (r1[0], r1[1]),
                                                               r1[2]), vbias));
      v11 = _mm512_max_ps (zero, _mm512_add_ps (_mm512_sub_ps (_mm512_sub_ps (r1[1], r1[2]),
                                                               r1[3]), vbias));
      right = _mm512_cmp_ps_mask (v01, v00, _CMP_GT_OQ);
      right_low = _mm512_cmp_ps_mask (v11, v10, _CMP_GT_OQ);
      top = _mm512_mask_blend_ps (right, v00, v01);
      bottom = _mm512_mask_blend_ps (right_low, v10, v11);
      itop = _mm512_mask_add_epi32 (i0, right, i0, one);
      i1 = _mm512_add_epi32 (i0, row);
      ibottom = _mm512_mask_add_epi32 (i1, right_low, i1, one);
      low = _mm512_cmp_ps_mask (bottom, top, _CMP_GT_OQ);
      _mm512_mask_storeu_ps (out + t, mask, _mm512_mask_blend_ps (low, top, bottom));
      _mm512_mask_storeu_epi32 (argmax + t, mask, _mm512_mask_blend_epi32 (low, itop, ibottom));
    }
}

/* winograd_output_plane_generic for planes up to 16 wide: a row of tiles at a time, its two
 * output rows interleaved from the tiles' left and right columns. */
__attribute__ ((target ("avx512f")))
static void
winograd_output_plane_avx512 (float       *plane,
                              const float *M,
                              size_t       ld,
                              size_t       H,
                              size_t       W)
{
  size_t TH = H / 2, TW = W / 2;
  __mmask16 tmask = (__mmask16) ((1u << TW) - 1), wmask = (__mmask16) ((1u << W) - 1);
  const __m512i mix = _mm512_setr_epi32 (0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);

  for (size_t ty = 0; ty < TH; ty++)
    {
      const float *m = M + ty * TW;
      __m512 r0[4], r1[4], y00, y01, y10, y11;

      for (int k = 0; k < 4; k++)
        {
          __m512 m0 = _mm512_maskz_loadu_ps (tmask, m + k * ld);
          __m512 m1 = _mm512_maskz_loadu_ps (tmask, m + (4 + k) * ld);
          __m512 m2 = _mm512_maskz_loadu_ps (tmask, m + (8 + k) * ld);
          __m512 m3 = _mm512_maskz_loadu_ps (tmask, m + (12 + k) * ld);

          r0[k] = _mm512_add_ps (_mm512_add_ps (m0, m1), m2);
          r1[k] = _mm512_sub_ps (_mm512_sub_ps (m1, m2), m3);
        }
      y00 = _mm512_add_ps (_mm512_add_ps (r0[0], r0[1]), r0[2]);
      y01 = _mm512_sub_ps (_mm512_sub_ps (r0[1], r0[2]), r0[3]);
      y10 = _mm512_add_ps (_mm512_add_ps (r1[0], r1[1]), r1[2]);
      y11 = _mm512_sub_ps (_mm512_sub_ps (r1[1], r1[2]), r1[3]);
      _mm512_mask_storeu_ps (plane + 2 * ty * W, wmask, _mm512_permutex2var_ps (y00, mix, y01));
      _mm512_mask_storeu_ps (plane + (2 * ty + 1) * W, wmask,
                             _mm512_permutex2var_ps (y10, mix, y11));
    }
}

#endif

/* Floats added between the 16 blocks of V and of M. Blocks of C·ld floats are often a multiple of
 * 4 KiB apart, so the 16 values of one tile would share an L1 set and evict each other; one cache
 * line more per block spreads them over 16 sets. */
#define SKEW 16

size_t
nn_conv2d_winograd_workspace (size_t C,
                              size_t H,
                              size_t W,
                              size_t OC,
                              size_t group)
{
  size_t T = (group * (H / 2) * (W / 2) + 31) & ~(size_t) 31;

  /* U (16, OC, C), V (16, C, T), M (16, OC, T) with their 16 blocks SKEW apart, one padded input
   * plane (rows of at least 16 for the AVX2 transform), four transformed rows, and room to align
   * the first three on 64 bytes */
  return 16 * OC * C + 16 * (C * T + SKEW) + 16 * (OC * T + SKEW) +
         (H + 2) * MAX (W + 2, (size_t) 16) + 4 * (W + 2) + 3 * 16;
}

/* The parts of a Winograd convolution's workspace, laid out in work: U (16, n_out, n_in),
 * V (16, n_in, T) and M (16, n_out, T) with their 16 blocks SKEW apart, a padded plane with its
 * zero border written (rows W + 2 apart; the AVX2 transform lays out its own, 16 apart), and four
 * rows. */
typedef struct
{
  float *U, *V, *M, *padded, *rows;
} WinogradWork;

static void
winograd_work_init (WinogradWork *w,
                    float        *work,
                    size_t        n_out,
                    size_t        n_in,
                    size_t        T,
                    size_t        H,
                    size_t        W)
{
#define ALIGN16(p) ((float *) (((guintptr) (p) + 63) & ~(guintptr) 63))
  w->U = ALIGN16 (work);
  w->V = ALIGN16 (w->U + 16 * n_out * n_in);
  w->M = ALIGN16 (w->V + 16 * (n_in * T + SKEW));
  w->padded = w->M + 16 * (n_out * T + SKEW);
  w->rows = w->padded + (H + 2) * MAX (W + 2, (size_t) 16);
#undef ALIGN16
  /* interiors are overwritten plane by plane */
  memset (w->padded, 0, sizeof (float) * (H + 2) * (W + 2));
}

/* One group of nb images: their n_in input planes (plane i of image j at
 * in + j·image_stride + i·plane_stride) to V[ξ][i][t] = (Bᵀ d B)[ξ] for tile t = j·n_tiles +
 * ty·TW + tx, then the element-wise products summed over the inputs, 16 GEMMs:
 * M[ξ] (n_out, ld) = U[ξ] (n_out, n_in) · V[ξ]. Returns ld, the row length of V and M (whole
 * micro-tiles, so that no GEMM tile is partial); *ms is the distance between blocks of M. */
static size_t
winograd_multiply (const WinogradWork *w,
                   const float        *in,
                   size_t              image_stride,
                   size_t              plane_stride,
                   size_t              nb,
                   size_t              n_in,
                   size_t              n_out,
                   size_t              H,
                   size_t              W,
                   size_t             *ms)
{
  size_t n_tiles = (H / 2) * (W / 2), Tn = nb * n_tiles, ld = (Tn + 31) & ~(size_t) 31;
  size_t vs = n_in * ld + SKEW;
  gboolean vector = nn_sgemm_uses_avx512 (), avx2 = nn_sgemm_uses_avx2 ();

  *ms = n_out * ld + SKEW;
  for (size_t xi = 0; xi < 16; xi++)
    for (size_t i = 0; i < n_in; i++)
      memset (w->V + xi * vs + i * ld + Tn, 0, sizeof (float) * (ld - Tn));
  for (size_t j = 0; j < nb; j++)
    for (size_t i = 0; i < n_in; i++)
      {
        const float *plane = in + j * image_stride + i * plane_stride;
        float *v = w->V + i * ld + j * n_tiles;

#if defined(__x86_64__) && defined(__GNUC__)
        if (vector && W <= 14)
          winograd_input_plane_avx512 (v, vs, plane, H, W);
        else if (avx2 && W <= 14)
          winograd_input_plane_avx2 (v, vs, plane, w->padded, H, W);
        else
#endif
          winograd_input_plane_generic (v, vs, plane, w->padded, w->rows, H, W);
      }
  for (size_t xi = 0; xi < 16; xi++)
    nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, n_out, ld, n_in, 1.0f, w->U + xi * n_out * n_in, n_in,
              w->V + xi * vs, ld, 0.0f, w->M + xi * *ms, ld);
  return ld;
}

void
nn_conv2d_winograd_relu_maxpool2_forward (float       *out,
                                          guint32     *argmax,
                                          const float *in,
                                          const float *weight,
                                          const float *bias,
                                          float       *work,
                                          size_t       group,
                                          size_t       B,
                                          size_t       C,
                                          size_t       H,
                                          size_t       W,
                                          size_t       OC)
{
  size_t TW = W / 2, n_tiles = (H / 2) * TW, HW = H * W;
  gboolean vector = nn_sgemm_uses_avx512 ();
  WinogradWork w;

  g_return_if_fail (group > 0 && nn_conv2d_winograd_applies (H, W, 3, 1));

  winograd_work_init (&w, work, OC, C, (group * n_tiles + 31) & ~(size_t) 31, H, W);
  /* weights: U[ξ][oc][c] = (G g Gᵀ)[ξ] */
  winograd_weights (w.U, weight, OC, C, FALSE);
  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ms;
      size_t ld = winograd_multiply (&w, in + b0 * C * HW, C * HW, HW, nb, C, OC, H, W, &ms);

      /* outputs: Y = Aᵀ M A is one pooling window; pool, add the bias, clamp, and for training
       * keep each window's winner */
      for (size_t oc = 0; oc < OC; oc++)
        for (size_t j = 0; j < nb; j++)
          {
            size_t at = ((b0 + j) * OC + oc) * n_tiles;
            const float *m = w.M + oc * ld + j * n_tiles;

#if defined(__x86_64__) && defined(__GNUC__)
            if (vector && argmax != NULL)
              winograd_output_relu_pool_argmax_avx512 (out + at, argmax + at, m, ms,
                                                       n_tiles, TW, W, bias[oc]);
            else if (vector)
              winograd_output_pool_avx512 (out + at, m, ms, n_tiles, bias[oc]);
            else
#endif
            if (argmax != NULL)
              winograd_output_relu_pool_argmax_generic (out + at, argmax + at, m, ms,
                                                        n_tiles, TW, W, bias[oc]);
            else
              winograd_output_pool_generic (out + at, m, ms, n_tiles, bias[oc]);
          }
    }
}

void
nn_conv2d_winograd_backward_input (float       *din,
                                   const float *dout,
                                   const float *weight,
                                   float       *work,
                                   size_t       group,
                                   size_t       B,
                                   size_t       C,
                                   size_t       H,
                                   size_t       W,
                                   size_t       OC)
{
  size_t n_tiles = (H / 2) * (W / 2), HW = H * W;
  gboolean vector = nn_sgemm_uses_avx512 ();
  WinogradWork w;

  g_return_if_fail (group > 0 && nn_conv2d_winograd_applies (H, W, 3, 1));

  /* din is dout convolved, padding 1, with the kernels turned by 180° and C and OC swapped; the
   * workspace is the forward's, whose size is symmetric in C and OC */
  winograd_work_init (&w, work, C, OC, (group * n_tiles + 31) & ~(size_t) 31, H, W);
  winograd_weights (w.U, weight, OC, C, TRUE);
  for (size_t b0 = 0; b0 < B; b0 += group)
    {
      size_t nb = MIN (group, B - b0), ms;
      /* the group's gradients are (OC, nb·H·W): plane oc of image j at oc·nb·HW + j·HW */
      size_t ld = winograd_multiply (&w, dout + b0 * OC * HW, HW, nb * HW, nb, OC, C, H, W,
                                     &ms);

      for (size_t j = 0; j < nb; j++)
        for (size_t c = 0; c < C; c++)
          {
            float *plane = din + ((b0 + j) * C + c) * HW;
            const float *m = w.M + c * ld + j * n_tiles;

#if defined(__x86_64__) && defined(__GNUC__)
            if (vector && W <= 16)
              winograd_output_plane_avx512 (plane, m, ms, H, W);
            else
#endif
              winograd_output_plane_generic (plane, m, ms, H, W);
          }
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
  /* groups of one image are the plain (B, OC, OH, OW) layout */
  nn_conv2d_backward_grouped (din, dweight, dbias, dout, in, weight, col, dcol, 1, B, C, H, W,
                              OC, K, pad);
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
