/* test-gemm.c: the packed GEMM, with each micro-kernel, against the plain triple loop */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <math.h>
#include <string.h>

#include "nn-gemm.h"
#include "nn-rng.h"

typedef void (*Gemm) (NnTranspose, NnTranspose, size_t, size_t, size_t, float, const float *,
                      size_t, const float *, size_t, float, float *, size_t);

static void
check_gemm (Gemm        gemm,
            NnTranspose ta,
            NnTranspose tb,
            size_t      M,
            size_t      N,
            size_t      K,
            size_t      pad,
            float       alpha,
            float       beta,
            guint64     seed)
{
  /* stored shapes: A (M, K) or (K, M); B (K, N) or (N, K); leading dimensions padded */
  size_t a_rows = ta == NN_NO_TRANS ? M : K, a_cols = ta == NN_NO_TRANS ? K : M;
  size_t b_rows = tb == NN_NO_TRANS ? K : N, b_cols = tb == NN_NO_TRANS ? N : K;
  size_t lda = a_cols + pad, ldb = b_cols + pad, ldc = N + pad;
  g_autofree float *A = g_new (float, MAX (a_rows * lda, 1));
  g_autofree float *B = g_new (float, MAX (b_rows * ldb, 1));
  g_autofree float *C = g_new (float, MAX (M * ldc, 1));
  g_autofree float *R = g_new (float, MAX (M * ldc, 1));
  NnRng rng;

  nn_rng_init (&rng, seed);
  for (size_t i = 0; i < a_rows * lda; i++)
    A[i] = nn_rng_normal (&rng);
  for (size_t i = 0; i < b_rows * ldb; i++)
    B[i] = nn_rng_normal (&rng);
  for (size_t i = 0; i < M * ldc; i++)
    R[i] = C[i] = beta == 0.0f ? NAN : nn_rng_normal (&rng);
  gemm (ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
  nn_sgemm_ref (ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, R, ldc);
  for (size_t i = 0; i < M; i++)
    {
      for (size_t j = 0; j < N; j++)
        {
          float c = C[i * ldc + j], r = R[i * ldc + j];
          /* float rounding grows like √K for values of order √K */
          double tol = 1e-5 * (K + 1) + 1e-5 * fabsf (r);

          if (!(fabs (c - r) <= tol))
            g_error ("%c%c %zu×%zu×%zu α=%g β=%g: C[%zu,%zu] = %g, expected %g",
                     ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, alpha, beta, i, j, c, r);
        }
      /* padding columns are never touched */
      for (size_t j = N; j < ldc; j++)
        if (beta != 0.0f)
          g_assert_cmpfloat (C[i * ldc + j], ==, R[i * ldc + j]);
    }
}

static const size_t sizes[][3] = {
  { 1, 1, 1 }, { 1, 17, 3 }, { 7, 1, 5 }, { 6, 16, 1 }, { 5, 15, 7 }, { 13, 33, 29 },
  { 64, 196, 288 }, { 64, 288, 196 }, { 288, 196, 64 }, { 32, 784, 9 }, { 32, 9, 784 },
  { 32, 128, 3136 }, { 128, 3136, 32 }, { 32, 3136, 128 }, { 97, 389, 257 }, { 95, 385, 255 },
  { 96, 384, 256 }, { 200, 50, 513 },
};

static void
run_all (Gemm gemm)
{
  guint64 seed = 1;

  for (size_t s = 0; s < G_N_ELEMENTS (sizes); s++)
    for (int ta = 0; ta < 2; ta++)
      for (int tb = 0; tb < 2; tb++)
        {
          check_gemm (gemm, ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 0, 1.0f, 0.0f, seed++);
          check_gemm (gemm, ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 3, 0.5f, 1.0f, seed++);
          check_gemm (gemm, ta, tb, sizes[s][0], sizes[s][1], sizes[s][2], 1, 1.0f, -0.3f, seed++);
        }
}

static void
test_gemm_dispatch (void)
{
  g_test_message ("kernel: %s", nn_sgemm_kernel_name ());
  run_all (nn_sgemm);
}

/* Each kernel this CPU runs, whichever the dispatch picks. */
static size_t current_kernel;

static void
gemm_current (NnTranspose  ta,
              NnTranspose  tb,
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
  nn_sgemm_with (current_kernel, ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

static void
test_gemm_each_kernel (void)
{
  size_t n = nn_sgemm_n_kernels ();

  g_assert_cmpuint (n, >=, 1);
  /* the generic kernel runs everywhere and is always last */
  g_assert_cmpstr (nn_sgemm_kernel_name_at (n - 1), ==, "generic");
  g_assert_null (nn_sgemm_kernel_name_at (n));
  for (current_kernel = 0; current_kernel < n; current_kernel++)
    {
      g_test_message ("kernel %s", nn_sgemm_kernel_name_at (current_kernel));
      run_all (gemm_current);
    }
}

static void
test_gemm_edge_cases (void)
{
  float C[4] = { 1, 2, 3, 4 };
  float A[2] = { 1, 2 }, B[2] = { 3, 4 };

  /* K = 0: C = beta · C */
  nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, 2, 2, 0, 1.0f, A, 1, B, 2, 0.5f, C, 2);
  g_assert_cmpfloat (C[3], ==, 2.0f);
  /* M = 0 touches nothing */
  nn_sgemm (NN_NO_TRANS, NN_NO_TRANS, 0, 2, 1, 1.0f, A, 1, B, 2, 0.0f, C, 2);
  g_assert_cmpfloat (C[0], ==, 0.5f);
}

/* A product computed block by block, as threads share it out, is the whole product bit for bit:
 * each value is the same sum in the same order. Odd sizes, K beyond one cache block, every
 * transposition, accumulating onto C. */
static void
test_gemm_blocks (void)
{
  static const size_t dims[][3] = { { 13, 37, 300 }, { 1, 5, 3 }, { 64, 128, 32 }, { 7, 3136, 29 } };
  static const size_t n_blocks[] = { 1, 2, 3, 7, 16, 64 };
  NnRng rng;

  nn_rng_init (&rng, 77);
  for (size_t d = 0; d < G_N_ELEMENTS (dims); d++)
    for (int t = 0; t < 4; t++)
      {
        size_t M = dims[d][0], N = dims[d][1], K = dims[d][2];
        NnTranspose ta = t & 1 ? NN_TRANS : NN_NO_TRANS, tb = t & 2 ? NN_TRANS : NN_NO_TRANS;
        size_t lda = ta == NN_TRANS ? M : K, ldb = tb == NN_TRANS ? K : N;
        g_autofree float *A = g_new (float, M * K);
        g_autofree float *B = g_new (float, K * N);
        g_autofree float *C0 = g_new (float, M * N);
        g_autofree float *whole = g_new (float, M * N);
        g_autofree float *parts = g_new (float, M * N);

        for (size_t i = 0; i < M * K; i++)
          A[i] = nn_rng_normal (&rng);
        for (size_t i = 0; i < K * N; i++)
          B[i] = nn_rng_normal (&rng);
        for (size_t i = 0; i < M * N; i++)
          C0[i] = nn_rng_normal (&rng);
        memcpy (whole, C0, sizeof (float) * M * N);
        nn_sgemm (ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, whole, N);
        for (size_t n = 0; n < G_N_ELEMENTS (n_blocks); n++)
          {
            size_t mb, nb;

            nn_sgemm_blocks (M, N, n_blocks[n], &mb, &nb);
            g_assert_cmpuint (mb, >, 0);
            g_assert_cmpuint (nb, >, 0);
            memcpy (parts, C0, sizeof (float) * M * N);
            for (size_t i0 = 0; i0 < M; i0 += mb)
              for (size_t j0 = 0; j0 < N; j0 += nb)
                nn_sgemm (ta, tb, MIN (mb, M - i0), MIN (nb, N - j0), K, 1.0f,
                          ta == NN_TRANS ? A + i0 : A + i0 * lda, lda,
                          tb == NN_TRANS ? B + j0 * ldb : B + j0, ldb, 1.0f,
                          parts + i0 * N + j0, N);
            g_assert_cmpmem (parts, sizeof (float) * M * N, whole, sizeof (float) * M * N);
          }
      }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/engine/gemm/dispatch", test_gemm_dispatch);
  g_test_add_func ("/engine/gemm/each-kernel", test_gemm_each_kernel);
  g_test_add_func ("/engine/gemm/edge-cases", test_gemm_edge_cases);
  g_test_add_func ("/engine/gemm/blocks", test_gemm_blocks);
  return g_test_run ();
}
