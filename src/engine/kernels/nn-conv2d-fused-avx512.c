/* nn-conv2d-fused-avx512.c: the fused step's ReLU-and-pool planes with AVX-512 */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d-private.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The same with AVX-512, sixteen windows of a row at a time. The even and odd columns are
 * separated by permutes; max (0, x) keeps NaN and −0 as x < 0 ? 0 : x does, and the ordered
 * greater-than compares like C's >. */
__attribute__ ((target ("avx512f")))
void
nn_relu_pool_plane_avx512 (float       *o,
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
void
nn_relu_pool_back_plane_avx512 (float         *plane,
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
