/* nn-cpu.h: which instruction sets this CPU runs, and which ones the engine's kernels use */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* Kernel variants, each needing more of the CPU than the one before. */
typedef enum
{
  NN_CPU_GENERIC,           /* portable C */
  NN_CPU_AVX2,              /* AVX2 and FMA */
  NN_CPU_AVX512,            /* AVX-512F */
  NN_CPU_N_LEVELS
} NnCpuLevel;

/* Whether this CPU runs code built for level. */
gboolean     nn_cpu_runs       (NnCpuLevel level);
/* The level every vectorised loop of the engine follows: the best this CPU runs, unless the
 * environment variable DIGIT_LAB_GEMM_KERNEL names a lower one it runs ("avx512", "avx2-fma",
 * "generic"), for comparisons. Decided once per process. */
NnCpuLevel   nn_cpu_level      (void);
/* "avx512", "avx2-fma" or "generic" */
const char  *nn_cpu_level_name (NnCpuLevel level);
/* The processor's model name as the system gives it, and the level used: "AMD EPYC 7B13
 * (avx2-fma)"; "unknown CPU (generic)" where the system does not say. */
char        *nn_cpu_dup_description (void);

/* Physical cores this process may run on: hardware threads (SMT siblings) of one core count
 * once, for two threads on one core share its vector units, which the kernels keep busy. Read
 * from Linux's CPU topology for the CPUs of the affinity mask; elsewhere, or when that cannot
 * be read, g_get_num_processors (). At least 1. */
guint        nn_cpu_n_cores    (void);

/* For plain loops worth vectors: the function built a second time for AVX2 and chosen at run
 * time, so that CPUs without AVX-512 run it there. The same operations in the same order (C11
 * forbids fusing multiply-adds), so the same results. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define NN_VECTOR_CLONES __attribute__ ((target_clones ("avx2", "default")))
#else
#define NN_VECTOR_CLONES
#endif

G_END_DECLS
