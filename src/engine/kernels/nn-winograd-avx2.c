/* nn-winograd-avx2.c: the Winograd input transform with AVX2, for planes up to 14 pixels wide */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-conv2d-private.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

/* winograd_input_plane_generic with AVX2 for planes up to 14 pixels wide: a padded row is two
 * registers, whose even and odd columns give the four columns of every tile of the row at once
 * (seven tiles to the register). The same operations in the same order. */
__attribute__ ((target ("avx2")))
void
nn_winograd_input_plane_avx2 (float       *V,
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
