/* nn-gemm.c: blocked, packed SGEMM; micro-kernels by instruction set in nn-gemm-*.c */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-gemm.h"

#include <stdlib.h>
#include <string.h>

#include "nn-cpu.h"
#include "nn-gemm-private.h"

#if defined(__x86_64__) || defined(__i386__)
#define HAVE_X86 1
#endif

/* Each micro-kernel has its own tile, mr×nr: 6×16 for AVX2 (12 ymm accumulators), 8×32 for
 * AVX-512 (16 zmm accumulators). Cache blocks MC×KC of op(A) and KC×NC of op(B) are packed on
 * the stack in panels of the kernel's tile; MC and NC are multiples of every mr and nr.
 * KC·nr floats of B (16 or 32 KiB) stay in L1 while a tile accumulates in registers. */
#define MR_MAX 8
#define NR_MAX 32
#define KC 256
#define MC 96
#define NC 384


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

/* Copies the 8×8 block at src (rows ld_src apart) transposed to dst (rows ld_dst apart). */
static void
transpose8_generic (const float *src,
                    size_t       ld_src,
                    float       *dst,
                    size_t       ld_dst)
{
  for (size_t r = 0; r < 8; r++)
    for (size_t c = 0; c < 8; c++)
      dst[c * ld_dst + r] = src[r * ld_src + c];
}


/* Packs rows [i0, i0+mc) × cols [k0, k0+kc) of op(A) into MR-row panels, zero-padded. */
static inline void
pack_a (NnTranspose  t,
        const float *A,
        size_t       lda,
        size_t       i0,
        size_t       mc,
        size_t       k0,
        size_t       kc,
        size_t       MR,
        Transpose8   transpose8,
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
          size_t k = 0;

          /* a full panel of eight rows: transposed eight columns at a time */
          if (MR == 8 && mr == 8)
            for (; k + 8 <= kc; k += 8)
              transpose8 (A + (i0 + ip) * lda + k0 + k, lda, dst + k * 8, 8);
          dst += k * MR;
          for (; k < kc; k++)
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
static inline void
pack_b (NnTranspose  t,
        const float *B,
        size_t       ldb,
        size_t       k0,
        size_t       kc,
        size_t       j0,
        size_t       nc,
        size_t       NR,
        Transpose8   transpose8,
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
          /* op(B)(k, j) = B[j, k]: transpose NR rows of B, each contiguous in k; whole 8×8
           * blocks at once */
          size_t c_full = nr & ~(size_t) 7, k_full = kc & ~(size_t) 7;

          for (size_t c = 0; c < c_full; c += 8)
            for (size_t k = 0; k < k_full; k += 8)
              transpose8 (B + (j0 + jp + c) * ldb + k0 + k, ldb, dst + k * NR + c, NR);
          for (size_t c = 0; c < NR; c++)
            {
              size_t k = c < c_full ? k_full : 0;

              if (c < nr)
                {
                  const float *src = B + (j0 + jp + c) * ldb + k0;

                  for (; k < kc; k++)
                    dst[k * NR + c] = src[k];
                }
              else
                for (; k < kc; k++)
                  dst[k * NR + c] = 0.0f;
            }
          dst += kc * NR;
        }
    }
}

#define MR 6
#define NR 16
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

#undef MR
#undef NR


/* Every kernel this build has, best first; the ones this CPU can run are listed by
 * usable_kernels (). */
static const KernelChoice all_kernels[] = {
#ifdef HAVE_X86
  { NN_CPU_AVX512, nn_gemm_kernel_avx512, 8, 32, nn_gemm_transpose8_avx2 },
  { NN_CPU_AVX2, nn_gemm_kernel_avx2, 6, 16, nn_gemm_transpose8_avx2 },
#endif
  { NN_CPU_GENERIC, kernel_generic, 6, 16, transpose8_generic },
};

static gboolean
cpu_runs (const KernelChoice *k)
{
  return nn_cpu_runs (k->level);
}

/* The kernel of the level nn-cpu chose (the best the CPU runs, or the one
 * DIGIT_LAB_GEMM_KERNEL names). */
static const KernelChoice *
choose_kernel (void)
{
  NnCpuLevel level = nn_cpu_level ();

  for (size_t i = 0; i < G_N_ELEMENTS (all_kernels); i++)
    if (all_kernels[i].level == level)
      return &all_kernels[i];
  return &all_kernels[G_N_ELEMENTS (all_kernels) - 1];
}

void
nn_sgemm_tile (size_t *mr,
               size_t *nr)
{
  const KernelChoice *k = choose_kernel ();

  *mr = k->mr;
  *nr = k->nr;
}

void
nn_sgemm_blocks (size_t  M,
                 size_t  N,
                 size_t  n_blocks,
                 size_t *mb,
                 size_t *nb)
{
  size_t mr, nr, tm, tn, bm = 1, bn = 1;

  nn_sgemm_tile (&mr, &nr);
  tm = MAX ((size_t) 1, (M + mr - 1) / mr);
  tn = MAX ((size_t) 1, (N + nr - 1) / nr);
  /* split the side with more tiles per block left, so that blocks stay about square in tiles */
  while (bm * bn < n_blocks && (bm < tm || bn < tn))
    {
      if (bn < tn && (tn + bn - 1) / bn >= (tm + bm - 1) / bm)
        bn++;
      else if (bm < tm)
        bm++;
      else
        bn++;
    }
  *mb = (tm + bm - 1) / bm * mr;
  *nb = (tn + bn - 1) / bn * nr;
}

const char *
nn_sgemm_kernel_name (void)
{
  return nn_cpu_level_name (choose_kernel ()->level);
}

size_t
nn_sgemm_n_kernels (void)
{
  size_t n = 0;

  for (size_t i = 0; i < G_N_ELEMENTS (all_kernels); i++)
    n += cpu_runs (&all_kernels[i]);
  return n;
}

static const KernelChoice *
usable_kernel (size_t index)
{
  for (size_t i = 0; i < G_N_ELEMENTS (all_kernels); i++)
    if (cpu_runs (&all_kernels[i]) && index-- == 0)
      return &all_kernels[i];
  return NULL;
}

const char *
nn_sgemm_kernel_name_at (size_t index)
{
  const KernelChoice *k = usable_kernel (index);

  return k != NULL ? nn_cpu_level_name (k->level) : NULL;
}

/* The blocked algorithm with a given micro-kernel. */
static void
nn_sgemm_with_kernel (const KernelChoice *choice,
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
  float b_pack[NC * KC] __attribute__ ((aligned (64)));                    /* (NC/NR, KC, NR) */
  float edge[MR_MAX * NR_MAX] __attribute__ ((aligned (64)));
  MicroKernel kernel = choice->kernel;
  const size_t MR = choice->mr, NR = choice->nr;

  G_STATIC_ASSERT (MC % 6 == 0 && MC % 8 == 0 && NC % 16 == 0 && NC % 32 == 0);

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

          /* constant panel widths let the compiler unroll the copies */
          if (NR == 32)
            pack_b (trans_b, B, ldb, k0, kc, j0, nc, 32, choice->transpose8, b_pack);
          else if (NR == 16)
            pack_b (trans_b, B, ldb, k0, kc, j0, nc, 16, choice->transpose8, b_pack);
          else
            pack_b (trans_b, B, ldb, k0, kc, j0, nc, NR, choice->transpose8, b_pack);
          for (size_t i0 = 0; i0 < M; i0 += MC)
            {
              size_t mc = MIN (MC, M - i0);

              if (MR == 8)
                pack_a (trans_a, A, lda, i0, mc, k0, kc, 8, choice->transpose8, a_pack);
              else if (MR == 6)
                pack_a (trans_a, A, lda, i0, mc, k0, kc, 6, choice->transpose8, a_pack);
              else
                pack_a (trans_a, A, lda, i0, mc, k0, kc, MR, choice->transpose8, a_pack);
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
  nn_sgemm_with_kernel (choose_kernel (), trans_a, trans_b, M, N, K, alpha, A, lda, B,
                        ldb, beta, C, ldc);
}

void
nn_sgemm_with (size_t       kernel_index,
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
  const KernelChoice *k = usable_kernel (kernel_index);

  g_return_if_fail (k != NULL);
  nn_sgemm_with_kernel (k, trans_a, trans_b, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}
