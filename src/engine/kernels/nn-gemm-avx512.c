/* nn-gemm-avx512.c: the AVX-512 micro-kernel (8×32 tile) of nn-gemm.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-gemm-private.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

/* 8×32: two zmm of B per k, each A value broadcast from memory into eight pairs of FMAs. */
__attribute__ ((target ("avx512f")))
void
nn_gemm_kernel_avx512 (size_t       kc,
                       const float *a,
                       const float *b,
                       float       *c,
                       size_t       ldc,
                       float        alpha,
                       float        beta)
{
  __m512 acc[8][2];
  __m512 valpha, vbeta;

  for (int r = 0; r < 8; r++)
    acc[r][0] = acc[r][1] = _mm512_setzero_ps ();
  for (size_t k = 0; k < kc; k++)
    {
      __m512 vb0 = _mm512_loadu_ps (b);
      __m512 vb1 = _mm512_loadu_ps (b + 16);

      for (int r = 0; r < 8; r++)
        {
          __m512 va = _mm512_set1_ps (a[r]);

          acc[r][0] = _mm512_fmadd_ps (va, vb0, acc[r][0]);
          acc[r][1] = _mm512_fmadd_ps (va, vb1, acc[r][1]);
        }
      a += 8;
      b += 32;
    }

  valpha = _mm512_set1_ps (alpha);
  vbeta = _mm512_set1_ps (beta);
  for (int r = 0; r < 8; r++)
    {
      float *row = c + r * ldc;
      __m512 x0 = _mm512_mul_ps (valpha, acc[r][0]), x1 = _mm512_mul_ps (valpha, acc[r][1]);

      if (beta != 0.0f)
        {
          x0 = _mm512_fmadd_ps (vbeta, _mm512_loadu_ps (row), x0);
          x1 = _mm512_fmadd_ps (vbeta, _mm512_loadu_ps (row + 16), x1);
        }
      _mm512_storeu_ps (row, x0);
      _mm512_storeu_ps (row + 16, x1);
    }
}
#endif
