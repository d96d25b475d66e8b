/* nn-gemm-private.h: what nn-gemm.c shares with its micro-kernels, one file per instruction set */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

#include "nn-cpu.h"
#include "nn-gemm.h"

G_BEGIN_DECLS

typedef void (*MicroKernel) (size_t       kc,
                             const float *a,    /* (kc, mr) packed */
                             const float *b,    /* (kc, nr) packed */
                             float       *c,    /* (mr, nr) tile, row stride ldc */
                             size_t       ldc,
                             float        alpha,
                             float        beta);

typedef void (*Transpose8) (const float *src,
                            size_t       ld_src,
                            float       *dst,
                            size_t       ld_dst);

typedef struct
{
  NnCpuLevel   level;
  MicroKernel  kernel;
  size_t       mr;
  size_t       nr;
  Transpose8   transpose8;
} KernelChoice;

/* Each takes a packed (kc, mr) panel of A and (kc, nr) of B and writes
 * c = alpha · a·b + beta · c (beta == 0: c is not read). */
void nn_gemm_kernel_avx2      (size_t       kc,
                               const float *a,
                               const float *b,
                               float       *c,
                               size_t       ldc,
                               float        alpha,
                               float        beta);
void nn_gemm_kernel_avx512    (size_t       kc,
                               const float *a,
                               const float *b,
                               float       *c,
                               size_t       ldc,
                               float        alpha,
                               float        beta);
/* Copies the 8×8 block at src (rows ld_src apart) transposed to dst (rows ld_dst apart). */
void nn_gemm_transpose8_avx2  (const float *src,
                               size_t       ld_src,
                               float       *dst,
                               size_t       ld_dst);

G_END_DECLS
