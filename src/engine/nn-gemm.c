/* nn-gemm.c: blocked, packed SGEMM with an AVX2/FMA micro-kernel chosen at run time */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-gemm.h"

#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#define HAVE_X86 1
#endif

/* Micro-tile MR×NR; cache blocks MC×KC of op(A) and KC×NC of op(B), packed on the stack.
 * KC·NR floats of B (16 KiB) stay in L1 while a 6×16 tile accumulates in 12 registers. */
#define MR 6
#define NR 16
#define KC 256
#define MC 96
#define NC 384

typedef void (*MicroKernel) (size_t       kc,
                             const float *a,    /* (kc, MR) packed */
                             const float *b,    /* (kc, NR) packed */
                             float       *c,    /* (MR, NR) tile, row stride ldc */
                             size_t       ldc,
                             float        alpha,
                             float        beta);

static inline float
get_a (NnTranspose  t,
       const float *A,
       size_t       lda,
       size_t       i,
       size_t       k)
{
  return t == NN_NO_TRANS ? A[i * lda + k] : A[k * lda + i];
}

void
nn_sgemm_ref (NnTranspose  trans_a,
              NnTranspose  trans_b,
              size_t       M,
              size_t       N,
              size_t       K,
              float        alpha,
              const float *A,
              size_t       lda,
              const float *B,
              size_t       ldb,
              float        beta,
              float       *C,
              size_t       ldc)
{
  for (size_t i = 0; i < M; i++)
    for (size_t j = 0; j < N; j++)
      {
        double sum = 0;

        for (size_t k = 0; k < K; k++)
          sum += (double) get_a (trans_a, A, lda, i, k) *
                 (trans_b == NN_NO_TRANS ? B[k * ldb + j] : B[j * ldb + k]);
        C[i * ldc + j] = (float) (alpha * sum + (beta == 0.0f ? 0.0 : beta * C[i * ldc + j]));
      }
}

/* Packs rows [i0, i0+mc) × cols [k0, k0+kc) of op(A) into MR-row panels, zero-padded. */
static void
pack_a (NnTranspose  t,
        const float *A,
        size_t       lda,
        size_t       i0,
        size_t       mc,
        size_t       k0,
        size_t       kc,
        float       *dst)    /* (ceil(mc/MR), kc, MR) */
{
  for (size_t ip = 0; ip < mc; ip += MR)
    {
      size_t mr = MIN (MR, mc - ip);

      if (t == NN_TRANS)
        {
          /* op(A)(i, k) = A[k, i]: rows of A are contiguous in i */
          for (size_t k = 0; k < kc; k++)
            {
              const float *src = A + (k0 + k) * lda + i0 + ip;
              size_t r = 0;

              for (; r < mr; r++)
                dst[r] = src[r];
              for (; r < MR; r++)
                dst[r] = 0.0f;
              dst += MR;
            }
        }
      else
        {
          for (size_t k = 0; k < kc; k++)
            {
              size_t r = 0;

              for (; r < mr; r++)
                dst[r] = A[(i0 + ip + r) * lda + k0 + k];
              for (; r < MR; r++)
                dst[r] = 0.0f;
              dst += MR;
            }
        }
    }
}

/* Packs rows [k0, k0+kc) × cols [j0, j0+nc) of op(B) into NR-column panels, zero-padded. */
static void
pack_b (NnTranspose  t,
        const float *B,
        size_t       ldb,
        size_t       k0,
        size_t       kc,
        size_t       j0,
        size_t       nc,
        float       *dst)    /* (ceil(nc/NR), kc, NR) */
{
  for (size_t jp = 0; jp < nc; jp += NR)
    {
      size_t nr = MIN (NR, nc - jp);

      if (t == NN_NO_TRANS)
        {
          for (size_t k = 0; k < kc; k++)
            {
              const float *src = B + (k0 + k) * ldb + j0 + jp;

              if (nr == NR)
                memcpy (dst, src, sizeof (float) * NR);
              else
                {
                  memcpy (dst, src, sizeof (float) * nr);
                  memset (dst + nr, 0, sizeof (float) * (NR - nr));
                }
              dst += NR;
            }
        }
      else
        {
          /* op(B)(k, j) = B[j, k]: transpose NR rows of B, each contiguous in k */
          for (size_t c = 0; c < NR; c++)
            {
              if (c < nr)
                {
                  const float *src = B + (j0 + jp + c) * ldb + k0;

                  for (size_t k = 0; k < kc; k++)
                    dst[k * NR + c] = src[k];
                }
              else
                for (size_t k = 0; k < kc; k++)
                  dst[k * NR + c] = 0.0f;
            }
          dst += kc * NR;
        }
    }
}

static void
kernel_generic (size_t       kc,
                const float *a,
                const float *b,
                float       *c,
                size_t       ldc,
                float        alpha,
                float        beta)
{
  float acc[MR][NR] = { { 0 } };

  for (size_t k = 0; k < kc; k++)
    {
      for (int r = 0; r < MR; r++)
        {
          float av = a[r];

          for (int j = 0; j < NR; j++)
            acc[r][j] += av * b[j];
        }
      a += MR;
      b += NR;
    }
  for (int r = 0; r < MR; r++)
    for (int j = 0; j < NR; j++)
      c[r * ldc + j] = alpha * acc[r][j] + (beta == 0.0f ? 0.0f : beta * c[r * ldc + j]);
}

#ifdef HAVE_X86
__attribute__ ((target ("avx2,fma")))
static void
kernel_avx2 (size_t       kc,
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
      a += MR;
      b += NR;
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

typedef struct
{
  const char  *name;
  MicroKernel  kernel;
} KernelChoice;

static const KernelChoice *
choose_kernel (void)
{
  static const KernelChoice generic = { "generic", kernel_generic };
#ifdef HAVE_X86
  static const KernelChoice avx2 = { "avx2-fma", kernel_avx2 };
  static gsize chosen = 0;

  if (g_once_init_enter (&chosen))
    {
      const KernelChoice *k = &generic;

      __builtin_cpu_init ();
      if (__builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma"))
        k = &avx2;
      g_once_init_leave (&chosen, (gsize) k);
    }
  return (const KernelChoice *) chosen;
#else
  return &generic;
#endif
}

const char *
nn_sgemm_kernel_name (void)
{
  return choose_kernel ()->name;
}

/* The blocked algorithm with a given micro-kernel. */
static void
nn_sgemm_with_kernel (MicroKernel  kernel,
                      NnTranspose  trans_a,
                      NnTranspose  trans_b,
                      size_t       M,
                      size_t       N,
                      size_t       K,
                      float        alpha,
                      const float *A,
                      size_t       lda,
                      const float *B,
                      size_t       ldb,
                      float        beta,
                      float       *C,
                      size_t       ldc)
{
  float a_pack[MC * KC] __attribute__ ((aligned (64)));                    /* (MC/MR, KC, MR) */
  float b_pack[((NC + NR - 1) / NR) * NR * KC] __attribute__ ((aligned (64))); /* (NC/NR, KC, NR) */
  float edge[MR * NR] __attribute__ ((aligned (64)));

  if (M == 0 || N == 0)
    return;
  if (K == 0 || alpha == 0.0f)
    {
      for (size_t i = 0; i < M; i++)
        for (size_t j = 0; j < N; j++)
          C[i * ldc + j] = beta == 0.0f ? 0.0f : beta * C[i * ldc + j];
      return;
    }

  for (size_t j0 = 0; j0 < N; j0 += NC)
    {
      size_t nc = MIN (NC, N - j0);

      for (size_t k0 = 0; k0 < K; k0 += KC)
        {
          size_t kc = MIN (KC, K - k0);
          /* later K blocks add onto what the first one wrote */
          float beta_k = k0 == 0 ? beta : 1.0f;

          pack_b (trans_b, B, ldb, k0, kc, j0, nc, b_pack);
          for (size_t i0 = 0; i0 < M; i0 += MC)
            {
              size_t mc = MIN (MC, M - i0);

              pack_a (trans_a, A, lda, i0, mc, k0, kc, a_pack);
              for (size_t jr = 0; jr < nc; jr += NR)
                {
                  size_t nr = MIN (NR, nc - jr);
                  const float *bp = b_pack + (jr / NR) * kc * NR;

                  for (size_t ir = 0; ir < mc; ir += MR)
                    {
                      size_t mr = MIN (MR, mc - ir);
                      const float *ap = a_pack + (ir / MR) * kc * MR;
                      float *c = C + (i0 + ir) * ldc + j0 + jr;

                      if (mr == MR && nr == NR)
                        kernel (kc, ap, bp, c, ldc, alpha, beta_k);
                      else
                        {
                          /* partial tile: compute into a scratch tile, copy the valid part */
                          kernel (kc, ap, bp, edge, NR, alpha, 0.0f);
                          for (size_t r = 0; r < mr; r++)
                            for (size_t q = 0; q < nr; q++)
                              c[r * ldc + q] = edge[r * NR + q] +
                                               (beta_k == 0.0f ? 0.0f : beta_k * c[r * ldc + q]);
                        }
                    }
                }
            }
        }
    }
}

void
nn_sgemm (NnTranspose  trans_a,
          NnTranspose  trans_b,
          size_t       M,
          size_t       N,
          size_t       K,
          float        alpha,
          const float *A,
          size_t       lda,
          const float *B,
          size_t       ldb,
          float        beta,
          float       *C,
          size_t       ldc)
{
  nn_sgemm_with_kernel (choose_kernel ()->kernel, trans_a, trans_b, M, N, K, alpha, A, lda, B,
                        ldb, beta, C, ldc);
}

void
nn_sgemm_generic (NnTranspose  trans_a,
                  NnTranspose  trans_b,
                  size_t       M,
                  size_t       N,
                  size_t       K,
                  float        alpha,
                  const float *A,
                  size_t       lda,
                  const float *B,
                  size_t       ldb,
                  float        beta,
                  float       *C,
                  size_t       ldc)
{
  nn_sgemm_with_kernel (kernel_generic, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta,
                        C, ldc);
}
