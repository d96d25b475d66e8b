/* bench-gemm.c: GFLOP/s of the engine's SGEMM on the network's shapes, beside OpenBLAS */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>

#include "nn-gemm.h"
#include "nn-rng.h"

/* OpenBLAS is optional: loaded at run time when installed, to show the machine's GEMM peak. */
typedef void (*CblasSgemm) (int, int, int, int, int, int, float, const float *, int,
                            const float *, int, float, float *, int);
typedef void (*SetThreads) (int);

enum { CBLAS_ROW_MAJOR = 101, CBLAS_NO_TRANS = 111, CBLAS_TRANS = 112 };

typedef struct
{
  const char *what;
  NnTranspose ta, tb;
  size_t      M, N, K;
} Shape;

static const Shape shapes[] = {
  { "conv1 forward", NN_NO_TRANS, NN_NO_TRANS, 32, 784, 9 },
  { "conv2 forward", NN_NO_TRANS, NN_NO_TRANS, 64, 196, 288 },
  { "conv2 weight grad", NN_NO_TRANS, NN_TRANS, 64, 288, 196 },
  { "conv2 input grad", NN_TRANS, NN_NO_TRANS, 288, 196, 64 },
  { "dense1 forward (B 32)", NN_NO_TRANS, NN_TRANS, 32, 128, 3136 },
  { "dense1 weight grad", NN_TRANS, NN_NO_TRANS, 128, 3136, 32 },
  { "dense1 input grad", NN_NO_TRANS, NN_NO_TRANS, 32, 3136, 128 },
  { "square 512", NN_NO_TRANS, NN_NO_TRANS, 512, 512, 512 },
  { "square 1024", NN_NO_TRANS, NN_NO_TRANS, 1024, 1024, 1024 },
};

static double
best_gflops (const Shape *s,
             CblasSgemm   cblas,
             const float *A,
             const float *B,
             float       *C)
{
  size_t lda = s->ta == NN_NO_TRANS ? s->K : s->M, ldb = s->tb == NN_NO_TRANS ? s->N : s->K;
  double flops = 2.0 * s->M * s->N * s->K, best = 0;
  int reps = (int) MAX (1, 2e8 / flops);

  for (int round = 0; round < 5; round++)
    {
      gint64 start = g_get_monotonic_time ();
      double seconds;

      for (int r = 0; r < reps; r++)
        {
          if (cblas != NULL)
            cblas (CBLAS_ROW_MAJOR, s->ta ? CBLAS_TRANS : CBLAS_NO_TRANS,
                   s->tb ? CBLAS_TRANS : CBLAS_NO_TRANS, (int) s->M, (int) s->N, (int) s->K, 1.0f,
                   A, (int) lda, B, (int) ldb, 0.0f, C, (int) s->N);
          else
            nn_sgemm (s->ta, s->tb, s->M, s->N, s->K, 1.0f, A, lda, B, ldb, 0.0f, C, s->N);
        }
      seconds = (g_get_monotonic_time () - start) / 1e6;
      if (round > 0)
        best = MAX (best, reps * flops / seconds / 1e9);
    }
  return best;
}

int
main (void)
{
  void *blas = dlopen ("libopenblas.so.0", RTLD_NOW);
  CblasSgemm cblas = blas != NULL ? (CblasSgemm) dlsym (blas, "cblas_sgemm") : NULL;
  SetThreads set_threads = blas != NULL ? (SetThreads) dlsym (blas, "openblas_set_num_threads")
                                        : NULL;
  size_t max = 1024 * 1024 * 4;
  g_autofree float *A = g_new (float, max);
  g_autofree float *B = g_new (float, max);
  g_autofree float *C = g_new (float, max);
  NnRng rng;

  nn_rng_init (&rng, 1);
  for (size_t i = 0; i < max; i++)
    A[i] = nn_rng_normal (&rng), B[i] = nn_rng_normal (&rng);
  if (set_threads != NULL)
    set_threads (1);

  printf ("One core, single precision, best of 4 warm rounds. Engine kernel: %s\n\n",
          nn_sgemm_kernel_name ());
  printf ("%-24s %16s %10s %10s %7s\n", "shape", "M×N×K", "engine", "OpenBLAS", "ratio");
  for (size_t i = 0; i < G_N_ELEMENTS (shapes); i++)
    {
      const Shape *s = &shapes[i];
      g_autofree char *dims = g_strdup_printf ("%c%c %zu×%zu×%zu", s->ta ? 'T' : 'N',
                                               s->tb ? 'T' : 'N', s->M, s->N, s->K);
      double ours = best_gflops (s, NULL, A, B, C);

      if (cblas != NULL)
        {
          double theirs = best_gflops (s, cblas, A, B, C);

          printf ("%-24s %16s %10.1f %10.1f %7.2f\n", s->what, dims, ours, theirs, ours / theirs);
        }
      else
        printf ("%-24s %16s %10.1f %10s\n", s->what, dims, ours, "–");
    }
  printf ("\nGFLOP/s%s\n", cblas != NULL ? "" : " (OpenBLAS not installed: apt install libopenblas0)");
  return 0;
}
