/* nn-cpu.c: CPU feature detection and the DIGIT_LAB_GEMM_KERNEL override, in one place */
/* SPDX-License-Identifier: GPL-3.0-or-later */
#include "nn-cpu.h"

#include <string.h>

static const char *const level_names[NN_CPU_N_LEVELS] = {
  [NN_CPU_GENERIC] = "generic",
  [NN_CPU_AVX2] = "avx2-fma",
  [NN_CPU_AVX512] = "avx512",
};

const char *
nn_cpu_level_name (NnCpuLevel level)
{
  g_return_val_if_fail ((guint) level < NN_CPU_N_LEVELS, NULL);
  return level_names[level];
}

gboolean
nn_cpu_runs (NnCpuLevel level)
{
#if defined(__x86_64__) || defined(__i386__)
  __builtin_cpu_init ();
  switch (level)
    {
    case NN_CPU_AVX512:
      return __builtin_cpu_supports ("avx512f") != 0;
    case NN_CPU_AVX2:
      return __builtin_cpu_supports ("avx2") && __builtin_cpu_supports ("fma");
    default:
      break;
    }
#endif
  return level == NN_CPU_GENERIC;
}

NnCpuLevel
nn_cpu_level (void)
{
  static gsize chosen = 0;

  if (g_once_init_enter (&chosen))
    {
      const char *wanted = g_getenv ("DIGIT_LAB_GEMM_KERNEL");
      int level = -1;

      /* the named level if this CPU runs it, else the best one it runs */
      for (int l = NN_CPU_N_LEVELS - 1; l >= 0 && level < 0; l--)
        if (nn_cpu_runs (l) && (wanted == NULL || g_strcmp0 (wanted, level_names[l]) == 0))
          level = l;
      for (int l = NN_CPU_N_LEVELS - 1; l >= 0 && level < 0; l--)
        if (nn_cpu_runs (l))
          level = l;
      g_once_init_leave (&chosen, (gsize) level + 1);
    }
  return (NnCpuLevel) (chosen - 1);
}

char *
nn_cpu_dup_description (void)
{
  g_autofree char *cpuinfo = NULL;
  g_autofree char *name = NULL;

  /* Linux; elsewhere the name stays unknown */
  if (g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    {
      g_auto(GStrv) lines = g_strsplit (cpuinfo, "\n", -1);

      for (size_t i = 0; lines[i] != NULL && name == NULL; i++)
        if (g_str_has_prefix (lines[i], "model name") && strchr (lines[i], ':') != NULL)
          name = g_strstrip (g_strdup (strchr (lines[i], ':') + 1));
    }
  if (name == NULL || *name == '\0' || !g_utf8_validate (name, -1, NULL) || strlen (name) > 128)
    {
      g_free (name);
      name = g_strdup ("unknown CPU");
    }
  return g_strdup_printf ("%s (%s)", name, nn_cpu_level_name (nn_cpu_level ()));
}
