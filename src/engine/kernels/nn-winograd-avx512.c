/* nn-winograd-avx512.c: the Winograd transforms with AVX-512, sixteen tiles at a time */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d-private.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* The same two steps with AVX-512, sixteen tiles at a time; the input step for planes up to 14
 * pixels wide, so that a padded row fits one register. */
__attribute__ ((target ("avx512f")))
void
nn_winograd_input_plane_avx512 (float       *V,
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
void
nn_winograd_output_pool_avx512 (float       *out,
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
void
nn_winograd_output_relu_pool_argmax_avx512 (float       *out,
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
void
nn_winograd_output_plane_avx512 (float       *plane,
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
