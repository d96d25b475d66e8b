/* nn-gemm.h: single-precision matrix multiply, vectorised with run-time CPU dispatch */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  NN_NO_TRANS = 0,
  NN_TRANS = 1,
} NnTranspose;

/* Row-major C (M, N) = alpha * op(A) (M, K) · op(B) (K, N) + beta * C.
 * op(A) is A (M, K) with leading dimension lda, or A^T where A is stored (K, M).
 * op(B) is B (K, N) with leading dimension ldb, or B^T where B is stored (N, K).
 * beta == 0 overwrites C without reading it (so C may hold NaN garbage).
 * Thread-safe and reentrant; never allocates on the heap; single-threaded. */
void         nn_sgemm             (NnTranspose  trans_a,
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
                                   size_t       ldc);

/* The plain triple loop the optimised kernel is tested against. */
void         nn_sgemm_ref         (NnTranspose  trans_a,
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
                                   size_t       ldc);

/* The chosen kernel's register tile, mr rows × nr columns of C: threads sharing out a product
 * by blocks of C take whole tiles. Each value of C is the same sum in the same order whatever
 * block of C a call computes (the K dimension is never split), so such a split is bit for bit
 * one call. */
void         nn_sgemm_tile        (size_t      *mr,
                                   size_t      *nr);

/* Blocks of an (M, N) product for about n_blocks threads' shares: *mb rows and *nb columns,
 * whole register tiles of the chosen kernel, columns split first. */
void         nn_sgemm_blocks      (size_t       M,
                                   size_t       N,
                                   size_t       n_blocks,
                                   size_t      *mb,
                                   size_t      *nb);

/* Name of the kernel chosen for this CPU: "avx512", "avx2-fma" or "generic". The environment
 * variable DIGIT_LAB_GEMM_KERNEL may name a slower one the CPU runs, for comparisons; every
 * vectorised loop of the engine follows the same choice (nn_cpu_level ()). */
const char  *nn_sgemm_kernel_name (void);
/* The kernels this CPU runs, best first, by index, for tests and benchmarks. */
size_t       nn_sgemm_n_kernels      (void);
const char  *nn_sgemm_kernel_name_at (size_t       index);
void         nn_sgemm_with           (size_t       kernel_index,
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
                                      size_t       ldc);

G_END_DECLS
