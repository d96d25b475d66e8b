/* nn-dense-avx512.c: the dot product of nn-dense.c's few-sample path with AVX-512 */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dense.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__ ((target ("avx512f")))
float
nn_dense_dot_avx512 (const float *a,
                     const float *b,
                     size_t       n)
{
  __m512 acc0 = _mm512_setzero_ps (), acc1 = _mm512_setzero_ps ();
  size_t k = 0;

  for (; k + 32 <= n; k += 32)
    {
      acc0 = _mm512_fmadd_ps (_mm512_loadu_ps (a + k), _mm512_loadu_ps (b + k), acc0);
      acc1 = _mm512_fmadd_ps (_mm512_loadu_ps (a + k + 16), _mm512_loadu_ps (b + k + 16), acc1);
    }
  for (; k < n; k += 16)
    {
      __mmask16 m = n - k >= 16 ? (__mmask16) 0xFFFF : (__mmask16) ((1u << (n - k)) - 1);

      acc0 = _mm512_fmadd_ps (_mm512_maskz_loadu_ps (m, a + k), _mm512_maskz_loadu_ps (m, b + k),
                              acc0);
    }
  return _mm512_reduce_add_ps (_mm512_add_ps (acc0, acc1));
}
#endif
