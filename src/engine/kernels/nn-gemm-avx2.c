/* nn-gemm-avx2.c: the AVX2/FMA micro-kernel (6×16 tile) and 8×8 transpose of nn-gemm.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-gemm-private.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>

__attribute__ ((target ("avx2")))
void
nn_gemm_transpose8_avx2 (const float *src,
                         size_t       ld_src,
                         float       *dst,
                         size_t       ld_dst)
{
  __m256 r0 = _mm256_loadu_ps (src), r1 = _mm256_loadu_ps (src + ld_src);
  __m256 r2 = _mm256_loadu_ps (src + 2 * ld_src), r3 = _mm256_loadu_ps (src + 3 * ld_src);
  __m256 r4 = _mm256_loadu_ps (src + 4 * ld_src), r5 = _mm256_loadu_ps (src + 5 * ld_src);
  __m256 r6 = _mm256_loadu_ps (src + 6 * ld_src), r7 = _mm256_loadu_ps (src + 7 * ld_src);
  __m256 t0 = _mm256_unpacklo_ps (r0, r1), t1 = _mm256_unpackhi_ps (r0, r1);
  __m256 t2 = _mm256_unpacklo_ps (r2, r3), t3 = _mm256_unpackhi_ps (r2, r3);
  __m256 t4 = _mm256_unpacklo_ps (r4, r5), t5 = _mm256_unpackhi_ps (r4, r5);
  __m256 t6 = _mm256_unpacklo_ps (r6, r7), t7 = _mm256_unpackhi_ps (r6, r7);
  __m256 u0 = _mm256_shuffle_ps (t0, t2, 0x44), u1 = _mm256_shuffle_ps (t0, t2, 0xEE);
  __m256 u2 = _mm256_shuffle_ps (t1, t3, 0x44), u3 = _mm256_shuffle_ps (t1, t3, 0xEE);
  __m256 u4 = _mm256_shuffle_ps (t4, t6, 0x44), u5 = _mm256_shuffle_ps (t4, t6, 0xEE);
  __m256 u6 = _mm256_shuffle_ps (t5, t7, 0x44), u7 = _mm256_shuffle_ps (t5, t7, 0xEE);

  _mm256_storeu_ps (dst, _mm256_permute2f128_ps (u0, u4, 0x20));
  _mm256_storeu_ps (dst + ld_dst, _mm256_permute2f128_ps (u1, u5, 0x20));
  _mm256_storeu_ps (dst + 2 * ld_dst, _mm256_permute2f128_ps (u2, u6, 0x20));
  _mm256_storeu_ps (dst + 3 * ld_dst, _mm256_permute2f128_ps (u3, u7, 0x20));
  _mm256_storeu_ps (dst + 4 * ld_dst, _mm256_permute2f128_ps (u0, u4, 0x31));
  _mm256_storeu_ps (dst + 5 * ld_dst, _mm256_permute2f128_ps (u1, u5, 0x31));
  _mm256_storeu_ps (dst + 6 * ld_dst, _mm256_permute2f128_ps (u2, u6, 0x31));
  _mm256_storeu_ps (dst + 7 * ld_dst, _mm256_permute2f128_ps (u3, u7, 0x31));
}

/* 6×16: two ymm of B per k, each A value broadcast into a pair of FMAs (12 accumulators). */
__attribute__ ((target ("avx2,fma")))
void
nn_gemm_kernel_avx2 (size_t       kc,
                     const float *a,
                     const float *b,
                     float       *c,
                     size_t       ldc,
                     float        alpha,
                     float        beta)
{
  __m256 c00 = _mm256_setzero_ps (), c01 = _mm256_setzero_ps ();
  __m256 c10 = _mm256_setzero_ps (), c11 = _mm256_setzero_ps ();
  __m256 c20 = _mm256_setzero_ps (), c21 = _mm256_setzero_ps ();
  __m256 c30 = _mm256_setzero_ps (), c31 = _mm256_setzero_ps ();
  __m256 c40 = _mm256_setzero_ps (), c41 = _mm256_setzero_ps ();
  __m256 c50 = _mm256_setzero_ps (), c51 = _mm256_setzero_ps ();
  __m256 va, vb0, vb1, valpha, vbeta;

  for (size_t k = 0; k < kc; k++)
    {
      vb0 = _mm256_loadu_ps (b);
      vb1 = _mm256_loadu_ps (b + 8);
      va = _mm256_broadcast_ss (a + 0);
      c00 = _mm256_fmadd_ps (va, vb0, c00);
      c01 = _mm256_fmadd_ps (va, vb1, c01);
      va = _mm256_broadcast_ss (a + 1);
      c10 = _mm256_fmadd_ps (va, vb0, c10);
      c11 = _mm256_fmadd_ps (va, vb1, c11);
      va = _mm256_broadcast_ss (a + 2);
      c20 = _mm256_fmadd_ps (va, vb0, c20);
      c21 = _mm256_fmadd_ps (va, vb1, c21);
      va = _mm256_broadcast_ss (a + 3);
      c30 = _mm256_fmadd_ps (va, vb0, c30);
      c31 = _mm256_fmadd_ps (va, vb1, c31);
      va = _mm256_broadcast_ss (a + 4);
      c40 = _mm256_fmadd_ps (va, vb0, c40);
      c41 = _mm256_fmadd_ps (va, vb1, c41);
      va = _mm256_broadcast_ss (a + 5);
      c50 = _mm256_fmadd_ps (va, vb0, c50);
      c51 = _mm256_fmadd_ps (va, vb1, c51);
      a += 6;
      b += 16;
    }

  valpha = _mm256_set1_ps (alpha);
  vbeta = _mm256_set1_ps (beta);
#define STORE_ROW(r, lo, hi)                                                               \
  do {                                                                                     \
    float *row = c + (r) * ldc;                                                            \
    __m256 x0 = _mm256_mul_ps (valpha, lo), x1 = _mm256_mul_ps (valpha, hi);               \
    if (beta != 0.0f)                                                                      \
      {                                                                                    \
        x0 = _mm256_fmadd_ps (vbeta, _mm256_loadu_ps (row), x0);                           \
        x1 = _mm256_fmadd_ps (vbeta, _mm256_loadu_ps (row + 8), x1);                       \
      }                                                                                    \
    _mm256_storeu_ps (row, x0);                                                            \
    _mm256_storeu_ps (row + 8, x1);                                                        \
  } while (0)
  STORE_ROW (0, c00, c01);
  STORE_ROW (1, c10, c11);
  STORE_ROW (2, c20, c21);
  STORE_ROW (3, c30, c31);
  STORE_ROW (4, c40, c41);
  STORE_ROW (5, c50, c51);
#undef STORE_ROW
}
#endif
