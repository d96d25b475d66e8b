/* nn-dense.c: fully connected forward and backward as GEMMs, and as dot products for a few samples */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-dense.h"

#include "nn-gemm.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>

__attribute__ ((target ("avx512f")))
static float
dot_avx512 (const float *a,
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

/* Sixteen independent partial sums, which the compiler keeps in vector registers. */
static float
dot_generic (const float *a,
             const float *b,
             size_t       n)
{
  float acc[16] = { 0 };
  float s = 0.0f;
  size_t k = 0;

  for (; k + 16 <= n; k += 16)
    for (int j = 0; j < 16; j++)
      acc[j] += a[k + j] * b[k + j];
  for (; k < n; k++)
    s += a[k] * b[k];
  for (int j = 0; j < 16; j++)
    s += acc[j];
  return s;
}

void
nn_dense_forward (float       *out,
                  const float *in,
                  const float *weight,
                  const float *bias,
                  size_t       B,
                  size_t       IN,
                  size_t       OUT)
{
  /* A few samples: one pass over the weights as dot products costs less than packing them for
   * a GEMM (a drawn digit is a batch of one). */
  if (B <= 4)
    {
      gboolean avx512 = nn_sgemm_uses_avx512 ();

      for (size_t b = 0; b < B; b++)
        for (size_t o = 0; o < OUT; o++)
          {
            const float *w = weight + o * IN, *x = in + b * IN;
            float d;

#if defined(__x86_64__) && defined(__GNUC__)
            if (avx512)
              d = dot_avx512 (w, x, IN);
            else
#endif
              d = dot_generic (w, x, IN);
            out[b * OUT + o] = bias[o] + d;
          }
      (void) avx512;
      return;
    }

  for (size_t b = 0; b < B; b++)
    for (size_t o = 0; o < OUT; o++)
      out[b * OUT + o] = bias[o];
  /* out += in · weightᵀ */
  nn_sgemm (NN_NO_TRANS, NN_TRANS, B, OUT, IN, 1.0f, in, IN, weight, IN, 1.0f, out, OUT);
}

void
nn_dense_backward (float       *din,
                   float       *dweight,
                   float       *dbias,
                   const float *dout,
                   const float *in,
                   const float *weight,
                   size_t       B,
                   size_t       IN,
                   size_t       OUT)
{
  for (size_t b = 0; b < B; b++)
    for (size_t o = 0; o < OUT; o++)
      dbias[o] += dout[b * OUT + o];
  /* dweight += doutᵀ · in */
  nn_sgemm (NN_TRANS, NN_NO_TRANS, OUT, IN, B, 1.0f, dout, OUT, in, IN, 1.0f, dweight, IN);
  /* din = dout · weight */
  if (din != NULL)
    nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, B, IN, OUT, 1.0f, dout, OUT, weight, IN, 0.0f, din, IN);
}
